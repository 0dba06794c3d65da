//go:build integration

package k8s_test

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
	"github.com/gomagnum/magnum/k8s"
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

// withLabStandIns adds testdata/lab's environment and provider templates to
// a rendered request, so the real Heat runs it without Nova, Neutron,
// Octavia or Cinder.
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

// TestLifecycleOnRealHeat runs the representative matrix points through
// create, scale up, scale down and delete on a real Heat.
func TestLifecycleOnRealHeat(t *testing.T) {
	o := labOrchestrator(t)
	lr := lifecycleRun{
		o:       o,
		wait:    openstack.WaitOptions{Interval: 300 * time.Millisecond, WithOutputs: true},
		prepare: withLabStandIns,
		prefix:  fmt.Sprintf("k8s%d", time.Now().UnixNano()%1_000_000),
	}
	for _, d := range []*k8s.Driver{k8s.NewFedoraAtomic(), k8s.NewCoreOS()} {
		points := lifecycleSubset()
		if d.Info().Name == "k8s_coreos_v1" {
			// The templates differ from fedora-atomic's only in the nodes'
			// user data: two points cover them and keep the run short.
			points = points[2:4]
		}
		for _, v := range points {
			t.Run(d.Info().Name+"/"+stackSuffix(v), func(t *testing.T) {
				t.Parallel()
				lr.run(t, d, v)
			})
		}
	}
}
