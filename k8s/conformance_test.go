package k8s_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/driver/drivertest"
	"github.com/gomagnum/magnum/k8s"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/template"
)

// conformanceTemplate is a template of the seed cloud for a distro.
func conformanceTemplate(distro string) *template.ClusterTemplate {
	image := map[string]string{"fedora-atomic": "fedora-atomic-latest", "coreos": "coreos"}[distro]
	return &template.ClusterTemplate{
		Name: "conformance", COE: k8s.COE, ImageID: image, ClusterDistro: distro,
		KeyPairID: "testkey", ExternalNetworkID: "public", DNSNameServer: "8.8.8.8",
		FlavorID: "m1.small", MasterFlavorID: "m1.medium",
		Labels: labels.Labels{"kube_tag": "v1.30.4"},
	}
}

// conformanceOptions are the Kubernetes drivers' cases for drivertest.
func conformanceOptions(distro string) drivertest.Options {
	with := func(f func(t *template.ClusterTemplate)) *template.ClusterTemplate {
		t := conformanceTemplate(distro)
		f(t)
		return t
	}
	yes, no := true, false
	return drivertest.Options{
		Good: []drivertest.Case{
			{Name: "default", Template: conformanceTemplate(distro), Workers: 2},
			{Name: "ha", Template: with(func(t *template.ClusterTemplate) { t.MasterLBEnabled = true }), Masters: 3, Workers: 1},
		},
		Bad: []drivertest.Case{
			{Name: "network-driver", Template: with(func(t *template.ClusterTemplate) { t.NetworkDriver = "weave" }), BadFields: []string{"network_driver"}},
			{Name: "volume-driver", Template: with(func(t *template.ClusterTemplate) { t.VolumeDriver = "rexray" }), BadFields: []string{"volume_driver"}},
			{Name: "no-external-network", Template: with(func(t *template.ClusterTemplate) { t.ExternalNetworkID = "" }), BadFields: []string{"external_network_id"}},
			{Name: "flannel-backend", Template: conformanceTemplate(distro), Labels: labels.Labels{"flannel_backend": "carrier-pigeon"}, BadFields: []string{"labels/flannel_backend"}},
			{Name: "even-masters", Template: with(func(t *template.ClusterTemplate) { t.MasterLBEnabled = true }), Masters: 2, BadFields: []string{"master_count"}},
			{Name: "masters-without-lb", Template: conformanceTemplate(distro), Masters: 3, BadFields: []string{"master_count"}},
		},
		Combinations: []drivertest.Case{
			{Name: "tls-disabled", Template: with(func(t *template.ClusterTemplate) { t.TLSDisabled = true })},
			{Name: "no-floating-ip", Template: conformanceTemplate(distro), FloatingIPEnabled: &no},
			{Name: "lb-floating-ip", Template: conformanceTemplate(distro), Masters: 3, MasterLBEnabled: &yes},
			{Name: "docker-volume", Template: with(func(t *template.ClusterTemplate) { t.DockerVolumeSize = 20 })},
			{Name: "existing-network", Template: with(func(t *template.ClusterTemplate) { t.FixedNetwork, t.FixedSubnet = "private", "private-subnet" })},
			{Name: "calico", Template: with(func(t *template.ClusterTemplate) { t.NetworkDriver = "calico" })},
			{Name: "etcd-volume", Template: conformanceTemplate(distro), Labels: labels.Labels{"etcd_volume_size": "10"}},
		},
		RequiredOutputs: []string{"api_address", "kube_masters", "kube_minions"},
		// The minions' member names are their indexes; remove the first.
		NodesToRemove: func(*driver.Request) []string { return []string{"0"} },
		Live: map[string]func(t *testing.T, env drivertest.Env){
			"kubeconfig": func(t *testing.T, env drivertest.Env) {
				c := env.Request.Cluster
				cfg, err := k8s.ClientConfigFor(t.Context(), env.Certs, c,
					certs.ClientRequest{Requester: certs.Requester{UserID: c.UserID, ProjectID: c.ProjectID}}, certs.KubeconfigOptions{})
				require.NoError(t, err)
				require.NotNil(t, cfg.Bundle, "a TLS cluster's client config carries a bundle")
				assert.Contains(t, string(cfg.Kubeconfig), "server: "+c.APIAddress)
				assert.True(t, strings.HasPrefix(c.APIAddress, "https://"), "api_address %q", c.APIAddress)
			},
		},
	}
}

// TestConformance runs the driver conformance suite on both Kubernetes
// drivers, each registered alongside the other.
func TestConformance(t *testing.T) {
	fa, co := k8s.NewFedoraAtomic(), k8s.NewCoreOS()
	t.Run("k8s_fedora_atomic_v1", func(t *testing.T) {
		o := conformanceOptions("fedora-atomic")
		o.Alongside = []driver.Driver{co}
		drivertest.Run(t, fa, o)
	})
	t.Run("k8s_coreos_v1", func(t *testing.T) {
		o := conformanceOptions("coreos")
		o.Alongside = []driver.Driver{fa}
		drivertest.Run(t, co, o)
	})
}
