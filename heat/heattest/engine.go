package heattest

import (
	"crypto/sha256"
	"errors"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gomagnum/magnum/heat"
)

// instance is one stack of the tree: the top-level stack, a nested template
// or the member stack of a resource group.
type instance struct {
	id, name string
	tmpl     *heat.Template // nil for a group's member stack
	group    bool
	params   map[string]any // converted parameter values, pseudo parameters included
	res      map[string]*resource
	outputs  map[string]outputValue
	cond     map[string]bool
	owner    *resource // the resource this stack implements; nil at the top
	changed  bool      // the last build created, changed or removed something
}

type outputValue struct {
	value any
	err   string
}

func (in *instance) param(name string) (any, bool) {
	v, ok := in.params[name]
	return v, ok
}

// names lists the resources in a stable order: group members by index,
// others by name.
func (in *instance) names() []string {
	out := slices.Collect(maps.Keys(in.res))
	if in.group {
		sort.Slice(out, func(i, j int) bool {
			a, ea := strconv.Atoi(out[i])
			b, eb := strconv.Atoi(out[j])
			if ea == nil && eb == nil {
				return a < b
			}
			return out[i] < out[j]
		})
	} else {
		sort.Strings(out)
	}
	return out
}

// resource is a simulated resource.
type resource struct {
	name    string
	written string // type as written in the template
	typ     string // type after the environment's resource_registry
	physID  string
	ref     any // get_resource value when not the physical ID
	props   map[string]any
	attrs   map[string]any
	strict  map[string]bool // attribute names Heat validates; nil accepts any
	nested  *instance       // template resource or group
	groupBL []string        // group: member names never reused (removal_policies)
	inst    *instance       // the stack that holds this resource
	alloc   map[string]string

	action, state, reason string // "CREATE", "COMPLETE", "state changed"
	serial                int    // the stack action that last touched it
	created, updated      time.Time
}

func (r *resource) status() string { return r.action + "_" + r.state }

func (r *resource) isGroup() bool { return r.typ == "OS::Heat::ResourceGroup" }

// refValue is what get_resource returns.
func (r *resource) refValue() any {
	switch {
	case r.nested != nil && !r.isGroup():
		if out, ok := r.nested.outputs["OS::stack_id"]; ok && out.err == "" && out.value != nil {
			return out.value
		}
		return r.nested.id
	case r.ref != nil:
		return r.ref
	}
	return r.physID
}

// attribute is get_attr on the resource.
func (r *resource) attribute(name string, path []any) (any, error) {
	switch {
	case r.isGroup():
		return r.groupAttribute(name, path)
	case r.nested != nil:
		out, ok := r.nested.outputs[name]
		if !ok {
			if name == "OS::stack_id" {
				return walkPath(r.nested.id, path)
			}
			return nil, heatErrorf("The Referenced Attribute (%s %s) is incorrect.", r.name, name)
		}
		if out.err != "" {
			return nil, errors.New(out.err)
		}
		return walkPath(out.value, path)
	}
	if name == "show" {
		return walkPath(maps.Clone(r.attrs), path)
	}
	if r.strict != nil && !r.strict[name] {
		return nil, invalidf("The Referenced Attribute (%s %s) is incorrect.", r.name, name)
	}
	return walkPath(r.attrs[name], path)
}

func (r *resource) groupAttribute(name string, path []any) (any, error) {
	members := r.nested.names()
	switch {
	case name == "refs":
		out := make([]any, 0, len(members))
		for _, m := range members {
			out = append(out, r.nested.res[m].refValue())
		}
		return walkPath(out, path)
	case name == "refs_map":
		out := make(map[string]any, len(members))
		for _, m := range members {
			out[m] = r.nested.res[m].refValue()
		}
		return walkPath(out, path)
	case name == "removed_rsrc_list":
		out := make([]any, len(r.groupBL))
		for i, n := range r.groupBL {
			out[i] = n
		}
		return walkPath(out, path)
	case name == "attributes":
		if len(path) == 0 {
			return nil, invalidf("get_attr %s attributes: needs an attribute name", r.name)
		}
		attr, ok := path[0].(string)
		if !ok {
			return nil, invalidf("get_attr %s attributes: the attribute name must be a string", r.name)
		}
		out := make(map[string]any, len(members))
		for _, m := range members {
			v, err := r.nested.res[m].attribute(attr, path[1:])
			if err != nil {
				return nil, err
			}
			out[m] = v
		}
		return out, nil
	case strings.HasPrefix(name, "resource."):
		parts := strings.SplitN(strings.TrimPrefix(name, "resource."), ".", 2)
		m, ok := r.nested.res[parts[0]]
		if !ok {
			return nil, heatErrorf("Member '%s' not found in group resource '%s'.", parts[0], r.name)
		}
		if len(parts) == 1 {
			return walkPath(m.refValue(), path)
		}
		return m.attribute(parts[1], path)
	case name == "show":
		return nil, nil
	}
	out := make([]any, 0, len(members))
	for _, m := range members {
		v, err := r.nested.res[m].attribute(name, path)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// ---------------------------------------------------------------- builder

// builder instantiates (or re-instantiates, for an update) a stack tree.
// It runs with the server's lock held.
type builder struct {
	s        *Server
	st       *stack
	sub      *submission
	now      time.Time
	serial   int
	parsed   map[string]*heat.Template
	objects  map[string]*resource // resources of the new tree by physical ID
	failures []*resourceFailure
	depth    int
	count    int // resources built so far
}

// resourceFailure is a resource that fails in this action.
type resourceFailure struct {
	res    *resource
	typ    string // exception type shown by Heat
	reason string
}

const maxDepth = 12

// maxResources bounds the resources of one stack tree, like Heat's
// max_resources_per_stack (1000 per stack by default).
const (
	maxGroupCount = 1000
	maxResources  = 20000
)

func (b *builder) template(name string) (*heat.Template, error) {
	if t, ok := b.parsed[name]; ok {
		return t, nil
	}
	data, ok := b.sub.files[name]
	if !ok {
		return nil, invalidf("Could not fetch remote template %q: Invalid URL scheme", name)
	}
	t, err := b.s.parseTemplate(name, []byte(data))
	if err != nil {
		return nil, invalidf("Failed to parse template %s: %v", name, err)
	}
	b.parsed[name] = t
	return t, nil
}

// maxParsed bounds the server's cache of parsed templates.
const maxParsed = 256

// parseTemplate parses a template, reusing an earlier parse of the same
// bytes: most requests resend the templates unchanged, and parsing is most
// of the fake's work. Parsed templates are only read, never changed, so
// stacks share them. Called with s.mu held.
func (s *Server) parseTemplate(name string, data []byte) (*heat.Template, error) {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{0})
	h.Write(data)
	var key [sha256.Size]byte
	copy(key[:], h.Sum(nil))
	if t, ok := s.parsed[key]; ok {
		return t, nil
	}
	t, err := heat.ParseTemplate(name, data)
	if err != nil {
		return nil, err
	}
	if len(s.parsed) >= maxParsed {
		clear(s.parsed)
	}
	s.parsed[key] = t
	return t, nil
}

// instantiate builds one template instance. given holds the values passed
// in (user parameters at the top, properties for a nested template);
// where names the instance in errors.
func (b *builder) instantiate(name string, t *heat.Template, given map[string]any, top bool, prev *instance, owner *resource, where string) (*instance, error) {
	b.depth++
	defer func() { b.depth-- }()
	if b.depth > maxDepth {
		return nil, invalidf("Recursion depth exceeds %d.", maxDepth)
	}
	in := &instance{name: name, tmpl: t, owner: owner, res: map[string]*resource{}, outputs: map[string]outputValue{}, cond: map[string]bool{}}
	if prev != nil {
		in.id = prev.id
		in.name = prev.name
	} else {
		in.id = b.s.newUUID()
	}
	if top {
		in.id = b.st.id
		in.name = b.st.name
	}
	if err := b.bindParams(in, given, top, where); err != nil {
		return nil, err
	}
	ev := &evaluator{inst: in, files: b.sub.files}
	for _, cname := range slices.Sorted(maps.Keys(t.Conditions)) {
		if _, err := b.conditionNamed(ev, in, cname, map[string]bool{}); err != nil {
			return nil, err
		}
	}
	// Resources whose condition holds, in dependency order.
	active := map[string]*heat.Resource{}
	for rname, r := range t.Resources {
		ok := true
		if r.Condition != nil {
			c, err := ev.condition(r.Condition)
			if err != nil {
				return nil, err
			}
			ok = c
		}
		if ok {
			active[rname] = r
		}
	}
	order, err := dependencyOrder(active)
	if err != nil {
		return nil, err
	}
	for _, rname := range order {
		def := active[rname]
		props, err := ev.eval(def.Properties)
		if err != nil {
			return nil, propertyError(err, rname)
		}
		pm, _ := props.(map[string]any)
		if pm == nil {
			pm = map[string]any{}
		}
		r := &resource{name: rname, written: def.Type, props: pm, inst: in}
		var prevRes *resource
		if prev != nil {
			prevRes = prev.res[rname]
		}
		if err := b.create(in, r, prevRes); err != nil {
			return nil, err
		}
	}
	if prev != nil && len(prev.res) != len(in.res) {
		in.changed = true
	}
	for oname, o := range t.Outputs {
		if o.Condition != nil {
			c, err := ev.condition(o.Condition)
			if err != nil {
				return nil, err
			}
			if !c {
				in.outputs[oname] = outputValue{}
				continue
			}
		}
		v, err := ev.eval(o.Value)
		var inv *invalidError
		switch {
		case errors.As(err, &inv):
			return nil, invalidf("Output %s: %s", oname, inv.msg)
		case err != nil:
			in.outputs[oname] = outputValue{err: err.Error()}
		default:
			in.outputs[oname] = outputValue{value: v}
		}
	}
	return in, nil
}

func propertyError(err error, rname string) error {
	var inv *invalidError
	if errors.As(err, &inv) {
		return invalidf("Property error: resources.%s.properties: %s", rname, inv.msg)
	}
	return invalidf("Property error: resources.%s.properties: %v", rname, err)
}

// bindParams resolves parameter values: given, else parameter_defaults of
// the environment, else the template's default.
func (b *builder) bindParams(in *instance, given map[string]any, top bool, where string) error {
	t := in.tmpl
	in.params = map[string]any{
		"OS::stack_name": in.name, "OS::stack_id": in.id, "OS::project_id": b.s.opts.ProjectID,
	}
	for _, k := range slices.Sorted(maps.Keys(given)) {
		if _, ok := t.Parameters[k]; ok {
			continue
		}
		if top {
			return invalidf("The Parameter (%s) was not defined in template.", k)
		}
		return invalidf("Property error: %s.properties: Unknown Property %s", where, k)
	}
	for _, pname := range slices.Sorted(maps.Keys(t.Parameters)) {
		p := t.Parameters[pname]
		v, ok := given[pname]
		if ok && v == nil {
			ok = false
		}
		if !ok {
			if d, isSet := b.sub.env.ParameterDefaults[pname]; isSet {
				v, ok = d, true
			} else if p.HasDefault {
				v, ok = p.Default, true
			}
		}
		if !ok {
			if top {
				return invalidf("The Parameter (%s) was not provided.", pname)
			}
			return invalidf("Property error: %s.properties: Property %s not assigned", where, pname)
		}
		conv, err := p.Validate(v)
		if err != nil {
			return invalidf("Parameter '%s' is invalid: %v", pname, err)
		}
		in.params[pname] = normalise(conv)
	}
	return nil
}

// normalise turns converted parameter values into the evaluator's shapes.
func normalise(v any) any {
	if l, ok := v.([]string); ok {
		out := make([]any, len(l))
		for i, s := range l {
			out[i] = s
		}
		return out
	}
	return v
}

func (b *builder) conditionNamed(ev *evaluator, in *instance, name string, visiting map[string]bool) (bool, error) {
	if v, ok := in.cond[name]; ok {
		return v, nil
	}
	if visiting[name] {
		return false, invalidf("Circular definition of condition %q", name)
	}
	visiting[name] = true
	expr := in.tmpl.Conditions[name]
	// Conditions may name other conditions: resolve those first.
	for _, ref := range conditionRefs(expr) {
		if _, ok := in.tmpl.Conditions[ref]; ok {
			if _, err := b.conditionNamed(ev, in, ref, visiting); err != nil {
				return false, err
			}
		}
	}
	v, err := ev.condition(expr)
	if err != nil {
		return false, err
	}
	in.cond[name] = v
	return v, nil
}

// conditionRefs lists the strings inside a condition expression that may be
// names of other conditions.
func conditionRefs(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, item := range x {
			out = append(out, conditionRefs(item)...)
		}
		return out
	case map[string]any:
		if fn, args, ok := heat.Intrinsic(x); ok && fn != "get_param" && fn != "equals" && fn != "contains" {
			return conditionRefs(args)
		}
	}
	return nil
}

// dependencyOrder sorts resources so that each comes after those it
// references (get_resource, get_attr, depends_on), names breaking ties.
func dependencyOrder(rs map[string]*heat.Resource) ([]string, error) {
	deps := map[string]map[string]bool{}
	for name, r := range rs {
		d := map[string]bool{}
		collectRefs(r.Properties, d)
		for _, dep := range r.DependsOn {
			d[dep] = true
		}
		for dep := range d {
			if _, ok := rs[dep]; !ok || dep == name {
				delete(d, dep)
			}
		}
		deps[name] = d
	}
	var order []string
	done := map[string]bool{}
	for len(order) < len(rs) {
		var ready []string
		for name := range rs {
			if done[name] {
				continue
			}
			ok := true
			for dep := range deps[name] {
				if !done[dep] {
					ok = false
					break
				}
			}
			if ok {
				ready = append(ready, name)
			}
		}
		if len(ready) == 0 {
			var left []string
			for name := range rs {
				if !done[name] {
					left = append(left, name)
				}
			}
			sort.Strings(left)
			return nil, invalidf("Circular Dependency Found: %s", strings.Join(left, ", "))
		}
		sort.Strings(ready)
		for _, name := range ready {
			done[name] = true
			order = append(order, name)
		}
	}
	return order, nil
}

func collectRefs(v any, into map[string]bool) {
	if fn, args, ok := heat.Intrinsic(v); ok {
		switch fn {
		case "get_resource":
			if s, ok := args.(string); ok {
				into[s] = true
			}
		case "get_attr":
			if l, ok := args.([]any); ok && len(l) > 0 {
				if s, ok := l[0].(string); ok {
					into[s] = true
				}
			}
		}
		collectRefs(args, into)
		return
	}
	switch x := v.(type) {
	case map[string]any:
		for _, item := range x {
			collectRefs(item, into)
		}
	case []any:
		for _, item := range x {
			collectRefs(item, into)
		}
	}
}

// create instantiates one resource, reusing the identity (physical ID,
// addresses, nested stack) of prev when an update keeps it.
func (b *builder) create(in *instance, r *resource, prev *resource) error {
	r.typ = b.sub.env.ResolveType(r.name, r.written)
	reuse := prev != nil && prev.typ == r.typ && prev.state != "FAILED" && !replaces(prev, r)
	if reuse {
		r.physID, r.ref, r.alloc, r.created = prev.physID, prev.ref, maps.Clone(prev.alloc), prev.created
	} else {
		r.physID, r.alloc, r.created = b.s.newUUID(), map[string]string{}, b.now
	}
	var prevNested *instance
	if reuse {
		prevNested = prev.nested
	}
	where := "resources." + r.name
	nestedChanged := false
	switch {
	case heat.IsTemplateFile(r.typ):
		t, err := b.template(r.typ)
		if err != nil {
			return err
		}
		nested, err := b.instantiate(b.nestedName(in, r, prevNested), t, r.props, false, prevNested, r, where)
		if err != nil {
			return err
		}
		r.nested, r.physID = nested, nested.id
		nestedChanged = nested.changed
	case r.isGroup():
		changed, err := b.group(in, r, prev, prevNested)
		if err != nil {
			return err
		}
		nestedChanged = changed
	default:
		st, ok := simTypes[r.typ]
		if !ok {
			return invalidf("The Resource Type (%s) could not be found.", r.typ)
		}
		r.strict = st.strict
		if err := st.sim(b, r); err != nil {
			return invalidf("Property error: %s.properties: %v", where, err)
		}
		if st.fail != nil {
			if reason := st.fail(r); reason != "" && !reuse {
				b.failures = append(b.failures, &resourceFailure{res: r, typ: "ValueError", reason: reason})
			}
		}
	}
	b.objects[r.physID] = r
	in.res[r.name] = r
	b.count++
	if b.count > maxResources {
		return invalidf("The stack has more than %d resources", maxResources)
	}
	switch {
	case !reuse:
		r.action, r.state, r.reason, r.serial, r.updated = "CREATE", "COMPLETE", "state changed", b.serial, b.now
		in.changed = true
		b.resourceFault(r)
	case nestedChanged || !reflect.DeepEqual(prev.props, r.props):
		r.action, r.state, r.reason, r.serial, r.updated = "UPDATE", "COMPLETE", "state changed", b.serial, b.now
		in.changed = true
	default:
		r.action, r.state, r.reason, r.serial, r.updated = prev.action, prev.state, prev.reason, prev.serial, prev.updated
	}
	return nil
}

// replaces reports whether Heat replaces a resource rather than updating
// it in place. A server is replaced when its user_data changed and user_data_update_policy is not
// IGNORE (Heat's default is REPLACE), or its image changed and
// image_update_policy is REPLACE (the default, REBUILD, keeps the server).
// A replaced server is a new resource: new id, and injected create faults
// apply to it.
//
// Software configurations are immutable in Heat: any change of their
// properties makes a new one, with a new id, which is how a server whose
// user_data refers to one sees its user data change.
func replaces(prev, r *resource) bool {
	switch r.typ {
	case "OS::Heat::SoftwareConfig", "OS::Heat::CloudConfig", "OS::Heat::MultipartMime", "OS::Heat::StructuredConfig":
		return !reflect.DeepEqual(prev.props, r.props)
	case "OS::Nova::Server":
	default:
		return false
	}
	changed := func(k string) bool { return !reflect.DeepEqual(prev.props[k], r.props[k]) }
	policy := func(k, def string) string {
		if v, ok := r.props[k].(string); ok && v != "" {
			return v
		}
		return def
	}
	return (changed("user_data") && policy("user_data_update_policy", "REPLACE") != "IGNORE") ||
		(changed("image") && policy("image_update_policy", "REBUILD") == "REPLACE")
}

// resourceFault records an injected failure for a resource created now.
func (b *builder) resourceFault(r *resource) {
	for _, f := range b.s.resourceFaults {
		if f.matches(r.name, r.written, r.typ, false) {
			f.fired++
			b.failures = append(b.failures, &resourceFailure{res: r, typ: "ResourceInError", reason: f.Reason})
			return
		}
	}
}

func (b *builder) nestedName(in *instance, r *resource, prev *instance) string {
	if prev != nil {
		return prev.name
	}
	return in.name + "-" + r.name + "-" + b.s.shortID()
}

// group builds an OS::Heat::ResourceGroup: count members of resource_def,
// named "0", "1", … skipping names removed by removal_policies.
func (b *builder) group(in *instance, r *resource, prev *resource, prevNested *instance) (bool, error) {
	where := "resources." + r.name
	count := 1
	if c, ok := r.props["count"]; ok && c != nil {
		n, ok := toIndex(c)
		if !ok || n < 0 {
			return false, invalidf("Property error: %s.properties.count: %v is not a non-negative integer", where, c)
		}
		count = n
	}
	if count > maxGroupCount {
		return false, invalidf("Property error: %s.properties.count: %d is more than the %d resources a stack may have", where, count, maxGroupCount)
	}
	def, ok := r.props["resource_def"].(map[string]any)
	if !ok {
		return false, invalidf("Property error: %s.properties: Property resource_def not assigned", where)
	}
	memberType, ok := def["type"].(string)
	if !ok || memberType == "" {
		return false, invalidf("Property error: %s.properties.resource_def: Property type not assigned", where)
	}
	memberProps, _ := def["properties"].(map[string]any)
	indexVar := "%index%"
	if s, ok := r.props["index_var"].(string); ok && s != "" {
		indexVar = s
	}
	var blacklist []string
	if prev != nil && prev.isGroup() && prev.props["removal_policies_mode"] != "update" {
		blacklist = slices.Clone(prev.groupBL)
	}
	if pols, ok := r.props["removal_policies"].([]any); ok && prevNested != nil {
		for _, p := range pols {
			pm, _ := p.(map[string]any)
			list, _ := pm["resource_list"].([]any)
			for _, item := range list {
				want := scalarString(item)
				for _, mname := range prevNested.names() {
					m := prevNested.res[mname]
					if (mname == want || scalarString(m.refValue()) == want) && !slices.Contains(blacklist, mname) {
						blacklist = append(blacklist, mname)
					}
				}
			}
		}
	}
	r.groupBL = blacklist
	var names []string
	for i := 0; len(names) < count; i++ {
		n := strconv.Itoa(i)
		if !slices.Contains(blacklist, n) {
			names = append(names, n)
		}
	}
	members := &instance{group: true, owner: r, res: map[string]*resource{}, outputs: map[string]outputValue{}, cond: map[string]bool{}, params: map[string]any{}}
	if prevNested != nil {
		members.id, members.name = prevNested.id, prevNested.name
	} else {
		members.id, members.name = b.s.newUUID(), in.name+"-"+r.name+"-"+b.s.shortID()
	}
	r.physID, r.nested = members.id, members
	for _, n := range names {
		props, _ := substitute(memberProps, map[string]any{indexVar: n}).(map[string]any)
		if props == nil {
			props = map[string]any{}
		}
		m := &resource{name: n, written: memberType, props: props, inst: members}
		var pm *resource
		if prevNested != nil {
			pm = prevNested.res[n]
		}
		if err := b.create(members, m, pm); err != nil {
			return false, err
		}
	}
	if prevNested != nil && len(prevNested.res) != len(members.res) {
		members.changed = true
	}
	return members.changed, nil
}

// ---------------------------------------------------------------- failures

// segment is a resource's step in Heat's failure paths: "resources.name"
// in a template, "resources[0]" in a group's member stack.
func (r *resource) segment() string {
	if r.inst != nil && r.inst.group {
		return "resources[" + r.name + "]"
	}
	return "resources." + r.name
}

// ancestry lists the resource and the resources above it, innermost first.
func (r *resource) ancestry() []*resource {
	var out []*resource
	for cur := r; cur != nil; {
		out = append(out, cur)
		if cur.inst == nil {
			break
		}
		cur = cur.inst.owner
	}
	return out
}

// applyFailures marks failed resources and their ancestors, and returns the
// stack's status reason for the first failure ("" when none).
func applyFailures(action string, fs []*resourceFailure) string {
	reason := ""
	for _, f := range fs {
		chain := f.res.ancestry()
		for i, r := range chain {
			segs := make([]string, 0, i+1)
			for j := i; j >= 0; j-- {
				segs = append(segs, chain[j].segment())
			}
			if r.state != "FAILED" {
				r.action, r.state = action, "FAILED"
				r.reason = f.typ + ": " + strings.Join(segs, ".") + ": " + f.reason
			}
		}
		if reason == "" {
			segs := make([]string, 0, len(chain))
			for j := len(chain) - 1; j >= 0; j-- {
				segs = append(segs, chain[j].segment())
			}
			reason = "Resource " + action + " failed: " + f.typ + ": " + strings.Join(segs, ".") + ": " + f.reason
		}
	}
	return reason
}

// walk visits every resource of the tree, parents before children.
func walk(in *instance, fn func(r *resource, depth int, parent *resource)) {
	var rec func(in *instance, depth int)
	rec = func(in *instance, depth int) {
		if in == nil {
			return
		}
		for _, n := range in.names() {
			r := in.res[n]
			fn(r, depth, in.owner)
			rec(r.nested, depth+1)
		}
	}
	rec(in, 0)
}
