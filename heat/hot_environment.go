package heat

import (
	"strings"
)

// Environment is a parsed Heat environment document.
type Environment struct {
	Name string
	// Parameters are values for the top-level template's parameters.
	Parameters map[string]any
	// ParameterDefaults replace the defaults of parameters of that name in
	// the top-level and every nested template.
	ParameterDefaults map[string]any
	// ResourceRegistry maps resource types (a trailing "*" is a glob) to
	// other types or to template files.
	ResourceRegistry map[string]string
	// ResourceOverrides are resource_registry.resources: per resource name,
	// mappings that apply to that resource only.
	ResourceOverrides map[string]map[string]string
}

// ParseEnvironment parses a Heat environment document (YAML or JSON). An
// empty document is an empty environment. Errors are like ParseTemplate's.
func ParseEnvironment(name string, data []byte) (*Environment, error) {
	env, p := parseEnvironment(name, data)
	if err := p.err(); err != nil {
		return nil, err
	}
	return env, nil
}

func parseEnvironment(name string, data []byte) (*Environment, *problems) {
	p := &problems{file: name}
	env := &Environment{
		Name:              name,
		Parameters:        map[string]any{},
		ParameterDefaults: map[string]any{},
		ResourceRegistry:  map[string]string{},
		ResourceOverrides: map[string]map[string]string{},
	}
	if strings.TrimSpace(string(data)) == "" {
		return env, p
	}
	doc, err := decodeYAML(data)
	if err != nil {
		p.add("", "%v", err)
		return env, p
	}
	top, ok := doc.(map[string]any)
	if !ok {
		if doc == nil {
			return env, p
		}
		p.add("", "an environment must be a mapping, not %s", describe(doc))
		return env, p
	}
	for _, k := range sortedKeys(top) {
		v := top[k]
		switch k {
		case "parameters", "parameter_defaults":
			if v == nil {
				continue
			}
			m, ok := v.(map[string]any)
			if !ok {
				p.add(k, "must be a mapping, not %s", describe(v))
				continue
			}
			if k == "parameters" {
				env.Parameters = m
			} else {
				env.ParameterDefaults = m
			}
		case "resource_registry":
			if v == nil {
				continue
			}
			m, ok := v.(map[string]any)
			if !ok {
				p.add(k, "must be a mapping, not %s", describe(v))
				continue
			}
			for _, typ := range sortedKeys(m) {
				if typ == "resources" {
					env.overrides(p, m[typ])
					continue
				}
				target, ok := m[typ].(string)
				if !ok || target == "" {
					p.add("resource_registry."+typ, "must map to a resource type or a template file, not %s", describe(m[typ]))
					continue
				}
				env.ResourceRegistry[typ] = target
			}
		case "encrypted_param_names", "event_sinks", "parameter_merge_strategies":
		default:
			p.add(k, "unknown environment section (parameters, parameter_defaults, resource_registry, event_sinks, encrypted_param_names, parameter_merge_strategies)")
		}
	}
	return env, p
}

func (env *Environment) overrides(p *problems, v any) {
	m, ok := v.(map[string]any)
	if !ok {
		p.add("resource_registry.resources", "must be a mapping of resource names, not %s", describe(v))
		return
	}
	for _, res := range sortedKeys(m) {
		rm, ok := m[res].(map[string]any)
		if !ok {
			p.add("resource_registry.resources."+res, "must be a mapping of types, not %s", describe(m[res]))
			continue
		}
		out := map[string]string{}
		for _, typ := range sortedKeys(rm) {
			// Hooks (pre-create, …) are not type mappings; keep only mappings.
			if target, ok := rm[typ].(string); ok {
				out[typ] = target
			}
		}
		env.ResourceOverrides[res] = out
	}
}

// ResolveType returns the type the environment maps typ to, for a resource
// of the given name (the per-resource overrides apply first), following
// chains of mappings. A nil environment maps nothing.
//
// Among several global entries that match — exact names and globs ending in
// "*" — Heat picks the first in string order, so a glob like "OS::Nova::*"
// wins over "OS::Nova::Server"; ResolveType does the same.
func (env *Environment) ResolveType(resource, typ string) string {
	if env == nil {
		return typ
	}
	seen := map[string]bool{}
	for !seen[typ] && !IsTemplateFile(typ) {
		seen[typ] = true
		next, ok := lookupRegistry(env.ResourceOverrides[resource], typ)
		if !ok {
			next, ok = lookupRegistry(env.ResourceRegistry, typ)
		}
		if !ok || next == typ {
			break
		}
		typ = next
	}
	return typ
}

func lookupRegistry(reg map[string]string, typ string) (string, bool) {
	best, found := "", false
	for k := range reg {
		match := k == typ || (strings.HasSuffix(k, "*") && strings.HasPrefix(typ, strings.TrimSuffix(k, "*")))
		if match && (!found || k < best) {
			best, found = k, true
		}
	}
	if !found {
		return "", false
	}
	target := reg[best]
	if strings.HasSuffix(best, "*") && strings.HasSuffix(target, "*") {
		// "OS::Foo::*": "OS::Bar::*" renames the prefix.
		return strings.TrimSuffix(target, "*") + strings.TrimPrefix(typ, strings.TrimSuffix(best, "*")), true
	}
	return target, true
}
