package drivertest

import (
	"maps"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/k8s"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/template"
)

// mutant is the Kubernetes driver with one behaviour broken.
type mutant struct {
	*k8s.Driver
	render   func(*heat.StackRequest)
	scale    func(*heat.UpdateRequest)
	features func(heat.Features) heat.Features
	apply    func()
}

func (m *mutant) RenderStack(req *driver.Request) (heat.StackRequest, heat.Features, error) {
	sr, f, err := m.Driver.RenderStack(req)
	if m.render != nil && err == nil {
		m.render(&sr)
	}
	return sr, f, err
}

func (m *mutant) ScaleStack(req *driver.Request) (heat.UpdateRequest, error) {
	u, err := m.Driver.ScaleStack(req)
	if m.scale != nil && err == nil {
		m.scale(&u)
	}
	return u, err
}

func (m *mutant) StackFeatures(req *driver.Request) (heat.Features, error) {
	f, err := m.Driver.StackFeatures(req)
	if m.features != nil && err == nil {
		f = m.features(maps.Clone(f))
	}
	return f, err
}

func (m *mutant) ApplyOutputs(s *heat.Stack, f heat.Features, c *cluster.Cluster, g []*cluster.NodeGroup) error {
	if m.apply != nil {
		m.apply()
	}
	return m.Driver.ApplyOutputs(s, f, c, g)
}

func k8sCase() Case {
	return Case{Name: "default", Template: &template.ClusterTemplate{
		Name: "k", COE: k8s.COE, ImageID: "fedora-atomic-latest", ClusterDistro: "fedora-atomic",
		KeyPairID: "testkey", ExternalNetworkID: "public", FlavorID: "m1.small",
	}}
}

func testBuilder(t *testing.T, d driver.Driver) (*driver.Registry, *builder) {
	t.Helper()
	reg, err := driver.NewRegistry(d)
	require.NoError(t, err)
	b, err := newBuilder(reg, driver.NodeAccess{})
	require.NoError(t, err)
	return reg, b
}

func TestCheckRenderCatchesBrokenDrivers(t *testing.T) {
	outputs := []string{"api_address"}
	for _, tc := range []struct {
		name string
		m    *mutant
		want string
	}{
		{"keypair in template text", &mutant{render: func(sr *heat.StackRequest) {
			sr.Template = append(sr.Template, "\n# made for keypair "+canary+"\n"...)
		}}, "written into the top-level template text"},
		{"keypair in a file", &mutant{render: func(sr *heat.StackRequest) {
			for name := range sr.Files {
				sr.Files[name] += "\n# " + canary + "\n"
				break
			}
		}}, "written into file"},
		{"nested template missing", &mutant{render: func(sr *heat.StackRequest) {
			for name := range sr.Files {
				delete(sr.Files, name)
			}
		}}, "fails the structural check"},
		{"undeclared scale parameter", &mutant{scale: func(u *heat.UpdateRequest) {
			u.Parameters["number_of_workers"] = 3
		}}, `sets or clears "number_of_workers"`},
		{"scale parameter of the wrong type", &mutant{scale: func(u *heat.UpdateRequest) {
			u.Parameters["number_of_minions"] = "three"
		}}, "the stack with the scale update's parameters fails the structural check"},
		{"features drift", &mutant{features: func(f heat.Features) heat.Features {
			f["master_lb"] = !f["master_lb"].(bool)
			return f
		}}, "StackFeatures"},
		{"ApplyOutputs panics", &mutant{apply: func() { panic("boom") }}, "panic: boom"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.m.Driver = k8s.NewFedoraAtomic()
			_, b := testBuilder(t, tc.m)
			err := checkRender(t.Context(), tc.m, b, k8sCase(), outputs)
			require.Error(t, err)
			assert.ErrorContains(t, err, tc.want)
		})
	}
	t.Run("unbroken", func(t *testing.T) {
		d := k8s.NewFedoraAtomic()
		_, b := testBuilder(t, d)
		assert.NoError(t, checkRender(t.Context(), d, b, k8sCase(), outputs))
	})
	t.Run("missing required output", func(t *testing.T) {
		d := k8s.NewFedoraAtomic()
		_, b := testBuilder(t, d)
		assert.ErrorContains(t, checkRender(t.Context(), d, b, k8sCase(), []string{"api_address", "no_such_output"}), "no_such_output")
	})
}

func TestCheckGoodAndBad(t *testing.T) {
	d := k8s.NewFedoraAtomic()
	reg, b := testBuilder(t, d)
	good := k8sCase()
	require.NoError(t, checkGood(d, reg, b, good))

	bad := good
	bad.Labels = labels.Labels{"flannel_backend": "pigeon"}
	bad.BadFields = []string{"labels/flannel_backend"}
	assert.NoError(t, checkBad(d, reg, b, bad))
	assert.ErrorContains(t, checkGood(d, reg, b, bad), "Validate refuses a cluster of a good template")

	wrongField := bad
	wrongField.BadFields = []string{"labels/flannel_backend", "network_driver"}
	assert.ErrorContains(t, checkBad(d, reg, b, wrongField), `field "network_driver" is not named`)

	accepted := good
	accepted.BadFields = []string{"network_driver"}
	assert.ErrorContains(t, checkBad(d, reg, b, accepted), "accepted; want fields")

	noFields := bad
	noFields.BadFields = nil
	assert.ErrorContains(t, checkBad(d, reg, b, noFields), "BadFields")

	otherDistro := good
	otherDistro.Template = good.Template.Clone()
	otherDistro.Template.ClusterDistro = "coreos"
	assert.ErrorContains(t, checkGood(d, reg, b, otherDistro), "coreos")

	badTemplate := good
	badTemplate.Template = good.Template.Clone()
	badTemplate.Template.NetworkDriver = "weave"
	assert.ErrorContains(t, checkGood(d, reg, b, badTemplate), "template validation refuses a good template")
}
