package swarm_test

import (
	"testing"

	"github.com/gomagnum/magnum/swarm"
)

// BenchmarkRenderStack renders a cluster's stack on a warm renderer (the
// structural variant is cached; a render computes and checks parameters
// and the nodes' environment file).
func BenchmarkRenderStack(b *testing.B) {
	req := variant{Masters: 3, Workers: 5, MasterLB: true, FloatingIP: true, DockerVolume: true, Flannel: true, Rexray: true}.request(b, "bench")
	d := swarm.New()
	if _, _, err := d.RenderStack(req); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := d.RenderStack(req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderStackCold renders on a new driver each time: the
// variant's templates are executed, parsed and structurally checked.
func BenchmarkRenderStackCold(b *testing.B) {
	req := variant{Masters: 3, Workers: 5, MasterLB: true, FloatingIP: true, DockerVolume: true, Flannel: true, Rexray: true}.request(b, "bench")
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := swarm.New().RenderStack(req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScaleStack is the parameters-only update of a resize.
func BenchmarkScaleStack(b *testing.B) {
	req := variant{Masters: 1, Workers: 5}.request(b, "bench")
	d := swarm.New()
	req.NodesToRemove = []string{"0"}
	req.NodeGroups[1].NodeCount = 4
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.ScaleStack(req); err != nil {
			b.Fatal(err)
		}
	}
}
