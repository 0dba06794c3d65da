package openstack

import (
	"encoding/json"
	"math"
	"strings"
	"time"

	"github.com/gomagnum/magnum/heat"
)

// Heat's REST bodies, as far as the orchestrator reads and writes them.

// stackBody is the body of POST /stacks, PUT and PATCH /stacks/{name}/{id}.
// Template and environment travel as strings: Heat parses them itself, so
// the bytes the renderer produced (YAML or JSON) reach Heat unchanged, and
// nested templates travel in Files, from memory.
type stackBody struct {
	StackName       string            `json:"stack_name,omitempty"`
	Template        string            `json:"template,omitempty"`
	Files           map[string]string `json:"files,omitempty"`
	Environment     string            `json:"environment,omitempty"`
	Parameters      map[string]any    `json:"parameters,omitempty"`
	ClearParameters []string          `json:"clear_parameters,omitempty"`
	Tags            *string           `json:"tags,omitempty"`
	TimeoutMins     int               `json:"timeout_mins,omitempty"`
	DisableRollback *bool             `json:"disable_rollback,omitempty"`
}

// timeoutMins rounds a duration up to whole minutes (0 stays 0: Heat's
// default).
func timeoutMins(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int(math.Ceil(d.Minutes()))
}

type createResponse struct {
	Stack struct {
		ID string `json:"id"`
	} `json:"stack"`
}

// wireStack is a stack in Heat's show and list answers.
type wireStack struct {
	ID           string            `json:"id"`
	Name         string            `json:"stack_name"`
	Status       string            `json:"stack_status"`
	StatusReason string            `json:"stack_status_reason"`
	Tags         []string          `json:"tags"`
	Parameters   map[string]string `json:"parameters"`
	Outputs      []wireOutput      `json:"outputs"`
	CreationTime string            `json:"creation_time"`
	UpdatedTime  *string           `json:"updated_time"`
}

type wireOutput struct {
	Key   string          `json:"output_key"`
	Value json.RawMessage `json:"output_value"`
	Error string          `json:"output_error"`
}

type showResponse struct {
	Stack wireStack `json:"stack"`
}

type listResponse struct {
	Stacks []wireStack `json:"stacks"`
}

// toStack converts a wire stack. Outputs that Heat could not resolve
// (output_error) are left out, and reported to onOutputError.
func (ws wireStack) toStack(withOutputs bool, onOutputError func(key, msg string)) (heat.Stack, error) {
	s := heat.Stack{
		ID:           ws.ID,
		Name:         ws.Name,
		Status:       ws.Status,
		StatusReason: ws.StatusReason,
		Tags:         ws.Tags,
		Parameters:   ws.Parameters,
		CreatedAt:    parseHeatTime(ws.CreationTime),
	}
	if ws.UpdatedTime != nil {
		s.UpdatedAt = parseHeatTime(*ws.UpdatedTime)
	}
	if !withOutputs {
		return s, nil
	}
	s.Outputs = make(map[string]any, len(ws.Outputs))
	for _, o := range ws.Outputs {
		if o.Error != "" {
			if onOutputError != nil {
				onOutputError(o.Key, o.Error)
			}
			continue
		}
		var v any
		if len(o.Value) > 0 {
			if err := json.Unmarshal(o.Value, &v); err != nil {
				return s, err
			}
		}
		s.Outputs[o.Key] = v
	}
	return s, nil
}

// parseHeatTime reads Heat's timestamps ("2024-05-01T10:00:00Z", older
// releases without the zone, some with fractions). Unreadable or empty
// values give the zero time.
func parseHeatTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999", "2006-01-02 15:04:05.999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// wireResource is an entry of GET /stacks/{name}/{id}/resources.
type wireResource struct {
	Name           string     `json:"resource_name"`
	Type           string     `json:"resource_type"`
	Status         string     `json:"resource_status"`
	Reason         string     `json:"resource_status_reason"`
	PhysicalID     string     `json:"physical_resource_id"`
	ParentResource string     `json:"parent_resource"`
	Links          []wireLink `json:"links"`
}

type wireLink struct {
	Href string `json:"href"`
	Rel  string `json:"rel"`
}

type resourcesResponse struct {
	Resources []wireResource `json:"resources"`
}

// link returns the stack ID at the end of the link with the given rel
// (".../stacks/{name}/{id}"), or "".
func (r wireResource) link(rel string) string {
	for _, l := range r.Links {
		if l.Rel != rel {
			continue
		}
		_, rest, ok := strings.Cut(l.Href, "/stacks/")
		if !ok {
			return ""
		}
		parts := strings.Split(rest, "/")
		if len(parts) < 2 {
			return ""
		}
		return parts[1]
	}
	return ""
}
