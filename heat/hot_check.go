package heat

import (
	"strconv"
	"strings"

	"github.com/gomagnum/magnum/errdefs"
)

// Check is the structural check of a stack request, run before it is sent
// to Heat (and by heattest on what it receives). It reports every problem at
// once, each an *errdefs.Error of kind errdefs.ErrInvalid naming the file
// and the path inside it:
//
//   - every template (top-level, nested, registry targets) parses and passes
//     ParseTemplate's own checks (sections, version allow-list, get_param /
//     get_resource / get_attr / depends_on / conditions resolve, no cycles);
//   - each nested template named by a resource type, a group's member type
//     or a resource_registry entry, and each get_file target, is in Files
//     (keyed exactly as written; ".yml" is not a nested template for Heat);
//   - properties passed to a nested template are its parameters, and its
//     parameters without a default get a value;
//   - get_attr on a nested-template resource or group names one of its outputs;
//   - the environment parses; its parameters and req.Parameters are declared
//     by the top-level template and have values of the declared type that
//     meet the constraints; parameter_defaults name a parameter of some
//     template of the stack; required top-level parameters have a value;
//   - the top-level template has every output in requiredOutputs.
//
// The top-level template is called "template" in messages; CheckNamed takes
// its file name.
func Check(req StackRequest, requiredOutputs []string) error {
	return CheckNamed("template", req, requiredOutputs)
}

// CheckNamed is Check with the top-level template's file name for messages.
func CheckNamed(name string, req StackRequest, requiredOutputs []string) error {
	cs, list := checkStructure(name, req.Template, req.Files, req.Environment, requiredOutputs, nil)
	if cs != nil {
		list = append(list, cs.checkParameters(req.Parameters)...)
	}
	return joinProblems(list)
}

// checkedStack is the result of the structural part of Check, which depends
// only on the template, files and environment; the renderer caches it and
// checks only parameter values per request.
type checkedStack struct {
	name   string
	top    *Template
	env    *Environment
	nested map[string]*Template // parsed nested templates by file name
	// declared holds every parameter name declared by any template of the
	// stack, for parameter_defaults.
	declared map[string]bool
}

// templates lists the top-level template and the nested ones by name.
func (cs *checkedStack) templates() []*Template {
	out := []*Template{cs.top}
	for _, n := range sortedKeys(cs.nested) {
		out = append(out, cs.nested[n])
	}
	return out
}

// parsedDoc is a template parsed once, with its problems, so that the
// renderer's discovery pass and the check share the work.
type parsedDoc struct {
	t *Template
	p *problems
}

type stackChecker struct {
	pre    map[string]parsedDoc // templates parsed already, by name
	files  map[string]string
	env    *Environment
	nested map[string]*Template
	failed map[string]bool // nested files that did not parse
	// incomplete is set when a nested template is missing or broken, so
	// that not every declared parameter is known.
	incomplete bool
	list       []*errdefs.Error
}

// checkStructure runs the checks that do not depend on parameter values.
// pre may hold templates parsed already (keyed by name; the top-level one
// under name), which must be the parses of exactly tpl and files.
func checkStructure(name string, tpl []byte, files map[string]string, envDoc []byte, requiredOutputs []string, pre map[string]parsedDoc) (*checkedStack, []*errdefs.Error) {
	c := &stackChecker{
		pre:    pre,
		files:  files,
		nested: map[string]*Template{},
		failed: map[string]bool{},
	}
	top, p := c.parse(name, tpl)
	c.list = append(c.list, p.list...)
	env, ep := parseEnvironment("environment", envDoc)
	c.list = append(c.list, ep.list...)
	c.env = env

	// Registry targets that are files must be sent and must be templates.
	ep = &problems{file: "environment"}
	for _, typ := range sortedKeys(env.ResourceRegistry) {
		c.registryFile(ep, "resource_registry."+typ, env.ResourceRegistry[typ])
	}
	for _, res := range sortedKeys(env.ResourceOverrides) {
		m := env.ResourceOverrides[res]
		for _, typ := range sortedKeys(m) {
			c.registryFile(ep, "resource_registry.resources."+res+"."+typ, m[typ])
		}
	}
	c.list = append(c.list, ep.list...)

	if top == nil {
		return nil, c.list
	}
	c.template(top, []string{name})

	tp := &problems{file: name}
	for _, o := range requiredOutputs {
		if top.Outputs[o] == nil {
			tp.add("outputs", "output %q that the driver maps is not defined", o)
		}
	}
	c.list = append(c.list, tp.list...)

	cs := &checkedStack{name: name, top: top, env: env, nested: c.nested, declared: map[string]bool{}}
	for n := range top.Parameters {
		cs.declared[n] = true
	}
	for _, t := range c.nested {
		for n := range t.Parameters {
			cs.declared[n] = true
		}
	}
	ep = &problems{file: "environment"}
	for _, n := range sortedKeys(env.ParameterDefaults) {
		if !cs.declared[n] && !c.incomplete {
			ep.add("parameter_defaults."+n, "%q is not a parameter of any template of the stack", n)
		}
		for _, t := range cs.templates() {
			if par := t.Parameters[n]; par != nil {
				if _, err := par.Validate(env.ParameterDefaults[n]); err != nil {
					ep.add("parameter_defaults."+n, "%s: %v", t.Name, err)
				}
			}
		}
	}
	c.list = append(c.list, ep.list...)
	return cs, c.list
}

func (c *stackChecker) registryFile(p *problems, path, target string) {
	if strings.HasSuffix(target, ".yml") {
		p.add(path, "%q: Heat treats only .yaml and .template names as templates", target)
		return
	}
	if !IsTemplateFile(target) {
		return
	}
	if _, ok := c.files[target]; !ok {
		p.add(path, "template %q is not in files", target)
		c.incomplete = true
		return
	}
	c.load(target, nil)
}

func (c *stackChecker) parse(name string, data []byte) (*Template, *problems) {
	if d, ok := c.pre[name]; ok {
		return d.t, d.p
	}
	return parseTemplate(name, data)
}

// load parses a nested template once. chain is the nesting path for cycle
// detection; nil when loading a registry target.
func (c *stackChecker) load(name string, chain []string) *Template {
	if t, ok := c.nested[name]; ok {
		return t
	}
	if c.failed[name] {
		return nil
	}
	t, p := c.parse(name, []byte(c.files[name]))
	c.list = append(c.list, p.list...)
	if t == nil {
		c.failed[name] = true
		c.incomplete = true
		return nil
	}
	c.nested[name] = t
	if chain != nil {
		c.template(t, append(chain, name))
	} else {
		c.template(t, []string{name})
	}
	return t
}

// template checks the cross-file references of t. chain holds the names of
// the templates that nest t, t last.
func (c *stackChecker) template(t *Template, chain []string) {
	p := &problems{file: t.Name}
	for _, f := range t.fileRefs {
		if _, ok := c.files[f.name]; !ok {
			p.add(f.path, "get_file %q is not in files", f.name)
		}
	}
	// The template each resource (or group member) instantiates, if nested.
	nestedOf := map[string]*Template{}
	memberOf := map[string]*Template{}
	for _, rn := range sortedKeys(t.Resources) {
		r := t.Resources[rn]
		path := "resources." + rn
		nestedOf[rn] = c.instantiate(p, path, rn, r, chain)
		if r.Member != nil {
			prop := groupTypes[r.Type]
			memberOf[rn] = c.instantiate(p, path+".properties."+prop, "", r.Member, chain)
		}
	}
	for _, a := range t.attrRefs {
		c.attribute(p, a, nestedOf[a.resource], memberOf[a.resource], t.Resources[a.resource])
	}
	c.list = append(c.list, p.list...)
}

// instantiate checks one resource definition that may be a nested template
// and returns that template.
func (c *stackChecker) instantiate(p *problems, path, name string, r *Resource, chain []string) *Template {
	if r.Type == "" {
		return nil
	}
	if strings.HasSuffix(r.Type, ".yml") {
		p.add(path+".type", "%q: Heat treats only .yaml and .template names as nested templates", r.Type)
		return nil
	}
	typ := c.env.ResolveType(name, r.Type)
	if !IsTemplateFile(typ) {
		return nil
	}
	if _, ok := c.files[typ]; !ok {
		if typ == r.Type {
			p.add(path+".type", "nested template %q is not in files", typ)
		} // a registry target that is missing was reported for the environment
		c.incomplete = true
		return nil
	}
	for _, n := range chain {
		if n == typ {
			p.add(path+".type", "template %q nests itself (%s -> %s)", typ, strings.Join(chain, " -> "), typ)
			return nil
		}
	}
	nt := c.load(typ, chain)
	if nt == nil {
		return nil
	}
	props := r.Properties
	for _, k := range sortedKeys(props) {
		if nt.Parameters[k] == nil {
			p.add(path+".properties."+k, "%q is not a parameter of %s", k, typ)
		}
	}
	for _, k := range sortedKeys(nt.Parameters) {
		_, given := props[k]
		_, envDefault := c.env.ParameterDefaults[k]
		if !nt.Parameters[k].HasDefault && !given && !envDefault {
			p.add(path+".properties", "%s needs parameter %q (it has no default)", typ, k)
		}
	}
	return nt
}

// attribute checks a get_attr on a resource that is a nested template or a
// group of them. Attributes of other types are not checked.
func (c *stackChecker) attribute(p *problems, a attrRef, nested, member *Template, r *Resource) {
	switch {
	case nested != nil:
		if !templateAttribute(nested, a.attr) {
			p.add(a.path, "get_attr %s.%s: %s has no output %q", a.resource, a.attr, nested.Name, a.attr)
		}
	case member != nil:
		if groupAttributes[a.attr] {
			return
		}
		if rest, ok := strings.CutPrefix(a.attr, "resource."); ok {
			idx, sub, hasSub := strings.Cut(rest, ".")
			if _, err := strconv.Atoi(idx); err != nil && r.Type == "OS::Heat::ResourceGroup" {
				p.add(a.path, "get_attr %s.%s: resource.<index> needs a member index", a.resource, a.attr)
				return
			}
			if hasSub && !templateAttribute(member, sub) {
				p.add(a.path, "get_attr %s.%s: %s has no output %q", a.resource, a.attr, member.Name, sub)
			}
			return
		}
		if !templateAttribute(member, a.attr) {
			p.add(a.path, "get_attr %s.%s: members (%s) have no output %q", a.resource, a.attr, member.Name, a.attr)
		}
	}
}

// templateAttribute reports whether a nested stack of template t has the
// attribute: one of its outputs, "OS::stack_id", "show", or a
// "resource.<name>…" reference into it.
func templateAttribute(t *Template, attr string) bool {
	if t.Outputs[attr] != nil || attr == "OS::stack_id" || attr == "show" {
		return true
	}
	if rest, ok := strings.CutPrefix(attr, "resource."); ok {
		name, _, _ := strings.Cut(rest, ".")
		return t.Resources[name] != nil
	}
	return false
}

// checkParameters checks the parameter values of one request (and of the
// environment's parameters section) against the top-level template.
func (cs *checkedStack) checkParameters(params map[string]any) []*errdefs.Error {
	p := &problems{file: "parameters"}
	check := func(source string, m map[string]any) {
		for _, k := range sortedKeys(m) {
			par := cs.top.Parameters[k]
			if par == nil {
				p.add(source+k, "not a parameter of %s", cs.name)
				continue
			}
			if _, err := par.Validate(m[k]); err != nil {
				p.add(source+k, "%v", err)
			}
		}
	}
	check("", params)
	check("environment parameters.", cs.env.Parameters)
	for _, k := range sortedKeys(cs.top.Parameters) {
		if cs.top.Parameters[k].HasDefault {
			continue
		}
		_, inReq := params[k]
		_, inEnv := cs.env.Parameters[k]
		_, inDefaults := cs.env.ParameterDefaults[k]
		if !inReq && !inEnv && !inDefaults {
			p.add(k, "%s needs a value (the parameter has no default)", cs.name)
		}
	}
	return p.list
}
