package cli

import (
	"encoding/json"
	"strings"

	"github.com/gomagnum/magnum/patch"
)

// patchOps turns Magnum's command-line update form — an op (add, replace,
// remove) and attribute=value pairs (attribute names for remove) — into
// JSON-Patch operations. Values travel as strings; the SDK converts them
// to each field's type as Magnum's API does.
func patchOps(cmd, op string, attrs []string) ([]patch.Op, error) {
	switch op {
	case patch.OpAdd, patch.OpReplace, patch.OpRemove:
	default:
		return nil, usagef(cmd, "op must be add, replace or remove, not %q", op)
	}
	ops := make([]patch.Op, 0, len(attrs))
	for _, a := range attrs {
		name, value, hasValue := strings.Cut(a, "=")
		name = strings.TrimSpace(name)
		if name == "" {
			return nil, usagef(cmd, "%q: missing attribute name", a)
		}
		o := patch.Op{Op: op, Path: "/" + strings.TrimPrefix(name, "/")}
		switch {
		case op == patch.OpRemove && hasValue:
			return nil, usagef(cmd, "remove takes attribute names without values, got %q", a)
		case op != patch.OpRemove && !hasValue:
			return nil, usagef(cmd, "%s needs attribute=value, got %q", op, a)
		case hasValue:
			raw, err := json.Marshal(value)
			if err != nil {
				return nil, usagef(cmd, "%q: %v", a, err)
			}
			o.Value = raw
		}
		ops = append(ops, o)
	}
	return ops, nil
}
