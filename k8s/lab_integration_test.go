//go:build integration

package k8s_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/gomagnum/magnum/internal/labtest"
	"github.com/gomagnum/magnum/k8s"
	"github.com/gomagnum/magnum/openstack"
)

// TestLifecycleOnRealHeat runs the representative matrix points through
// create, scale up, scale down and delete on a real Heat.
func TestLifecycleOnRealHeat(t *testing.T) {
	o := labtest.Orchestrator(t, openstack.Config{})
	lr := lifecycleRun{
		o:       o,
		wait:    openstack.WaitOptions{Interval: 300 * time.Millisecond, WithOutputs: true},
		prepare: labtest.WithStandIns,
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
