package labels

import (
	"strings"
	"unicode/utf8"
)

// Parse reads labels in the forms users type on a command line:
//
//   - "KEY=VALUE" pairs separated by ',' or ';', as Magnum's client takes
//     them: "kube_tag=v1.30.1,flannel_backend=vxlan". The name ends at the
//     first '=', so values may contain '='. A piece without '=' continues the
//     previous value, separator included, so lists need no quoting:
//     "no_proxy=10.0.0.1,.example.org,kube_tag=v1" gives no_proxy =
//     "10.0.0.1,.example.org". (A value can therefore not contain a
//     separator followed by text with '='; use the object form for that.)
//     Spaces around names and values are trimmed.
//   - A JSON object or a Python-literal dict, when the text starts with '{':
//     {"kube_tag": "v1.30.1"} or {'auto_healing_enabled': True}; see
//     ParseDictString.
//
// Blank input gives empty, non-nil Labels. Invalid UTF-8, a piece before the first '=', an
// empty name, and a name given twice are errors (errdefs.ErrInvalid). Names
// are not checked against ValidKey: that is the owning resource's rule.
func Parse(s string) (Labels, error) {
	if !utf8.ValidString(s) {
		return nil, invalidf("labels are not valid UTF-8")
	}
	t := strings.TrimSpace(s)
	if t == "" {
		return Labels{}, nil
	}
	if t[0] == '{' {
		return ParseDictString(t)
	}
	out := Labels{}
	last := ""
	for rest, sep := t, ""; ; {
		i := strings.IndexAny(rest, ",;")
		piece := rest
		if i >= 0 {
			piece = rest[:i]
		}
		name, value, ok := strings.Cut(piece, "=")
		switch {
		case ok:
			name = strings.TrimSpace(name)
			if name == "" {
				return nil, invalidf("label %q has an empty name", strings.TrimSpace(piece))
			}
			if _, dup := out[name]; dup {
				return nil, invalidf("label %q is given twice", name)
			}
			out[name] = value
			last = name
		case last == "":
			return nil, invalidf("labels must be KEY=VALUE pairs, not %q", strings.TrimSpace(piece))
		default:
			out[last] += sep + piece
		}
		if i < 0 {
			break
		}
		sep, rest = rest[i:i+1], rest[i+1:]
	}
	for k, v := range out {
		out[k] = strings.TrimSpace(v)
	}
	return out, nil
}

// ParseArgs parses each argument with Parse (one per repeated --labels
// flag) and combines them. A name given in two arguments is an error.
func ParseArgs(args []string) (Labels, error) {
	out := Labels{}
	for _, a := range args {
		l, err := Parse(a)
		if err != nil {
			return nil, err
		}
		for k, v := range l {
			if _, dup := out[k]; dup {
				return nil, invalidf("label %q is given twice", k)
			}
			out[k] = v
		}
	}
	return out, nil
}
