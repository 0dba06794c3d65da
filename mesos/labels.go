package mesos

import (
	"encoding/json"
	"errors"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/internal/safetext"
	"github.com/gomagnum/magnum/labels"
)

// LabelSpec describes one label the Mesos driver interprets.
type LabelSpec struct {
	Name    string
	Default string // "" when the label has no default
	// Rule says in words what a valid value is.
	Rule string
	// alias: the hyphenated spelling is accepted too.
	alias bool
}

// The labels the driver reads. The five Mesos labels are Magnum's (§3.3);
// the others are the generic ones its Heat drivers read.
var labelSpecs = []LabelSpec{
	{Name: "rexray_preempt", Default: "false", Rule: "true or false: rexray takes volumes over from other hosts", alias: true},
	{Name: "mesos_slave_isolation", Rule: "a comma-separated list of " + strings.Join(Isolations(), ", "), alias: true},
	{Name: "mesos_slave_image_providers", Rule: "a comma-separated list of docker, appc (any case); docker needs the docker/runtime isolation", alias: true},
	{Name: "mesos_slave_work_dir", Default: DefaultWorkDir, Rule: "an absolute path of letters, digits, '.', '_', '-' and '/'", alias: true},
	{Name: "mesos_slave_executor_env_variables", Rule: "a JSON document (Mesos wants an object of strings)", alias: true},
	{Name: "fixed_subnet_cidr", Default: "10.0.0.0/24", Rule: "an IPv4 CIDR of the subnet the stack creates"},
	{Name: "master_lb_floating_ip_enabled", Rule: "true or false (default: floating_ip_enabled)"},
	{Name: "docker_volume_type", Rule: "a Cinder volume type"},
	{Name: "availability_zone", Rule: "a Nova availability zone"},
}

// DefaultWorkDir is the slaves' work directory when mesos_slave_work_dir
// is not given.
const DefaultWorkDir = "/var/lib/mesos"

// Labels describes the labels the driver interprets, in a stable order.
func Labels() []LabelSpec { return slices.Clone(labelSpecs) }

// hyphenated is a label name with '-' for '_'.
func hyphenated(name string) string { return strings.ReplaceAll(name, "_", "-") }

// Isolations lists the values mesos_slave_isolation accepts.
func Isolations() []string {
	return []string{"filesystem/posix", "filesystem/linux", "filesystem/shared", "posix/cpu",
		"posix/mem", "posix/disk", "cgroups/cpu", "cgroups/mem", "docker/runtime", "namespaces/pid"}
}

// ImageProviders lists the values mesos_slave_image_providers accepts.
func ImageProviders() []string { return []string{"docker", "appc"} }

var (
	workDirRE   = regexp.MustCompile(`^/[A-Za-z0-9._/-]{0,254}$`)
	volumeTypRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._:-]{0,254}$`)
)

// ValidateLabels checks the labels Mesos interprets (in their canonical
// spelling; see LabelAliases):
//   - mesos_slave_isolation: a comma list of Isolations();
//   - mesos_slave_image_providers: a comma list of ImageProviders()
//     (case-insensitive); with docker, the isolation must include
//     docker/runtime;
//   - mesos_slave_executor_env_variables: a JSON document;
//   - rexray_preempt, master_lb_floating_ip_enabled: true or false (any case);
//   - mesos_slave_work_dir: an absolute path without '..' of safe characters;
//   - fixed_subnet_cidr: an IPv4 CIDR;
//   - docker_volume_type, availability_zone: short names without control
//     characters.
//
// Other labels are not judged (they are kept). Problems are ErrInvalid
// errors on fields "labels/<name>", all reported at once.
func ValidateLabels(l labels.Labels) error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, errdefs.Invalid("labels/"+key, format, args...))
	}
	isolation := commaList(l["mesos_slave_isolation"], false)
	for _, v := range isolation {
		if !slices.Contains(Isolations(), v) {
			bad("mesos_slave_isolation", "unknown isolation %q (allowed: %s)", truncate(v), strings.Join(Isolations(), ", "))
		}
	}
	providers := commaList(l["mesos_slave_image_providers"], true)
	for _, v := range providers {
		if !slices.Contains(ImageProviders(), v) {
			bad("mesos_slave_image_providers", "unknown image provider %q (allowed: %s)", truncate(v), strings.Join(ImageProviders(), ", "))
		}
	}
	if slices.Contains(providers, "docker") && !slices.Contains(isolation, "docker/runtime") {
		bad("mesos_slave_isolation", "must include docker/runtime when mesos_slave_image_providers includes docker")
	}
	if v, ok := l["mesos_slave_executor_env_variables"]; ok && v != "" && !json.Valid([]byte(v)) {
		bad("mesos_slave_executor_env_variables", "must be a JSON document")
	}
	for _, name := range []string{"rexray_preempt", "master_lb_floating_ip_enabled"} {
		if v := l[name]; v != "" {
			if _, err := parseBool(v); err != nil {
				bad(name, "must be true or false")
			}
		}
	}
	if v := l["mesos_slave_work_dir"]; v != "" && (!workDirRE.MatchString(v) || slices.Contains(strings.Split(v, "/"), "..")) {
		bad("mesos_slave_work_dir", "must be an absolute path of letters, digits, '.', '_', '-' and '/', without '..'")
	}
	if v := l["fixed_subnet_cidr"]; v != "" {
		if p, err := netip.ParsePrefix(v); err != nil || !p.Addr().Is4() || p.Bits() > 29 {
			bad("fixed_subnet_cidr", "must be an IPv4 CIDR of at most /29")
		}
	}
	for _, name := range []string{"docker_volume_type", "availability_zone"} {
		if v := l[name]; v != "" && !volumeTypRE.MatchString(v) {
			bad(name, "must be a name of letters, digits, spaces and '.', '_', ':', '-'")
		}
	}
	return errors.Join(errs...)
}

// Settings are the interpreted labels of a cluster, defaults applied.
type Settings struct {
	RexrayPreempt   bool
	Isolation       []string // as given, in order
	ImageProviders  []string // lower case, in order
	WorkDir         string
	ExecutorEnv     string // a JSON document, or ""
	FixedSubnetCIDR netip.Prefix
}

// ParseSettings validates the labels (after renaming aliases, see
// CanonicalLabels) and interprets them.
func ParseSettings(l labels.Labels) (*Settings, error) {
	l, _, err := Capabilities().CanonicalLabels(l)
	if err != nil {
		return nil, err
	}
	if err := ValidateLabels(l); err != nil {
		return nil, err
	}
	s := &Settings{
		Isolation:      commaList(l["mesos_slave_isolation"], false),
		ImageProviders: commaList(l["mesos_slave_image_providers"], true),
		WorkDir:        DefaultWorkDir,
		ExecutorEnv:    l["mesos_slave_executor_env_variables"],
	}
	if v := l["rexray_preempt"]; v != "" {
		s.RexrayPreempt, _ = parseBool(v)
	}
	if v := l["mesos_slave_work_dir"]; v != "" {
		s.WorkDir = v
	}
	s.FixedSubnetCIDR = netip.MustParsePrefix("10.0.0.0/24")
	if v := l["fixed_subnet_cidr"]; v != "" {
		s.FixedSubnetCIDR = netip.MustParsePrefix(v).Masked()
	}
	return s, nil
}

// parseBool reads true or false in any case.
func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, errors.New("not a boolean")
}

func commaList(s string, lower bool) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if lower {
			part = strings.ToLower(part)
		}
		if part != "" {
			out = append(out, part)
		}
	}
	return out
}

// truncate shortens untrusted text for messages.
func truncate(s string) string { return safetext.Truncate(strings.ToValidUTF8(s, "?"), 64) }
