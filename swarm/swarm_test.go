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
		{"no swarm_strategy", labels.Labels{"docker_volume_type": "ssd", "flannel_backend": "bogus"}, nil},
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
