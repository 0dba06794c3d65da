package heattest

import (
	"fmt"
	"net/netip"
)

// allocator hands out IPv4 addresses of a subnet in order: .1 is the
// gateway, .2 the DHCP port, so hosts start at .3. It never fails: when the
// range is used up it starts again (a fake has no real address conflicts).
type allocator struct {
	prefix netip.Prefix
	next   uint32
	size   uint32
}

func newAllocator(cidr string) (*allocator, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return nil, err
	}
	if !p.Addr().Is4() || p.Bits() > 29 {
		return nil, fmt.Errorf("heattest: %s: only IPv4 subnets of /29 or larger are simulated", cidr)
	}
	p = p.Masked()
	return &allocator{prefix: p, next: 3, size: 1 << (32 - p.Bits())}, nil
}

// nth returns the n-th address of the subnet.
func (a *allocator) nth(n uint32) string {
	b := a.prefix.Addr().As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	v += n
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}).String()
}

func (a *allocator) take() string {
	if a.next >= a.size-1 { // keep the broadcast address out
		a.next = 3
	}
	ip := a.nth(a.next)
	a.next++
	return ip
}

func (a *allocator) gateway() string { return a.nth(1) }

func (a *allocator) lastHost() string { return a.nth(a.size - 2) }
