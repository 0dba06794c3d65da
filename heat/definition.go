package heat

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/gomagnum/magnum/errdefs"
)

// Definition describes how one driver turns a cluster into a Heat stack:
// its top-level template, the structural features that shape the rendered
// templates and select resource_registry entries, the Heat parameters and
// where their values come from, and the stack outputs that flow back.
// It is plain data, shared and never modified after NewRenderer.
type Definition struct {
	// Name identifies the definition in errors, e.g. "k8s_fedora_coreos_v1".
	Name string
	// Template is the path of the top-level HOT template in the renderer's
	// file system. Nested templates and get_file targets are found by
	// following the references of the rendered templates.
	Template string
	// Features are the structural choices. Templates see only these (as
	// .name in text/template), so no user-supplied text can reach template
	// source.
	Features []Feature
	// Registry selects resource_registry entries by feature values.
	Registry []RegistryRule
	// Params map values to Heat parameters of the top-level template.
	Params []ParamMapping
	// Outputs map stack outputs (and stack parameters) back to cluster and
	// node group attributes.
	Outputs []OutputMapping
}

// SourceKind says where a value comes from.
type SourceKind int

// The kinds of Source.
const (
	// FromTemplate reads a cluster template attribute (Magnum field name).
	FromTemplate SourceKind = iota + 1
	// FromCluster reads a cluster attribute.
	FromCluster
	// FromNodeGroup reads an attribute of the node group with Source.Role.
	FromNodeGroup
	// FromLabel reads a label (the cluster's effective labels).
	FromLabel
	// FromExtra reads a value the driver computed for this render (trust
	// credentials, a discovery URL, a network resolved from a name, …).
	FromExtra
	// FromFeature reads a feature's value.
	FromFeature
	// FromConstant is Source.Value itself.
	FromConstant
)

func (k SourceKind) String() string {
	switch k {
	case FromTemplate:
		return "template"
	case FromCluster:
		return "cluster"
	case FromNodeGroup:
		return "nodegroup"
	case FromLabel:
		return "label"
	case FromExtra:
		return "extra"
	case FromFeature:
		return "feature"
	case FromConstant:
		return "constant"
	}
	return fmt.Sprintf("SourceKind(%d)", int(k))
}

// Source names one value. Build it with TemplateAttr, ClusterAttr,
// NodeGroupAttr, Label, Extra, FeatureValue or Constant.
type Source struct {
	Kind  SourceKind
	Role  string // node group role or name, for FromNodeGroup
	Name  string // attribute, label, extra or feature name
	Value any    // for FromConstant
}

// TemplateAttr is a cluster template attribute, by Magnum field name.
func TemplateAttr(name string) Source { return Source{Kind: FromTemplate, Name: name} }

// ClusterAttr is a cluster attribute, by Magnum field name.
func ClusterAttr(name string) Source { return Source{Kind: FromCluster, Name: name} }

// NodeGroupAttr is an attribute of the node group the driver passes under
// role (e.g. "master", "worker").
func NodeGroupAttr(role, name string) Source {
	return Source{Kind: FromNodeGroup, Role: role, Name: name}
}

// Label is a label of the cluster.
func Label(name string) Source { return Source{Kind: FromLabel, Name: name} }

// Extra is a value the driver computes for the render.
func Extra(name string) Source { return Source{Kind: FromExtra, Name: name} }

// FeatureValue is the value of a feature of the definition.
func FeatureValue(name string) Source { return Source{Kind: FromFeature, Name: name} }

// Constant is a fixed value.
func Constant(v any) Source { return Source{Kind: FromConstant, Value: v} }

func (s Source) String() string {
	switch s.Kind {
	case FromNodeGroup:
		return "nodegroup[" + s.Role + "]." + s.Name
	case FromConstant:
		return fmt.Sprintf("constant(%v)", s.Value)
	}
	return s.Kind.String() + "." + s.Name
}

// Attributes looks attributes up by name. ok is false for an attribute that
// is not set; a nil value or nil pointer also counts as not set.
type Attributes interface {
	Attr(name string) (value any, ok bool)
}

// Attrs is a map of attributes.
type Attrs map[string]any

// Attr implements Attributes.
func (a Attrs) Attr(name string) (any, bool) {
	v, ok := a[name]
	return v, ok
}

// AttrFunc adapts a function to Attributes.
type AttrFunc func(name string) (any, bool)

// Attr implements Attributes.
func (f AttrFunc) Attr(name string) (any, bool) { return f(name) }

// Inputs is what a render reads. Drivers fill it from their models; any
// field may be nil.
type Inputs struct {
	Template   Attributes            // cluster template attributes
	Cluster    Attributes            // cluster attributes
	NodeGroups map[string]Attributes // node groups by role or name
	Labels     map[string]string     // effective labels
	Extra      Attrs                 // driver-computed values
}

// lookup resolves one source. Features must already be resolved.
func (in *Inputs) lookup(s Source, features Features) (any, bool) {
	var v any
	var ok bool
	switch s.Kind {
	case FromTemplate:
		if in.Template != nil {
			v, ok = in.Template.Attr(s.Name)
		}
	case FromCluster:
		if in.Cluster != nil {
			v, ok = in.Cluster.Attr(s.Name)
		}
	case FromNodeGroup:
		if ng := in.NodeGroups[s.Role]; ng != nil {
			v, ok = ng.Attr(s.Name)
		}
	case FromLabel:
		v, ok = in.Labels[s.Name]
	case FromExtra:
		v, ok = in.Extra[s.Name]
	case FromFeature:
		v, ok = features[s.Name]
	case FromConstant:
		v, ok = s.Value, true
	}
	if !ok {
		return nil, false
	}
	return deref(v)
}

// first returns the value of the first source that is set.
func (in *Inputs) first(srcs []Source, features Features) (any, Source, bool) {
	for _, s := range srcs {
		if v, ok := in.lookup(s, features); ok {
			return v, s, true
		}
	}
	return nil, Source{}, false
}

// deref follows pointers; nil and nil pointers are "not set".
func deref(v any) (any, bool) {
	if v == nil {
		return nil, false
	}
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			return nil, false
		}
		rv = rv.Elem()
	}
	return rv.Interface(), true
}

// ParamType is a Heat parameter type.
type ParamType string

// Heat's parameter types.
const (
	String             ParamType = "string"
	Number             ParamType = "number"
	Boolean            ParamType = "boolean"
	CommaDelimitedList ParamType = "comma_delimited_list"
	JSON               ParamType = "json"
)

// ParamMapping sets one Heat parameter of the top-level template.
type ParamMapping struct {
	Param string    // the Heat parameter
	Type  ParamType // the value is converted to this type (see Parameter.Convert)
	// From lists the sources in order; the first that is set gives the value
	// (Magnum: the template attribute, else the cluster attribute). If none
	// is set the parameter is not sent and the template's default applies.
	From []Source
	// Required makes an unset value an ErrInvalid error naming the first
	// source (Magnum's RequiredParameterNotProvided).
	Required bool
	// Transform, if set, maps the value before conversion, e.g. to append
	// "/v1" to a URL. It must not fail on values the sources can hold;
	// its errors are reported as ErrInvalid.
	Transform func(v any) (any, error)
}

// Param is a ParamMapping with the first source set.
func Param(param string, typ ParamType, from ...Source) ParamMapping {
	return ParamMapping{Param: param, Type: typ, From: from}
}

// RequiredParam is Param with Required set.
func RequiredParam(param string, typ ParamType, from ...Source) ParamMapping {
	return ParamMapping{Param: param, Type: typ, From: from, Required: true}
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// validate checks the definition itself; problems are programming errors
// of the driver, reported as ErrInvalid.
func (d *Definition) validate() error {
	var list []*errdefs.Error
	add := func(field, format string, args ...any) {
		list = append(list, &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "definition", ID: d.Name, Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	if d.Template == "" {
		add("Template", "no top-level template")
	}
	features := map[string]*Feature{}
	for i := range d.Features {
		f := &d.Features[i]
		field := fmt.Sprintf("Features[%d]", i)
		if !identRE.MatchString(f.Name) {
			add(field, "feature name %q must be an identifier", f.Name)
		}
		if features[f.Name] != nil {
			add(field, "duplicate feature %q", f.Name)
		}
		features[f.Name] = f
		for _, msg := range f.validate() {
			add(field, "feature %s: %s", f.Name, msg)
		}
	}
	checkSource := func(field string, s Source) {
		switch s.Kind {
		case FromTemplate, FromCluster, FromLabel, FromExtra:
			if s.Name == "" {
				add(field, "%s source without a name", s.Kind)
			}
		case FromNodeGroup:
			if s.Name == "" || s.Role == "" {
				add(field, "nodegroup source needs a role and a name")
			}
		case FromFeature:
			if features[s.Name] == nil {
				add(field, "feature %q is not defined", s.Name)
			}
		case FromConstant:
		default:
			add(field, "source of unknown kind %d", int(s.Kind))
		}
	}
	order := map[string]int{}
	for i := range d.Features {
		order[d.Features[i].Name] = i
	}
	for i := range d.Features {
		field := fmt.Sprintf("Features[%d]", i)
		for _, s := range d.Features[i].sources() {
			checkSource(field, s)
			if j, ok := order[s.Name]; s.Kind == FromFeature && ok && j >= i {
				add(field, "feature %s uses feature %s, which is not defined before it", d.Features[i].Name, s.Name)
			}
		}
	}
	for i, r := range d.Registry {
		field := fmt.Sprintf("Registry[%d]", i)
		f := features[r.Feature]
		switch {
		case f == nil:
			add(field, "feature %q is not defined", r.Feature)
		case !f.allows(r.Value):
			add(field, "feature %s never has the value %v", r.Feature, r.Value)
		}
		if len(r.Entries) == 0 {
			add(field, "no resource_registry entries")
		}
		for typ, target := range r.Entries {
			if typ == "" || target == "" {
				add(field, "empty resource_registry entry %q: %q", typ, target)
			}
		}
	}
	params := map[string]bool{}
	for i, m := range d.Params {
		field := fmt.Sprintf("Params[%d]", i)
		if m.Param == "" {
			add(field, "no Heat parameter name")
		}
		if params[m.Param] {
			add(field, "Heat parameter %q is mapped twice", m.Param)
		}
		params[m.Param] = true
		switch m.Type {
		case String, Number, Boolean, CommaDelimitedList, JSON:
		default:
			add(field, "%q is not a Heat parameter type", m.Type)
		}
		if len(m.From) == 0 {
			add(field, "parameter %s has no source", m.Param)
		}
		for _, s := range m.From {
			checkSource(field, s)
		}
	}
	for i, o := range d.Outputs {
		field := fmt.Sprintf("Outputs[%d]", i)
		for _, msg := range o.validate() {
			add(field, "%s", msg)
		}
		if o.When != nil {
			f := features[o.When.Feature]
			if f == nil {
				add(field, "feature %q is not defined", o.When.Feature)
			} else if !f.allows(o.When.Value) {
				add(field, "feature %s never has the value %v", o.When.Feature, o.When.Value)
			}
		}
	}
	return joinProblems(list)
}

// ParamFor returns the Heat parameter that src feeds — the first mapping
// that lists it — e.g. "number_of_minions" for NodeGroupAttr("worker",
// "node_count") (Magnum's get_heat_param).
func (d *Definition) ParamFor(src Source) (string, bool) {
	for _, m := range d.Params {
		for _, s := range m.From {
			if s.Kind == src.Kind && s.Role == src.Role && s.Name == src.Name && s.Kind != FromConstant {
				return m.Param, true
			}
		}
	}
	return "", false
}

// params computes the Heat parameters of the mappings named in only (all
// when only is empty).
func (d *Definition) params(in *Inputs, features Features, only map[string]bool) (map[string]any, error) {
	out := make(map[string]any, len(d.Params))
	var list []*errdefs.Error
	for i := range d.Params {
		m := &d.Params[i]
		if len(only) > 0 && !only[m.Param] {
			continue
		}
		v, err := m.value(in, features)
		if err != nil {
			list = append(list, err)
			continue
		}
		if v != nil {
			out[m.Param] = v
		}
	}
	if err := joinProblems(list); err != nil {
		return nil, err
	}
	return out, nil
}

// value resolves and converts one mapping; nil means "not set".
func (m *ParamMapping) value(in *Inputs, features Features) (any, *errdefs.Error) {
	v, src, found := in.first(m.From, features)
	if !found {
		if m.Required {
			return nil, &errdefs.Error{Kind: errdefs.ErrInvalid, Field: fieldName(m.From[0]),
				Reason: fmt.Sprintf("required (Heat parameter %s) but not set", m.Param)}
		}
		return nil, nil
	}
	if m.Transform != nil {
		var err error
		if v, err = m.Transform(v); err != nil {
			return nil, &errdefs.Error{Kind: errdefs.ErrInvalid, Field: fieldName(src),
				Reason: fmt.Sprintf("Heat parameter %s", m.Param), Err: err}
		}
		if v == nil {
			return nil, nil
		}
	}
	conv, err := ConvertParam(m.Type, v)
	if err != nil {
		return nil, &errdefs.Error{Kind: errdefs.ErrInvalid, Field: fieldName(src),
			Reason: fmt.Sprintf("cannot be Heat parameter %s (%s): %s", m.Param, m.Type, kindOf(v))}
	}
	return conv, nil
}

// fieldName names a source the way a user knows it: the attribute or label.
func fieldName(s Source) string {
	switch s.Kind {
	case FromLabel:
		return "labels." + s.Name
	case FromNodeGroup:
		return s.Name
	case FromConstant:
		return "constant"
	}
	return s.Name
}

// ConvertParam converts a Go value to Heat's representation of a parameter
// of type t: string → string, number → int or float64, boolean → bool,
// comma_delimited_list → []string, json → map[string]any or []any. It
// accepts the shapes Parameter.Convert does, plus fmt.Stringer values (UUID
// types) for strings and pointers to any of these.
func ConvertParam(t ParamType, v any) (any, error) {
	v, ok := deref(v)
	if !ok {
		return nil, fmt.Errorf("no value")
	}
	if s, isStringer := v.(fmt.Stringer); isStringer && t == String {
		v = s.String()
	}
	if t == CommaDelimitedList {
		// Typed string slices ([]Name) become []string.
		rv := reflect.ValueOf(v)
		if rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() == reflect.String {
			out := make([]string, rv.Len())
			for i := range out {
				out[i] = rv.Index(i).String()
			}
			v = out
		}
	}
	if t != JSON {
		// Named scalar types (type Role string) convert as their base kind.
		rv := reflect.ValueOf(v)
		switch rv.Kind() {
		case reflect.String:
			v = rv.String()
		case reflect.Bool:
			v = rv.Bool()
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			v = rv.Int()
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			v = rv.Uint()
		case reflect.Float32, reflect.Float64:
			v = rv.Float()
		}
	}
	p := Parameter{Name: "value", Type: string(t)}
	out, err := p.Convert(v)
	if err != nil {
		return nil, fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "parameter value "))
	}
	return out, nil
}
