//go:build integration

package heattest_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/internal/labtest"
	"github.com/gomagnum/magnum/openstack"
)

func TestConformanceRealHeat(t *testing.T) {
	// One attempt: Heat's 500 for a cycle must not be retried here.
	o := labtest.Orchestrator(t, openstack.Config{Retry: openstack.RetryPolicy{MaxAttempts: 1}})
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
