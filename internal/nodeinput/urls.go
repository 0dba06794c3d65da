package nodeinput

import (
	"net/url"
	"strings"

	"github.com/gomagnum/magnum/internal/safetext"
)

// PlainURL accepts an http(s) URL with a host and no credentials, query,
// fragment, control characters, white space, quotes or shell characters,
// so that it can be written into a node's environment file as it is.
func PlainURL(v string) bool {
	p, err := url.Parse(v)
	return err == nil && (p.Scheme == "http" || p.Scheme == "https") && p.Host != "" && p.User == nil &&
		p.RawQuery == "" && p.Fragment == "" && !safetext.HasControl(v) && !strings.ContainsAny(v, " '\"\\`$;&|<>(){}")
}

// KeystoneV3 is the Keystone v3 endpoint of an auth URL: trailing slashes
// dropped and "/v3" appended when it is missing, as Magnum does.
func KeystoneV3(u string) string {
	u = strings.TrimRight(u, "/")
	if !strings.HasSuffix(u, "/v3") {
		u += "/v3"
	}
	return u
}
