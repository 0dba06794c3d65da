package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gomagnum/magnum/errdefs"
)

// Version is an API microversion, 1.Minor.
type Version struct{ Major, Minor int }

// The microversion range served: all of Magnum's. 1.11 is Magnum's removal
// of the bay and baymodel aliases, which gomagnum never served (/v1/bays
// is 404 at every version).
var (
	MinVersion = Version{1, 1}
	MaxVersion = Version{1, 14}
)

// Version milestones the handler checks.
var (
	verRollback  = Version{1, 3}
	verStats     = Version{1, 4}
	verRotateCA  = Version{1, 5}
	verQuotas    = Version{1, 6}
	verResize    = Version{1, 7}
	verUpgrade   = Version{1, 8}
	verNodeGroup = Version{1, 9}
	verZeroNodes = Version{1, 10}
	// verCredentials is PATCH /v1/credentials/{cluster}.
	verCredentials = Version{1, 12}
	// verClusterID renames a cluster's stack_id to cluster_id in
	// responses (same value).
	verClusterID = Version{1, 13}
	// verNodeLabels is node groups' node_labels and node_taints: shown and
	// taken from 1.14; below, they are unknown attributes.
	verNodeLabels = Version{1, 14}
)

func (v Version) String() string { return strconv.Itoa(v.Major) + "." + strconv.Itoa(v.Minor) }

// AtLeast reports whether v is o or later.
func (v Version) AtLeast(o Version) bool {
	return v.Major > o.Major || v.Major == o.Major && v.Minor >= o.Minor
}

const (
	headerVersion    = "OpenStack-API-Version"
	headerMinVersion = "OpenStack-API-Minimum-Version"
	headerMaxVersion = "OpenStack-API-Maximum-Version"
	serviceName      = "container-infra"
)

// serviceNames are the service types Magnum accepts in the version header.
var serviceNames = []string{"container-infra", "container-infrastructure", "container-infrastructure-management"}

// ParseVersion parses "1.5" or "latest" (MaxVersion). It does not check the
// range.
func ParseVersion(s string) (Version, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "latest") {
		return MaxVersion, nil
	}
	maj, min, ok := strings.Cut(s, ".")
	if !ok {
		return Version{}, errdefs.Invalid(headerVersion, "invalid microversion %q: want X.Y or latest", clip(s))
	}
	a, err1 := strconv.Atoi(maj)
	b, err2 := strconv.Atoi(min)
	if err1 != nil || err2 != nil || a < 0 || b < 0 || maj[0] == '+' || min[0] == '+' {
		return Version{}, errdefs.Invalid(headerVersion, "invalid microversion %q: want X.Y or latest", clip(s))
	}
	return Version{a, b}, nil
}

// negotiate returns the version a request asks for: MinVersion without a
// header for this service, 400 for a malformed one, 406 outside the range.
func negotiate(h http.Header) (Version, error) {
	for _, line := range h.Values(headerVersion) {
		for item := range strings.SplitSeq(line, ",") {
			svc, ver, ok := strings.Cut(strings.TrimSpace(item), " ")
			if !ok || !isServiceName(svc) {
				continue
			}
			v, err := ParseVersion(ver)
			if err != nil {
				return MinVersion, err
			}
			if v.Major != 1 || !v.AtLeast(MinVersion) || !MaxVersion.AtLeast(v) {
				return MinVersion, &statusError{status: http.StatusNotAcceptable, msg: fmt.Sprintf(
					"Version %s was requested but the minor version is not supported by this service. The supported version range is: [%s, %s].",
					v, MinVersion, MaxVersion)}
			}
			return v, nil
		}
	}
	return MinVersion, nil
}

func isServiceName(s string) bool {
	for _, n := range serviceNames {
		if strings.EqualFold(s, n) {
			return true
		}
	}
	return false
}

func setVersionHeaders(h http.Header, v Version) {
	h.Set(headerMinVersion, serviceName+" "+MinVersion.String())
	h.Set(headerMaxVersion, serviceName+" "+MaxVersion.String())
	h.Set(headerVersion, serviceName+" "+v.String())
	h.Add("Vary", headerVersion)
}

// requireVersion fails with 406 when the request's version is below min,
// as Magnum does for an API not available at the requested version.
func requireVersion(v, min Version, what string) error {
	if v.AtLeast(min) {
		return nil
	}
	return &statusError{status: http.StatusNotAcceptable, msg: fmt.Sprintf(
		"Version %s was requested but the requested API %s is not supported for this version (it needs %s or later).", v, what, min)}
}

// clip shortens untrusted text quoted back in messages.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
