package patch

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// field is one JSON attribute of a struct: its name, where it is, its type.
type field struct {
	name  string
	index []int
	typ   reflect.Type
}

// schema lists a struct's JSON attributes in declaration order.
type schema struct {
	fields []field
	byName map[string]int
}

func (s schema) lookup(name string) (field, bool) {
	i, ok := s.byName[name]
	if !ok {
		return field{}, false
	}
	return s.fields[i], true
}

// schemaOf finds the attributes encoding/json would use for t: exported
// fields by their tag name, embedded structs flattened, shallower and tagged
// fields winning name clashes. Fields tagged "-" or with the ",string"
// option, and fields promoted through embedded pointers, are left out: a
// patch cannot reach them and Apply leaves them as they are.
func schemaOf(t reflect.Type) schema {
	type candidate struct {
		field
		depth       int
		tagged      bool
		unreachable bool // promoted through a pointer, or a ",string" field
	}
	all := make([]candidate, 0, t.NumField())
	top := make([]int, t.NumField()) // shared backing for the top-level indexes
	var walk func(t reflect.Type, index []int, depth int, viaPointer bool)
	walk = func(t reflect.Type, index []int, depth int, viaPointer bool) {
		if depth > 16 {
			return // a guard against embedding cycles such as type T struct{ *T }
		}
		for i := range t.NumField() {
			sf := t.Field(i)
			tag := sf.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			var idx []int
			if depth == 0 {
				top[i] = i
				idx = top[i : i+1 : i+1]
			} else {
				idx = append(append(make([]int, 0, len(index)+1), index...), i)
			}
			if sf.Anonymous && name == "" {
				switch {
				case sf.Type.Kind() == reflect.Struct:
					walk(sf.Type, idx, depth+1, viaPointer)
					continue
				case sf.Type.Kind() == reflect.Pointer && sf.Type.Elem().Kind() == reflect.Struct:
					walk(sf.Type.Elem(), idx, depth+1, true)
					continue
				}
			}
			if !sf.IsExported() {
				continue
			}
			tagged := name != ""
			if !tagged {
				name = sf.Name
			}
			all = append(all, candidate{field{name, idx, sf.Type}, depth, tagged, viaPointer || hasOption(opts, "string")})
		}
	}
	walk(t, nil, 0, false)

	// Usually every name is unique: keep the reachable fields as they are.
	s := schema{byName: make(map[string]int, len(all)), fields: make([]field, 0, len(all))}
	unique := true
	for _, c := range all {
		if _, seen := s.byName[c.name]; seen {
			unique = false
			break
		}
		s.byName[c.name] = -1
	}
	if unique {
		for _, c := range all {
			if c.unreachable {
				delete(s.byName, c.name)
				continue
			}
			s.byName[c.name] = len(s.fields)
			s.fields = append(s.fields, c.field)
		}
		return s
	}

	// Per name, the shallowest candidates win; among several at that depth
	// a single tagged one wins; otherwise the name is dropped.
	best := map[string][]candidate{}
	for _, c := range all {
		cur := best[c.name]
		switch {
		case len(cur) == 0 || c.depth < cur[0].depth:
			best[c.name] = []candidate{c}
		case c.depth == cur[0].depth:
			best[c.name] = append(cur, c)
		}
	}
	winner := func(cs []candidate) (candidate, bool) {
		if len(cs) == 1 {
			return cs[0], true
		}
		var tagged []candidate
		for _, c := range cs {
			if c.tagged {
				tagged = append(tagged, c)
			}
		}
		if len(tagged) == 1 {
			return tagged[0], true
		}
		return candidate{}, false
	}
	s = schema{byName: map[string]int{}}
	for _, c := range all {
		w, ok := winner(best[c.name])
		if !ok || !slices.Equal(w.index, c.index) || w.unreachable {
			continue
		}
		s.byName[c.name] = len(s.fields)
		s.fields = append(s.fields, c.field)
	}
	return s
}

func hasOption(opts, want string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == want {
			return true
		}
	}
	return false
}

// decodesItself reports whether values of t are read by their own
// UnmarshalJSON (Labels, time.Time, …).
func decodesItself(t reflect.Type) bool {
	u := reflect.TypeFor[json.Unmarshaler]()
	return t.Implements(u) || reflect.PointerTo(t).Implements(u)
}

// deref strips pointer types.
func deref(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// containerKind is how a value along a path holds its members.
type containerKind int

const (
	notContainer containerKind = iota
	objectMap                  // a map: members come and go
	objectStruct               // a struct: members always exist
	list                       // a slice
	anyValue                   // an interface: unknown until run time
)

func containerOf(t reflect.Type) containerKind {
	t = deref(t)
	switch {
	case t == nil || t.Kind() == reflect.Interface:
		return anyValue
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String:
		return objectMap
	case t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8:
		return list
	case t.Kind() == reflect.Struct && !decodesItself(t):
		return objectStruct
	default:
		return notContainer
	}
}

// memberType is the type of member seg of a value of type t found at path
// where. A nil type means "anything" (below an interface). On failure it
// returns the reason.
func memberType(t reflect.Type, seg, where string) (reflect.Type, string) {
	switch containerOf(t) {
	case anyValue:
		return nil, ""
	case objectMap:
		return deref(t).Elem(), ""
	case list:
		if seg != "-" && !isIndex(seg) {
			return nil, fmt.Sprintf("%q is not a list index of %s", seg, where)
		}
		return deref(t).Elem(), ""
	case objectStruct:
		f, ok := schemaOf(deref(t)).lookup(seg)
		if !ok {
			return nil, fmt.Sprintf("%s has no member %q", where, seg)
		}
		return f.typ, ""
	default:
		return nil, fmt.Sprintf("%s has no members", where)
	}
}

// isIndex reports whether seg is a list index in RFC 6901 form: digits
// without leading zeros.
func isIndex(seg string) bool {
	if seg == "" || len(seg) > 1 && seg[0] == '0' {
		return false
	}
	_, err := strconv.Atoi(seg)
	return err == nil && seg[0] != '-' && seg[0] != '+'
}
