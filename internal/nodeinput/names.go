package nodeinput

import "strings"

// NamePrefix makes the DNS-safe prefix of a cluster's server and resource
// names from its name and UUID: at most 30 characters of the name in lower
// case ([a-z0-9], runs of other characters as one '-', none leading or
// trailing; fallback when nothing is left), then '-' and the UUID's first
// 8 hex digits (none when it has none). The names are unique per cluster
// and valid host names (and Kubernetes node names).
func NamePrefix(name, uuid, fallback string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if b.Len() >= 30 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.TrimRight(b.String(), "-")
	if out == "" {
		out = fallback
	}
	var id strings.Builder
	for _, r := range strings.ToLower(uuid) {
		if id.Len() == 8 {
			break
		}
		if r >= 'a' && r <= 'f' || r >= '0' && r <= '9' {
			id.WriteRune(r)
		}
	}
	if id.Len() == 0 {
		return out
	}
	return out + "-" + id.String()
}
