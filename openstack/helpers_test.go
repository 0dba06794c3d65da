package openstack_test

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/heat/heattest"
	"github.com/gomagnum/magnum/openstack"
)

// sleeps records the orchestrator's backoff waits instead of sleeping.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// setup starts a fake Heat and an orchestrator logged in to it through
// gophercloud. Backoff waits are recorded, not slept, unless cfg.Sleep is set.
func setup(t testing.TB, hopts heattest.Options, cfg openstack.Config) (*heattest.Server, *openstack.Orchestrator, *sleeps) {
	t.Helper()
	srv := heattest.New(hopts)
	t.Cleanup(srv.Close)
	sl := &sleeps{}
	if cfg.Sleep == nil {
		cfg.Sleep = sl.sleep
	}
	ao := srv.AuthOptions()
	cloud, err := openstack.Connect(context.Background(), openstack.ConnectOptions{Auth: &ao})
	require.NoError(t, err)
	o, err := cloud.Orchestrator(cfg)
	require.NoError(t, err)
	srv.ResetCounts()
	return srv, o, sl
}

// groupRequest is testdata/group.yaml with its nested node.yaml.
func groupRequest(t testing.TB, name string, nodes int, tags ...string) heat.StackRequest {
	t.Helper()
	tpl, err := os.ReadFile("testdata/group.yaml")
	require.NoError(t, err)
	node, err := os.ReadFile("testdata/node.yaml")
	require.NoError(t, err)
	return heat.StackRequest{
		Name:            name,
		Template:        tpl,
		Files:           map[string]string{"node.yaml": string(node)},
		Parameters:      map[string]any{"node_count": nodes},
		Tags:            tags,
		Timeout:         30 * time.Minute,
		DisableRollback: true,
	}
}

// sampleRequest renders heat's sample definition.
func sampleRequest(t testing.TB, name string, opts heat.SampleOptions) (heat.StackRequest, *heat.Rendered, *heat.Renderer) {
	t.Helper()
	r, err := heat.NewRenderer(heat.SampleTemplates(), heat.SampleDefinition())
	require.NoError(t, err)
	out, err := r.Render(heat.SampleInputs(opts))
	require.NoError(t, err)
	req := out.Request
	req.Name = name
	req.Tags = []string{"3c8b1d2e-6f0a-4b7c-9d5e-1a2b3c4d5e6f"}
	req.DisableRollback = true
	return req, out, r
}

func noWait(ctx context.Context, _ time.Duration) error { return ctx.Err() }
