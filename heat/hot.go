package heat

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"

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
