package k8s_test

import (
	"testing"

	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/k8s"
)

// benchInput is the reference cluster of the performance target: 3
// masters behind a load balancer, 5 minions, floating IPs, docker volume.
func benchInput(b *testing.B) k8s.Input {
	return input(b, variant{Masters: 3, Workers: 5, MasterLB: true, FloatingIP: true, DockerVolume: true})
}

// BenchmarkRenderCluster is a render as the lifecycle does it: the variant
// was rendered and structurally checked before, so the request's
// parameters are computed, converted and checked against the template.
func BenchmarkRenderCluster(b *testing.B) {
	d := k8s.NewFedoraAtomic()
	in := benchInput(b)
	if _, _, err := d.RenderCluster(in); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := d.RenderCluster(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderClusterCold renders with a new driver each time: the
// templates are parsed, the variant rendered and the whole stack
// structurally checked (heat.Check's work) on every iteration.
func BenchmarkRenderClusterCold(b *testing.B) {
	in := benchInput(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := k8s.NewFedoraAtomic().RenderCluster(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckRendered is heat.Check alone on the rendered request.
func BenchmarkCheckRendered(b *testing.B) {
	d := k8s.NewFedoraAtomic()
	req, f, err := d.RenderCluster(benchInput(b))
	if err != nil {
		b.Fatal(err)
	}
	def := d.Definition()
	outputs := def.RequiredOutputs(f)
	b.ReportAllocs()
	for b.Loop() {
		if err := heat.Check(req, outputs); err != nil {
			b.Fatal(err)
		}
	}
}
