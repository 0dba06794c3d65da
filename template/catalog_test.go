package template_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/template"
)

// nomad is a COE the template package has never heard of: everything about
// it comes from its Capabilities.
func nomad() template.Capabilities {
	return template.Capabilities{
		COE:                  "nomad",
		ServerTypes:          []string{"vm"},
		NetworkDrivers:       []string{"cni", "bridge"},
		DefaultNetworkDriver: "cni",
		// No volume drivers at all.
		RequiredFields: []string{"keypair_id", "fixed_network", "floating_ip_enabled", "docker_volume_size"},
		ValidateLabels: func(l labels.Labels) error {
			if v, ok := l["nomad_servers"]; ok {
				if n, err := strconv.Atoi(v); err != nil || n%2 == 0 {
					return errdefs.Invalid("labels/nomad_servers", "must be an odd number")
				}
			}
			return nil
		},
	}
}

func TestNewCOEFromACatalog(t *testing.T) {
	cat := template.StaticCatalog{nomad()}

	base := func() *template.ClusterTemplate {
		tpl := &template.ClusterTemplate{
			COE: "nomad", ImageID: "ubuntu-24.04", KeyPairID: "k", FixedNetwork: "net", DockerVolumeSize: 10,
		}
		template.ApplyDefaults(tpl, cat)
		return tpl
	}

	tpl := base()
	assert.Equal(t, "cni", tpl.NetworkDriver, "the COE's declared default")
	assert.Equal(t, "vm", tpl.ServerType)
	require.NoError(t, template.Validate(tpl, cat))

	tests := []struct {
		name   string
		mutate func(*template.ClusterTemplate)
		fields []string
		reason string
	}{
		{"other network driver it lists", func(c *template.ClusterTemplate) { c.NetworkDriver = "bridge" }, nil, ""},
		{"network driver it does not list", func(c *template.ClusterTemplate) { c.NetworkDriver = "flannel" },
			[]string{"network_driver"}, `network driver "flannel" is not supported by COE nomad (allowed: cni, bridge, or unspecified)`},
		{"no volume drivers", func(c *template.ClusterTemplate) { c.VolumeDriver = "cinder" },
			[]string{"volume_driver"}, `volume driver "cinder" is not supported by COE nomad (allowed: none, or unspecified)`},
		{"server type it does not list", func(c *template.ClusterTemplate) { c.ServerType = "bm" },
			[]string{"server_type"}, "(allowed: vm)"},
		{"kubernetes' external network is not required here", func(c *template.ClusterTemplate) { c.ExternalNetworkID = "" }, nil, ""},
		{"its own required fields", func(c *template.ClusterTemplate) {
			c.KeyPairID, c.FixedNetwork, c.FloatingIPEnabled, c.DockerVolumeSize = "", "", nil, 0
		}, []string{"keypair_id", "fixed_network", "floating_ip_enabled", "docker_volume_size"}, "is required for COE nomad"},
		{"its label rules", func(c *template.ClusterTemplate) { c.Labels["nomad_servers"] = "2" },
			[]string{"labels/nomad_servers"}, "odd"},
		{"its label rules pass", func(c *template.ClusterTemplate) { c.Labels["nomad_servers"] = "3" }, nil, ""},
		{"generic rules still apply", func(c *template.ClusterTemplate) { c.HTTPProxy = "http://x;y" },
			[]string{"http_proxy"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl := base()
			tt.mutate(tpl)
			err := template.Validate(tpl, cat)
			if tt.fields == nil {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, errdefs.ErrInvalid)
			assert.Equal(t, tt.fields, fields(err))
			for _, p := range errdefs.Problems(err) {
				assert.Contains(t, p.Reason, tt.reason)
			}
		})
	}
}

func TestCatalogDecidesWhichCOEsExist(t *testing.T) {
	cat := template.StaticCatalog{nomad()}
	tpl := &template.ClusterTemplate{COE: "kubernetes", ImageID: "img", ExternalNetworkID: "public"}
	template.ApplyDefaults(tpl, cat)
	assert.Empty(t, tpl.NetworkDriver, "no default for a COE the catalog does not know")
	err := template.Validate(tpl, cat)
	assert.Equal(t, []string{"coe"}, fields(err))
	assert.Contains(t, err.Error(), `COE "kubernetes" is not supported (known: nomad)`)

	// And a catalog without label rules or required fields imposes none.
	bare := template.StaticCatalog{{COE: "kubernetes", ServerTypes: []string{"vm"}, NetworkDrivers: []string{"x"}}}
	tpl = &template.ClusterTemplate{COE: "kubernetes", ImageID: "img", Labels: labels.Labels{"swarm_strategy": "?"}}
	assert.NoError(t, template.Validate(tpl, bare))
}

func TestRequiredFieldTypoCountsAsMissing(t *testing.T) {
	caps := nomad()
	caps.RequiredFields = []string{"keypair"} // the JSON name is keypair_id
	err := template.Validate(&template.ClusterTemplate{COE: "nomad", ImageID: "i", KeyPairID: "k"}, template.StaticCatalog{caps})
	assert.Equal(t, []string{"keypair"}, fields(err), "a driver's typo shows up at once")
}

func TestStaticCatalog(t *testing.T) {
	cat := template.StaticCatalog{
		{COE: "zeta"}, {COE: "alpha", DefaultNetworkDriver: "a"}, {COE: "mid"},
	}
	assert.Equal(t, []string{"alpha", "mid", "zeta"}, cat.COEs())
	c, ok := cat.Capabilities("alpha")
	require.True(t, ok)
	assert.Equal(t, "a", c.DefaultNetworkDriver)
	_, ok = cat.Capabilities("beta")
	assert.False(t, ok)

	var empty template.StaticCatalog
	assert.Empty(t, empty.COEs())
	_, ok = empty.Capabilities("")
	assert.False(t, ok)
}
