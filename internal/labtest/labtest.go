package labtest

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/openstack"
)

// EnvFile is the lab's environment, relative to a test's package
// directory: a resource_registry whose entries replace the rendered
// stack's (provider templates are paths relative to the same directory).
const EnvFile = "testdata/lab/env.yaml"

// Orchestrator logs in to the lab's Heat with cfg. Without a configured
// cloud (neither OS_CLOUD nor OS_AUTH_URL set) the test fails: an
// integration run must not pass by skipping.
func Orchestrator(t *testing.T, cfg openstack.Config) *openstack.Orchestrator {
	t.Helper()
	if os.Getenv("OS_CLOUD") == "" && os.Getenv("OS_AUTH_URL") == "" {
		t.Fatal("no cloud configured: run scripts/heat-lab-test.sh, or set OS_CLOUD/OS_CLIENT_CONFIG_FILE or source an openrc")
	}
	cloud, err := openstack.Connect(context.Background(), openstack.ConnectOptions{})
	require.NoError(t, err)
	o, err := cloud.Orchestrator(cfg)
	require.NoError(t, err)
	return o
}

// WithStandIns adds EnvFile's registry entries, and the provider templates
// they name, to a rendered request, so that the lab's Heat runs it without
// Nova, Neutron, Octavia or Cinder.
func WithStandIns(t *testing.T, req *heat.StackRequest) {
	t.Helper()
	var env, lab struct {
		ResourceRegistry map[string]string `json:"resource_registry"`
	}
	require.NoError(t, json.Unmarshal(req.Environment, &env))
	data, err := os.ReadFile(EnvFile)
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
