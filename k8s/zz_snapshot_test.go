package k8s_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/k8s"
)

func TestZZSnapshot(t *testing.T) {
	dir := os.Getenv("SNAPSHOT_DIR")
	if dir == "" {
		t.Skip()
	}
	for _, d := range drivers() {
		for _, v := range matrix() {
			for k := range 4 {
				in := input(t, v)
				switch k {
				case 1:
					in.Cluster.Name = "Prod Clüster: with a very long name that needs truncating ____ yes.really"
				case 2:
					in.Bootstrap.AuthURL = "http://host/with space"
					in.Bootstrap.SignURL = "https://u:p@x/"
				case 3:
					in.Cluster.Name = ""
					in.Bootstrap.RegionName = "Region\x01"
				}
				out := map[string]any{}
				out["check"] = fmt.Sprint(k8s.CheckCluster(in))
				req, f, err := d.RenderCluster(in)
				out["req"], out["features"], out["err"] = req, f, fmt.Sprint(err)
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
					err := d.ApplyOutputs(&heat.Stack{Outputs: outs, Parameters: map[string]string{"number_of_masters": "3", "number_of_minions": "x"}}, f, &c, gs)
					out[fmt.Sprintf("apply%d", i)] = []any{c, gs, fmt.Sprint(err)}
				}
				if k == 0 {
					g := gpuGroup()
					g.DockerVolumeSize = map[bool]int{true: 3}[v.DockerVolume]
					gr := groupRequest(t, v, g)
					sr, err := d.RenderNodeGroupStack(gr, clusterStack())
					out["group"], out["groupErr"] = sr, fmt.Sprint(err)
					up, err := d.ScaleNodeGroupStack(gr)
					out["groupScale"], out["groupScaleErr"] = up, fmt.Sprint(err)
					g2 := *g
					out["groupApply"] = []any{fmt.Sprint(d.ApplyNodeGroupOutputs(&heat.Stack{Outputs: snapOutputs()[0], Parameters: map[string]string{"number_of_minions": "4"}}, &g2)), g2}
				}
				b, _ := json.MarshalIndent(out, "", " ")
				os.MkdirAll(filepath.Join(dir, "k8s"), 0o755)
				os.WriteFile(filepath.Join(dir, "k8s", fmt.Sprintf("%s_%s_%d.json", d.Info().Name, v.name(), k)), b, 0o644)
			}
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
