package openstack

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
	"github.com/stretchr/testify/assert"

	"github.com/gomagnum/magnum/errdefs"
)

func TestIsUUID(t *testing.T) {
	for s, want := range map[string]bool{
		"0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9": true,
		"0F1E2D3C-4B5A-4978-8695-A4B3C2D1E0F9": true,
		"0f1e2d3c4b5a49788695a4b3c2d1e0f9":     true,
		"0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0fg": false,
		"0f1e2d3c+4b5a-4978-8695-a4b3c2d1e0f9": false,
		"0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f":  false,
		"fedora-atomic-latest":                 false,
		"":                                     false,
	} {
		assert.Equal(t, want, isUUID(s), s)
	}
}

func TestCheckRef(t *testing.T) {
	assert.NoError(t, checkRef("image_id", "Fedora CoreOS 38 (x86_64)"))
	assert.NoError(t, checkRef("image_id", strings.Repeat("a", maxRef)))
	for _, bad := range []string{strings.Repeat("a", maxRef+1), "a\x00b", "tab\there", "\xff"} {
		err := checkRef("image_id", bad)
		assert.ErrorIs(t, err, errdefs.ErrInvalid, "%q", bad)
		assert.Contains(t, err.Error(), "image_id")
	}
}

// Names and IDs come from users: checkRef must accept exactly what can be
// sent, and isUUID only what has the shape of an ID.
func FuzzCheckRef(f *testing.F) {
	f.Add("coreos")
	f.Add("0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9")
	f.Add("a\nb")
	f.Fuzz(func(t *testing.T, s string) {
		err := checkRef("f", s)
		if err == nil && (len(s) > maxRef || !utf8.ValidString(s) || strings.ContainsAny(s, "\x00\n\r\t\x7f")) {
			t.Fatalf("accepted %q", s)
		}
		if isUUID(s) && (len(s) != 32 && len(s) != 36 || strings.ContainsAny(s, "/?#% ")) {
			t.Fatalf("isUUID(%q)", s)
		}
	})
}

func TestCatalogURL(t *testing.T) {
	ep := func(iface, region, url string) tokens.Endpoint {
		return tokens.Endpoint{Interface: iface, Region: region, RegionID: region, URL: url}
	}
	cat := &tokens.ServiceCatalog{Entries: []tokens.CatalogEntry{
		{Type: "orchestration", Name: "heat", Endpoints: []tokens.Endpoint{ep("public", "RegionOne", "http://heat/v1/p")}},
		{Type: "image", Name: "glance", Endpoints: []tokens.Endpoint{
			ep("internal", "RegionOne", "http://glance-int:9292"),
			ep("public", "RegionOne", "http://glance:9292"),
			ep("public", "RegionTwo", "http://glance-two:9292/"),
		}},
		{Type: "network", Name: "neutron", Endpoints: []tokens.Endpoint{ep("public", "RegionOne", "http://neutron:9696")}},
	}}
	cases := []struct {
		name string
		eo   gophercloud.EndpointOpts
		want string
	}{
		{"public by default", gophercloud.EndpointOpts{}, "http://glance:9292/"},
		{"internal", gophercloud.EndpointOpts{Availability: gophercloud.AvailabilityInternal}, "http://glance-int:9292/"},
		{"region", gophercloud.EndpointOpts{Region: "RegionTwo"}, "http://glance-two:9292/"},
		{"name", gophercloud.EndpointOpts{Name: "glance"}, "http://glance:9292/"},
		{"wrong name", gophercloud.EndpointOpts{Name: "other"}, ""},
		{"unknown region", gophercloud.EndpointOpts{Region: "Atlantis"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			eo := tc.eo
			eo.ApplyDefaults("image")
			got, err := catalogURL(cat, eo)
			if tc.want == "" {
				var nf *gophercloud.ErrEndpointNotFound
				assert.ErrorAs(t, err, &nf)
				return
			}
			assert.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}
