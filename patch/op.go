package patch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gomagnum/magnum/errdefs"
)

// The operations Magnum accepts. RFC 6902's move, copy and test are refused.
const (
	OpAdd     = "add"
	OpReplace = "replace"
	OpRemove  = "remove"
)

// Op is one JSON-Patch operation. Value is the raw JSON value; nil means the
// operation carries no value (JSON null is the non-nil "null").
type Op struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value,omitempty"`
}

// HasValue reports whether the operation carries a value (null counts).
func (o Op) HasValue() bool { return o.Value != nil }

// Parse reads a PATCH body: a JSON array of {"op", "path", "value"}
// objects. Other members (such as "from") are ignored, as RFC 6902 says.
// It reports every malformed operation at once (errdefs.ErrInvalid, Field
// the operation's path); rules that depend on the resource are checked by
// Apply.
func Parse(data []byte) ([]Op, error) {
	if t := bytes.TrimSpace(data); len(t) == 0 || t[0] != '[' {
		return nil, &errdefs.Error{Kind: errdefs.ErrInvalid, Reason: "a patch must be a JSON array of operations"}
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(data, &raws); err != nil {
		return nil, &errdefs.Error{Kind: errdefs.ErrInvalid, Reason: "a patch must be a JSON array of operations", Err: err}
	}
	ops := make([]Op, 0, len(raws))
	var errs []error
	for i, raw := range raws {
		op, err := parseOp(i, raw)
		if err == nil {
			err = checkSyntax(op)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ops = append(ops, op)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return ops, nil
}

// parseOp decodes one operation, matching member names exactly.
func parseOp(i int, raw json.RawMessage) (Op, error) {
	var members map[string]json.RawMessage
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' || json.Unmarshal(raw, &members) != nil {
		return Op{}, &errdefs.Error{Kind: errdefs.ErrInvalid, Reason: fmt.Sprintf("operation %d is not an object", i)}
	}
	var op Op
	for _, m := range []struct {
		name string
		dst  *string
	}{{"op", &op.Op}, {"path", &op.Path}} {
		v, ok := members[m.name]
		if !ok {
			return Op{}, &errdefs.Error{Kind: errdefs.ErrInvalid, Reason: fmt.Sprintf("operation %d has no %q", i, m.name)}
		}
		if err := json.Unmarshal(v, m.dst); err != nil {
			return Op{}, &errdefs.Error{Kind: errdefs.ErrInvalid, Reason: fmt.Sprintf("operation %d: %q must be a string", i, m.name)}
		}
	}
	if v, ok := members["value"]; ok {
		op.Value = v
	}
	return op, nil
}

// checkSyntax applies the rules that need no knowledge of the resource.
func checkSyntax(op Op) error {
	switch {
	case op.Op != OpAdd && op.Op != OpReplace && op.Op != OpRemove:
		return invalid(op.Path, "unsupported operation %q (only add, replace and remove)", op.Op)
	case !validPath(op.Path):
		return invalid(op.Path, "a path is one or more /name segments of ASCII letters, digits, '_' and '-'")
	case op.Op != OpRemove && !op.HasValue():
		return invalid(op.Path, "%s needs a value", op.Op)
	case op.HasValue() && !json.Valid(op.Value):
		return invalid(op.Path, "the value is not valid JSON")
	}
	return nil
}

// validPath reports whether p matches Magnum's ^(/[\w-]+)+$ with \w taken
// as ASCII letters, digits and '_'.
func validPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '/':
			if i+1 == len(p) || p[i+1] == '/' {
				return false
			}
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

func invalid(path, format string, args ...any) *errdefs.Error {
	return &errdefs.Error{Kind: errdefs.ErrInvalid, Field: path, Reason: fmt.Sprintf(format, args...)}
}
