package labels

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"strconv"

	"github.com/gomagnum/magnum/errdefs"
)

// Labels are driver-interpreted settings of a template, cluster or node
// group. Values are stored as strings; JSON input may give them as strings,
// numbers or booleans, which are converted to their canonical text (see
// UnmarshalJSON).
type Labels map[string]string

// UnmarshalJSON accepts an object whose values are strings, numbers or
// booleans (Magnum accepts all three and stores text). Booleans become
// "true"/"false"; integers keep their digits; other numbers are written in
// plain decimal ("1e3" → "1000", "2.50" → "2.5"). null leaves Labels nil.
// Nested objects, lists and null values are rejected with errdefs.ErrInvalid.
func (l *Labels) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		return &errdefs.Error{Kind: errdefs.ErrInvalid, Reason: "labels must be an object of scalar values", Err: err}
	}
	if _, err := dec.Token(); err != io.EOF {
		return invalidf("labels must be a single JSON object")
	}
	if raw == nil {
		*l = nil
		return nil
	}
	out, err := fromGeneric(raw)
	if err != nil {
		return err
	}
	*l = out
	return nil
}

// fromGeneric converts a decoded JSON or Python-literal object to Labels.
func fromGeneric(raw map[string]any) (Labels, error) {
	out := make(Labels, len(raw))
	for k, v := range raw {
		s, err := scalarText(v)
		if err != nil {
			return nil, invalidf("label %q: %v", k, err)
		}
		out[k] = s
	}
	return out, nil
}

// scalarText is the canonical text of a scalar label value.
func scalarText(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case json.Number:
		return numberText(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case nil:
		return "", fmt.Errorf("value must be a string, number or boolean, not null")
	case map[string]any:
		return "", fmt.Errorf("value must be a string, number or boolean, not an object")
	case []any:
		return "", fmt.Errorf("value must be a string, number or boolean, not a list")
	default:
		return "", fmt.Errorf("value must be a string, number or boolean, not %T", v)
	}
}

// numberText writes integers that fit in 64 bits with their digits and any
// other number in plain decimal notation.
func numberText(n json.Number) (string, error) {
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return strconv.FormatInt(i, 10), nil
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		return "", fmt.Errorf("number %s is out of range", n)
	}
	return strconv.FormatFloat(f, 'f', -1, 64), nil
}

// Clone returns a copy that shares nothing with l (nil stays nil).
func (l Labels) Clone() Labels { return maps.Clone(l) }

// invalidf returns an errdefs.ErrInvalid error about labels.
func invalidf(format string, args ...any) *errdefs.Error {
	return &errdefs.Error{Kind: errdefs.ErrInvalid, Reason: fmt.Sprintf(format, args...)}
}
