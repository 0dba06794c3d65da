package heat

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxYAMLDepth bounds the nesting of collections. Heat templates are
// shallow (a dozen levels); the bound keeps pathological documents from
// costing quadratic time and memory in the walks that track paths.
const maxYAMLDepth = 256

// maxYAMLValues bounds the number of values one document may expand to, so
// that aliases of aliases ("billion laughs") cannot blow up memory.
const maxYAMLValues = 1 << 18

// decodeYAML parses one YAML (or JSON) document into generic values:
// map[string]any, []any, string, int, float64, bool and nil.
//
// It follows Heat's loader where that differs from YAML 1.2: timestamps
// stay strings (heat_template_version: 2018-08-31 is the string
// "2018-08-31"), and the YAML 1.1 booleans yes/no/on/off that PyYAML
// resolves are booleans. Duplicate keys and multiple documents are errors.
func decodeYAML(data []byte) (any, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("empty document")
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("not valid YAML: %w", err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, fmt.Errorf("not valid YAML: %w", err)
	default:
		return nil, errors.New("more than one YAML document")
	}
	c := &yamlConverter{}
	v, err := c.value(&doc, 0)
	if err != nil {
		return nil, err
	}
	return v, nil
}

type yamlConverter struct {
	n      int                 // values produced so far
	active map[*yaml.Node]bool // anchored nodes being converted, to catch recursive aliases
}

func (c *yamlConverter) value(n *yaml.Node, depth int) (any, error) {
	c.n++
	if c.n > maxYAMLValues {
		return nil, fmt.Errorf("document expands to more than %d values", maxYAMLValues)
	}
	if depth > maxYAMLDepth {
		return nil, fmt.Errorf("line %d: nested deeper than %d levels", n.Line, maxYAMLDepth)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return c.value(n.Content[0], depth)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, fmt.Errorf("line %d: alias without anchor", n.Line)
		}
		if c.active[n.Alias] {
			return nil, fmt.Errorf("line %d: alias *%s refers to a node that contains it", n.Line, n.Value)
		}
		return c.value(n.Alias, depth)
	case yaml.SequenceNode, yaml.MappingNode:
		if n.Anchor != "" {
			if c.active == nil {
				c.active = map[*yaml.Node]bool{}
			}
			c.active[n] = true
			defer delete(c.active, n)
		}
		if n.Kind == yaml.MappingNode {
			return c.mapping(n, depth)
		}
		out := make([]any, 0, len(n.Content))
		for _, item := range n.Content {
			v, err := c.value(item, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.ScalarNode:
		return scalarValue(n)
	default:
		return nil, fmt.Errorf("line %d: unsupported YAML node", n.Line)
	}
}

func (c *yamlConverter) mapping(n *yaml.Node, depth int) (map[string]any, error) {
	out := make(map[string]any, len(n.Content)/2)
	explicit := make(map[string]bool, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, vn := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			if err := c.merge(out, explicit, vn, depth); err != nil {
				return nil, err
			}
			continue
		}
		key, err := c.key(k)
		if err != nil {
			return nil, err
		}
		if explicit[key] {
			return nil, fmt.Errorf("line %d: duplicate key %q", k.Line, key)
		}
		v, err := c.value(vn, depth+1)
		if err != nil {
			return nil, err
		}
		out[key] = v
		explicit[key] = true
	}
	return out, nil
}

// merge applies a YAML merge key ("<<: *anchor" or a list of anchors):
// merged keys never override keys written in the mapping itself.
func (c *yamlConverter) merge(out map[string]any, explicit map[string]bool, n *yaml.Node, depth int) error {
	var sources []*yaml.Node
	switch {
	case n.Kind == yaml.SequenceNode:
		sources = n.Content
	default:
		sources = []*yaml.Node{n}
	}
	for _, s := range sources {
		v, err := c.value(s, depth)
		if err != nil {
			return err
		}
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("line %d: merge key needs a mapping", s.Line)
		}
		for k, mv := range m {
			if !explicit[k] {
				if _, seen := out[k]; !seen {
					out[k] = mv
				}
			}
		}
	}
	return nil
}

func (c *yamlConverter) key(k *yaml.Node) (string, error) {
	for k.Kind == yaml.AliasNode && k.Alias != nil {
		k = k.Alias
	}
	if k.Kind != yaml.ScalarNode {
		return "", fmt.Errorf("line %d: mapping keys must be scalars", k.Line)
	}
	return k.Value, nil
}

// pyYAMLBools are the plain scalars PyYAML (YAML 1.1), and so Heat, reads
// as booleans beyond YAML 1.2's true/false.
var pyYAMLBools = map[string]bool{
	"yes": true, "Yes": true, "YES": true, "on": true, "On": true, "ON": true,
	"no": false, "No": false, "NO": false, "off": false, "Off": false, "OFF": false,
}

func scalarValue(n *yaml.Node) (any, error) {
	tag := n.ShortTag()
	switch tag {
	case "!!str", "!!timestamp", "!!binary":
		// Style 0 is a plain scalar: not quoted and with no explicit tag
		// (an explicit one sets yaml.TaggedStyle), which is what PyYAML
		// resolves to a boolean.
		if tag == "!!str" && n.Style == 0 {
			if b, ok := pyYAMLBools[n.Value]; ok {
				return b, nil
			}
		}
		if tag == "!!binary" {
			var s string
			if err := n.Decode(&s); err != nil {
				return nil, fmt.Errorf("line %d: %w", n.Line, err)
			}
			return s, nil
		}
		return n.Value, nil
	case "!!null":
		return nil, nil
	case "!!bool":
		switch strings.ToLower(n.Value) {
		case "true", "yes", "on":
			return true, nil
		default:
			return false, nil
		}
	case "!!int", "!!float":
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		switch x := v.(type) {
		case int, float64:
			return x, nil
		case int64:
			return float64(x), nil
		case uint64:
			return float64(x), nil
		default:
			return n.Value, nil
		}
	default:
		return nil, fmt.Errorf("line %d: unsupported YAML tag %s", n.Line, tag)
	}
}
