package heattest

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/gomagnum/magnum/heat"
)

// stack is a top-level stack and its state machine.
type stack struct {
	id, name        string
	tags            []string
	action, state   string // "CREATE", "IN_PROGRESS"
	reason          string
	created         time.Time
	updated         time.Time
	deleted         bool // DELETE_COMPLETE: shown by ID, not listed
	disableRollback bool
	timeoutMins     int

	sub    submission
	root   *instance
	ipam   map[string]*allocator
	serial int

	pending *pending
	prev    *snapshot // state before the running update, for rollback
}

// submission is what a client sent (merged, for PATCH updates).
type submission struct {
	template []byte
	files    map[string]string
	envDoc   []byte
	env      *heat.Environment
	params   map[string]any
}

type snapshot struct {
	sub  submission
	root *instance
}

// pending is an action in progress; its outcome was decided when it began.
type pending struct {
	action  string
	started time.Time
	polls   int
	failure string // the stack's reason when the action fails; "" on success
}

func (st *stack) status() string { return st.action + "_" + st.state }

var stackNameRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_.-]{0,254}$`)

// apiError is an answer in Heat's fault format.
type apiError struct {
	status int
	typ    string
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func badRequest(typ, format string, args ...any) *apiError {
	return &apiError{status: 400, typ: typ, msg: fmt.Sprintf(format, args...)}
}

// stackBody is the JSON of create and update requests.
type stackBody struct {
	StackName       string            `json:"stack_name"`
	Template        json.RawMessage   `json:"template"`
	TemplateURL     string            `json:"template_url"`
	Files           map[string]string `json:"files"`
	Environment     json.RawMessage   `json:"environment"`
	EnvFiles        []string          `json:"environment_files"`
	Parameters      map[string]any    `json:"parameters"`
	ClearParameters []string          `json:"clear_parameters"`
	Tags            json.RawMessage   `json:"tags"`
	TimeoutMins     *int              `json:"timeout_mins"`
	DisableRollback *bool             `json:"disable_rollback"`
}

// document reads a template or environment given as a string (YAML or
// JSON text) or as a JSON object.
func document(raw json.RawMessage) ([]byte, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return []byte(s), nil
	}
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, err
	}
	return raw, nil
}

// tags reads "a,b" or ["a", "b"]; present reports whether the field was sent.
func (b *stackBody) tags() (tags []string, present bool, err error) {
	if len(b.Tags) == 0 || string(b.Tags) == "null" {
		return nil, false, nil
	}
	var s string
	if json.Unmarshal(b.Tags, &s) == nil {
		for _, t := range strings.Split(s, ",") {
			if t = strings.TrimSpace(t); t != "" {
				tags = append(tags, t)
			}
		}
		return tags, true, nil
	}
	if err := json.Unmarshal(b.Tags, &tags); err != nil {
		return nil, true, err
	}
	return tags, true, nil
}

// prepare checks a submission as Heat does before it accepts it: the
// structural check of package heat, then the environment and the template.
// Called without s.mu, or with it held during replay.
func (s *Server) prepare(sub *submission) *apiError {
	if len(strings.TrimSpace(string(sub.template))) == 0 {
		return badRequest("HTTPBadRequest", "No template specified")
	}
	// A replayed change passed the check when it was made; the check is
	// most of the cost of a replay.
	if !s.replaying {
		req := heat.StackRequest{Template: sub.template, Files: sub.files, Environment: sub.envDoc, Parameters: sub.params}
		if err := heat.Check(req, nil); err != nil {
			return badRequest("StackValidationFailed", "%s", oneLine(err.Error()))
		}
	}
	env, err := heat.ParseEnvironment("environment", sub.envDoc)
	if err != nil {
		return badRequest("StackValidationFailed", "%s", oneLine(err.Error()))
	}
	sub.env = env
	return nil
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", "; ") }

// build instantiates a submission for a stack. Called with s.mu held.
func (s *Server) build(st *stack, sub *submission, prev *instance) (*instance, []*resourceFailure, *apiError) {
	t, err := s.parseTemplate("template", sub.template)
	if err != nil {
		return nil, nil, badRequest("StackValidationFailed", "%s", oneLine(err.Error()))
	}
	b := &builder{s: s, st: st, sub: sub, now: s.clock.Now().UTC(), serial: st.serial, parsed: map[string]*heat.Template{}, objects: map[string]*resource{}}
	given := maps.Clone(sub.env.Parameters)
	if given == nil {
		given = map[string]any{}
	}
	maps.Copy(given, sub.params)
	root, err := b.instantiate(st.name, t, given, true, prev, nil, "")
	if err != nil {
		typ := "StackValidationFailed"
		if strings.HasPrefix(err.Error(), "The Parameter (") && strings.HasSuffix(err.Error(), "was not defined in template.") {
			typ = "UnknownUserParameter"
		}
		return nil, nil, badRequest(typ, "%s", err.Error())
	}
	return root, b.failures, nil
}

// checkCreate parses and checks a create's submission. It reads no server
// state, so handlers call it before they take s.mu: the structural check
// is most of a request's work, and the fake should serve other requests
// meanwhile, as Heat does.
func (s *Server) checkCreate(body *stackBody) (*submission, *apiError) {
	sub, aerr := newSubmission(body)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := s.prepare(sub); aerr != nil {
		return nil, aerr
	}
	return sub, nil
}

// create handles POST /stacks with the result of checkCreate, whose error
// comes after the name and existence checks, as if made here. Called with
// s.mu held.
func (s *Server) create(body *stackBody, sub *submission, checked *apiError) (*stack, *apiError) {
	if !stackNameRE.MatchString(body.StackName) {
		return nil, badRequest("StackValidationFailed", "Invalid stack name %s must contain only alphanumeric or \"_-.\" characters, must start with alpha and must be 255 characters or less.", body.StackName)
	}
	if _, exists := s.byName[body.StackName]; exists {
		return nil, &apiError{status: 409, typ: "StackExists", msg: fmt.Sprintf("The Stack (%s) already exists.", body.StackName)}
	}
	if body.TemplateURL != "" || len(body.EnvFiles) > 0 {
		return nil, badRequest("HTTPBadRequest", "heattest: template_url and environment_files are not supported; send template, environment and files")
	}
	if checked != nil {
		return nil, checked
	}
	tags, _, err := body.tags()
	if err != nil {
		return nil, badRequest("HTTPBadRequest", "tags: %v", err)
	}
	now := s.clock.Now().UTC()
	st := &stack{
		id: s.newUUID(), name: body.StackName, tags: tags, created: now,
		disableRollback: true, ipam: map[string]*allocator{}, serial: 1,
	}
	if body.DisableRollback != nil {
		st.disableRollback = *body.DisableRollback
	}
	if body.TimeoutMins != nil {
		st.timeoutMins = *body.TimeoutMins
	}
	root, failures, aerr := s.build(st, sub, nil)
	if aerr != nil {
		return nil, aerr
	}
	st.sub, st.root = *sub, root
	st.start("CREATE", applyFailures("CREATE", failures), now)
	s.stacks[st.id] = st
	s.byName[st.name] = st
	return st, nil
}

func newSubmission(body *stackBody) (*submission, *apiError) {
	tpl, err := document(body.Template)
	if err != nil {
		return nil, badRequest("HTTPBadRequest", "template: %v", err)
	}
	env, err := document(body.Environment)
	if err != nil {
		return nil, badRequest("HTTPBadRequest", "environment: %v", err)
	}
	return &submission{template: tpl, files: maps.Clone(body.Files), envDoc: env, params: maps.Clone(body.Parameters)}, nil
}

// start begins an action whose outcome (failure reason or "") is known.
func (st *stack) start(action, failure string, now time.Time) {
	st.action, st.state, st.reason = action, "IN_PROGRESS", "Stack "+action+" started"
	st.pending = &pending{action: action, started: now, failure: failure}
}

// checkUpdate makes and checks the submission an update (PUT, or PATCH
// over base, the stack's stored submission) asks for. Like checkCreate it
// reads no server state and runs without s.mu.
func (s *Server) checkUpdate(base submission, body *stackBody, patch bool) (*submission, *apiError) {
	if body.TemplateURL != "" || len(body.EnvFiles) > 0 {
		return nil, badRequest("HTTPBadRequest", "heattest: template_url and environment_files are not supported; send template, environment and files")
	}
	next, aerr := newSubmission(body)
	if aerr != nil {
		return nil, aerr
	}
	if patch {
		merged, err := mergeSubmission(base, next, body.ClearParameters)
		if err != nil {
			return nil, badRequest("HTTPBadRequest", "%v", err)
		}
		next = merged
	} else if len(body.ClearParameters) > 0 {
		return nil, badRequest("HTTPBadRequest", "clear_parameters needs PATCH")
	}
	if aerr := s.prepare(next); aerr != nil {
		return nil, aerr
	}
	return next, nil
}

// update handles PUT (patch false) and PATCH with the result of
// checkUpdate, whose error comes after the check of the stack's state.
// Called with s.mu held.
func (s *Server) update(st *stack, body *stackBody, patch bool, next *submission, checked *apiError) *apiError {
	if st.action == "DELETE" {
		return &apiError{status: 409, typ: "ActionInProgress", msg: fmt.Sprintf("Stack %s already has an action (DELETE) in progress.", st.name)}
	}
	if checked != nil {
		return checked
	}
	tags, present, err := body.tags()
	if err != nil {
		return badRequest("HTTPBadRequest", "tags: %v", err)
	}
	st.serial++
	root, failures, aerr := s.build(st, next, st.root)
	if aerr != nil {
		st.serial--
		return aerr
	}
	st.prev = &snapshot{sub: st.sub, root: st.root}
	st.sub, st.root = *next, root
	if present || !patch {
		// Heat drops the tags on a PUT that does not repeat them.
		st.tags = tags
	}
	if body.TimeoutMins != nil {
		st.timeoutMins = *body.TimeoutMins
	}
	if body.DisableRollback != nil {
		st.disableRollback = *body.DisableRollback
	}
	now := s.clock.Now().UTC()
	st.updated = now
	st.start("UPDATE", applyFailures("UPDATE", failures), now)
	return nil
}

// mergeSubmission applies a PATCH (existing=true) to the stored submission:
// the template only if given, files and environment merged, parameters
// merged minus the cleared ones.
func mergeSubmission(old submission, next *submission, clearParams []string) (*submission, error) {
	out := &submission{template: old.template, files: maps.Clone(old.files), params: maps.Clone(old.params)}
	if len(strings.TrimSpace(string(next.template))) > 0 {
		out.template = next.template
	}
	if out.files == nil {
		out.files = map[string]string{}
	}
	maps.Copy(out.files, next.files)
	if out.params == nil {
		out.params = map[string]any{}
	}
	for _, p := range clearParams {
		delete(out.params, p)
	}
	maps.Copy(out.params, next.params)
	out.envDoc = old.envDoc
	if len(strings.TrimSpace(string(next.envDoc))) > 0 {
		oldEnv, err := heat.ParseEnvironment("environment", old.envDoc)
		if err != nil {
			return nil, err
		}
		newEnv, err := heat.ParseEnvironment("environment", next.envDoc)
		if err != nil {
			return nil, err
		}
		merged := map[string]any{}
		params := maps.Clone(oldEnv.Parameters)
		maps.Copy(params, newEnv.Parameters)
		defaults := maps.Clone(oldEnv.ParameterDefaults)
		maps.Copy(defaults, newEnv.ParameterDefaults)
		registry := map[string]any{}
		for k, v := range oldEnv.ResourceRegistry {
			registry[k] = v
		}
		for k, v := range newEnv.ResourceRegistry {
			registry[k] = v
		}
		overrides := map[string]any{}
		for k, v := range oldEnv.ResourceOverrides {
			overrides[k] = v
		}
		for k, v := range newEnv.ResourceOverrides {
			overrides[k] = v
		}
		if len(overrides) > 0 {
			registry["resources"] = overrides
		}
		merged["parameters"], merged["parameter_defaults"], merged["resource_registry"] = params, defaults, registry
		doc, err := json.Marshal(merged)
		if err != nil {
			return nil, err
		}
		out.envDoc = doc
	}
	return out, nil
}

// remove handles DELETE. Called with s.mu held.
func (s *Server) remove(st *stack) {
	st.serial++
	var failures []*resourceFailure
	walk(st.root, func(r *resource, _ int, _ *resource) {
		r.action, r.state, r.reason, r.serial = "DELETE", "COMPLETE", "state changed", st.serial
		for _, f := range s.resourceFaults {
			if r.nested == nil && f.matches(r.name, r.written, r.typ, true) {
				f.fired++
				failures = append(failures, &resourceFailure{res: r, typ: "ResourceInError", reason: f.Reason})
				break
			}
		}
	})
	st.start("DELETE", applyFailures("DELETE", failures), s.clock.Now().UTC())
}

// observe advances the stack's action on a read: it finishes once it has
// been read PollsToComplete times and ActionDuration has passed, or fails
// when the stack's timeout passes first. Called with s.mu held.
func (s *Server) observe(st *stack) {
	p := st.pending
	if p == nil {
		return
	}
	now := s.clock.Now().UTC()
	elapsed := now.Sub(p.started)
	timeout := time.Duration(st.timeoutMins) * time.Minute
	polled := p.polls >= s.opts.PollsToComplete || s.replaying // reads are not persisted
	// An action read for the first time long after it could have finished
	// (ActionDuration within the timeout, enough reads) finished then; it
	// did not time out meanwhile.
	timedOut := timeout > 0 && elapsed >= timeout && p.action != "DELETE" && !(polled && s.opts.ActionDuration < timeout)
	if !timedOut && (!polled || elapsed < s.opts.ActionDuration) {
		p.polls++
		return
	}
	st.pending = nil
	failure := p.failure
	if timedOut && failure == "" {
		failure = p.action + " timed out"
	}
	s.finish(st, p.action, failure, now)
}

func (s *Server) finish(st *stack, action, failure string, now time.Time) {
	switch {
	case failure != "" && !st.disableRollback && (action == "CREATE" || action == "UPDATE"):
		st.serial++
		if action == "CREATE" {
			st.root = &instance{id: st.id, name: st.name, res: map[string]*resource{}, outputs: map[string]outputValue{}}
		} else if st.prev != nil {
			st.sub, st.root = st.prev.sub, st.prev.root
		}
		st.prev = nil
		st.start("ROLLBACK", "", now)
		st.reason = failure
	case failure != "":
		st.state, st.reason = "FAILED", failure
	case action == "DELETE":
		st.state, st.reason, st.deleted = "COMPLETE", "Stack DELETE completed successfully", true
		st.root = &instance{id: st.id, name: st.name, res: map[string]*resource{}, outputs: map[string]outputValue{}}
		if s.byName[st.name] == st {
			delete(s.byName, st.name)
		}
	default:
		st.state, st.reason = "COMPLETE", "Stack "+action+" completed successfully"
		if action != "ROLLBACK" {
			st.prev = nil
		}
	}
}

// ---------------------------------------------------------------- views

func (s *Server) stackLink(st *stack) string {
	return s.OrchestrationEndpoint() + "/stacks/" + st.name + "/" + st.id
}

func heatTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

func (s *Server) summary(st *stack) map[string]any {
	tags := st.tags
	if tags == nil {
		tags = []string{}
	}
	return map[string]any{
		"id": st.id, "stack_name": st.name, "project": s.opts.ProjectID, "description": st.description(),
		"stack_status": st.status(), "stack_status_reason": st.reason,
		"creation_time": heatTime(st.created), "updated_time": heatTime(st.updated), "deletion_time": nil,
		"stack_owner": s.opts.Username, "parent": nil, "tags": slices.Clone(tags),
		"links": []any{map[string]any{"href": s.stackLink(st), "rel": "self"}},
	}
}

func (st *stack) description() string {
	if st.root != nil && st.root.tmpl != nil && st.root.tmpl.Description != "" {
		return st.root.tmpl.Description
	}
	return "No description"
}

// detail is GET /stacks/{name}/{id}.
func (s *Server) detail(st *stack, withOutputs bool) map[string]any {
	m := s.summary(st)
	m["parameters"] = st.shownParameters()
	m["disable_rollback"] = st.disableRollback
	if st.timeoutMins > 0 {
		m["timeout_mins"] = st.timeoutMins
	} else {
		m["timeout_mins"] = nil
	}
	m["capabilities"], m["notification_topics"] = []any{}, []any{}
	m["template_description"] = st.description()
	if withOutputs {
		var outs []any
		if st.root != nil && st.root.tmpl != nil && !st.deleted {
			for _, k := range slices.Sorted(maps.Keys(st.root.outputs)) {
				o := st.root.outputs[k]
				desc := "No description given"
				if d := st.root.tmpl.Outputs[k]; d != nil && d.Description != "" {
					desc = d.Description
				}
				entry := map[string]any{"output_key": k, "description": desc, "output_value": o.value}
				if o.err != "" {
					entry["output_error"] = o.err
					entry["output_value"] = nil
				}
				outs = append(outs, entry)
			}
		}
		if outs == nil {
			outs = []any{}
		}
		m["outputs"] = outs
	}
	return m
}

// shownParameters formats parameter values as Heat shows them: strings.
func (st *stack) shownParameters() map[string]string {
	out := map[string]string{}
	if st.root == nil || st.root.tmpl == nil {
		return out
	}
	for name, v := range st.root.params {
		p := st.root.tmpl.Parameters[name]
		switch {
		case p != nil && p.Hidden:
			out[name] = "******"
		case p != nil && p.Type == "boolean":
			if b, _ := v.(bool); b {
				out[name] = "True"
			} else {
				out[name] = "False"
			}
		case p != nil && p.Type == "comma_delimited_list":
			l, _ := v.([]any)
			parts := make([]string, len(l))
			for i, x := range l {
				parts[i] = scalarString(x)
			}
			out[name] = strings.Join(parts, ",")
		default:
			out[name] = scalarString(v)
		}
	}
	return out
}
