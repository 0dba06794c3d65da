package swarm_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/swarm"
)

// FuzzValidateLabels: never panics, problems are about swarm_strategy, and
// an accepted value is a non-empty white-space list of known strategies.
func FuzzValidateLabels(f *testing.F) {
	for _, s := range []string{"spread", "spread binpack", "", " ", "x y", "random\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		err := swarm.ValidateLabels(labels.Labels{"swarm_strategy": v})
		if err != nil {
			ps := errdefs.Problems(err)
			if len(ps) == 0 {
				t.Fatalf("error without problems: %v", err)
			}
			for _, p := range ps {
				if p.Field != "labels/swarm_strategy" {
					t.Fatalf("problem about %q", p.Field)
				}
			}
			return
		}
		words := strings.Fields(v)
		if len(words) == 0 {
			t.Fatalf("accepted %q", v)
		}
		for _, w := range words {
			if !slices.Contains(swarm.Strategies(), w) {
				t.Fatalf("accepted %q in %q", w, v)
			}
		}
	})
}

// FuzzParseInfo: a manager's /info is untrusted; parsing never panics and
// every node has a name.
func FuzzParseInfo(f *testing.F) {
	f.Add([]byte(`{"SystemStatus": [["Nodes", "1"], [" n", "10.0.0.1:2375"], ["  └ Status", "Healthy"], ["  └ Error", "(none)"]]}`))
	f.Add([]byte(`{"DriverStatus": [["Nodes", "2"], ["  └ Status", "x"], [" ", ""]]}`))
	f.Add([]byte(`{"SystemStatus": null}`))
	f.Add([]byte(`[[1]]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		nodes, err := swarm.ParseInfo(data)
		if err != nil {
			if nodes != nil {
				t.Fatal("nodes with an error")
			}
			return
		}
		for _, n := range nodes {
			if strings.TrimSpace(n.Name) == "" || n.Name != strings.TrimSpace(n.Name) {
				t.Fatalf("node name %q", n.Name)
			}
			if r := n.Ready(); r != "True" && r != "False" && r != "Unknown" {
				t.Fatalf("ready %q", r)
			}
		}
	})
}

// FuzzApplyOutputs: Heat's outputs are untrusted. ApplyOutputs never
// panics, and what it stores is well formed: a tcp:// API address with
// the port of the TLS setting, IP addresses or host names, counts ≥ 0.
func FuzzApplyOutputs(f *testing.F) {
	f.Add(`"10.0.0.5"`, `["172.24.4.10"]`, `["10.0.0.7", null, "10.0.0.8"]`, "2", "1", true, false)
	f.Add(`["10.0.0.5", "x"]`, `"a,b"`, `[["10.0.0.1"]]`, "x", "-1", false, true)
	f.Add(`{"a": 1}`, `42`, `null`, "", "99999999999999999999", true, true)
	f.Add(`"fe80::1%eth0"`, `["::1"]`, `["node-0.example.com"]`, "3", "0", false, false)
	d := swarm.New()
	f.Fuzz(func(t *testing.T, api, masters, nodes, nMasters, nNodes string, fip, tlsDisabled bool) {
		outputs := map[string]any{}
		for k, raw := range map[string]string{"api_address": api, "swarm_masters": masters, "swarm_masters_private": masters,
			"swarm_nodes": nodes, "swarm_nodes_private": nodes} {
			var v any
			if json.Unmarshal([]byte(raw), &v) == nil {
				outputs[k] = v
			}
		}
		stack := &heat.Stack{ID: "s", Status: "CREATE_COMPLETE", Outputs: outputs,
			Parameters: map[string]string{"number_of_masters": nMasters, "number_of_nodes": nNodes}}
		features := heat.Features{"floating_ip": fip, "tls_disabled": tlsDisabled, "master_lb": false, "lb_floating_ip": false,
			"docker_volume": false, "network": "create"}
		c := &cluster.Cluster{UUID: "u"}
		groups := []*cluster.NodeGroup{{Role: cluster.RoleMaster, IsDefault: true}, {Role: cluster.RoleWorker, IsDefault: true}}
		_ = d.ApplyOutputs(stack, features, c, groups)
		if c.APIAddress != "" {
			port := ":2376"
			if tlsDisabled {
				port = ":2375"
			}
			if !strings.HasPrefix(c.APIAddress, "tcp://") || !strings.HasSuffix(c.APIAddress, port) {
				t.Fatalf("api_address %q", c.APIAddress)
			}
		}
		for _, a := range append(append([]string{}, c.MasterAddresses...), c.NodeAddresses...) {
			if a == "" || strings.ContainsAny(a, " ,\n/") {
				t.Fatalf("address %q", a)
			}
		}
		if c.MasterCount < 0 || c.NodeCount < 0 || groups[0].NodeCount != c.MasterCount || groups[1].NodeCount != c.NodeCount {
			t.Fatalf("counts %d/%d, groups %d/%d", c.MasterCount, c.NodeCount, groups[0].NodeCount, groups[1].NodeCount)
		}
	})
}
