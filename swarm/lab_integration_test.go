//go:build integration

package swarm_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/gomagnum/magnum/internal/labtest"
	"github.com/gomagnum/magnum/openstack"
)

// TestLifecycleOnRealHeat runs the representative variants through create,
// scale up, scale down (naming the node to remove) and delete on a real
// Heat. Stack names are unique per run, as other runs may share the lab.
func TestLifecycleOnRealHeat(t *testing.T) {
	o := labtest.Orchestrator(t, openstack.Config{})
	lr := lifecycleRun{
		o:       o,
		wait:    openstack.WaitOptions{Interval: 300 * time.Millisecond, WithOutputs: true},
		prepare: labtest.WithStandIns,
		prefix:  fmt.Sprintf("sw%d", time.Now().UnixNano()%1_000_000),
	}
	for _, v := range labSubset() {
		t.Run(v.suffix(), func(t *testing.T) {
			t.Parallel()
			lr.run(t, v)
		})
	}
}
