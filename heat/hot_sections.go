package heat

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// scope walks one template.
type scope struct {
	t       *Template
	p       *problems
	date    string // version date; "" if the version is unknown
	rawRes  map[string]map[string]any
	rawCond map[string]any
	cur     *Resource // the resource whose definition is being walked
}

func (sc *scope) version(v any) {
	if v == nil {
		sc.p.add("heat_template_version", "missing: a HOT template needs heat_template_version")
		return
	}
	s, ok := v.(string)
	if !ok {
		s = fmt.Sprint(v)
	}
	sc.t.Version = s
	date, ok := hotVersions[s]
	if !ok {
		sc.p.add("heat_template_version", "%q is not a HOT version Heat 19 accepts (%s)", s, strings.Join(HOTVersions(), ", "))
		return
	}
	sc.date = date
}

func (sc *scope) parameters(v any) {
	if v == nil {
		return
	}
	m, ok := v.(map[string]any)
	if !ok {
		sc.p.add("parameters", "must be a mapping, not %s", describe(v))
		return
	}
	for _, name := range sortedKeys(m) {
		path := "parameters." + name
		pm, ok := m[name].(map[string]any)
		if !ok {
			sc.p.add(path, "a parameter must be a mapping, not %s", describe(m[name]))
			continue
		}
		par := &Parameter{Name: name}
		for _, k := range sortedKeys(pm) {
			val := pm[k]
			kp := path + "." + k
			switch k {
			case "type":
				s, _ := val.(string)
				switch s {
				case "string", "number", "boolean", "comma_delimited_list", "json":
					par.Type = s
				default:
					sc.p.add(kp, "%s is not a parameter type (string, number, boolean, comma_delimited_list, json)", describe(val))
				}
			case "label", "description":
				s, ok := val.(string)
				if !ok {
					sc.p.add(kp, "must be a string, not %s", describe(val))
				}
				if k == "label" {
					par.Label = s
				} else {
					par.Description = s
				}
			case "default":
			case "hidden", "immutable":
				b, ok := asBool(val)
				if !ok {
					sc.p.add(kp, "must be a boolean, not %s", describe(val))
				}
				if k == "hidden" {
					par.Hidden = b
				} else {
					par.Immutable = b
				}
			case "constraints":
				par.Constraints = sc.constraints(kp, val)
			case "tags":
				sc.since(kp, "tags", "2018-03-02")
				if _, ok := val.([]any); !ok {
					sc.p.add(kp, "must be a list, not %s", describe(val))
				}
			case "schema":
			default:
				sc.p.add(kp, "unknown parameter key (type, label, description, default, hidden, immutable, constraints, tags)")
			}
		}
		if _, ok := pm["type"]; !ok {
			sc.p.add(path, "missing type")
		}
		if d, ok := pm["default"]; ok && d != nil && par.Type != "" {
			conv, err := par.Convert(d)
			if err != nil {
				sc.p.add(path+".default", "%v", err)
			} else {
				par.Default, par.HasDefault = conv, true
				if err := par.checkConstraints(conv); err != nil {
					sc.p.add(path+".default", "%v", err)
				}
			}
		}
		// "default: null" is no default at all, as in Heat.
		sc.t.Parameters[name] = par
	}
}

func (sc *scope) constraints(path string, v any) []Constraint {
	list, ok := v.([]any)
	if !ok {
		sc.p.add(path, "must be a list, not %s", describe(v))
		return nil
	}
	var out []Constraint
	for i, item := range list {
		ip := path + "[" + strconv.Itoa(i) + "]"
		m, ok := item.(map[string]any)
		if !ok {
			sc.p.add(ip, "a constraint must be a mapping, not %s", describe(item))
			continue
		}
		var c Constraint
		kinds := 0
		for _, k := range sortedKeys(m) {
			val := m[k]
			kp := ip + "." + k
			switch k {
			case "description":
				c.Description, _ = val.(string)
			case "range", "length":
				kinds++
				b := sc.bounds(kp, val)
				if k == "range" {
					c.Range = b
				} else {
					c.Length = b
				}
			case "modulo":
				kinds++
				sc.since(kp, "a modulo constraint", "2017-02-24")
				mm, ok := val.(map[string]any)
				step, okS := asNumber(mm["step"])
				off, okO := asNumber(mm["offset"])
				if !ok || !okS || !okO || step == 0 {
					sc.p.add(kp, "needs a non-zero number step and a number offset")
					continue
				}
				c.Modulo = &Modulo{Step: step, Offset: off}
			case "allowed_values":
				kinds++
				l, ok := val.([]any)
				if !ok {
					sc.p.add(kp, "must be a list, not %s", describe(val))
				}
				c.AllowedValues = l
			case "allowed_pattern":
				kinds++
				s, ok := val.(string)
				if !ok {
					sc.p.add(kp, "must be a string, not %s", describe(val))
					continue
				}
				re, err := compilePattern(s)
				if err != nil {
					sc.p.add(kp, "%v", err)
				}
				c.AllowedPattern, c.re = s, re
			case "custom_constraint":
				kinds++
				c.CustomConstraint, _ = val.(string)
			default:
				sc.p.add(kp, "unknown constraint (range, length, modulo, allowed_values, allowed_pattern, custom_constraint)")
			}
		}
		if kinds != 1 {
			sc.p.add(ip, "a constraint needs exactly one kind, has %d", kinds)
		}
		out = append(out, c)
	}
	return out
}

func (sc *scope) bounds(path string, v any) *Bounds {
	m, ok := v.(map[string]any)
	if !ok {
		sc.p.add(path, "must be a mapping with min and/or max, not %s", describe(v))
		return nil
	}
	b := &Bounds{}
	for _, k := range sortedKeys(m) {
		n, ok := asNumber(m[k])
		switch {
		case k != "min" && k != "max":
			sc.p.add(path+"."+k, "unknown key (min, max)")
		case !ok:
			sc.p.add(path+"."+k, "must be a number, not %s", describe(m[k]))
		case k == "min":
			b.Min = &n
		default:
			b.Max = &n
		}
	}
	if b.Min != nil && b.Max != nil && *b.Min > *b.Max {
		sc.p.add(path, "min %v is greater than max %v", *b.Min, *b.Max)
	}
	return b
}

func (sc *scope) parameterGroups(v any) {
	if v == nil {
		return
	}
	list, ok := v.([]any)
	if !ok {
		sc.p.add("parameter_groups", "must be a list, not %s", describe(v))
		return
	}
	for i, g := range list {
		gp := "parameter_groups[" + strconv.Itoa(i) + "]"
		gm, ok := g.(map[string]any)
		if !ok {
			sc.p.add(gp, "must be a mapping, not %s", describe(g))
			continue
		}
		names, _ := gm["parameters"].([]any)
		for j, n := range names {
			s, _ := n.(string)
			if _, ok := sc.t.Parameters[s]; !ok {
				sc.p.add(gp+".parameters["+strconv.Itoa(j)+"]", "%s is not a declared parameter", describe(n))
			}
		}
	}
}

func (sc *scope) declareResources(v any) {
	sc.rawRes = map[string]map[string]any{}
	if v == nil {
		return
	}
	m, ok := v.(map[string]any)
	if !ok {
		sc.p.add("resources", "must be a mapping, not %s", describe(v))
		return
	}
	for _, name := range sortedKeys(m) {
		rm, ok := m[name].(map[string]any)
		if !ok {
			sc.p.add("resources."+name, "a resource must be a mapping, not %s", describe(m[name]))
			rm = map[string]any{}
		}
		sc.rawRes[name] = rm
		sc.t.Resources[name] = &Resource{Name: name}
	}
}

func (sc *scope) declareConditions(v any) {
	sc.rawCond = map[string]any{}
	if v == nil {
		return
	}
	if sc.date != "" && sc.date < "2016-10-14" {
		sc.p.add("conditions", "needs heat_template_version 2016-10-14 (newton) or later, this template is %s", sc.t.Version)
	}
	m, ok := v.(map[string]any)
	if !ok {
		sc.p.add("conditions", "must be a mapping, not %s", describe(v))
		return
	}
	sc.rawCond = m
	for k, c := range m {
		sc.t.Conditions[k] = c
	}
}

func (sc *scope) conditions() {
	for _, name := range sortedKeys(sc.rawCond) {
		path := "conditions." + name
		switch sc.rawCond[name].(type) {
		case bool, map[string]any:
			sc.condition(path, sc.rawCond[name])
		default:
			// Heat accepts condition names only inside not, and, or.
			sc.p.add(path, "a condition definition must be a bool or a condition function (equals, not, and, or, contains), not %s", describe(sc.rawCond[name]))
		}
	}
	// A condition may name another; names must not form a cycle.
	for _, name := range sortedKeys(sc.rawCond) {
		if sc.conditionReaches(name, name, map[string]bool{}) {
			sc.p.add("conditions."+name, "condition refers to itself through other conditions")
		}
	}
}

// conditionReaches reports whether condition from refers, directly or
// through other conditions, to target.
func (sc *scope) conditionReaches(from, target string, seen map[string]bool) bool {
	for _, ref := range conditionNames(sc.rawCond[from]) {
		if ref == target {
			return true
		}
		if _, ok := sc.rawCond[ref]; ok && !seen[ref] {
			seen[ref] = true
			if sc.conditionReaches(ref, target, seen) {
				return true
			}
		}
	}
	return false
}

// conditionNames lists the condition names referenced by a condition expression.
func conditionNames(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case map[string]any:
		if len(x) != 1 {
			return nil
		}
		for fn, args := range x {
			switch fn {
			case "not":
				return conditionNames(args)
			case "and", "or":
				l, _ := args.([]any)
				var out []string
				for _, a := range l {
					out = append(out, conditionNames(a)...)
				}
				return out
			}
		}
	}
	return nil
}

// condition checks a condition expression.
func (sc *scope) condition(path string, v any) {
	switch x := v.(type) {
	case bool:
	case string:
		if _, ok := sc.rawCond[x]; !ok {
			sc.p.add(path, "condition %q is not declared in the conditions section", x)
		}
	case map[string]any:
		if len(x) != 1 {
			sc.p.add(path, "a condition must be a bool, a condition name or one condition function (equals, not, and, or, contains)")
			return
		}
		for fn, args := range x {
			fp := path + "." + fn
			if !conditionFunctions[fn] {
				sc.p.add(path, "%q is not a condition function (equals, not, and, or, contains, yaql, get_param)", fn)
				return
			}
			sc.gate(fp, fn)
			switch fn {
			case "get_param", "yaql":
				sc.value(path, v)
			case "equals", "contains":
				l, ok := args.([]any)
				if !ok || len(l) != 2 {
					sc.p.add(fp, "needs a list of two values")
					sc.value(fp, args)
					return
				}
				sc.value(fp, args)
			case "not":
				sc.condition(fp, args)
			case "and", "or":
				l, ok := args.([]any)
				if !ok || len(l) < 2 {
					sc.p.add(fp, "needs a list of at least two conditions")
					return
				}
				for i, c := range l {
					sc.condition(fp+"["+strconv.Itoa(i)+"]", c)
				}
			}
		}
	default:
		sc.p.add(path, "a condition must be a bool, a condition name or a condition function, not %s", describe(v))
	}
}

func (sc *scope) resources() {
	for _, name := range sortedKeys(sc.rawRes) {
		r := sc.t.Resources[name]
		sc.cur = r
		sc.resource("resources."+name, r, sc.rawRes[name], true)
		sc.require(r.DependsOn...)
		r.Requires = uniqueSorted(r.Requires)
	}
	sc.cur = nil
	sc.cycles()
}

// require records that the current resource needs the named ones.
func (sc *scope) require(names ...string) {
	if sc.cur != nil {
		sc.cur.Requires = append(sc.cur.Requires, names...)
	}
}

// cycles reports dependency cycles, which Heat rejects.
func (sc *scope) cycles() {
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	var visit func(name string, stack []string) bool
	visit = func(name string, stack []string) bool {
		switch state[name] {
		case visiting:
			i := 0
			for stack[i] != name {
				i++
			}
			cycle := append(append([]string{}, stack[i:]...), name)
			sc.p.add("resources."+name, "circular dependency: %s", strings.Join(cycle, " -> "))
			return true
		case done:
			return false
		}
		state[name] = visiting
		r := sc.t.Resources[name]
		for _, dep := range r.Requires {
			if sc.t.Resources[dep] != nil && visit(dep, append(stack, name)) {
				state[name] = done
				return true
			}
		}
		state[name] = done
		return false
	}
	for _, name := range sortedKeys(sc.t.Resources) {
		if state[name] == unvisited {
			visit(name, nil)
		}
	}
}

func uniqueSorted(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	sort.Strings(in)
	out := in[:1]
	for _, s := range in[1:] {
		if s != out[len(out)-1] {
			out = append(out, s)
		}
	}
	return out
}

// resource fills r from its raw mapping. top is false for a group's inline
// member definition, which Heat restricts to type, properties and metadata.
func (sc *scope) resource(path string, r *Resource, raw map[string]any, top bool) {
	for _, k := range sortedKeys(raw) {
		val := raw[k]
		kp := path + "." + k
		switch k {
		case "type":
			s, ok := val.(string)
			if !ok || s == "" {
				sc.p.add(kp, "must be a resource type name, not %s", describe(val))
			}
			r.Type = s
		case "properties":
			m, ok := val.(map[string]any)
			if !ok && val != nil {
				sc.p.add(kp, "must be a mapping, not %s", describe(val))
			}
			r.Properties = m
			if top { // a member's properties are walked as part of its group's
				sc.value(kp, val)
			}
		case "metadata":
			r.Metadata = val
			if top {
				sc.value(kp, val)
			}
		case "depends_on", "update_policy", "deletion_policy", "description", "condition", "external_id":
			if !top {
				sc.p.add(kp, "not allowed in a group member definition (type, properties, metadata)")
				continue
			}
			sc.resourceKey(kp, k, r, val)
		default:
			sc.p.add(kp, "unknown resource key (type, properties, metadata, depends_on, update_policy, deletion_policy, description, condition, external_id)")
		}
	}
	if _, ok := raw["type"]; !ok {
		sc.p.add(path, "missing type")
	}
	if prop, ok := groupTypes[r.Type]; ok && r.Properties != nil {
		if def, ok := r.Properties[prop].(map[string]any); ok {
			if _, _, isFn := Intrinsic(def); !isFn {
				member := &Resource{}
				sc.resource(path+".properties."+prop, member, def, false)
				r.Member = member
			}
		}
	}
}

func (sc *scope) resourceKey(path, k string, r *Resource, val any) {
	switch k {
	case "depends_on":
		var names []any
		switch x := val.(type) {
		case string:
			names = []any{x}
		case []any:
			names = x
		default:
			sc.p.add(path, "must be a resource name or a list of them, not %s", describe(val))
		}
		for i, n := range names {
			ip := path
			if _, isList := val.([]any); isList {
				ip += "[" + strconv.Itoa(i) + "]"
			}
			s, ok := n.(string)
			switch {
			case !ok:
				sc.p.add(ip, "must be a resource name, not %s", describe(n))
			case s == r.Name:
				sc.p.add(ip, "resource %q depends on itself", s)
			case sc.t.Resources[s] == nil:
				sc.p.add(ip, "depends_on %q is not a declared resource", s)
			default:
				r.DependsOn = append(r.DependsOn, s)
			}
		}
	case "update_policy":
		m, ok := val.(map[string]any)
		if !ok {
			sc.p.add(path, "must be a mapping, not %s", describe(val))
		}
		r.UpdatePolicy = m
		sc.value(path, val)
	case "deletion_policy":
		s, _ := val.(string)
		switch s {
		case "Delete", "Retain", "Snapshot", "delete", "retain", "snapshot":
			r.DeletionPolicy = s
		default:
			if _, _, isFn := Intrinsic(val); isFn {
				sc.value(path, val)
				return
			}
			sc.p.add(path, "%s is not a deletion policy (Delete, Retain, Snapshot)", describe(val))
		}
	case "description":
		if _, ok := val.(string); !ok {
			sc.p.add(path, "must be a string, not %s", describe(val))
		}
	case "condition":
		sc.gate(path, "if")
		r.Condition = val
		sc.condition(path, val)
	case "external_id":
		sc.since(path, "external_id", "2016-10-14")
		r.ExternalID = val
		sc.value(path, val)
	}
}

func (sc *scope) outputs(v any) {
	if v == nil {
		return
	}
	m, ok := v.(map[string]any)
	if !ok {
		sc.p.add("outputs", "must be a mapping, not %s", describe(v))
		return
	}
	for _, name := range sortedKeys(m) {
		path := "outputs." + name
		om, ok := m[name].(map[string]any)
		if !ok {
			sc.p.add(path, "an output must be a mapping with a value, not %s", describe(m[name]))
			continue
		}
		o := &Output{Name: name}
		for _, k := range sortedKeys(om) {
			val := om[k]
			kp := path + "." + k
			switch k {
			case "value":
				o.Value = val
				sc.value(kp, val)
			case "description":
				o.Description, _ = val.(string)
			case "condition":
				sc.gate(kp, "if")
				o.Condition = val
				sc.condition(kp, val)
			default:
				sc.p.add(kp, "unknown output key (value, description, condition)")
			}
		}
		if _, ok := om["value"]; !ok {
			sc.p.add(path, "missing value")
		}
		sc.t.Outputs[name] = o
	}
}
