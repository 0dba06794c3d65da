//go:build integration

package swarm_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/openstack"
)

// labOrchestrator logs in to the real Heat of ../shared/openstack (or any
// cloud the environment names: OS_CLOUD with clouds.yaml, or openrc
// variables). Without one the run fails rather than skips.
func labOrchestrator(t *testing.T) *openstack.Orchestrator {
	t.Helper()
	if os.Getenv("OS_CLOUD") == "" && os.Getenv("OS_AUTH_URL") == "" {
		t.Fatal("no cloud configured: run scripts/heat-lab-test.sh, or set OS_CLOUD/OS_CLIENT_CONFIG_FILE or source an openrc")
	}
	cloud, err := openstack.Connect(context.Background(), openstack.ConnectOptions{})
	require.NoError(t, err)
	o, err := cloud.Orchestrator(openstack.Config{})
	require.NoError(t, err)
	return o
}

// withLabStandIns adds testdata/lab's environment entries and provider
// templates to a rendered request, so the real Heat runs it without Nova,
// Neutron, Octavia or Cinder.
func withLabStandIns(t *testing.T, req *heat.StackRequest) {
	t.Helper()
	var env, lab struct {
		ResourceRegistry map[string]string `json:"resource_registry"`
	}
	require.NoError(t, json.Unmarshal(req.Environment, &env))
	data, err := os.ReadFile("testdata/lab/env.yaml")
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(data, &lab))
	for typ, target := range lab.ResourceRegistry {
		env.ResourceRegistry[typ] = target
		if filepath.Ext(target) == ".yaml" {
			body, err := os.ReadFile(target)
			require.NoError(t, err)
			req.Files[target] = string(body)
		}
	}
	req.Environment, err = json.Marshal(env)
	require.NoError(t, err)
}

// TestLifecycleOnRealHeat runs the representative variants through create,
// scale up, scale down (naming the node to remove) and delete on a real
// Heat. Stack names are unique per run, as other runs may share the lab.
func TestLifecycleOnRealHeat(t *testing.T) {
	o := labOrchestrator(t)
	lr := lifecycleRun{
		o:       o,
		wait:    openstack.WaitOptions{Interval: 300 * time.Millisecond, WithOutputs: true},
		prepare: withLabStandIns,
		prefix:  fmt.Sprintf("sw%d", time.Now().UnixNano()%1_000_000),
	}
	for _, v := range labSubset() {
		t.Run(v.suffix(), func(t *testing.T) {
			t.Parallel()
			lr.run(t, v)
		})
	}
}
