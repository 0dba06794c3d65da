package mesos_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/driver/drivertest"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/mesos"
	"github.com/gomagnum/magnum/template"
)

// seedTemplate is the seed's example template, verbatim: coe mesos, image
// ubuntu-mesos, keypair testkey, external network public, DNS 8.8.8.8,
// flavor and master flavor m1.magnum, docker volume size 4, TLS disabled,
// volume driver rexray, label rexray-preempt=true (hyphenated).
func seedTemplate() *template.ClusterTemplate {
	return &template.ClusterTemplate{
		Name: "mesos-cluster-template", COE: mesos.COE, ImageID: "ubuntu-mesos", ClusterDistro: "ubuntu",
		KeyPairID: "testkey", ExternalNetworkID: "public", DNSNameServer: "8.8.8.8",
		FlavorID: "m1.magnum", MasterFlavorID: "m1.magnum", DockerVolumeSize: 4,
		TLSDisabled: true, VolumeDriver: "rexray",
		Labels: labels.Labels{"rexray-preempt": "true"},
	}
}

// conformanceOptions are the Mesos driver's cases for drivertest.
func conformanceOptions() drivertest.Options {
	with := func(f func(t *template.ClusterTemplate)) *template.ClusterTemplate {
		t := seedTemplate()
		f(t)
		return t
	}
	yes, no := true, false
	return drivertest.Options{
		Good: []drivertest.Case{
			{Name: "seed", Template: seedTemplate(), Workers: 2},
			{Name: "ha", Template: with(func(t *template.ClusterTemplate) { t.MasterLBEnabled = true }), Masters: 3, Workers: 1},
			{Name: "plain", Template: with(func(t *template.ClusterTemplate) {
				t.VolumeDriver, t.DockerVolumeSize, t.Labels = "", 0, nil
			}), Workers: 1},
			{Name: "slave-labels", Template: seedTemplate(), Labels: labels.Labels{
				"mesos_slave_isolation":              "docker/runtime,filesystem/linux,cgroups/cpu",
				"mesos_slave_image_providers":        "docker,appc",
				"mesos_slave_work_dir":               "/srv/mesos",
				"mesos_slave_executor_env_variables": `{"LD_LIBRARY_PATH": "/opt/lib", "Q": "it's \"quoted\""}`,
			}},
		},
		Bad: []drivertest.Case{
			{Name: "network-driver", Template: with(func(t *template.ClusterTemplate) { t.NetworkDriver = "flannel" }), BadFields: []string{"network_driver"}},
			{Name: "volume-driver", Template: with(func(t *template.ClusterTemplate) { t.VolumeDriver = "cinder" }), BadFields: []string{"volume_driver"}},
			{Name: "no-external-network", Template: with(func(t *template.ClusterTemplate) { t.ExternalNetworkID = "" }), BadFields: []string{"external_network_id"}},
			{Name: "isolation", Template: seedTemplate(), Labels: labels.Labels{"mesos_slave_isolation": "gpu/nvidia"}, BadFields: []string{"labels/mesos_slave_isolation"}},
			{Name: "docker-without-runtime", Template: seedTemplate(), Labels: labels.Labels{"mesos_slave_image_providers": "docker"}, BadFields: []string{"labels/mesos_slave_isolation"}},
			{Name: "executor-env", Template: seedTemplate(), Labels: labels.Labels{"mesos_slave_executor_env_variables": "{nope"}, BadFields: []string{"labels/mesos_slave_executor_env_variables"}},
			{Name: "rexray-preempt", Template: seedTemplate(), Labels: labels.Labels{"rexray_preempt": "sometimes"}, BadFields: []string{"labels/rexray_preempt"}},
			{Name: "alias-conflict", Template: seedTemplate(), Labels: labels.Labels{"rexray_preempt": "false"}, BadFields: []string{"labels/rexray-preempt"}},
			{Name: "work-dir", Template: seedTemplate(), Labels: labels.Labels{"mesos_slave_work_dir": "relative/dir"}, BadFields: []string{"labels/mesos_slave_work_dir"}},
			{Name: "even-masters", Template: with(func(t *template.ClusterTemplate) { t.MasterLBEnabled = true }), Masters: 2, BadFields: []string{"master_count"}},
			{Name: "masters-without-lb", Template: seedTemplate(), Masters: 3, BadFields: []string{"master_count"}},
		},
		Combinations: []drivertest.Case{
			{Name: "no-floating-ip", Template: seedTemplate(), FloatingIPEnabled: &no},
			{Name: "lb-no-floating-ip", Template: seedTemplate(), Masters: 3, MasterLBEnabled: &yes, FloatingIPEnabled: &no},
			{Name: "lb-floating-ip-label", Template: seedTemplate(), Masters: 3, MasterLBEnabled: &yes, FloatingIPEnabled: &no,
				Labels: labels.Labels{"master_lb_floating_ip_enabled": "true"}},
			{Name: "no-docker-volume", Template: with(func(t *template.ClusterTemplate) { t.DockerVolumeSize = 0 })},
			{Name: "existing-network", Template: with(func(t *template.ClusterTemplate) { t.FixedNetwork, t.FixedSubnet = "private", "private-subnet" })},
			{Name: "no-volume-driver", Template: with(func(t *template.ClusterTemplate) { t.VolumeDriver = "" })},
			{Name: "five-masters", Template: with(func(t *template.ClusterTemplate) { t.MasterLBEnabled = true }), Masters: 5, Workers: 3},
		},
		RequiredOutputs: []string{"api_address", "mesos_master", "mesos_slaves", "mesos_slaves_private", "mesos_slave_members"},
		// The slaves' member names are their indexes; remove the first.
		NodesToRemove: func(*driver.Request) []string { return []string{"0"} },
		Live: map[string]func(t *testing.T, env drivertest.Env){
			"marathon": func(t *testing.T, env drivertest.Env) {
				c := env.Request.Cluster
				assert.Regexp(t, `^http://[0-9.]+:8080$`, c.APIAddress, "Marathon, without TLS")
				assert.Equal(t, c.MasterAddresses[0]+":8080", strings.TrimPrefix(c.APIAddress, "http://"), "the first master's, without a load balancer")
				assert.Equal(t, "rexray_preempt", mesos.LabelAliases()["rexray-preempt"])
			},
		},
	}
}

// TestConformance runs the driver conformance suite on the Mesos driver,
// registered alongside the other built-in drivers; the lifecycle runs the
// seed's template on the fake cloud.
func TestConformance(t *testing.T) {
	drivertest.Run(t, mesos.New(), conformanceOptions())
}
