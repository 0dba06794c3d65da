//go:build integration

package heattest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/openstack"
)

// labOrchestrator logs in to the real Heat of ../shared/openstack (or any
// cloud the environment names: OS_CLOUD with clouds.yaml, or openrc
// variables). Without one, the integration run fails: it must not pass by
// skipping.
func labOrchestrator(t *testing.T, cfg openstack.Config) *openstack.Orchestrator {
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

func TestConformanceRealHeat(t *testing.T) {
	// One attempt: Heat's 500 for a cycle must not be retried here.
	o := labOrchestrator(t, openstack.Config{Retry: openstack.RetryPolicy{MaxAttempts: 1}})
	prefix := fmt.Sprintf("conf%d", time.Now().UnixNano()%1_000_000_000)
	t.Cleanup(func() { deleteTagged(t, o, prefix) })
	runConformance(t, o, "heat", prefix, openstack.WaitOptions{Interval: 300 * time.Millisecond})
}

// deleteTagged removes whatever a failed run left behind.
func deleteTagged(t *testing.T, o *openstack.Orchestrator, tag string) {
	ctx := context.Background()
	l, err := o.ListStacks(ctx, heat.ListFilter{Tags: []string{tag}})
	if err != nil {
		t.Logf("cleanup: %v", err)
		return
	}
	for _, s := range l {
		if err := o.DeleteStack(ctx, s.ID); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			t.Logf("cleanup of %s: %v", s.Name, err)
		}
	}
}
