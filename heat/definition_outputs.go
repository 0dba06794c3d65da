package heat

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/gomagnum/magnum/errdefs"
)

// OutputMapping copies stack outputs (or stack parameters) to a cluster or
// node group attribute.
type OutputMapping struct {
	// Outputs are the stack output keys read (stack parameter names with
	// FromParam). With one key the formatter gets its value; with several,
	// a []any of their values in order (a missing one is nil).
	Outputs []string
	// FromParam reads stack parameters instead of outputs (Magnum's
	// is_stack_param, e.g. number_of_minions → node_count).
	FromParam bool
	// To is ClusterAttr(…) or NodeGroupAttr(…). The zero Source marks a
	// known output that is not stored (the check still requires it).
	To Source
	// Format turns the raw value into the attribute value; nil is Raw.
	Format Formatter
	// When, if set, applies the mapping only when a feature has a value
	// (e.g. public or private addresses by floating IPs on or off).
	When *FeatureIs
}

// FeatureIs is a condition on a resolved feature.
type FeatureIs struct {
	Feature string
	Value   any
}

// MapOutput maps one stack output to an attribute.
func MapOutput(output string, to Source, format Formatter) OutputMapping {
	return OutputMapping{Outputs: []string{output}, To: to, Format: format}
}

// MapParam maps one stack parameter to an attribute.
func MapParam(param string, to Source, format Formatter) OutputMapping {
	return OutputMapping{Outputs: []string{param}, FromParam: true, To: to, Format: format}
}

// OnlyWhen returns m applying only when feature has value.
func (m OutputMapping) OnlyWhen(feature string, value any) OutputMapping {
	m.When = &FeatureIs{Feature: feature, Value: value}
	return m
}

func (m *OutputMapping) validate() []string {
	var msgs []string
	if len(m.Outputs) == 0 {
		msgs = append(msgs, "no output keys")
	}
	for _, k := range m.Outputs {
		if k == "" {
			msgs = append(msgs, "empty output key")
		}
	}
	switch m.To.Kind {
	case 0:
	case FromCluster:
		if m.To.Name == "" {
			msgs = append(msgs, "cluster target without a name")
		}
	case FromNodeGroup:
		if m.To.Name == "" || m.To.Role == "" {
			msgs = append(msgs, "node group target needs a role and a name")
		}
	default:
		msgs = append(msgs, fmt.Sprintf("outputs go to cluster or node group attributes, not %s", m.To.Kind))
	}
	return msgs
}

func (m *OutputMapping) active(f Features) bool {
	return m.When == nil || f[m.When.Feature] == m.When.Value
}

// RequiredOutputs lists the stack outputs the active output mappings read,
// for Check.
func (d *Definition) RequiredOutputs(f Features) []string {
	var out []string
	seen := map[string]bool{}
	for i := range d.Outputs {
		m := &d.Outputs[i]
		if m.FromParam || !m.active(f) {
			continue
		}
		for _, k := range m.Outputs {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out
}

// OutputValues are attribute values taken from a stack.
type OutputValues struct {
	Cluster    map[string]any            // cluster attribute → value
	NodeGroups map[string]map[string]any // role → attribute → value
}

// ApplyOutputs computes the attribute values the definition's output
// mappings take from a stack fetched with outputs, for the features the
// stack was rendered with. As in Magnum, an output that is missing or null
// leaves its attribute alone (it is absent from the result). Heat's
// outputs are untrusted input: a value of the wrong shape is an ErrInvalid
// error naming the output; the other mappings are still applied.
func (d *Definition) ApplyOutputs(s *Stack, f Features) (*OutputValues, error) {
	out := &OutputValues{Cluster: map[string]any{}, NodeGroups: map[string]map[string]any{}}
	var list []*errdefs.Error
	for i := range d.Outputs {
		m := &d.Outputs[i]
		if !m.active(f) || m.To.Kind == 0 {
			continue
		}
		raws := make([]any, len(m.Outputs))
		found := false
		for j, k := range m.Outputs {
			var v any
			var ok bool
			if m.FromParam {
				v, ok = s.Parameters[k]
			} else {
				v, ok = s.Outputs[k]
			}
			if ok && v != nil {
				raws[j], found = v, true
			}
		}
		if !found {
			continue
		}
		var raw any = raws
		if len(raws) == 1 {
			raw = raws[0]
		}
		format := m.Format
		if format == nil {
			format = Raw
		}
		v, ok, err := format(raw)
		if err != nil {
			list = append(list, &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "stack", ID: s.ID,
				Field: strings.Join(m.Outputs, "+"), Reason: "unusable output", Err: err})
			continue
		}
		if !ok {
			continue
		}
		switch m.To.Kind {
		case FromCluster:
			out.Cluster[m.To.Name] = v
		case FromNodeGroup:
			ng := out.NodeGroups[m.To.Role]
			if ng == nil {
				ng = map[string]any{}
				out.NodeGroups[m.To.Role] = ng
			}
			ng[m.To.Name] = v
		}
	}
	return out, joinProblems(list)
}

// Formatter turns raw output values, as decoded from Heat's JSON, into an
// attribute value. ok false leaves the attribute alone. Raw values are
// untrusted: formatters must fail cleanly on any shape.
type Formatter func(raw any) (value any, ok bool, err error)

// Raw passes a non-null value through.
func Raw(raw any) (any, bool, error) { return raw, raw != nil, nil }

// Text formats a scalar as a string.
func Text(raw any) (any, bool, error) {
	switch x := raw.(type) {
	case nil:
		return nil, false, nil
	case string:
		return x, true, nil
	case bool:
		return strconv.FormatBool(x), true, nil
	}
	if f, ok := asNumber(raw); ok {
		return formatNumber(f), true, nil
	}
	return nil, false, fmt.Errorf("want a scalar, got %s", kindOf(raw))
}

// Integer reads a whole number from a number or a numeric string (stack
// parameters are strings).
func Integer(raw any) (any, bool, error) {
	if raw == nil {
		return nil, false, nil
	}
	n, err := ConvertParam(Number, raw)
	if err != nil {
		return nil, false, fmt.Errorf("want a whole number, got %s", kindOf(raw))
	}
	i, ok := n.(int)
	if !ok {
		return nil, false, fmt.Errorf("want a whole number, got a fraction")
	}
	return i, true, nil
}

// maxAddresses bounds the addresses read from one output.
const maxAddresses = 100000

// AddressList reads a list of IP addresses or host names as []string. Heat
// returns a JSON list (of a ResourceGroup's members, with null for members
// that have no address yet), a list of such lists (several outputs), or one
// string (possibly comma-separated, from list_join). Nulls and empty
// strings are dropped; anything that is not an address is an error.
func AddressList(raw any) (any, bool, error) {
	if raw == nil {
		return nil, false, nil
	}
	out := []string{}
	var walk func(v any, depth int) error
	walk = func(v any, depth int) error {
		switch x := v.(type) {
		case nil:
			return nil
		case string:
			for _, part := range strings.Split(x, ",") {
				part = strings.TrimSpace(part)
				if part == "" {
					continue
				}
				if err := checkAddress(part); err != nil {
					return err
				}
				if len(out) >= maxAddresses {
					return fmt.Errorf("more than %d addresses", maxAddresses)
				}
				out = append(out, part)
			}
			return nil
		case []any:
			if depth >= 3 {
				return fmt.Errorf("address lists nested too deep")
			}
			for _, item := range x {
				if err := walk(item, depth+1); err != nil {
					return err
				}
			}
			return nil
		}
		return fmt.Errorf("want addresses, got %s", kindOf(v))
	}
	if err := walk(raw, 0); err != nil {
		return nil, false, err
	}
	return out, true, nil
}

// URL returns a Formatter that makes "scheme://address:port" (brackets
// around IPv6) from an address output, e.g. URL("https", 6443) for
// Kubernetes' api_address. From a list (several outputs, or a group's
// addresses) the first address is used; with none the attribute is left
// alone.
func URL(scheme string, port int) Formatter {
	return func(raw any) (any, bool, error) {
		v, ok, err := AddressList(raw)
		if err != nil || !ok {
			return nil, false, err
		}
		addrs := v.([]string)
		if len(addrs) == 0 {
			return nil, false, nil
		}
		return scheme + "://" + net.JoinHostPort(addrs[0], strconv.Itoa(port)), true, nil
	}
}

// checkAddress accepts an IP address or a DNS host name.
func checkAddress(s string) error {
	if a, err := netip.ParseAddr(s); err == nil {
		if a.Zone() != "" {
			return fmt.Errorf("%s: an address with a zone is not reachable from elsewhere", describeText(s))
		}
		return nil
	}
	if isHostname(s) {
		return nil
	}
	return fmt.Errorf("%s is not an IP address or host name", describeText(s))
}

func isHostname(s string) bool {
	if len(s) == 0 || len(s) > 253 {
		return false
	}
	s = strings.TrimSuffix(s, ".")
	for _, label := range strings.Split(s, ".") {
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// describeText quotes short text for an error and summarises long text.
func describeText(s string) string {
	if len(s) > 64 {
		return fmt.Sprintf("a %d-byte string", len(s))
	}
	return strconv.Quote(s)
}
