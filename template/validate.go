package template

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/labels"
)

// Limits from Magnum's API schema.
const (
	maxString        = 255
	minAPIServerPort = 1024
	maxAPIServerPort = 65535
	// MinDevicemapperVolumeGB is the smallest docker volume Magnum accepts
	// with the devicemapper storage driver.
	MinDevicemapperVolumeGB = 3
)

// ApplyDefaults fills the values Magnum fills when a template is created:
// server type "vm", the COE's default network driver, floating IPs on and
// empty labels. Unknown COEs are left alone (Validate reports them). A nil
// template is left alone; a nil catalog knows no COE.
func ApplyDefaults(t *ClusterTemplate, cat Catalog) {
	if t == nil {
		return
	}
	if t.ServerType == "" {
		t.ServerType = DefaultServerType
	}
	if t.FloatingIPEnabled == nil {
		on := true
		t.FloatingIPEnabled = &on
	}
	if t.Labels == nil {
		t.Labels = map[string]string{}
	}
	if cat == nil {
		return
	}
	if caps, ok := cat.Capabilities(t.COE); ok && t.NetworkDriver == "" {
		t.NetworkDriver = caps.DefaultNetworkDriver
	}
}

// Validate checks every rule of a template against the capabilities its COE
// declares in cat, and returns all the problems at once (joined errdefs
// ErrInvalid errors, each naming its field), or nil. It is pure: no I/O.
//
// Values that later reach shell scripts, YAML or Heat parameters are held to
// strict character sets: no field takes control characters, and proxies,
// no_proxy, insecure_registry, docker_storage_driver and label names take no
// quotes, white space or shell metacharacters. A nil catalog knows no COE.
func Validate(t *ClusterTemplate, cat Catalog) error {
	if t == nil {
		return errdefs.Invalid("clustertemplate", "no template given")
	}
	if cat == nil {
		cat = StaticCatalog(nil)
	}
	var v validator
	v.text("name", t.Name, false)
	v.required("coe", t.COE)
	v.text("image_id", t.ImageID, true)
	v.text("keypair_id", t.KeyPairID, false)
	v.text("flavor_id", t.FlavorID, false)
	v.text("master_flavor_id", t.MasterFlavorID, false)
	v.text("external_network_id", t.ExternalNetworkID, false)
	v.text("fixed_network", t.FixedNetwork, false)
	v.text("fixed_subnet", t.FixedSubnet, false)
	v.word("docker_storage_driver", t.DockerStorageDriver, isWordRune,
		"must be a storage driver name: letters, digits, '.', '_' and '-'")
	v.word("insecure_registry", t.InsecureRegistry, isHostRune,
		"must be a registry host[:port] or CIDR: letters, digits and '.', '-', '_', ':', '/', '[', ']'")
	v.text("cluster_distro", t.ClusterDistro, false)
	v.text("tags", t.Tags, false)
	v.nameservers(t.DNSNameServer)
	v.proxy("http_proxy", t.HTTPProxy)
	v.proxy("https_proxy", t.HTTPSProxy)
	v.noProxy(t.NoProxy)

	if t.APIServerPort != 0 && (t.APIServerPort < minAPIServerPort || t.APIServerPort > maxAPIServerPort) {
		v.add("apiserver_port", "must be between %d and %d", minAPIServerPort, maxAPIServerPort)
	}
	if t.DockerVolumeSize < 0 {
		v.add("docker_volume_size", "must be at least 1 (GB), or unset for no docker volume")
	}
	if t.DockerStorageDriver == "devicemapper" && t.DockerVolumeSize != 0 && t.DockerVolumeSize < MinDevicemapperVolumeGB {
		v.add("docker_volume_size", "must be at least %d GB with the devicemapper storage driver", MinDevicemapperVolumeGB)
	}
	v.labelKeys(t)

	if t.COE != "" {
		caps, ok := cat.Capabilities(t.COE)
		if !ok {
			v.add("coe", "COE %q is not supported (known: %s)", t.COE, strings.Join(cat.COEs(), ", "))
		} else {
			v.capabilities(t, caps)
		}
	}
	return v.err()
}

type validator struct{ errs []error }

func (v *validator) add(field, format string, args ...any) {
	v.errs = append(v.errs, errdefs.Invalid(field, format, args...))
}

func (v *validator) err() error { return errors.Join(v.errs...) }

func (v *validator) required(field, val string) {
	if val == "" {
		v.add(field, "is required")
	}
}

// text checks a plain string field: length and no control characters, so the
// value can never break a line-oriented format it is later written into.
func (v *validator) text(field, val string, required bool) {
	switch {
	case val == "":
		if required {
			v.add(field, "is required")
		}
	case len(val) > maxString:
		v.add(field, "must be at most %d characters", maxString)
	case hasControl(val):
		v.add(field, "must be valid UTF-8 without control characters")
	}
}

// hasControl reports control characters or bytes that are not UTF-8.
func hasControl(s string) bool {
	return !utf8.ValidString(s) || strings.IndexFunc(s, unicode.IsControl) >= 0
}

// word checks a value that ends up unquoted in scripts: at most 255
// characters, each accepted by ok.
func (v *validator) word(field, val string, ok func(rune) bool, rule string) {
	switch {
	case val == "":
	case len(val) > maxString:
		v.add(field, "must be at most %d characters", maxString)
	case strings.ContainsFunc(val, func(r rune) bool { return !ok(r) }):
		v.add(field, "%s", rule)
	}
}

func isASCIIAlnum(r rune) bool {
	return ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')
}

func isWordRune(r rune) bool { return isASCIIAlnum(r) || strings.ContainsRune("._-", r) }

func isHostRune(r rune) bool { return isASCIIAlnum(r) || strings.ContainsRune(".-_:/[]", r) }

// isProxyRune admits what a proxy URL needs (scheme, user info with
// percent-encoding, host, IPv6 brackets, port, path) and nothing a shell or
// YAML treats specially; other characters can be percent-encoded.
func isProxyRune(r rune) bool { return isASCIIAlnum(r) || strings.ContainsRune(".-_:/@%[]", r) }

// isNoProxyRune admits host names, domains, IP addresses, CIDRs and "*".
func isNoProxyRune(r rune) bool { return isASCIIAlnum(r) || strings.ContainsRune(".-_:/*[]", r) }

// nameservers accepts a comma-separated list of IP addresses; spaces around
// the commas are allowed, other white space and control characters are not.
func (v *validator) nameservers(s string) {
	if s == "" {
		return
	}
	if len(s) > maxString {
		v.add("dns_nameserver", "must be at most %d characters", maxString)
		return
	}
	for _, part := range strings.Split(s, ",") {
		if net.ParseIP(strings.Trim(part, " ")) == nil {
			v.add("dns_nameserver", "%q is not an IP address (give a comma-separated list of IP addresses)", part)
			return
		}
	}
}

func (v *validator) proxy(field, s string) {
	if s == "" {
		return
	}
	if len(s) > maxString {
		v.add(field, "must be at most %d characters", maxString)
		return
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" ||
		strings.ContainsFunc(s, func(r rune) bool { return !isProxyRune(r) }) {
		v.add(field, "must be an http:// or https:// URL with a host and no spaces, quotes or shell characters")
	}
}

// noProxy accepts a comma-separated list of host names, domains (".example"),
// IP addresses, CIDRs and "*".
func (v *validator) noProxy(s string) {
	if s == "" {
		return
	}
	if len(s) > maxString {
		v.add("no_proxy", "must be at most %d characters", maxString)
		return
	}
	for _, part := range strings.Split(s, ",") {
		if part == "" || strings.ContainsFunc(part, func(r rune) bool { return !isNoProxyRune(r) }) {
			v.add("no_proxy", "%q is not a host, domain, IP address or CIDR", part)
			return
		}
	}
}

// labelKeys checks every label, in key order. A bad name is reported on the
// field "labels" with the name quoted, so it cannot smuggle anything into a
// field name; a bad value on "labels/<name>".
func (v *validator) labelKeys(t *ClusterTemplate) {
	for _, k := range slices.Sorted(maps.Keys(t.Labels)) {
		switch {
		case !labels.ValidKey(k):
			v.add("labels", "label name %q is invalid: names are 1-%d characters of letters, digits, '.', '_', '-' and '/'",
				truncate(k, 64), labels.MaxKeyLength)
		case hasControl(t.Labels[k]):
			v.add("labels/"+k, "label values must be valid UTF-8 without control characters")
		}
	}
}

// truncate shortens s to at most n bytes (on a rune boundary) for messages.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func (v *validator) capabilities(t *ClusterTemplate, caps Capabilities) {
	if t.ServerType != "" && !supports(caps.ServerTypes, t.ServerType) {
		v.add("server_type", "server type %q is not supported by COE %s (allowed: %s)", t.ServerType, caps.COE, strings.Join(caps.ServerTypes, ", "))
	}
	if t.NetworkDriver != "" && !supports(caps.NetworkDrivers, t.NetworkDriver) {
		v.add("network_driver", "network driver %q is not supported by COE %s (allowed: %s, or unspecified)", t.NetworkDriver, caps.COE, strings.Join(caps.NetworkDrivers, ", "))
	}
	if t.VolumeDriver != "" && !supports(caps.VolumeDrivers, t.VolumeDriver) {
		allowed := strings.Join(caps.VolumeDrivers, ", ")
		if allowed == "" {
			allowed = "none"
		}
		v.add("volume_driver", "volume driver %q is not supported by COE %s (allowed: %s, or unspecified)", t.VolumeDriver, caps.COE, allowed)
	}
	for _, f := range caps.RequiredFields {
		if isZeroField(t, f) {
			v.add(f, "is required for COE %s", caps.COE)
		}
	}
	// Labels are judged in their canonical spelling (CanonicalLabels).
	lbls, _, err := caps.CanonicalLabels(t.Labels)
	if err != nil {
		v.errs = append(v.errs, err)
	}
	if caps.ValidateLabels != nil {
		if err := caps.ValidateLabels(lbls); err != nil {
			v.errs = append(v.errs, err)
		}
	}
}

// isZeroField reports whether the field with JSON name name is unset. An
// unknown name counts as unset so a driver's typo shows up at once.
func isZeroField(t *ClusterTemplate, name string) bool {
	rv := reflect.ValueOf(t).Elem()
	rt := rv.Type()
	for i := range rt.NumField() {
		tag, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		if tag == name {
			return rv.Field(i).IsZero()
		}
	}
	return true
}

// String describes a template briefly, for logs. It holds no secrets.
func (t *ClusterTemplate) String() string {
	return fmt.Sprintf("clustertemplate %s (%s, coe %s)", t.UUID, t.Name, t.COE)
}
