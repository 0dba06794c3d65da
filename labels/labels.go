package labels

import (
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
)

// Labels are driver-interpreted settings of a template, cluster or node
// group. Values are stored as strings; JSON input may give them as strings,
// numbers or booleans, which are converted to their canonical text.
type Labels map[string]string

// UnmarshalJSON accepts an object whose values are strings, numbers or
// booleans (Magnum accepts all three and stores text). null leaves Labels nil.
func (l *Labels) UnmarshalJSON(b []byte) error {
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("labels must be an object of scalar values: %w", err)
	}
	if raw == nil {
		*l = nil
		return nil
	}
	out := make(Labels, len(raw))
	for k, v := range raw {
		s, err := scalarText(v)
		if err != nil {
			return fmt.Errorf("label %q: %w", k, err)
		}
		out[k] = s
	}
	*l = out
	return nil
}

func scalarText(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	default:
		return "", fmt.Errorf("value must be a string, number or boolean, not %T", v)
	}
}

// Clone returns a copy that shares nothing with l (nil stays nil).
func (l Labels) Clone() Labels { return maps.Clone(l) }
