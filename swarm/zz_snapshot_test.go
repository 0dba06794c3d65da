package swarm_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/swarm"
	"github.com/gomagnum/magnum/template"
)

func snapReq(v variant) *driver.Request {
	tmpl := &template.ClusterTemplate{COE: swarm.COE, ImageID: "fedora-atomic", ExternalNetworkID: "public", KeyPairID: "testkey",
		FlavorID: "m1.small", MasterFlavorID: "m1.medium", DNSNameServer: "8.8.8.8",
		MasterLBEnabled: v.MasterLB, TLSDisabled: v.TLSDisabled}
	fip := v.FloatingIP
	tmpl.FloatingIPEnabled = &fip
	if v.DockerVolume {
		tmpl.DockerVolumeSize = 5
	}
	if v.ExistingNetwork {
		tmpl.FixedNetwork, tmpl.FixedSubnet = "private", "private-subnet"
	}
	if v.Flannel {
		tmpl.NetworkDriver = "flannel"
	}
	if v.Rexray {
		tmpl.VolumeDriver = "rexray"
	}
	c := &cluster.Cluster{UUID: testClusterUUID, Name: "lab cluster!", ProjectID: "p", UserID: "u",
		MasterCount: v.Masters, NodeCount: v.Workers, Labels: map[string]string{"swarm_strategy": "spread"}}
	ca, err := os.ReadFile("../k8s/testdata/bootstrap/ca.pem")
	if err != nil {
		panic(err)
	}
	cas := map[string][]byte{}
	for _, ct := range certs.CATypes() {
		cas[string(ct)] = ca
	}
	return &driver.Request{
		Template: tmpl, Cluster: c, Name: "snap",
		NodeGroups: []*cluster.NodeGroup{
			{Role: cluster.RoleMaster, NodeCount: v.Masters, IsDefault: true},
			{Role: cluster.RoleWorker, NodeCount: v.Workers, IsDefault: true},
		},
		Nodes: driver.NodeAccess{SignURL: "https://magnum.example.com:9511/v1", AuthURL: "https://keystone.example.com:5000/v3",
			CACerts: cas, Trustee: driver.Trustee{UserID: "trustee", Password: "sec'ret$(x)", TrustID: "trust"}},
	}
}

func TestZZSnapshot(t *testing.T) {
	dir := os.Getenv("SNAPSHOT_DIR")
	if dir == "" {
		t.Skip()
	}
	d := swarm.New()
	var vs []variant
	for i := range 128 {
		b := func(bit int) bool { return i&(1<<bit) != 0 }
		for _, m := range []int{1, 3, 2} {
			vs = append(vs, variant{Masters: m, Workers: 2, MasterLB: b(0), FloatingIP: b(1), DockerVolume: b(2), ExistingNetwork: b(3), TLSDisabled: b(4), Flannel: b(5), Rexray: b(6)})
		}
	}
	for _, v := range vs {
		req := snapReq(v)
		out := map[string]any{}
		sr, f, err := d.RenderStack(req)
		out["req"], out["features"], out["err"] = sr, f, fmt.Sprint(err)
		out["validate"] = fmt.Sprint(d.Validate(req))
		upd, err := d.ScaleStack(req)
		out["scale"], out["scaleErr"] = upd, fmt.Sprint(err)
		req.NodesToRemove = []string{"node-1", "bad name;"}
		upd, err = d.ScaleStack(req)
		out["scale2"], out["scaleErr2"] = upd, fmt.Sprint(err)
		f2, err := d.StackFeatures(req)
		out["features2"], out["featErr"] = f2, fmt.Sprint(err)
		for i, outs := range snapOutputs() {
			c := *req.Cluster
			gs := []*cluster.NodeGroup{}
			for _, g := range req.NodeGroups {
				g2 := *g
				gs = append(gs, &g2)
			}
			err := d.ApplyOutputs(&heat.Stack{Outputs: outs, Parameters: map[string]string{"number_of_masters": "3", "number_of_nodes": "x"}}, f, &c, gs)
			out[fmt.Sprintf("apply%d", i)] = []any{c, gs, fmt.Sprint(err)}
		}
		for i, pv := range []string{"-1", "200000", "7", "1e3"} {
			c := *req.Cluster
			gs := []*cluster.NodeGroup{}
			for _, g := range req.NodeGroups {
				g2 := *g
				gs = append(gs, &g2)
			}
			err := d.ApplyOutputs(&heat.Stack{Parameters: map[string]string{"number_of_masters": pv, "number_of_nodes": pv}}, f, &c, gs)
			out[fmt.Sprintf("count%d", i)] = []any{c, gs, fmt.Sprint(err)}
		}
		b, _ := json.MarshalIndent(out, "", " ")
		os.MkdirAll(filepath.Join(dir, "swarm"), 0o755)
		os.WriteFile(filepath.Join(dir, "swarm", v.suffix()+".json"), b, 0o644)
	}
}
func snapOutputs() []map[string]any {
	keys := []string{"kube_masters", "kube_masters_private", "kube_minions", "kube_minions_private", "swarm_masters", "swarm_masters_private", "swarm_nodes", "swarm_nodes_private", "mesos_master", "mesos_master_private", "mesos_slaves", "mesos_slaves_private", "mesos_masters", "mesos_masters_private"}
	good := map[string]any{"api_address": "10.0.0.5"}
	bad := map[string]any{"api_address": 7}
	mixed := map[string]any{"api_address": "not an ip"}
	for i, k := range keys {
		good[k] = []any{fmt.Sprintf("10.0.0.%d", i+1), "172.24.4.3"}
		bad[k] = 42
		mixed[k] = []any{"10.0.0.1", 5, "::1"}
	}
	return []map[string]any{good, bad, mixed, {}}
}
