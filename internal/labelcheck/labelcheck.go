package labelcheck

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"

	"github.com/gomagnum/magnum/internal/safetext"
	"github.com/gomagnum/magnum/labels"
)

// quoteLimit bounds how much of a value an error quotes.
const quoteLimit = 40

func quote(v string) string { return safetext.Truncate(v, quoteLimit) }

// OneOf accepts exactly one of the allowed values.
func OneOf(allowed ...string) func(string) error {
	return func(v string) error {
		if slices.Contains(allowed, v) {
			return nil
		}
		return fmt.Errorf("%q is not allowed", quote(v))
	}
}

// IntRange accepts a whole number from lo to hi.
func IntRange(lo, hi int) func(string) error {
	return func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", quote(v))
		}
		if n < lo || n > hi {
			return fmt.Errorf("%d is out of range [%d, %d]", n, lo, hi)
		}
		return nil
	}
}

// Bool accepts what strconv.ParseBool does.
func Bool(v string) error {
	if _, err := strconv.ParseBool(v); err != nil {
		return fmt.Errorf("%q is not a boolean", quote(v))
	}
	return nil
}

// IPv4CIDR accepts a canonical IPv4 network (host bits zero) of at most
// /30.
func IPv4CIDR(v string) error {
	p, err := netip.ParsePrefix(v)
	if err != nil || !p.Addr().Is4() {
		return fmt.Errorf("%q is not an IPv4 CIDR", quote(v))
	}
	if p.Masked() != p {
		return fmt.Errorf("%s has host bits set (the network is %s)", p, p.Masked())
	}
	if p.Bits() > 30 {
		return fmt.Errorf("%s is too small", p)
	}
	return nil
}

// Unknown lists the names of l that known rejects, sorted; nil when there
// are none.
func Unknown(l labels.Labels, known func(name string) bool) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(l)) {
		if !known(k) {
			out = append(out, k)
		}
	}
	return out
}
