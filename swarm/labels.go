package swarm

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/internal/labelcheck"
	"github.com/gomagnum/magnum/internal/safetext"
	"github.com/gomagnum/magnum/labels"
)

// LabelSpec describes one label the Swarm driver interprets.
type LabelSpec struct {
	Name    string
	Default string // "" when the label has no default
	// Rule says in words what a valid value is.
	Rule string
	// check validates a non-empty value; nil accepts any text without
	// control characters. It returns problems' reasons.
	check func(string) []string
}

// The labels the driver interprets (Magnum's swarm labels, plus the
// network and placement ones the templates need). Values reach the nodes
// only as data; they are still checked strictly.
var labelSpecs = []LabelSpec{
	{Name: "flannel_network_cidr", Default: "10.100.0.0/16", Rule: "an IPv4 CIDR", check: one(labelcheck.IPv4CIDR)},
	// Magnum defaulted to udp, which flannel has deprecated; vxlan is the
	// default here.
	{Name: "flannel_backend", Default: "vxlan", Rule: "udp, vxlan or host-gw", check: one(labelcheck.OneOf("udp", "vxlan", "host-gw"))},
	{Name: "flannel_network_subnetlen", Default: "24", Rule: "a prefix length from 8 to 30, longer than flannel_network_cidr's", check: one(labelcheck.IntRange(8, 30))},
	{Name: "rexray_preempt", Default: "false", Rule: "true or false", check: one(labelcheck.OneOf("true", "false"))},
	{Name: "swarm_strategy", Default: "spread", Rule: "spread, binpack or random", check: checkStrategies},
	{Name: "fixed_subnet_cidr", Default: "10.0.0.0/24", Rule: "an IPv4 CIDR", check: one(labelcheck.IPv4CIDR)},
	{Name: "docker_volume_type", Rule: "a Cinder volume type"},
	{Name: "availability_zone", Rule: "a Nova availability zone"},
	{Name: "nodes_affinity_policy", Default: "soft-anti-affinity", Rule: "affinity, anti-affinity, soft-affinity or soft-anti-affinity",
		check: one(labelcheck.OneOf("affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity"))},
}

// Labels returns the labels the driver interprets, sorted by name. Other
// labels are kept on the cluster and have no effect.
func Labels() []LabelSpec {
	out := slices.Clone(labelSpecs)
	slices.SortFunc(out, func(a, b LabelSpec) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// IsKnownLabel reports whether the driver interprets the label.
func IsKnownLabel(name string) bool {
	return slices.ContainsFunc(labelSpecs, func(s LabelSpec) bool { return s.Name == name })
}

// UnknownLabels lists the labels of l the driver does not interpret, sorted.
func UnknownLabels(l labels.Labels) []string { return labelcheck.Unknown(l, IsKnownLabel) }

// Strategies lists the scheduling strategies the swarm_strategy label takes.
func Strategies() []string { return []string{"spread", "binpack", "random"} }

// ValidateLabels checks the labels the driver interprets, one by one and
// against each other, and returns every problem as a joined errdefs
// ErrInvalid error whose Field is "labels/<name>". Unknown labels are
// accepted. swarm_strategy is one or more of spread, binpack and random
// separated by white space (Magnum's rule; the managers use the first).
func ValidateLabels(l labels.Labels) error {
	_, err := ParseSettings(l)
	return err
}

// Settings are the effective values of the labels the driver interprets.
type Settings struct {
	FlannelNetworkCIDR  netip.Prefix
	FlannelBackend      string
	FlannelSubnetLen    int
	RexrayPreempt       bool
	Strategy            string // the first strategy listed
	FixedSubnetCIDR     netip.Prefix
	DockerVolumeType    string
	AvailabilityZone    string
	NodesAffinityPolicy string
}

// ParseSettings validates the labels the driver interprets and returns
// their effective values. Errors are joined errdefs ErrInvalid errors, one
// per problem, with Field "labels/<name>". swarm_strategy is checked even
// when empty (Magnum refuses an empty strategy); other empty labels take
// their defaults.
func ParseSettings(l labels.Labels) (*Settings, error) {
	var errs []error
	vals := make(map[string]string, len(labelSpecs))
	for _, spec := range labelSpecs {
		v, set := l[spec.Name]
		if !set || v == "" && spec.Name != "swarm_strategy" {
			vals[spec.Name] = spec.Default
			continue
		}
		if reasons := checkValue(spec, v); len(reasons) > 0 {
			for _, r := range reasons {
				errs = append(errs, errdefs.Invalid("labels/"+spec.Name, "%s", r))
			}
			continue
		}
		vals[spec.Name] = v
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	s := &Settings{
		FlannelNetworkCIDR:  netip.MustParsePrefix(vals["flannel_network_cidr"]),
		FlannelBackend:      vals["flannel_backend"],
		RexrayPreempt:       vals["rexray_preempt"] == "true",
		Strategy:            strings.Fields(vals["swarm_strategy"])[0],
		FixedSubnetCIDR:     netip.MustParsePrefix(vals["fixed_subnet_cidr"]),
		DockerVolumeType:    vals["docker_volume_type"],
		AvailabilityZone:    vals["availability_zone"],
		NodesAffinityPolicy: vals["nodes_affinity_policy"],
	}
	s.FlannelSubnetLen, _ = strconv.Atoi(vals["flannel_network_subnetlen"])
	if s.FlannelSubnetLen <= s.FlannelNetworkCIDR.Bits() {
		errs = append(errs, errdefs.Invalid("labels/flannel_network_subnetlen",
			"must be longer than the prefix of flannel_network_cidr (%s)", s.FlannelNetworkCIDR))
	}
	if s.FixedSubnetCIDR.Overlaps(s.FlannelNetworkCIDR) && (l["fixed_subnet_cidr"] != "" || l["flannel_network_cidr"] != "") {
		errs = append(errs, errdefs.Invalid("labels/flannel_network_cidr",
			"%s overlaps fixed_subnet_cidr (%s)", s.FlannelNetworkCIDR, s.FixedSubnetCIDR))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

// maxLabelValue bounds every interpreted label value.
const maxLabelValue = 255

func checkValue(spec LabelSpec, v string) []string {
	if len(v) > maxLabelValue {
		return []string{fmt.Sprintf("must be %s: at most %d characters", spec.Rule, maxLabelValue)}
	}
	if safetext.HasControl(v) && spec.Name != "swarm_strategy" {
		return []string{fmt.Sprintf("must be %s: control characters are not allowed", spec.Rule)}
	}
	if spec.check == nil {
		return nil
	}
	var out []string
	for _, r := range spec.check(v) {
		if spec.Name == "swarm_strategy" {
			out = append(out, r) // its own wording, kept from earlier releases
		} else {
			out = append(out, fmt.Sprintf("must be %s: %s", spec.Rule, r))
		}
	}
	return out
}

// checkStrategies accepts a white-space list of known strategies and
// reports each unknown word.
func checkStrategies(v string) []string {
	allowed := strings.Join(Strategies(), ", ")
	words := strings.Fields(v)
	if len(words) == 0 {
		return []string{fmt.Sprintf("must name a strategy (%s)", allowed)}
	}
	var out []string
	for _, w := range words {
		if !slices.Contains(Strategies(), w) {
			out = append(out, fmt.Sprintf("unknown strategy %q (allowed: %s)", truncate(w), allowed))
		}
	}
	return out
}

// one adapts a single-problem check.
func one(f func(string) error) func(string) []string {
	return func(v string) []string {
		if err := f(v); err != nil {
			return []string{err.Error()}
		}
		return nil
	}
}

// truncate shortens a value quoted in a message.
func truncate(s string) string { return safetext.Truncate(s, 40) }
