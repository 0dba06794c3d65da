package k8s

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/internal/labelcheck"
	"github.com/gomagnum/magnum/internal/safetext"
	"github.com/gomagnum/magnum/labels"
)

// LabelSpec describes one label the Kubernetes drivers interpret.
type LabelSpec struct {
	Name    string
	Default string // "" when the label has no default (the value is then unset)
	// Rule says in words what a valid value is, for documentation and
	// error messages.
	Rule string
	// check validates a non-empty value; nil accepts any text without
	// control characters.
	check func(string) error
}

// The labels the drivers interpret. Values are validated strictly because
// many of them end up in files on the nodes (as data, never as script
// text); the character sets are the ones the values need and nothing a
// shell, YAML or JSON treats specially.
var labelSpecs = []LabelSpec{
	{Name: "flannel_network_cidr", Default: "10.100.0.0/16", Rule: "an IPv4 CIDR", check: labelcheck.IPv4CIDR},
	{Name: "flannel_backend", Default: "vxlan", Rule: "udp, vxlan or host-gw", check: labelcheck.OneOf("udp", "vxlan", "host-gw")},
	{Name: "flannel_network_subnetlen", Default: "24", Rule: "a prefix length from 8 to 30, longer than flannel_network_cidr's", check: labelcheck.IntRange(8, 30)},
	{Name: "flannel_tag", Default: "v0.25.6", Rule: "an image tag", check: checkImageTag},
	{Name: "calico_ipv4pool", Default: "10.100.0.0/16", Rule: "an IPv4 CIDR", check: labelcheck.IPv4CIDR},
	{Name: "calico_tag", Default: "v3.28.1", Rule: "an image tag", check: checkImageTag},
	{Name: "service_cluster_ip_range", Default: "10.254.0.0/16", Rule: "an IPv4 CIDR of at most /24 that does not overlap the pod network", check: checkServiceRange},
	{Name: "fixed_subnet_cidr", Default: "10.0.0.0/24", Rule: "an IPv4 CIDR", check: labelcheck.IPv4CIDR},
	{Name: "dns_cluster_domain", Default: "cluster.local", Rule: "a DNS domain", check: checkDomain},
	{Name: "kube_tag", Default: "v1.30.4", Rule: "a Kubernetes version such as v1.30.4", check: checkKubeTag},
	{Name: "etcd_tag", Default: "3.5.15-0", Rule: "an image tag", check: checkImageTag},
	{Name: "coredns_tag", Default: "v1.11.1", Rule: "an image tag", check: checkImageTag},
	{Name: "container_infra_prefix", Rule: "an image registry prefix such as registry.example.com:5000/k8s/", check: checkRegistryPrefix},
	{Name: "container_runtime", Default: "containerd", Rule: "containerd", check: labelcheck.OneOf("containerd")},
	{Name: "cgroup_driver", Default: "systemd", Rule: "systemd or cgroupfs", check: labelcheck.OneOf("systemd", "cgroupfs")},
	{Name: "admission_control_list", Default: "NamespaceLifecycle,LimitRanger,ServiceAccount,DefaultStorageClass,ResourceQuota,NodeRestriction",
		Rule: "a comma-separated list of admission plugin names", check: checkPluginList},
	{Name: "kube_dashboard_enabled", Default: "true", Rule: "true or false", check: labelcheck.Bool},
	{Name: "etcd_volume_size", Default: "0", Rule: "a size in GB from 0 (no etcd volume) to 10000", check: labelcheck.IntRange(0, 10000)},
	{Name: "etcd_volume_type", Rule: "a Cinder volume type"},
	{Name: "docker_volume_type", Rule: "a Cinder volume type"},
	{Name: "availability_zone", Rule: "a Nova availability zone"},
	{Name: "auto_healing_enabled", Default: "false", Rule: "true or false", check: labelcheck.Bool},
	{Name: "auto_healing_controller", Default: "draino", Rule: "draino or magnum-auto-healer", check: labelcheck.OneOf("draino", "magnum-auto-healer")},
	{Name: "auto_scaling_enabled", Default: "false", Rule: "true or false", check: labelcheck.Bool},
	{Name: "min_node_count", Default: "0", Rule: "a whole number from 0", check: labelcheck.IntRange(0, 100000)},
	{Name: "max_node_count", Rule: "a whole number at least min_node_count (default node_count+1)", check: labelcheck.IntRange(1, 100000)},
	{Name: "master_lb_floating_ip_enabled", Rule: "true or false (default: floating_ip_enabled)", check: labelcheck.Bool},
	{Name: "master_lb_allowed_cidrs", Rule: "a comma-separated list of CIDRs", check: checkCIDRList},
	{Name: "octavia_lb_algorithm", Default: "ROUND_ROBIN", Rule: "ROUND_ROBIN, LEAST_CONNECTIONS or SOURCE_IP", check: labelcheck.OneOf("ROUND_ROBIN", "LEAST_CONNECTIONS", "SOURCE_IP")},
	{Name: "octavia_lb_healthcheck", Default: "true", Rule: "true or false", check: labelcheck.Bool},
	{Name: "nodes_affinity_policy", Default: "soft-anti-affinity", Rule: "affinity, anti-affinity, soft-affinity or soft-anti-affinity",
		check: labelcheck.OneOf("affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity")},
}

// Labels returns the labels the Kubernetes drivers interpret, sorted by
// name. Labels not listed are kept on the cluster but have no effect (the
// lifecycle reports them as skipped).
func Labels() []LabelSpec {
	out := slices.Clone(labelSpecs)
	slices.SortFunc(out, func(a, b LabelSpec) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// IsKnownLabel reports whether the drivers interpret the label.
func IsKnownLabel(name string) bool {
	return slices.ContainsFunc(labelSpecs, func(s LabelSpec) bool { return s.Name == name })
}

// UnknownLabels lists the labels of l the drivers do not interpret, sorted.
func UnknownLabels(l labels.Labels) []string { return labelcheck.Unknown(l, IsKnownLabel) }

// ValidateLabels checks the labels the drivers interpret, one by one and
// against each other, and returns every problem as a joined errdefs
// ErrInvalid error whose Field is "labels/<name>". Unknown labels are
// accepted. An empty value means "unset" (the default applies).
func ValidateLabels(l labels.Labels) error {
	_, err := ParseSettings(l)
	return err
}

// Settings are the effective values of the labels the drivers interpret:
// defaults filled in, types parsed.
type Settings struct {
	FlannelNetworkCIDR    netip.Prefix
	FlannelBackend        string
	FlannelSubnetLen      int
	FlannelTag            string
	CalicoIPv4Pool        netip.Prefix
	CalicoTag             string
	ServiceClusterIPRange netip.Prefix
	FixedSubnetCIDR       netip.Prefix
	ClusterDomain         string
	KubeTag               string
	EtcdTag               string
	CoreDNSTag            string
	ContainerInfraPrefix  string
	ContainerRuntime      string
	CgroupDriver          string
	AdmissionPlugins      []string
	DashboardEnabled      bool
	EtcdVolumeSize        int
	EtcdVolumeType        string
	DockerVolumeType      string
	AvailabilityZone      string
	AutoHealingEnabled    bool
	AutoHealingController string
	AutoScalingEnabled    bool
	MinNodeCount          int
	MaxNodeCount          int   // 0: unset (node_count+1 where a value is needed)
	MasterLBFloatingIP    *bool // nil: follow floating_ip_enabled
	MasterLBAllowedCIDRs  []netip.Prefix
	OctaviaLBAlgorithm    string
	OctaviaLBHealthcheck  bool
	NodesAffinityPolicy   string
	values                map[string]string // effective text of every known label
}

// Value returns the effective text of a known label ("" if it has no value).
func (s *Settings) Value(name string) string { return s.values[name] }

// PodNetworkCIDR is the pod network for a network driver: calico_ipv4pool
// for calico, flannel_network_cidr otherwise.
func (s *Settings) PodNetworkCIDR(networkDriver string) netip.Prefix {
	if networkDriver == "calico" {
		return s.CalicoIPv4Pool
	}
	return s.FlannelNetworkCIDR
}

// ParseSettings validates the labels the drivers interpret and returns
// their effective values. Errors are joined errdefs ErrInvalid errors, one
// per problem, with Field "labels/<name>".
func ParseSettings(l labels.Labels) (*Settings, error) {
	var errs []error
	vals := make(map[string]string, len(labelSpecs))
	for _, spec := range labelSpecs {
		v, set := l[spec.Name]
		if !set || v == "" {
			vals[spec.Name] = spec.Default
			continue
		}
		if err := checkValue(spec, v); err != nil {
			errs = append(errs, errdefs.Invalid("labels/"+spec.Name, "must be %s: %v", spec.Rule, err))
			continue
		}
		vals[spec.Name] = v
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	s := &Settings{values: vals}
	s.FlannelNetworkCIDR = mustPrefix(vals["flannel_network_cidr"])
	s.FlannelBackend = vals["flannel_backend"]
	s.FlannelSubnetLen, _ = strconv.Atoi(vals["flannel_network_subnetlen"])
	s.FlannelTag = vals["flannel_tag"]
	s.CalicoIPv4Pool = mustPrefix(vals["calico_ipv4pool"])
	s.CalicoTag = vals["calico_tag"]
	s.ServiceClusterIPRange = mustPrefix(vals["service_cluster_ip_range"])
	s.FixedSubnetCIDR = mustPrefix(vals["fixed_subnet_cidr"])
	s.ClusterDomain = vals["dns_cluster_domain"]
	s.KubeTag = vals["kube_tag"]
	s.EtcdTag = vals["etcd_tag"]
	s.CoreDNSTag = vals["coredns_tag"]
	s.ContainerInfraPrefix = vals["container_infra_prefix"]
	s.ContainerRuntime = vals["container_runtime"]
	s.CgroupDriver = vals["cgroup_driver"]
	s.AdmissionPlugins = strings.Split(vals["admission_control_list"], ",")
	s.DashboardEnabled = parseBool(vals["kube_dashboard_enabled"])
	s.EtcdVolumeSize, _ = strconv.Atoi(vals["etcd_volume_size"])
	s.EtcdVolumeType = vals["etcd_volume_type"]
	s.DockerVolumeType = vals["docker_volume_type"]
	s.AvailabilityZone = vals["availability_zone"]
	s.AutoHealingEnabled = parseBool(vals["auto_healing_enabled"])
	s.AutoHealingController = vals["auto_healing_controller"]
	s.AutoScalingEnabled = parseBool(vals["auto_scaling_enabled"])
	s.MinNodeCount, _ = strconv.Atoi(vals["min_node_count"])
	if v := vals["max_node_count"]; v != "" {
		s.MaxNodeCount, _ = strconv.Atoi(v)
	}
	if v := vals["master_lb_floating_ip_enabled"]; v != "" {
		b := parseBool(v)
		s.MasterLBFloatingIP = &b
	}
	if v := vals["master_lb_allowed_cidrs"]; v != "" {
		for _, part := range strings.Split(v, ",") {
			s.MasterLBAllowedCIDRs = append(s.MasterLBAllowedCIDRs, mustPrefix(strings.TrimSpace(part)))
		}
	}
	s.OctaviaLBAlgorithm = vals["octavia_lb_algorithm"]
	s.OctaviaLBHealthcheck = parseBool(vals["octavia_lb_healthcheck"])
	s.NodesAffinityPolicy = vals["nodes_affinity_policy"]

	// Rules across labels.
	if s.FlannelSubnetLen <= s.FlannelNetworkCIDR.Bits() {
		errs = append(errs, errdefs.Invalid("labels/flannel_network_subnetlen",
			"must be longer than the prefix of flannel_network_cidr (%s)", s.FlannelNetworkCIDR))
	}
	// Which pod network applies depends on the network driver, which
	// labels do not know: here only pod networks given explicitly are
	// compared; CheckNetwork compares the effective one.
	for _, pod := range []struct {
		name string
		p    netip.Prefix
	}{{"flannel_network_cidr", s.FlannelNetworkCIDR}, {"calico_ipv4pool", s.CalicoIPv4Pool}} {
		if l[pod.name] != "" && pod.p.Overlaps(s.ServiceClusterIPRange) {
			errs = append(errs, overlapError(s.ServiceClusterIPRange, pod.name, pod.p))
		}
	}
	if s.MaxNodeCount != 0 && s.MaxNodeCount < s.MinNodeCount {
		errs = append(errs, errdefs.Invalid("labels/max_node_count", "must be at least min_node_count (%d)", s.MinNodeCount))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

func overlapError(svc netip.Prefix, name string, pod netip.Prefix) error {
	return errdefs.Invalid("labels/service_cluster_ip_range", "%s overlaps %s (%s)", svc, name, pod)
}

// CheckNetwork checks the settings against the template's network driver:
// the service range must not overlap the pod network the driver uses.
func (s *Settings) CheckNetwork(networkDriver string) error {
	name := "flannel_network_cidr"
	if networkDriver == "calico" {
		name = "calico_ipv4pool"
	}
	if pod := s.PodNetworkCIDR(networkDriver); pod.Overlaps(s.ServiceClusterIPRange) {
		return overlapError(s.ServiceClusterIPRange, name, pod)
	}
	return nil
}

// maxLabelValue bounds every interpreted label value.
const maxLabelValue = 255

func checkValue(spec LabelSpec, v string) error {
	if len(v) > maxLabelValue {
		return fmt.Errorf("at most %d characters", maxLabelValue)
	}
	if !utf8.ValidString(v) || strings.IndexFunc(v, unicode.IsControl) >= 0 {
		return errors.New("control characters are not allowed")
	}
	if spec.check == nil {
		return nil
	}
	return spec.check(v)
}

func mustPrefix(s string) netip.Prefix {
	p, _ := netip.ParsePrefix(s)
	return p
}

func parseBool(s string) bool {
	b, _ := strconv.ParseBool(s)
	return b
}

func checkServiceRange(v string) error {
	if err := labelcheck.IPv4CIDR(v); err != nil {
		return err
	}
	if p := mustPrefix(v); p.Bits() > 24 {
		return fmt.Errorf("%s is smaller than a /24", p)
	}
	return nil
}

func checkCIDRList(v string) error {
	for _, part := range strings.Split(v, ",") {
		p, err := netip.ParsePrefix(strings.TrimSpace(part))
		if err != nil || p.Masked() != p {
			return fmt.Errorf("%q is not a CIDR", truncate(part))
		}
	}
	return nil
}

var (
	kubeTagRE   = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)
	imageTagRE  = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	pluginRE    = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)
	registryRE  = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*/$`)
	domainLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
)

func checkKubeTag(v string) error {
	if !kubeTagRE.MatchString(v) {
		return fmt.Errorf("%q is not a version like v1.30.4", truncate(v))
	}
	return nil
}

func checkImageTag(v string) error {
	if !imageTagRE.MatchString(v) {
		return fmt.Errorf("%q is not an image tag (letters, digits, '_', '.', '-')", truncate(v))
	}
	return nil
}

func checkPluginList(v string) error {
	seen := map[string]bool{}
	for _, p := range strings.Split(v, ",") {
		if !pluginRE.MatchString(p) {
			return fmt.Errorf("%q is not an admission plugin name", truncate(p))
		}
		if seen[p] {
			return fmt.Errorf("%s is listed twice", p)
		}
		seen[p] = true
	}
	return nil
}

func checkRegistryPrefix(v string) error {
	if !registryRE.MatchString(v) {
		return fmt.Errorf("%q is not a registry prefix ending in '/' (lower-case host[:port]/path/)", truncate(v))
	}
	return nil
}

func checkDomain(v string) error {
	if len(v) > 253 {
		return errors.New("too long")
	}
	for _, l := range strings.Split(v, ".") {
		if !domainLabel.MatchString(l) {
			return fmt.Errorf("%q is not a lower-case DNS domain", truncate(v))
		}
	}
	return nil
}

// truncate shortens a value quoted in a message.
func truncate(s string) string { return safetext.Truncate(s, 40) }
