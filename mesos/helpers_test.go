package mesos_test

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/mesos"
	"github.com/gomagnum/magnum/template"
)

const testClusterUUID = "3c8b1d2e-6f0a-4b7c-9d5e-1a2b3c4d5e6f"

// variant is one point of the structural matrix.
type variant struct {
	MasterLB        bool
	FloatingIP      bool
	DockerVolume    bool
	ExistingNetwork bool
	Rexray          bool
	Masters         int
	Workers         int
}

// input returns the seed's template shaped by a variant, and a cluster of
// it with its default groups.
func input(t testing.TB, v variant) mesos.Input {
	t.Helper()
	return makeInput(v)
}

func makeInput(v variant) mesos.Input {
	fip := v.FloatingIP
	tmpl := &template.ClusterTemplate{
		UUID: "0b7e2a4c-1111-4d2e-9f00-5c6d7e8f9a0b", Name: "mesos-template", COE: mesos.COE,
		ImageID: "ubuntu-mesos", ClusterDistro: "ubuntu", ServerType: "vm",
		KeyPairID: "testkey", FlavorID: "m1.magnum", MasterFlavorID: "m1.magnum",
		ExternalNetworkID: "public", DNSNameServer: "8.8.8.8",
		NetworkDriver: "docker", TLSDisabled: true,
		MasterLBEnabled: v.MasterLB, FloatingIPEnabled: &fip,
		Labels: labels.Labels{"rexray-preempt": "true"},
	}
	if v.Rexray {
		tmpl.VolumeDriver = "rexray"
	}
	if v.DockerVolume {
		tmpl.DockerVolumeSize = 4
	}
	if v.ExistingNetwork {
		tmpl.FixedNetwork, tmpl.FixedSubnet = "private-net", "private-subnet"
	}
	masters, workers := v.Masters, v.Workers
	if masters == 0 {
		masters = 1
	}
	c := &cluster.Cluster{
		UUID: testClusterUUID, Name: "prod cluster", ProjectID: "p", UserID: "u",
		ClusterTemplateID: tmpl.UUID, MasterCount: masters, NodeCount: workers,
		Labels: tmpl.Labels.Clone(), CreateTimeout: 60,
	}
	groups := []*cluster.NodeGroup{
		{Name: cluster.DefaultMasterGroup, Role: cluster.RoleMaster, NodeCount: masters, IsDefault: true},
		{Name: cluster.DefaultWorkerGroup, Role: cluster.RoleWorker, NodeCount: workers, IsDefault: true},
	}
	return mesos.Input{
		Template: tmpl, Cluster: c, NodeGroups: groups,
		StackName: "prod-" + testClusterUUID[:8],
		Access: mesos.Access{
			AuthURL: "https://keystone.example.com:5000", RegionName: "RegionOne",
			Trustee: mesos.Trustee{UserID: "trustee-1", Password: "s3cr3t-p4ss", TrustID: "trust-9"},
		},
	}
}

// variants is every structural combination with one and three masters.
func variants() []variant {
	var out []variant
	for i := range 32 {
		b := func(bit int) bool { return i&(1<<bit) != 0 }
		for _, m := range []int{1, 3} {
			v := variant{MasterLB: b(0), FloatingIP: b(1), DockerVolume: b(2), ExistingNetwork: b(3), Rexray: b(4), Masters: m, Workers: 2}
			if m > 1 && !v.MasterLB {
				continue
			}
			out = append(out, v)
		}
	}
	return out
}

func (v variant) String() string {
	return fmt.Sprintf("lb=%t,fip=%t,vol=%t,net=%t,rexray=%t,m=%d", v.MasterLB, v.FloatingIP, v.DockerVolume, v.ExistingNetwork, v.Rexray, v.Masters)
}

func requireBash(t testing.TB) string {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	return bash
}

// sourceEnv sources an env file in bash and returns the named variables'
// values exactly as the shell holds them.
func sourceEnv(t *testing.T, file string, names ...string) map[string]string {
	t.Helper()
	bash := requireBash(t)
	script := `set -eu; . "$1"; shift; for v in "$@"; do printf '%s\0' "${!v-<unset>}"; done`
	out, err := exec.Command(bash, append([]string{"-c", script, "bash", file}, names...)...).Output()
	require.NoError(t, err)
	vals := strings.Split(string(out), "\x00")
	require.Len(t, vals, len(names)+1)
	got := map[string]string{}
	for i, n := range names {
		got[n] = vals[i]
	}
	return got
}

// fuzzInput is a small cluster for fuzz tests (no testing.TB needed).
func fuzzInput(fip bool) mesos.Input {
	return makeInput(variant{FloatingIP: fip, Workers: 1})
}
