package heat

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/gomagnum/magnum/errdefs"
)

// Template is a parsed HOT document. Values keep their YAML shape as generic
// Go values: map[string]any, []any, string, int, float64, bool and nil; an
// intrinsic function call is a one-key map (see Intrinsic).
//
// A Template returned by ParseTemplate is internally consistent: its
// sections and keys are ones Heat knows, and every get_param, get_resource,
// get_attr, depends_on and condition reference inside it resolves. Checks
// that need other files (nested templates, get_file, the environment,
// parameter values) are done by Check.
type Template struct {
	Name        string // the file name it was parsed under, used in errors
	Version     string // heat_template_version as written ("2018-08-31", "queens")
	Description string
	Parameters  map[string]*Parameter
	Resources   map[string]*Resource
	Outputs     map[string]*Output
	// Conditions holds the conditions section: name → condition expression
	// (a bool, a condition name, or equals/not/and/or/contains).
	Conditions map[string]any

	fileRefs []fileRef // get_file calls, in document order
	attrRefs []attrRef // get_attr calls with a literal attribute name
}

// Parameter is one entry of a template's parameters section.
type Parameter struct {
	Name        string
	Type        string // string, number, boolean, comma_delimited_list or json
	Label       string
	Description string
	Default     any // converted to Type (see Convert); valid only if HasDefault
	HasDefault  bool
	Hidden      bool
	Immutable   bool
	Constraints []Constraint
}

// Constraint is one entry of a parameter's constraints. Exactly one of the
// kind-specific fields is set.
type Constraint struct {
	Description      string
	Range            *Bounds // number range
	Length           *Bounds // string length or list/map size
	Modulo           *Modulo
	AllowedValues    []any
	AllowedPattern   string // a Python regular expression that must match the whole value
	CustomConstraint string // e.g. "nova.flavor"; checked only by Heat

	re *regexp.Regexp // AllowedPattern compiled, when ParseTemplate made the constraint
}

// Bounds is an inclusive range; a nil end is open.
type Bounds struct {
	Min, Max *float64
}

// Modulo requires value % Step == Offset.
type Modulo struct {
	Step, Offset float64
}

// Resource is one entry of a template's resources section.
type Resource struct {
	Name           string
	Type           string
	Properties     map[string]any
	DependsOn      []string
	Metadata       any
	UpdatePolicy   map[string]any
	DeletionPolicy string
	// Condition is nil for an unconditional resource, else a condition name,
	// a bool or a condition expression.
	Condition  any
	ExternalID any
	// Requires lists the resources this one needs first: depends_on plus the
	// targets of get_resource and get_attr in its properties and metadata,
	// sorted, without duplicates.
	Requires []string
	// Member is the inline member definition of a group: resource_def of an
	// OS::Heat::ResourceGroup, resource of an OS::Heat::AutoScalingGroup,
	// when written literally. Its Name is empty.
	Member *Resource
}

// Output is one entry of a template's outputs section.
type Output struct {
	Name        string
	Description string
	Value       any
	Condition   any
}

// fileRef is a get_file call.
type fileRef struct {
	path, name string
}

// attrRef is a get_attr call whose attribute name is a literal.
type attrRef struct {
	path, resource, attr string
}

// ParseTemplate parses a HOT document (YAML or JSON) and checks it on its
// own. name is used in error messages. Every problem found is reported, each
// as an *errdefs.Error of kind errdefs.ErrInvalid naming the file and the
// path, e.g. "node.yaml: resources.server.properties.image: get_param
// \"img\" is not a declared parameter"; the returned error matches
// errdefs.ErrInvalid with errors.Is and errdefs.Problems lists them.
func ParseTemplate(name string, data []byte) (*Template, error) {
	t, p := parseTemplate(name, data)
	if err := p.err(); err != nil {
		return nil, err
	}
	return t, nil
}

// problems collects the check errors of one file.
type problems struct {
	file string
	list []*errdefs.Error
}

func (p *problems) add(path, format string, args ...any) {
	p.list = append(p.list, &errdefs.Error{
		Kind:   errdefs.ErrInvalid,
		ID:     p.file,
		Field:  path,
		Reason: fmt.Sprintf(format, args...),
	})
}

func (p *problems) err() error { return joinProblems(p.list) }

func joinProblems(list []*errdefs.Error) error {
	if len(list) == 0 {
		return nil
	}
	errs := make([]error, len(list))
	for i, e := range list {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// parseTemplate returns the template model (nil only when the document is
// not a YAML mapping) and all problems found.
func parseTemplate(name string, data []byte) (*Template, *problems) {
	p := &problems{file: name}
	doc, err := decodeYAML(data)
	if err != nil {
		p.add("", "%v", err)
		return nil, p
	}
	top, ok := doc.(map[string]any)
	if !ok {
		p.add("", "a template must be a mapping, not %s", describe(doc))
		return nil, p
	}
	t := &Template{
		Name:       name,
		Parameters: map[string]*Parameter{},
		Resources:  map[string]*Resource{},
		Outputs:    map[string]*Output{},
		Conditions: map[string]any{},
	}
	sc := &scope{t: t, p: p}
	for _, k := range sortedKeys(top) {
		switch k {
		case "heat_template_version", "description", "parameter_groups", "parameters",
			"resources", "outputs", "conditions":
		default:
			p.add(k, "unknown template section (Heat accepts heat_template_version, description, parameter_groups, parameters, resources, outputs, conditions)")
		}
	}
	sc.version(top["heat_template_version"])
	if d, ok := top["description"]; ok {
		s, isStr := d.(string)
		if !isStr {
			p.add("description", "must be a string, not %s", describe(d))
		}
		t.Description = s
	}
	// Declarations first, so that references can be checked in any order.
	sc.parameters(top["parameters"])
	sc.declareResources(top["resources"])
	sc.declareConditions(top["conditions"])
	sc.parameterGroups(top["parameter_groups"])
	sc.conditions()
	sc.resources()
	sc.outputs(top["outputs"])
	return t, p
}

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

// describe names a value's kind for error messages without echoing long
// or sensitive content.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		if len(x) > 40 {
			return "a string"
		}
		return strconv.Quote(x)
	case bool:
		return strconv.FormatBool(x)
	case int, float64:
		return fmt.Sprint(x)
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	default:
		return fmt.Sprintf("%T", v)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortStrings(s []string) { sort.Strings(s) }
