package patch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/labels"
)

// Apply applies ops to *doc under rules and reports which top-level JSON
// attributes changed, in declaration order. T must be a struct; its JSON
// encoding is what the paths address.
//
// Apply works on a copy and writes *doc back only when every operation
// succeeded and every rule held: on error *doc is untouched. Problems that
// can be seen without running the patch (bad syntax, internal, unknown or
// non-removable paths, values of the wrong type) are all reported together;
// a failure while running (adding onto a set attribute, a missing member)
// stops at the first. Changes to attributes outside rules.Allowed are all
// reported together. Every problem is an *errdefs.Error of kind ErrInvalid
// whose Field is the JSON path; Resource and ID are left for the caller
// (errdefs.WithResource).
//
// Semantics, following Magnum (§1.11 of the reference):
//   - add, replace and remove only; paths match ^(/[A-Za-z0-9_-]+)+$, so a
//     label whose name has other characters (such as '.' or '/') cannot be
//     addressed alone: replace the whole /labels instead;
//   - add at the top level only onto an unset attribute, otherwise "use
//     replace": null, or for a field that is not a pointer its zero value
//     ("", 0, an empty map or slice); false counts as set;
//     below the top level add follows RFC 6902 (sets a member, inserts into
//     a list at an index or at "-"); a missing object or list is created by
//     an add into it;
//   - remove at the top level resets to rules.RemoveDefaults or to null,
//     which decodes as the field's zero value;
//   - values are converted to the field's Go type: "true"/"False"/"1" for
//     booleans, "3" or 3.0 for integers, a number's text or true/false for
//     strings, null for the zero value; at rules.StringDicts paths a string
//     is read as a JSON or Python-literal dict or list
//     (labels.ParseLiteral). Types with their own UnmarshalJSON, such as
//     labels.Labels, convert values their own way.
//
// Attributes are found by their JSON names, as encoding/json names struct
// fields (a MarshalJSON method on T itself is not consulted). Attributes no
// operation touches keep their values exactly, as do fields hidden from
// JSON (tag "-") and unexported fields.
func Apply[T any](doc *T, ops []Op, rules Rules) (changed []string, err error) {
	if doc == nil {
		return nil, &errdefs.Error{Kind: errdefs.ErrInvalid, Reason: "patch: no document"}
	}
	rt := reflect.TypeFor[T]()
	if rt.Kind() != reflect.Struct {
		return nil, &errdefs.Error{Kind: errdefs.ErrUnsupported, Reason: fmt.Sprintf("patch: %s is not a struct", rt)}
	}
	sch := schemaOf(rt)

	steps, err := prepare(ops, sch, rules)
	if err != nil {
		return nil, err
	}

	// Only the attributes an operation touches take part: each is encoded
	// on its own, patched as a JSON value, and decoded back into its type.
	var touched []field
	for _, f := range sch.fields {
		if slices.ContainsFunc(steps, func(s step) bool { return s.segs[0] == f.name }) {
			touched = append(touched, f)
		}
	}
	docV := reflect.ValueOf(doc).Elem()
	tree := make(map[string]any, len(touched))
	before := make(map[string][]byte, len(touched))
	for _, f := range touched {
		b, err := json.Marshal(docV.FieldByIndex(f.index).Addr().Interface())
		if err != nil {
			return nil, fmt.Errorf("patch: encoding %s: %w", f.name, err)
		}
		if tree[f.name], err = decodeGeneric(b); err != nil {
			return nil, fmt.Errorf("patch: decoding %s: %w", f.name, err)
		}
		before[f.name] = b
	}
	for _, s := range steps {
		if err := s.run(tree); err != nil {
			return nil, err
		}
	}

	result := *doc
	resV := reflect.ValueOf(&result).Elem()
	var errs []error
	for _, f := range touched {
		b, err := json.Marshal(tree[f.name])
		if err != nil {
			return nil, fmt.Errorf("patch: encoding %s: %w", f.name, err)
		}
		nv := reflect.New(f.typ)
		if err := json.Unmarshal(b, nv.Interface()); err != nil {
			return nil, &errdefs.Error{Kind: errdefs.ErrInvalid, Field: "/" + f.name, Reason: "the patched value is not valid", Err: err}
		}
		after, err := json.Marshal(nv.Interface())
		if err != nil {
			return nil, fmt.Errorf("patch: encoding %s: %w", f.name, err)
		}
		if bytes.Equal(before[f.name], after) {
			continue // unchanged: keep the original value exactly
		}
		changed = append(changed, f.name)
		if rules.Allowed != nil && !slices.Contains(rules.Allowed, "/"+f.name) {
			errs = append(errs, invalid("/"+f.name, "cannot change %s property %s (only %s may change)",
				resourceName(rules), f.name, allowedList(rules.Allowed)))
			continue
		}
		resV.FieldByIndex(f.index).Set(nv.Elem())
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	*doc = result
	return changed, nil
}

func resourceName(r Rules) string {
	if r.Resource == "" {
		return "resource"
	}
	return r.Resource
}

func allowedList(paths []string) string {
	if len(paths) == 0 {
		return "nothing"
	}
	names := make([]string, len(paths))
	for i, p := range paths {
		names[i] = strings.TrimPrefix(p, "/")
	}
	return strings.Join(names, ", ")
}

// step is an operation checked against the document's types, ready to run.
type step struct {
	op    string
	path  string
	segs  []string
	kinds []containerKind // kinds[i]: how the value at segs[:i+1] holds members
	top   reflect.Type    // the top-level attribute's type
	value any             // for add and replace; for a top-level remove, the reset value
}

// prepare checks every operation against the rules and the document's
// types and converts the values, reporting every problem it finds.
func prepare(ops []Op, sch schema, rules Rules) ([]step, error) {
	steps := make([]step, 0, len(ops))
	var errs []error
	for _, op := range ops {
		s, err := prepareOne(op, sch, rules)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		steps = append(steps, s)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return steps, nil
}

func prepareOne(op Op, sch schema, rules Rules) (step, error) {
	if err := checkSyntax(op); err != nil {
		return step{}, err
	}
	segs := strings.Split(op.Path[1:], "/")
	top := "/" + segs[0]
	if slices.Contains(rules.Internal, top) {
		return step{}, invalid(op.Path, "%s is an internal attribute and cannot be changed", top)
	}
	f, ok := sch.lookup(segs[0])
	if !ok {
		return step{}, invalid(op.Path, "unknown attribute %s", top)
	}
	if len(segs) == 1 && slices.Contains(rules.NonRemovable, top) {
		if op.Op == OpRemove {
			return step{}, invalid(op.Path, "%s cannot be removed", top)
		}
		if bytes.Equal(bytes.TrimSpace(op.Value), []byte("null")) {
			return step{}, invalid(op.Path, "%s cannot be set to null", top)
		}
	}

	// Walk the types along the path.
	s := step{op: op.Op, path: op.Path, segs: segs, kinds: make([]containerKind, len(segs)), top: f.typ}
	t, parent := f.typ, reflect.Type(nil)
	s.kinds[0] = containerOf(t)
	for i, seg := range segs[1:] {
		mt, reason := memberType(t, seg, "/"+strings.Join(segs[:i+1], "/"))
		if reason != "" {
			return step{}, invalid(op.Path, "%s", reason)
		}
		if seg == "-" && (op.Op != OpAdd || i+2 != len(segs)) {
			return step{}, invalid(op.Path, `"-" is only for adding at the end of a list`)
		}
		parent, t = t, mt
		s.kinds[i+1] = containerOf(t)
	}

	switch {
	case op.HasValue() && op.Op != OpRemove:
		v, err := decodeGeneric(op.Value)
		if err != nil {
			return step{}, invalid(op.Path, "the value is not valid JSON")
		}
		if str, ok := v.(string); ok && len(segs) == 1 && slices.Contains(rules.StringDicts, top) {
			if v, err = labels.ParseLiteral(str); err != nil {
				return step{}, &errdefs.Error{Kind: errdefs.ErrInvalid, Field: op.Path, Reason: "the string is not a dict or list", Err: err}
			}
		}
		if s.value, err = convert(v, t, parent); err != nil {
			return step{}, &errdefs.Error{Kind: errdefs.ErrInvalid, Field: op.Path, Reason: "bad value", Err: err}
		}
	case op.Op == OpRemove && len(segs) == 1:
		def, ok := rules.RemoveDefaults[top]
		if !ok {
			break
		}
		b, err := json.Marshal(def)
		if err == nil {
			var v any
			if v, err = decodeGeneric(b); err == nil {
				s.value, err = convert(v, t, nil)
			}
		}
		if err != nil {
			return step{}, &errdefs.Error{Kind: errdefs.ErrInvalid, Field: op.Path, Reason: "the rules' reset value does not fit", Err: err}
		}
	}
	return s, nil
}

// convert coerces v to type t and checks that it decodes. A member of a
// map type with its own UnmarshalJSON (such as labels.Labels) is converted
// by that method, so /labels/x and /labels agree on the text of a value.
func convert(v any, t, parent reflect.Type) (any, error) {
	if parent != nil && deref(parent).Kind() == reflect.Map && decodesItself(deref(parent)) {
		m, err := fits(map[string]any{"m": v}, deref(parent))
		if err != nil {
			return nil, err
		}
		obj, ok := m.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s did not decode to an object", deref(parent))
		}
		return obj["m"], nil
	}
	c, err := coerce(v, t)
	if err != nil {
		return nil, err
	}
	return fits(c, t)
}

// run applies the step to the document tree.
func (s step) run(tree map[string]any) error {
	top := s.segs[0]
	if len(s.segs) == 1 {
		if s.op == OpAdd && !unset(tree[top], s.top) {
			return invalid(s.path, "/%s already has a value; use replace", top)
		}
		tree[top] = s.value
		return nil
	}
	v, err := s.at(tree[top], 1)
	if err != nil {
		return err
	}
	tree[top] = v
	return nil
}

// at applies the step below node, which is the value at segs[:depth], and
// returns node's new value.
func (s step) at(node any, depth int) (any, error) {
	seg, last := s.segs[depth], depth == len(s.segs)-1
	where := "/" + strings.Join(s.segs[:depth], "/")
	if node == nil {
		if !last || s.op != OpAdd {
			return nil, invalid(s.path, "%s is null", where)
		}
		switch s.kinds[depth-1] {
		case objectMap, objectStruct:
			node = map[string]any{}
		case list:
			node = []any{}
		default:
			return nil, invalid(s.path, "%s is null", where)
		}
	}
	switch n := node.(type) {
	case map[string]any:
		old, exists := n[seg]
		exists = exists || s.kinds[depth-1] == objectStruct
		if !last {
			if !exists {
				return nil, invalid(s.path, "%s has no member %q", where, seg)
			}
			v, err := s.at(old, depth+1)
			if err != nil {
				return nil, err
			}
			n[seg] = v
			return n, nil
		}
		switch {
		case s.op == OpAdd:
			n[seg] = s.value
		case !exists:
			return nil, invalid(s.path, "%s has no member %q", where, seg)
		case s.op == OpReplace:
			n[seg] = s.value
		default:
			delete(n, seg)
		}
		return n, nil
	case []any:
		if seg == "-" {
			return append(n, s.value), nil
		}
		i, err := strconv.Atoi(seg)
		if err != nil || !isIndex(seg) {
			return nil, invalid(s.path, "%q is not a list index of %s", seg, where)
		}
		size := len(n)
		if last && s.op == OpAdd {
			size++ // inserting at the end is allowed
		}
		if i >= size {
			return nil, invalid(s.path, "index %d is out of range for %s (length %d)", i, where, len(n))
		}
		if !last {
			v, err := s.at(n[i], depth+1)
			if err != nil {
				return nil, err
			}
			n[i] = v
			return n, nil
		}
		switch s.op {
		case OpAdd:
			return slices.Insert(n, i, s.value), nil
		case OpReplace:
			n[i] = s.value
			return n, nil
		default:
			return slices.Delete(n, i, i+1), nil
		}
	default:
		return nil, invalid(s.path, "%s has no members", where)
	}
}

// unset reports whether a top-level value of type t counts as not set:
// null; for a non-pointer field also "", zero, or an empty object or list
// (the models' "not set"). false is a value.
func unset(v any, t reflect.Type) bool {
	if v == nil {
		return true
	}
	if k := t.Kind(); k == reflect.Pointer || k == reflect.Interface {
		return false
	}
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case json.Number:
		f, err := x.Float64()
		return err == nil && f == 0
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	default:
		return false
	}
}
