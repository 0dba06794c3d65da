package heat

import (
	"strconv"
	"strings"
)

// since reports a feature the template version does not have yet.
func (sc *scope) since(path, what, date string) {
	if sc.date != "" && sc.date < date {
		sc.p.add(path, "%s needs heat_template_version %s or later, this template is %s", what, date, sc.t.Version)
	}
}

// gate reports a function the template version does not have.
func (sc *scope) gate(path, fn string) {
	since, ok := hotFunctions[fn]
	if ok && sc.date != "" && sc.date < since {
		sc.p.add(path, "%s needs heat_template_version %s or later, this template is %s", fn, since, sc.t.Version)
	}
}

// value walks a property, metadata or output value and checks the
// intrinsic function calls in it.
func (sc *scope) value(path string, v any) {
	switch x := v.(type) {
	case []any:
		for i, item := range x {
			sc.value(path+"["+strconv.Itoa(i)+"]", item)
		}
	case map[string]any:
		if len(x) == 1 {
			for k, args := range x {
				if _, ok := hotFunctions[k]; ok {
					sc.function(path+"."+k, k, args)
					return
				}
				if k == "Ref" || strings.HasPrefix(k, "Fn::") {
					sc.p.add(path+"."+k, "%s is a CloudFormation function; HOT templates use get_param, get_resource, get_attr, list_join, …", k)
					return
				}
			}
		}
		for _, k := range sortedKeys(x) {
			sc.value(path+"."+k, x[k])
		}
	}
}

func (sc *scope) function(path, fn string, args any) {
	sc.gate(path, fn)
	switch fn {
	case "get_param":
		name := args
		if l, ok := args.([]any); ok {
			if len(l) == 0 {
				sc.p.add(path, "needs a parameter name")
				return
			}
			name = l[0]
			sc.value(path, l[1:])
		}
		switch n := name.(type) {
		case string:
			if _, ok := sc.t.Parameters[n]; !ok && !pseudoParameters[n] {
				sc.p.add(path, "get_param %q is not a declared parameter", n)
			}
		default:
			if _, _, isFn := Intrinsic(n); !isFn {
				sc.p.add(path, "needs a parameter name, not %s", describe(name))
				return
			}
			sc.value(path, n)
		}
	case "get_resource":
		n, ok := args.(string)
		if !ok {
			sc.p.add(path, "needs a resource name, not %s", describe(args))
			return
		}
		if sc.t.Resources[n] == nil {
			sc.p.add(path, "get_resource %q is not a declared resource", n)
			return
		}
		sc.require(n)
	case "get_attr":
		l, ok := args.([]any)
		if !ok || len(l) == 0 {
			sc.p.add(path, "needs a list [resource, attribute, …], not %s", describe(args))
			return
		}
		n, ok := l[0].(string)
		if !ok {
			sc.p.add(path+"[0]", "needs a resource name, not %s", describe(l[0]))
			return
		}
		if sc.t.Resources[n] == nil {
			sc.p.add(path, "get_attr %q is not a declared resource", n)
			return
		}
		sc.require(n)
		if len(l) > 1 {
			if a, ok := l[1].(string); ok {
				sc.t.attrRefs = append(sc.t.attrRefs, attrRef{path: path, resource: n, attr: a})
			}
			sc.value(path, l[1:])
		}
	case "get_file":
		n, ok := args.(string)
		if !ok || n == "" {
			sc.p.add(path, "needs a file name, not %s", describe(args))
			return
		}
		sc.t.fileRefs = append(sc.t.fileRefs, fileRef{path: path, name: n})
	case "if":
		l, ok := args.([]any)
		if !ok || len(l) < 2 || len(l) > 3 {
			sc.p.add(path, "needs [condition, value if true, value if false]")
			sc.value(path, args)
			return
		}
		if len(l) == 2 && sc.date != "" && sc.date < "2021-04-16" {
			sc.p.add(path, "if without a value for false needs heat_template_version 2021-04-16 (wallaby) or later, this template is %s", sc.t.Version)
		}
		sc.condition(path+"[0]", l[0])
		sc.value(path, l[1:])
	case "resource_facade":
		if _, ok := args.(string); !ok {
			sc.p.add(path, "needs metadata, deletion_policy or update_policy, not %s", describe(args))
		}
	case "str_replace", "str_replace_strict", "str_replace_vstrict":
		m, ok := args.(map[string]any)
		if !ok {
			sc.p.add(path, "needs a mapping with template and params")
			return
		}
		if _, ok := m["template"]; !ok {
			sc.p.add(path, "missing template")
		}
		if _, ok := m["params"]; !ok {
			sc.p.add(path, "missing params")
		}
		for _, k := range sortedKeys(m) {
			if k != "template" && k != "params" {
				sc.p.add(path+"."+k, "unknown key (template, params)")
			}
		}
		sc.value(path, args)
	case "list_join", "str_split":
		l, ok := args.([]any)
		if !ok || len(l) < 2 {
			sc.p.add(path, "needs a list [delimiter, …]")
		}
		sc.value(path, args)
	case "repeat":
		m, ok := args.(map[string]any)
		if !ok {
			sc.p.add(path, "needs a mapping with for_each and template")
			return
		}
		if _, ok := m["for_each"]; !ok {
			sc.p.add(path, "missing for_each")
		}
		if _, ok := m["template"]; !ok {
			sc.p.add(path, "missing template")
		}
		sc.value(path, args)
	case "yaql":
		m, ok := args.(map[string]any)
		if !ok {
			sc.p.add(path, "needs a mapping with expression and data")
			return
		}
		if _, ok := m["expression"].(string); !ok {
			sc.p.add(path, "needs an expression string")
		}
		sc.value(path+".data", m["data"])
	case "map_merge", "list_concat", "list_concat_unique":
		if _, ok := args.([]any); !ok {
			if _, _, isFn := Intrinsic(args); !isFn {
				sc.p.add(path, "needs a list, not %s", describe(args))
				return
			}
		}
		sc.value(path, args)
	default:
		sc.value(path, args)
	}
}
