package swarm_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/swarm"
)

func TestValidateLabels(t *testing.T) {
	tests := []struct {
		name    string
		labels  labels.Labels
		reasons []string // expected problems' reasons, in order; none: valid
	}{
		{"nil labels", nil, nil},
		{"no swarm_strategy", labels.Labels{"docker_volume_type": "ssd", "flannel_backend": "host-gw", "unknown": "kept"}, nil},
		{"spread", labels.Labels{"swarm_strategy": "spread"}, nil},
		{"binpack", labels.Labels{"swarm_strategy": "binpack"}, nil},
		{"random", labels.Labels{"swarm_strategy": "random"}, nil},
		{"white-space list", labels.Labels{"swarm_strategy": "spread binpack"}, nil},
		{"any white space separates", labels.Labels{"swarm_strategy": "  random\tspread  "}, nil},
		{"empty", labels.Labels{"swarm_strategy": ""}, []string{"must name a strategy (spread, binpack, random)"}},
		{"blank", labels.Labels{"swarm_strategy": "   "}, []string{"must name a strategy (spread, binpack, random)"}},
		{"unknown", labels.Labels{"swarm_strategy": "fastest"},
			[]string{`unknown strategy "fastest" (allowed: spread, binpack, random)`}},
		{"case matters", labels.Labels{"swarm_strategy": "Spread"},
			[]string{`unknown strategy "Spread" (allowed: spread, binpack, random)`}},
		{"commas do not separate", labels.Labels{"swarm_strategy": "spread,binpack"},
			[]string{`unknown strategy "spread,binpack" (allowed: spread, binpack, random)`}},
		{"every unknown word reported", labels.Labels{"swarm_strategy": "spread foo random bar"}, []string{
			`unknown strategy "foo" (allowed: spread, binpack, random)`,
			`unknown strategy "bar" (allowed: spread, binpack, random)`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := swarm.ValidateLabels(tt.labels)
			if tt.reasons == nil {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, errdefs.ErrInvalid)
			problems := errdefs.Problems(err)
			var reasons []string
			for _, p := range problems {
				assert.Equal(t, "labels/swarm_strategy", p.Field)
				assert.ErrorIs(t, p, errdefs.ErrInvalid)
				reasons = append(reasons, p.Reason)
			}
			assert.Equal(t, tt.reasons, reasons)
		})
	}
}

// TestValidateOtherLabels covers the labels besides swarm_strategy.
func TestValidateOtherLabels(t *testing.T) {
	tests := []struct {
		name   string
		labels labels.Labels
		field  string // "" when valid
		reason string
	}{
		{"defaults", labels.Labels{}, "", ""},
		{"empty values take defaults", labels.Labels{"flannel_backend": "", "rexray_preempt": ""}, "", ""},
		{"all set", labels.Labels{"flannel_network_cidr": "10.200.0.0/16", "flannel_backend": "udp", "flannel_network_subnetlen": "26",
			"rexray_preempt": "true", "availability_zone": "az1", "docker_volume_type": "fast", "nodes_affinity_policy": "anti-affinity",
			"fixed_subnet_cidr": "192.168.0.0/24"}, "", ""},
		{"backend", labels.Labels{"flannel_backend": "bogus"}, "labels/flannel_backend", `must be udp, vxlan or host-gw: "bogus" is not allowed`},
		{"cidr", labels.Labels{"flannel_network_cidr": "10.0.0.1/16"}, "labels/flannel_network_cidr", "must be an IPv4 CIDR: 10.0.0.1/16 has host bits set (the network is 10.0.0.0/16)"},
		{"ipv6 cidr", labels.Labels{"flannel_network_cidr": "fd00::/64"}, "labels/flannel_network_cidr", `must be an IPv4 CIDR: "fd00::/64" is not an IPv4 CIDR`},
		{"subnetlen range", labels.Labels{"flannel_network_subnetlen": "31"}, "labels/flannel_network_subnetlen", "must be a prefix length from 8 to 30, longer than flannel_network_cidr's: 31 is out of range [8, 30]"},
		{"subnetlen vs cidr", labels.Labels{"flannel_network_cidr": "10.0.0.0/24", "flannel_network_subnetlen": "24", "fixed_subnet_cidr": "192.168.1.0/24"},
			"labels/flannel_network_subnetlen", "must be longer than the prefix of flannel_network_cidr (10.0.0.0/24)"},
		{"preempt", labels.Labels{"rexray_preempt": "yes"}, "labels/rexray_preempt", `must be true or false: "yes" is not allowed`},
		{"affinity", labels.Labels{"nodes_affinity_policy": "closest"}, "labels/nodes_affinity_policy",
			`must be affinity, anti-affinity, soft-affinity or soft-anti-affinity: "closest" is not allowed`},
		{"overlap", labels.Labels{"fixed_subnet_cidr": "10.100.1.0/24"}, "labels/flannel_network_cidr", "10.100.0.0/16 overlaps fixed_subnet_cidr (10.100.1.0/24)"},
		{"control characters", labels.Labels{"availability_zone": "a\nb"}, "labels/availability_zone", "must be a Nova availability zone: control characters are not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := swarm.ValidateLabels(tt.labels)
			if tt.field == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			ps := errdefs.Problems(err)
			require.Len(t, ps, 1, "%v", err)
			assert.Equal(t, tt.field, ps[0].Field)
			assert.Equal(t, tt.reason, ps[0].Reason)
			assert.ErrorIs(t, err, errdefs.ErrInvalid)
		})
	}
}

func TestParseSettingsDefaults(t *testing.T) {
	s, err := swarm.ParseSettings(nil)
	require.NoError(t, err)
	assert.Equal(t, "10.100.0.0/16", s.FlannelNetworkCIDR.String())
	assert.Equal(t, "vxlan", s.FlannelBackend)
	assert.Equal(t, 24, s.FlannelSubnetLen)
	assert.False(t, s.RexrayPreempt)
	assert.Equal(t, "spread", s.Strategy)
	assert.Equal(t, "10.0.0.0/24", s.FixedSubnetCIDR.String())
	assert.Equal(t, "soft-anti-affinity", s.NodesAffinityPolicy)
	s, err = swarm.ParseSettings(labels.Labels{"swarm_strategy": " binpack random", "rexray_preempt": "true"})
	require.NoError(t, err)
	assert.Equal(t, "binpack", s.Strategy, "the managers use the first strategy listed")
	assert.True(t, s.RexrayPreempt)
	assert.Equal(t, []string{"other", "zz"}, swarm.UnknownLabels(labels.Labels{"zz": "", "other": "1", "rexray_preempt": "true"}))
	var names []string
	for _, l := range swarm.Labels() {
		names = append(names, l.Name)
	}
	assert.IsIncreasing(t, names)
	assert.Contains(t, names, "swarm_strategy")
}

func TestStrategies(t *testing.T) {
	assert.Equal(t, []string{"spread", "binpack", "random"}, swarm.Strategies())
	s := swarm.Strategies()
	s[0] = "changed"
	assert.Equal(t, "spread", swarm.Strategies()[0])
}

func TestCapabilities(t *testing.T) {
	c := swarm.Capabilities()
	// §3.1: docker (default) and flannel; rexray; vm and bm.
	assert.Equal(t, "swarm", c.COE)
	assert.Equal(t, []string{"docker", "flannel"}, c.NetworkDrivers)
	assert.Equal(t, "docker", c.DefaultNetworkDriver)
	assert.Equal(t, []string{"rexray"}, c.VolumeDrivers)
	assert.Equal(t, []string{"vm", "bm"}, c.ServerTypes)
	assert.Equal(t, []string{"external_network_id"}, c.RequiredFields)
	require.NotNil(t, c.ValidateLabels)
	assert.Error(t, c.ValidateLabels(labels.Labels{"swarm_strategy": "x"}), "the label rules are wired in")
}

func TestDriver(t *testing.T) {
	var d driver.Driver = swarm.New()
	info := d.Info()
	assert.Equal(t, "swarm_fedora_atomic_v1", info.Name)
	assert.Equal(t, []driver.Tuple{{ServerType: "vm", OSDistro: "fedora-atomic", COE: "swarm"}}, info.Tuples)
	reg, err := driver.NewRegistry(d)
	require.NoError(t, err)
	assert.Equal(t, []string{"swarm"}, reg.COEs())
}
