package heat

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/gomagnum/magnum/errdefs"
)

// Features are the resolved structural choices of one render: feature name
// → bool (bool features), int (int features) or string (enum features, one
// of the declared values). They are the only data the text templates see.
type Features map[string]any

// Feature is one structural choice, computed from the inputs. It has
// exactly one of three forms:
//
//   - a bool feature (When set): true when When holds;
//   - an enum feature (Values set): the Value of the first Case whose When
//     holds, else Default; every value must be in Values, and values are
//     identifiers, so they are safe anywhere in a template;
//   - an int feature (Int set): a small number read from a source and
//     bounds-checked, for templates that repeat a block a few times.
//
// A feature may use the features defined before it.
type Feature struct {
	Name string

	When *Cond

	Values  []string
	Cases   []Case
	Default string

	Int *IntRange
}

// Case is one branch of an enum feature.
type Case struct {
	When  Cond
	Value string
}

// IntRange reads an int feature: the number at From, Default when unset;
// outside [Min, Max] is an ErrInvalid error.
type IntRange struct {
	From     Source
	Min, Max int
	Default  int
}

// BoolFeature is a feature that is true when when holds.
func BoolFeature(name string, when Cond) Feature {
	return Feature{Name: name, When: &when}
}

// EnumFeature is a feature with one of values: the first case that holds,
// else def.
func EnumFeature(name string, values []string, def string, cases ...Case) Feature {
	return Feature{Name: name, Values: values, Default: def, Cases: cases}
}

// IntFeature is a small number read from a source.
func IntFeature(name string, from Source, lo, hi, def int) Feature {
	return Feature{Name: name, Int: &IntRange{From: from, Min: lo, Max: hi, Default: def}}
}

// Is is a Case: value when c holds.
func Is(value string, c Cond) Case { return Case{When: c, Value: value} }

var enumValueRE = identRE

func (f *Feature) validate() []string {
	var msgs []string
	forms := 0
	if f.When != nil {
		forms++
		msgs = append(msgs, f.When.validate()...)
	}
	if f.Values != nil {
		forms++
		if len(f.Values) == 0 {
			msgs = append(msgs, "an enum feature needs values")
		}
		seen := map[string]bool{}
		for _, v := range f.Values {
			if !enumValueRE.MatchString(v) {
				msgs = append(msgs, fmt.Sprintf("enum value %q must be an identifier", v))
			}
			if seen[v] {
				msgs = append(msgs, fmt.Sprintf("duplicate enum value %q", v))
			}
			seen[v] = true
		}
		if !seen[f.Default] {
			msgs = append(msgs, fmt.Sprintf("default %q is not one of the values", f.Default))
		}
		for _, c := range f.Cases {
			if !seen[c.Value] {
				msgs = append(msgs, fmt.Sprintf("case value %q is not one of the values", c.Value))
			}
			msgs = append(msgs, c.When.validate()...)
		}
	} else if len(f.Cases) > 0 || f.Default != "" {
		msgs = append(msgs, "cases and default need values")
	}
	if f.Int != nil {
		forms++
		r := f.Int
		if r.Min > r.Max || r.Default < r.Min || r.Default > r.Max {
			msgs = append(msgs, fmt.Sprintf("bad int range [%d, %d] default %d", r.Min, r.Max, r.Default))
		}
		if r.Max-r.Min > 64 {
			msgs = append(msgs, "an int feature spans at most 64 values (each is a cached variant)")
		}
	}
	if forms != 1 {
		msgs = append(msgs, "needs exactly one of When, Values, Int")
	}
	return msgs
}

// sources lists the sources a feature reads.
func (f *Feature) sources() []Source {
	var out []Source
	if f.When != nil {
		out = f.When.sources(out)
	}
	for _, c := range f.Cases {
		out = c.When.sources(out)
	}
	if f.Int != nil {
		out = append(out, f.Int.From)
	}
	return out
}

// allows reports whether the feature can have value v.
func (f *Feature) allows(v any) bool {
	switch {
	case f.When != nil:
		_, ok := v.(bool)
		return ok
	case f.Values != nil:
		s, ok := v.(string)
		if !ok {
			return false
		}
		for _, x := range f.Values {
			if x == s {
				return true
			}
		}
		return false
	case f.Int != nil:
		n, ok := v.(int)
		return ok && n >= f.Int.Min && n <= f.Int.Max
	}
	return false
}

// Resolve computes the definition's features for the inputs. A driver that
// maps outputs back (ApplyOutputs) resolves them again from the cluster.
func (d *Definition) Resolve(in Inputs) (Features, error) {
	return d.features(&in)
}

func (d *Definition) features(in *Inputs) (Features, error) {
	out := make(Features, len(d.Features))
	var list []*errdefs.Error
	for i := range d.Features {
		f := &d.Features[i]
		v, err := f.resolve(in, out)
		if err != nil {
			list = append(list, err)
			continue
		}
		out[f.Name] = v
	}
	if err := joinProblems(list); err != nil {
		return nil, err
	}
	return out, nil
}

func (f *Feature) resolve(in *Inputs, done Features) (any, *errdefs.Error) {
	switch {
	case f.When != nil:
		return f.When.eval(in, done)
	case f.Values != nil:
		for _, c := range f.Cases {
			ok, err := c.When.eval(in, done)
			if err != nil {
				return nil, err
			}
			if ok {
				return c.Value, nil
			}
		}
		return f.Default, nil
	default:
		r := f.Int
		v, ok := in.lookup(r.From, done)
		if !ok {
			return r.Default, nil
		}
		n, err := ConvertParam(Number, v)
		i, isInt := n.(int)
		if err != nil || !isInt || i < r.Min || i > r.Max {
			return nil, &errdefs.Error{Kind: errdefs.ErrInvalid, Field: fieldName(r.From),
				Reason: fmt.Sprintf("must be a whole number from %d to %d", r.Min, r.Max)}
		}
		return i, nil
	}
}

// key is a canonical encoding of the feature values, one per variant.
func (d *Definition) key(f Features) string {
	var b strings.Builder
	for i := range d.Features {
		name := d.Features[i].Name
		b.WriteString(name)
		b.WriteByte('=')
		switch v := f[name].(type) {
		case bool:
			b.WriteString(strconv.FormatBool(v))
		case int:
			b.WriteString(strconv.Itoa(v))
		case string:
			b.WriteString(v)
		}
		b.WriteByte(';')
	}
	return b.String()
}

// Cond is a condition over the inputs, for bool features, enum cases and
// registry choices. Build it with IsTrue, IsSet, AtLeast, Equals, Not, All
// and Any.
type Cond struct {
	op   condOp
	src  []Source // the first source that is set is tested
	num  float64
	str  string
	subs []Cond
}

type condOp int

const (
	condInvalid condOp = iota
	condTrue
	condSet
	condAtLeast
	condEquals
	condNot
	condAll
	condAny
)

// The leaf conditions take several sources: the first that is set is
// tested (Magnum's "the cluster's value, else the template's"); when none
// is set the condition is false.

// IsTrue holds when the source is set to true: a bool, or a string Heat
// reads as true ("true", "yes", "1", …). A string that is not a boolean is
// an ErrInvalid error.
func IsTrue(s ...Source) Cond { return Cond{op: condTrue, src: s} }

// IsSet holds when the source is set to something other than an empty or
// zero value ("", 0, false, empty list) — Python truthiness, as Magnum
// tests attributes like docker_volume_size or fixed_network.
func IsSet(s ...Source) Cond { return Cond{op: condSet, src: s} }

// AtLeast holds when the source is a number (or numeric string) ≥ n. A
// non-number is an ErrInvalid error.
func AtLeast(n float64, s ...Source) Cond { return Cond{op: condAtLeast, src: s, num: n} }

// Equals holds when the source, as text, equals value.
func Equals(value string, s ...Source) Cond { return Cond{op: condEquals, src: s, str: value} }

// Not negates c.
func Not(c Cond) Cond { return Cond{op: condNot, subs: []Cond{c}} }

// All holds when every condition holds (true when there are none).
func All(cs ...Cond) Cond { return Cond{op: condAll, subs: cs} }

// Any holds when some condition holds (false when there are none).
func Any(cs ...Cond) Cond { return Cond{op: condAny, subs: cs} }

func (c Cond) String() string {
	switch c.op {
	case condTrue:
		return "is_true(" + sourcesString(c.src) + ")"
	case condSet:
		return "is_set(" + sourcesString(c.src) + ")"
	case condAtLeast:
		return "at_least(" + formatNumber(c.num) + ", " + sourcesString(c.src) + ")"
	case condEquals:
		return "equals(" + strconv.Quote(c.str) + ", " + sourcesString(c.src) + ")"
	case condNot:
		return "not(" + c.subs[0].String() + ")"
	case condAll, condAny:
		parts := make([]string, len(c.subs))
		for i, s := range c.subs {
			parts[i] = s.String()
		}
		name := "all"
		if c.op == condAny {
			name = "any"
		}
		return name + "(" + strings.Join(parts, ", ") + ")"
	}
	return "invalid"
}

func (c Cond) validate() []string {
	switch c.op {
	case condTrue, condSet, condAtLeast, condEquals:
		if len(c.src) == 0 {
			return []string{"a condition without a source"}
		}
		return nil
	case condNot, condAll, condAny:
		var msgs []string
		for _, s := range c.subs {
			msgs = append(msgs, s.validate()...)
		}
		return msgs
	}
	return []string{"zero Cond: build conditions with IsTrue, IsSet, AtLeast, Equals, Not, All, Any"}
}

func (c Cond) sources(out []Source) []Source {
	switch c.op {
	case condTrue, condSet, condAtLeast, condEquals:
		return append(out, c.src...)
	}
	for _, s := range c.subs {
		out = s.sources(out)
	}
	return out
}

func (c Cond) eval(in *Inputs, features Features) (bool, *errdefs.Error) {
	switch c.op {
	case condTrue:
		v, src, ok := in.first(c.src, features)
		if !ok {
			return false, nil
		}
		b, ok := asBool(normalizeScalar(v))
		if !ok {
			return false, &errdefs.Error{Kind: errdefs.ErrInvalid, Field: fieldName(src), Reason: "must be a boolean"}
		}
		return b, nil
	case condSet:
		v, _, ok := in.first(c.src, features)
		return ok && truthy(v), nil
	case condAtLeast:
		v, src, ok := in.first(c.src, features)
		if !ok {
			return false, nil
		}
		n, err := ConvertParam(Number, v)
		if err != nil {
			return false, &errdefs.Error{Kind: errdefs.ErrInvalid, Field: fieldName(src), Reason: "must be a number"}
		}
		f, _ := asNumber(n)
		return f >= c.num, nil
	case condEquals:
		v, _, ok := in.first(c.src, features)
		if !ok {
			return false, nil
		}
		s, err := ConvertParam(String, v)
		return err == nil && s == c.str, nil
	case condNot:
		b, err := c.subs[0].eval(in, features)
		return !b, err
	case condAll, condAny:
		want := c.op == condAny
		for _, s := range c.subs {
			b, err := s.eval(in, features)
			if err != nil {
				return false, err
			}
			if b == want {
				return want, nil
			}
		}
		return !want, nil
	}
	return false, &errdefs.Error{Kind: errdefs.ErrInvalid, Reason: "zero Cond"}
}

func sourcesString(src []Source) string {
	parts := make([]string, len(src))
	for i, s := range src {
		parts[i] = s.String()
	}
	return strings.Join(parts, " | ")
}

// normalizeScalar turns named string and bool types into their base kinds.
func normalizeScalar(v any) any {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String:
		return rv.String()
	case reflect.Bool:
		return rv.Bool()
	}
	return v
}

// truthy is Python's truth value of a Go value: empty strings, lists and
// maps, zero numbers and false are false.
func truthy(v any) bool {
	if v == nil {
		return false
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String, reflect.Slice, reflect.Map, reflect.Array:
		return rv.Len() > 0
	}
	return !rv.IsZero()
}

// RegistryRule adds resource_registry entries when a feature has a value.
type RegistryRule struct {
	Feature string
	Value   any // bool, int or enum string
	// Entries map resource types to types ("OS::Heat::None") or to template
	// files of the renderer's file system.
	Entries map[string]string
}

// WhenFeature is a RegistryRule.
func WhenFeature(feature string, value any, entries map[string]string) RegistryRule {
	return RegistryRule{Feature: feature, Value: value, Entries: entries}
}

// registry builds the resource_registry for the features. Later rules
// override earlier ones for the same type.
func (d *Definition) registry(f Features) map[string]string {
	out := map[string]string{}
	for _, r := range d.Registry {
		if f[r.Feature] == r.Value {
			for k, v := range r.Entries {
				out[k] = v
			}
		}
	}
	return out
}
