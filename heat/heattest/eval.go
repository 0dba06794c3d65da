package heattest

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"maps"
	"math"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/gomagnum/magnum/heat"
)

// invalidError is a problem Heat reports when a stack is submitted: the
// request is answered 400 and no stack is made.
type invalidError struct{ msg string }

func (e *invalidError) Error() string { return e.msg }

// heatError is a failure met while resolving a value, worded as Heat
// words it (Heat's messages are capitalised sentences).
type heatError struct{ msg string }

func (e *heatError) Error() string { return e.msg }

func heatErrorf(format string, args ...any) error {
	return &heatError{msg: fmt.Sprintf(format, args...)}
}

func invalidf(format string, args ...any) error {
	return &invalidError{msg: fmt.Sprintf(format, args...)}
}

// evaluator resolves HOT intrinsic functions inside one template instance.
type evaluator struct {
	inst  *instance
	files map[string]string
}

// eval returns v with every intrinsic function call replaced by its value.
func (e *evaluator) eval(v any) (any, error) {
	if fn, args, ok := heat.Intrinsic(v); ok {
		return e.call(fn, args)
	}
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, item := range x {
			r, err := e.eval(item)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, item := range x {
			r, err := e.eval(item)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	return v, nil
}

func (e *evaluator) call(fn string, args any) (any, error) {
	switch fn {
	case "get_param":
		return e.getParam(args)
	case "get_resource":
		name, ok := args.(string)
		if !ok {
			return nil, invalidf("get_resource: the argument must be a resource name")
		}
		r, err := e.resource(name)
		if err != nil || r == nil {
			return nil, err
		}
		return r.refValue(), nil
	case "get_attr":
		return e.getAttr(args)
	case "get_file":
		name, ok := args.(string)
		if !ok {
			return nil, invalidf("get_file: the argument must be a file name")
		}
		content, ok := e.files[name]
		if !ok {
			return nil, invalidf("Could not fetch remote template %q: Invalid URL scheme", name)
		}
		return content, nil
	case "if":
		l, ok := args.([]any)
		if !ok || len(l) != 3 {
			return nil, invalidf("if: needs [condition, value if true, value if false]")
		}
		c, err := e.condition(l[0])
		if err != nil {
			return nil, err
		}
		if c {
			return e.eval(l[1])
		}
		return e.eval(l[2])
	case "equals", "not", "and", "or", "contains":
		return e.condition(map[string]any{fn: args})
	}
	// The rest take evaluated arguments.
	a, err := e.eval(args)
	if err != nil {
		return nil, err
	}
	switch fn {
	case "list_join":
		return listJoin(a)
	case "str_replace", "str_replace_strict", "str_replace_vstrict":
		return strReplace(fn, a)
	case "str_split":
		return strSplit(a)
	case "repeat":
		return repeat(a)
	case "map_merge":
		return mapMerge(a)
	case "map_replace":
		return mapReplace(a)
	case "list_concat", "list_concat_unique":
		return listConcat(a, fn == "list_concat_unique")
	case "digest":
		return digest(a)
	case "filter":
		return filter(a)
	case "make_url":
		return makeURL(a)
	}
	return nil, invalidf("%s: not supported by heattest", fn)
}

func (e *evaluator) getParam(args any) (any, error) {
	var name string
	var path []any
	switch x := args.(type) {
	case string:
		name = x
	case []any:
		if len(x) == 0 {
			return nil, invalidf("get_param: needs a parameter name")
		}
		n, err := e.eval(x[0])
		if err != nil {
			return nil, err
		}
		s, ok := n.(string)
		if !ok {
			return nil, invalidf("get_param: the parameter name must be a string")
		}
		name = s
		rest, err := e.eval(x[1:])
		if err != nil {
			return nil, err
		}
		path = rest.([]any)
	default:
		return nil, invalidf("get_param: needs a parameter name")
	}
	v, ok := e.inst.param(name)
	if !ok {
		return nil, invalidf("The Parameter (%s) was not provided.", name)
	}
	return walkPath(v, path)
}

// resource returns a resource of the instance, or nil when its condition
// left it out (Heat then resolves references to it as null).
func (e *evaluator) resource(name string) (*resource, error) {
	if r, ok := e.inst.res[name]; ok {
		return r, nil
	}
	if e.inst.tmpl != nil {
		if _, declared := e.inst.tmpl.Resources[name]; declared {
			return nil, nil
		}
	}
	return nil, invalidf("The specified reference %q is incorrect.", name)
}

func (e *evaluator) getAttr(args any) (any, error) {
	l, ok := args.([]any)
	if !ok || len(l) == 0 {
		return nil, invalidf("get_attr: needs [resource, attribute, path...]")
	}
	ev, err := e.eval(l)
	if err != nil {
		return nil, err
	}
	l = ev.([]any)
	name, ok := l[0].(string)
	if !ok {
		return nil, invalidf("get_attr: the resource name must be a string")
	}
	r, err := e.resource(name)
	if err != nil || r == nil {
		return nil, err
	}
	if len(l) == 1 {
		return r.attribute("show", nil)
	}
	attr, ok := l[1].(string)
	if !ok {
		return nil, invalidf("get_attr: the attribute name must be a string")
	}
	return r.attribute(attr, l[2:])
}

// condition evaluates a condition: a bool, the name of a condition of the
// template, or equals/not/and/or/contains/get_param.
func (e *evaluator) condition(v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		if b, ok := e.inst.cond[x]; ok {
			return b, nil
		}
		if x == "true" || x == "True" {
			return true, nil
		}
		if x == "false" || x == "False" {
			return false, nil
		}
		return false, invalidf("Invalid condition %q", x)
	}
	fn, args, ok := heat.Intrinsic(v)
	if !ok {
		return false, invalidf("Invalid condition %s", describe(v))
	}
	switch fn {
	case "equals":
		a, err := e.eval(args)
		if err != nil {
			return false, err
		}
		l, ok := a.([]any)
		if !ok || len(l) != 2 {
			return false, invalidf("equals: needs two values")
		}
		return equalValues(l[0], l[1]), nil
	case "not":
		b, err := e.condition(args)
		return !b, err
	case "and", "or":
		l, ok := args.([]any)
		if !ok || len(l) < 2 {
			return false, invalidf("%s: needs a list of at least two conditions", fn)
		}
		for _, item := range l {
			b, err := e.condition(item)
			if err != nil {
				return false, err
			}
			if fn == "and" && !b {
				return false, nil
			}
			if fn == "or" && b {
				return true, nil
			}
		}
		return fn == "and", nil
	case "contains":
		a, err := e.eval(args)
		if err != nil {
			return false, err
		}
		l, ok := a.([]any)
		if !ok || len(l) != 2 {
			return false, invalidf("contains: needs [value, list]")
		}
		seq, ok := l[1].([]any)
		if !ok {
			return false, invalidf("contains: the second argument must be a list")
		}
		return slices.ContainsFunc(seq, func(x any) bool { return equalValues(x, l[0]) }), nil
	case "get_param":
		p, err := e.getParam(args)
		if err != nil {
			return false, err
		}
		switch b := p.(type) {
		case bool:
			return b, nil
		case string:
			return strings.EqualFold(b, "true") || b == "1" || strings.EqualFold(b, "yes") || strings.EqualFold(b, "on"), nil
		}
		return false, invalidf("get_param in a condition must give a boolean")
	}
	return false, invalidf("%s is not a condition function", fn)
}

// ---------------------------------------------------------------- values

// walkPath indexes into maps (by key) and lists (by index) along path.
func walkPath(v any, path []any) (any, error) {
	for _, step := range path {
		switch x := v.(type) {
		case nil:
			return nil, nil
		case map[string]any:
			k, ok := step.(string)
			if !ok {
				k = scalarString(step)
			}
			v = x[k]
		case []any:
			i, ok := toIndex(step)
			if !ok || i < 0 || i >= len(x) {
				return nil, fmt.Errorf("index %v out of range for a list of %d", step, len(x))
			}
			v = x[i]
		default:
			return nil, fmt.Errorf("cannot index %s with %v", describe(v), step)
		}
	}
	return v, nil
}

func toIndex(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case float64:
		if x == math.Trunc(x) {
			return int(x), true
		}
	case string:
		i, err := strconv.Atoi(x)
		return i, err == nil
	}
	return 0, false
}

// scalarString formats a value as Heat does when it substitutes it into a
// string: numbers without a trailing ".0", maps and lists as Python's
// json.dumps writes them.
func scalarString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "true"
		}
		return "false"
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return strconv.FormatInt(int64(x), 10)
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return pyJSON(v)
}

func equalValues(a, b any) bool {
	if fa, ok := number(a); ok {
		if fb, ok := number(b); ok {
			return fa == fb
		}
	}
	return reflect.DeepEqual(a, b)
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

func describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "a map"
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	}
	if _, ok := number(v); ok {
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}

// ---------------------------------------------------------------- functions

func listJoin(a any) (any, error) {
	l, ok := a.([]any)
	if !ok || len(l) < 1 {
		return nil, errors.New("list_join: needs [delimiter, list, ...]")
	}
	delim, ok := l[0].(string)
	if !ok {
		return nil, errors.New("list_join: the delimiter must be a string")
	}
	var parts []string
	for _, item := range l[1:] {
		switch x := item.(type) {
		case nil:
		case []any:
			for _, el := range x {
				switch el.(type) {
				case string, map[string]any, []any:
					parts = append(parts, scalarString(el))
				case nil:
					parts = append(parts, "")
				default:
					// Heat: "Items to join must be string, map or list not 1".
					return nil, heatErrorf("Items to join must be string, map or list not %s", scalarString(el))
				}
			}
		case string:
			// A JSON list given as a string is accepted by Heat too.
			var decoded []any
			if json.Unmarshal([]byte(x), &decoded) != nil {
				return nil, errors.New("list_join: arguments must be lists")
			}
			for _, el := range decoded {
				parts = append(parts, scalarString(el))
			}
		default:
			return nil, errors.New("list_join: arguments must be lists")
		}
	}
	return strings.Join(parts, delim), nil
}

func strReplace(fn string, a any) (any, error) {
	m, ok := a.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: needs {template, params}", fn)
	}
	tpl, ok := m["template"].(string)
	if !ok {
		return nil, fmt.Errorf("%s: template must be a string", fn)
	}
	params, ok := m["params"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: params must be a map", fn)
	}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	// Longest keys first, as Heat does, so "$NAME_X" wins over "$NAME".
	sort.Slice(keys, func(i, j int) bool {
		if len(keys[i]) != len(keys[j]) {
			return len(keys[i]) > len(keys[j])
		}
		return keys[i] < keys[j]
	})
	for _, k := range keys {
		val := scalarString(params[k])
		if fn != "str_replace" && !strings.Contains(tpl, k) {
			return nil, fmt.Errorf("%s: the parameter %q was not found in the template", fn, k)
		}
		if fn == "str_replace_vstrict" && val == "" {
			return nil, fmt.Errorf("%s: the value of %q is empty", fn, k)
		}
		tpl = strings.ReplaceAll(tpl, k, val)
	}
	return tpl, nil
}

func strSplit(a any) (any, error) {
	l, ok := a.([]any)
	if !ok || len(l) < 2 || len(l) > 3 {
		return nil, errors.New("str_split: needs [delimiter, string, index?]")
	}
	delim, ok1 := l[0].(string)
	s, ok2 := l[1].(string)
	if !ok1 || !ok2 {
		return nil, errors.New("str_split: delimiter and string must be strings")
	}
	parts := strings.Split(s, delim)
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	if len(l) == 3 {
		i, ok := toIndex(l[2])
		if !ok || i < 0 || i >= len(out) {
			return nil, errors.New("str_split: index out of range")
		}
		return out[i], nil
	}
	return out, nil
}

// maxRepeat bounds the values one repeat may produce.
const maxRepeat = 10000

func repeat(a any) (any, error) {
	m, ok := a.(map[string]any)
	if !ok {
		return nil, errors.New("repeat: needs {for_each, template}")
	}
	forEach, ok := m["for_each"].(map[string]any)
	if !ok || len(forEach) == 0 {
		return nil, errors.New("repeat: for_each must be a map of lists")
	}
	perm := true
	if p, ok := m["permutations"].(bool); ok {
		perm = p
	}
	keys := make([]string, 0, len(forEach))
	lists := map[string][]any{}
	for k, v := range forEach {
		l, ok := v.([]any)
		if !ok {
			return nil, errors.New("repeat: each for_each value must be a list")
		}
		keys = append(keys, k)
		lists[k] = l
	}
	sort.Strings(keys)
	var combos []map[string]any
	if perm {
		combos = []map[string]any{{}}
		for _, k := range keys {
			var next []map[string]any
			for _, c := range combos {
				for _, v := range lists[k] {
					nc := map[string]any{}
					for ck, cv := range c {
						nc[ck] = cv
					}
					nc[k] = v
					next = append(next, nc)
				}
			}
			combos = next
			if len(combos) > maxRepeat {
				return nil, fmt.Errorf("repeat: more than %d combinations", maxRepeat)
			}
		}
	} else {
		n := len(lists[keys[0]])
		for _, k := range keys {
			if len(lists[k]) != n {
				return nil, errors.New("repeat: without permutations all lists must have the same length")
			}
		}
		for i := range n {
			c := map[string]any{}
			for _, k := range keys {
				c[k] = lists[k][i]
			}
			combos = append(combos, c)
		}
	}
	out := make([]any, 0, len(combos))
	for _, c := range combos {
		v := substitute(m["template"], c)
		if err := firstSubstError(v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// substError marks a failed substitution inside a value.
type substError struct{ msg string }

func (e substError) Error() string { return e.msg }

func firstSubstError(v any) error {
	switch x := v.(type) {
	case substError:
		return x
	case map[string]any:
		for _, item := range x {
			if err := firstSubstError(item); err != nil {
				return err
			}
		}
	case []any:
		for _, item := range x {
			if err := firstSubstError(item); err != nil {
				return err
			}
		}
	}
	return nil
}

func pyType(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int, int64:
		return "int"
	case float64:
		return "float"
	case map[string]any:
		return "dict"
	case []any:
		return "list"
	}
	return fmt.Sprintf("%T", v)
}

// substitute replaces placeholder keys in every string (and map key) of v.
func substitute(v any, repl map[string]any) any {
	switch x := v.(type) {
	case string:
		for _, k := range slices.Sorted(maps.Keys(repl)) {
			if !strings.Contains(x, k) {
				continue
			}
			r, ok := repl[k].(string)
			if !ok {
				// Heat substitutes with Python's str.replace, which takes strings only.
				return substError{fmt.Sprintf("replace() argument 2 must be str, not %s", pyType(repl[k]))}
			}
			x = strings.ReplaceAll(x, k, r)
		}
		return x
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, item := range x {
			nk, ok := substitute(k, repl).(string)
			if !ok {
				nk = k
			}
			out[nk] = substitute(item, repl)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, item := range x {
			out[i] = substitute(item, repl)
		}
		return out
	}
	return v
}

func mapMerge(a any) (any, error) {
	l, ok := a.([]any)
	if !ok {
		return nil, errors.New("map_merge: needs a list of maps")
	}
	out := map[string]any{}
	for _, item := range l {
		if item == nil {
			continue
		}
		m, ok := item.(map[string]any)
		if !ok {
			return nil, errors.New("map_merge: every item must be a map")
		}
		for k, v := range m {
			out[k] = v
		}
	}
	return out, nil
}

func mapReplace(a any) (any, error) {
	l, ok := a.([]any)
	if !ok || len(l) != 2 {
		return nil, errors.New("map_replace: needs [map, {keys, values}]")
	}
	m, ok1 := l[0].(map[string]any)
	spec, ok2 := l[1].(map[string]any)
	if !ok1 || !ok2 {
		return nil, errors.New("map_replace: needs [map, {keys, values}]")
	}
	keys, _ := spec["keys"].(map[string]any)
	values, _ := spec["values"].(map[string]any)
	out := map[string]any{}
	for k, v := range m {
		nk := k
		if r, ok := keys[k]; ok {
			nk = scalarString(r)
		}
		if _, dup := out[nk]; dup {
			return nil, fmt.Errorf("map_replace: key %q would be duplicated", nk)
		}
		if s, ok := v.(string); ok {
			if r, ok := values[s]; ok {
				v = r
			}
		}
		out[nk] = v
	}
	return out, nil
}

func listConcat(a any, unique bool) (any, error) {
	l, ok := a.([]any)
	if !ok {
		return nil, errors.New("list_concat: needs a list of lists")
	}
	out := []any{}
	for _, item := range l {
		if item == nil {
			continue
		}
		sub, ok := item.([]any)
		if !ok {
			return nil, errors.New("list_concat: every item must be a list")
		}
		for _, el := range sub {
			if unique && slices.ContainsFunc(out, func(x any) bool { return equalValues(x, el) }) {
				continue
			}
			out = append(out, el)
		}
	}
	return out, nil
}

func digest(a any) (any, error) {
	l, ok := a.([]any)
	if !ok || len(l) != 2 {
		return nil, errors.New("digest: needs [algorithm, value]")
	}
	alg, _ := l[0].(string)
	var h hash.Hash
	switch alg {
	case "md5":
		h = md5.New()
	case "sha1":
		h = sha1.New()
	case "sha224":
		h = sha256.New224()
	case "sha256":
		h = sha256.New()
	case "sha384":
		h = sha512.New384()
	case "sha512":
		h = sha512.New()
	default:
		return nil, fmt.Errorf("digest: unknown algorithm %q", alg)
	}
	h.Write([]byte(scalarString(l[1])))
	return hex.EncodeToString(h.Sum(nil)), nil
}

func filter(a any) (any, error) {
	l, ok := a.([]any)
	if !ok || len(l) != 2 {
		return nil, errors.New("filter: needs [values to remove, list]")
	}
	remove, _ := l[0].([]any)
	seq, ok := l[1].([]any)
	if !ok {
		return nil, errors.New("filter: the second argument must be a list")
	}
	out := []any{}
	for _, el := range seq {
		if !slices.ContainsFunc(remove, func(x any) bool { return equalValues(x, el) }) {
			out = append(out, el)
		}
	}
	return out, nil
}

func makeURL(a any) (any, error) {
	m, ok := a.(map[string]any)
	if !ok {
		return nil, errors.New("make_url: needs a map")
	}
	u := url.URL{Scheme: scalarString(m["scheme"]), Host: scalarString(m["host"])}
	if strings.Contains(u.Host, ":") && !strings.HasPrefix(u.Host, "[") {
		u.Host = "[" + u.Host + "]"
	}
	if p := scalarString(m["port"]); p != "" {
		u.Host += ":" + p
	}
	if p := scalarString(m["path"]); p != "" {
		u.Path = "/" + strings.TrimPrefix(p, "/")
	}
	if q, ok := m["query"].(map[string]any); ok {
		vals := url.Values{}
		for k, v := range q {
			vals.Set(k, scalarString(v))
		}
		u.RawQuery = vals.Encode()
	}
	u.Fragment = scalarString(m["fragment"])
	return u.String(), nil
}

// pyJSON encodes v as Python's json.dumps does with its defaults (", " and
// ": " separators, non-ASCII escaped), which is how Heat turns maps and
// lists into strings. Keys are sorted; Heat keeps the document's order,
// which the fake no longer knows.
func pyJSON(v any) string {
	var b strings.Builder
	writePyJSON(&b, v)
	return b.String()
}

func writePyJSON(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case string:
		writePyString(b, x)
	case int, int64, float64:
		b.WriteString(scalarString(x))
	case []string:
		b.WriteByte('[')
		for i, item := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writePyString(b, item)
		}
		b.WriteByte(']')
	case []any:
		b.WriteByte('[')
		for i, item := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writePyJSON(b, item)
		}
		b.WriteByte(']')
	case map[string]any:
		b.WriteByte('{')
		for i, k := range slices.Sorted(maps.Keys(x)) {
			if i > 0 {
				b.WriteString(", ")
			}
			writePyString(b, k)
			b.WriteString(": ")
			writePyJSON(b, x[k])
		}
		b.WriteByte('}')
	default:
		raw, err := json.Marshal(x)
		if err != nil {
			b.WriteString("null")
			return
		}
		var generic any
		if json.Unmarshal(raw, &generic) != nil {
			b.WriteString("null")
			return
		}
		writePyJSON(b, generic)
	}
}

func writePyString(b *strings.Builder, s string) {
	const hexdigits = "0123456789abcdef"
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20 || (r >= 0x7f && r <= 0xffff):
			b.WriteString(`\u`)
			b.WriteByte(hexdigits[r>>12&0xf])
			b.WriteByte(hexdigits[r>>8&0xf])
			b.WriteByte(hexdigits[r>>4&0xf])
			b.WriteByte(hexdigits[r&0xf])
		case r > 0xffff:
			r1, r2 := utf16.EncodeRune(r)
			for _, u := range []rune{r1, r2} {
				b.WriteString(`\u`)
				b.WriteByte(hexdigits[u>>12&0xf])
				b.WriteByte(hexdigits[u>>8&0xf])
				b.WriteByte(hexdigits[u>>4&0xf])
				b.WriteByte(hexdigits[u&0xf])
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}
