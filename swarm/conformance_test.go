package swarm_test

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
	"github.com/gomagnum/magnum/swarm"
	"github.com/gomagnum/magnum/template"
)

// conformanceTemplate is a Swarm template of the seed cloud.
func conformanceTemplate() *template.ClusterTemplate {
	return &template.ClusterTemplate{
		Name: "conformance", COE: swarm.COE, ImageID: "fedora-atomic-latest", ClusterDistro: "fedora-atomic",
		KeyPairID: "testkey", ExternalNetworkID: "public", DNSNameServer: "8.8.8.8",
		FlavorID: "m1.small", MasterFlavorID: "m1.medium",
		Labels: labels.Labels{"swarm_strategy": "spread"},
	}
}

func with(f func(t *template.ClusterTemplate)) *template.ClusterTemplate {
	t := conformanceTemplate()
	f(t)
	return t
}

// conformanceOptions are the Swarm driver's cases for drivertest.
func conformanceOptions() drivertest.Options {
	yes, no := true, false
	return drivertest.Options{
		Good: []drivertest.Case{
			{Name: "default", Template: conformanceTemplate(), Workers: 2},
			{Name: "ha", Template: with(func(t *template.ClusterTemplate) { t.MasterLBEnabled = true }), Masters: 3, Workers: 1},
			{Name: "flannel-rexray", Template: with(func(t *template.ClusterTemplate) {
				t.NetworkDriver, t.VolumeDriver = "flannel", "rexray"
				t.Labels = labels.Labels{"flannel_backend": "host-gw", "rexray_preempt": "true", "swarm_strategy": "binpack"}
			}), Workers: 1},
		},
		Bad: []drivertest.Case{
			{Name: "network-driver", Template: with(func(t *template.ClusterTemplate) { t.NetworkDriver = "calico" }), BadFields: []string{"network_driver"}},
			{Name: "volume-driver", Template: with(func(t *template.ClusterTemplate) { t.VolumeDriver = "cinder" }), BadFields: []string{"volume_driver"}},
			{Name: "no-external-network", Template: with(func(t *template.ClusterTemplate) { t.ExternalNetworkID = "" }), BadFields: []string{"external_network_id"}},
			{Name: "strategy", Template: conformanceTemplate(), Labels: labels.Labels{"swarm_strategy": "fastest"}, BadFields: []string{"labels/swarm_strategy"}},
			{Name: "flannel-backend", Template: conformanceTemplate(), Labels: labels.Labels{"flannel_backend": "carrier-pigeon"}, BadFields: []string{"labels/flannel_backend"}},
			{Name: "rexray-preempt", Template: conformanceTemplate(), Labels: labels.Labels{"rexray_preempt": "maybe"}, BadFields: []string{"labels/rexray_preempt"}},
			{Name: "subnetlen", Template: conformanceTemplate(), Labels: labels.Labels{"flannel_network_cidr": "10.100.0.0/16", "flannel_network_subnetlen": "12"},
				BadFields: []string{"labels/flannel_network_subnetlen"}},
			{Name: "even-masters", Template: with(func(t *template.ClusterTemplate) { t.MasterLBEnabled = true }), Masters: 2, BadFields: []string{"master_count"}},
			{Name: "masters-without-lb", Template: conformanceTemplate(), Masters: 3, BadFields: []string{"master_count"}},
			{Name: "storage-driver", Template: with(func(t *template.ClusterTemplate) { t.DockerStorageDriver = "zfs" }), BadFields: []string{"docker_storage_driver"}},
		},
		Combinations: []drivertest.Case{
			{Name: "tls-disabled", Template: with(func(t *template.ClusterTemplate) { t.TLSDisabled = true })},
			{Name: "no-floating-ip", Template: conformanceTemplate(), FloatingIPEnabled: &no},
			{Name: "lb-floating-ip", Template: conformanceTemplate(), Masters: 3, MasterLBEnabled: &yes},
			{Name: "lb-no-floating-ip", Template: conformanceTemplate(), Masters: 1, MasterLBEnabled: &yes, FloatingIPEnabled: &no},
			{Name: "docker-volume", Template: with(func(t *template.ClusterTemplate) { t.DockerVolumeSize = 20 }),
				Labels: labels.Labels{"docker_volume_type": "ssd", "availability_zone": "nova"}},
			{Name: "existing-network", Template: with(func(t *template.ClusterTemplate) { t.FixedNetwork, t.FixedSubnet = "private", "private-subnet" })},
			{Name: "proxies-registry", Template: with(func(t *template.ClusterTemplate) {
				t.HTTPProxy, t.HTTPSProxy, t.NoProxy = "http://proxy:3128", "http://proxy:3128", "example.com"
				t.InsecureRegistry, t.DockerStorageDriver = "registry.local:5000", "devicemapper"
			})},
			{Name: "everything", Template: with(func(t *template.ClusterTemplate) {
				t.NetworkDriver, t.VolumeDriver, t.TLSDisabled, t.DockerVolumeSize = "flannel", "rexray", true, 5
				t.FixedNetwork, t.FixedSubnet = "private", "private-subnet"
			}), Masters: 3, MasterLBEnabled: &yes, FloatingIPEnabled: &no},
		},
		RequiredOutputs: []string{"api_address", "swarm_masters", "swarm_masters_private", "swarm_nodes", "swarm_nodes_private"},
		// The nodes' member names are their indexes; remove the first.
		NodesToRemove: func(*driver.Request) []string { return []string{"0"} },
		// Registered with the other built-in drivers, as programs serve them.
		Alongside: []driver.Driver{k8s.NewFedoraAtomic(), k8s.NewCoreOS()},
		Live: map[string]func(t *testing.T, env drivertest.Env){
			"client-config": func(t *testing.T, env drivertest.Env) {
				c := env.Request.Cluster
				assert.True(t, strings.HasPrefix(c.APIAddress, "tcp://") && strings.HasSuffix(c.APIAddress, ":2376"), "api_address %q", c.APIAddress)
				cfg, err := swarm.ClientConfigFor(t.Context(), env.Certs, c,
					certs.ClientRequest{Requester: certs.Requester{UserID: c.UserID, ProjectID: c.ProjectID}})
				require.NoError(t, err)
				require.NotNil(t, cfg.Bundle, "a TLS cluster's client config carries a bundle")
				env2, err := cfg.Env("/tmp/certs")
				require.NoError(t, err)
				assert.Contains(t, env2, certs.EnvVar{Name: "DOCKER_HOST", Value: c.APIAddress})
				assert.Contains(t, env2, certs.EnvVar{Name: "DOCKER_TLS_VERIFY", Value: "1"})
			},
		},
	}
}

// TestConformance runs the driver conformance suite on the Swarm driver.
func TestConformance(t *testing.T) {
	drivertest.Run(t, swarm.New(), conformanceOptions())
}
