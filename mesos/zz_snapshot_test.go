package mesos_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/mesos"
)

func TestZZSnapshot(t *testing.T) {
	dir := os.Getenv("SNAPSHOT_DIR")
	if dir == "" {
		t.Skip()
	}
	d := mesos.New()
	vs := variants()
	vs = append(vs, variant{Masters: 2, MasterLB: true, Workers: 1}, variant{Masters: 3, Workers: 0})
	for n, v := range vs {
		for k := range 5 {
			in := input(t, v)
			switch k {
			case 1:
				in.Cluster.Name = "Prod Clüster: with a very long name that needs truncating ____ yes.really"
				in.SlavesToRemove = []string{"a", "1"}
			case 2:
				in.Access.AuthURL = "http://host/with space"
				in.SlavesToRemove = []string{"b;c"}
			case 3:
				in.Cluster.Labels["mesos_slave_isolation"] = "bogus"
			case 4:
				in.Cluster.Name = ""
				in.Access.Trustee.Password = "p\nw"
				in.Access.RegionName = "Region\x01"
			}
			out := map[string]any{}
			req, f, err := d.RenderCluster(in)
			out["req"], out["features"], out["err"] = req, f, fmt.Sprint(err)
			out["check"] = fmt.Sprint(mesos.CheckCluster(in))
			upd, err := d.ScaleUpdate(in, true)
			out["scale"], out["scaleErr"] = upd, fmt.Sprint(err)
			f2, err := d.Features(in)
			out["features2"], out["featErr"] = f2, fmt.Sprint(err)
			for i, outs := range snapOutputs() {
				c := *in.Cluster
				gs := []*cluster.NodeGroup{}
				for _, g := range in.NodeGroups {
					g2 := *g
					gs = append(gs, &g2)
				}
				err := d.ApplyOutputs(&heat.Stack{Outputs: outs, Parameters: map[string]string{"number_of_masters": "3", "number_of_slaves": "x"}}, f, &c, gs)
				out[fmt.Sprintf("apply%d", i)] = []any{c, gs, fmt.Sprint(err)}
			}
			b, _ := json.MarshalIndent(out, "", " ")
			os.MkdirAll(filepath.Join(dir, "mesos"), 0o755)
			os.WriteFile(filepath.Join(dir, "mesos", fmt.Sprintf("%03d_%d_%s.json", n, k, v)), b, 0o644)
		}
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
