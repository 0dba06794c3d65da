package mesos_test

import (
	"testing"

	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/mesos"
)

// benchInput is a representative cluster: 3 masters behind a load
// balancer, 5 slaves, floating IPs, docker volumes, rexray.
func benchInput(b *testing.B) mesos.Input {
	return input(b, variant{Masters: 3, Workers: 5, MasterLB: true, FloatingIP: true, DockerVolume: true, Rexray: true})
}

// BenchmarkRenderCluster is a render as the lifecycle does it: the variant
// was rendered and structurally checked before, so the request's
// parameters are computed, converted and checked against the template.
func BenchmarkRenderCluster(b *testing.B) {
	d := mesos.New()
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
// structurally checked on every iteration.
func BenchmarkRenderClusterCold(b *testing.B) {
	in := benchInput(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := mesos.New().RenderCluster(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckRendered is heat.Check alone on the rendered request.
func BenchmarkCheckRendered(b *testing.B) {
	d := mesos.New()
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

// BenchmarkParseState parses a master's state with 100 slaves.
func BenchmarkParseState(b *testing.B) {
	doc := []byte(`{"pid": "master@10.0.0.1:5050", "leader": "master@10.0.0.1:5050", "slaves": [`)
	for i := range 100 {
		if i > 0 {
			doc = append(doc, ',')
		}
		doc = append(doc, []byte(`{"id": "s`+string(rune('a'+i%26))+`", "hostname": "10.0.1.1", "active": true, "resources": {"cpus": 4, "mem": 8192}}`)...)
	}
	doc = append(doc, "]}"...)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := mesos.ParseState(doc); err != nil {
			b.Fatal(err)
		}
	}
}
