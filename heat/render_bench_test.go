package heat

import (
	"testing"
)

// cpuTimer reports the process CPU time per operation ("cpu-ns/op") next to
// the wall time, which a loaded machine inflates. It counts every thread
// of the process, the garbage collector's included.
type cpuTimer struct {
	b     *testing.B
	start int64
}

func startCPU(b *testing.B) *cpuTimer {
	b.ReportAllocs()
	b.ResetTimer()
	return &cpuTimer{b: b, start: processCPU()}
}

func (c *cpuTimer) stop() {
	c.b.StopTimer()
	if used := processCPU() - c.start; c.start > 0 && c.b.N > 0 {
		c.b.ReportMetric(float64(used)/float64(c.b.N), "cpu-ns/op")
	}
}

// benchOptions is the representative variant: load balancer with a floating
// IP, floating IPs on the nodes, docker volumes, a created network.
var benchOptions = SampleOptions{Masters: 3, Workers: 10, MasterLB: true, FloatingIP: true, DockerVolumeSize: 50}

// BenchmarkRenderCached is the steady state: the variant is rendered and
// checked already; a render resolves features, computes and checks the
// parameters and copies the request.
func BenchmarkRenderCached(b *testing.B) {
	r := sampleRenderer(b)
	in := SampleInputs(benchOptions)
	if _, err := r.Render(in); err != nil {
		b.Fatal(err)
	}
	cpu := startCPU(b)
	defer cpu.stop()
	for i := 0; i < b.N; i++ {
		if _, err := r.Render(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderColdVariant renders a variant for the first time: execute
// the templates, follow nested files, build the environment and run the
// full structural check, then the parameters.
func BenchmarkRenderColdVariant(b *testing.B) {
	r := sampleRenderer(b)
	in := SampleInputs(benchOptions)
	cpu := startCPU(b)
	defer cpu.stop()
	for i := 0; i < b.N; i++ {
		r.mu.Lock()
		clear(r.variants)
		r.mu.Unlock()
		if _, err := r.Render(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderColdRenderer includes NewRenderer (parsing the Go
// templates of the file system) before the first render.
func BenchmarkRenderColdRenderer(b *testing.B) {
	fsys, def := SampleTemplates(), SampleDefinition()
	in := SampleInputs(benchOptions)
	cpu := startCPU(b)
	defer cpu.stop()
	for i := 0; i < b.N; i++ {
		r, err := NewRenderer(fsys, def)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := r.Render(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheck is the standalone check of a rendered request, as heattest
// runs it on what it receives.
func BenchmarkCheck(b *testing.B) {
	r := sampleRenderer(b)
	out, err := r.Render(SampleInputs(benchOptions))
	if err != nil {
		b.Fatal(err)
	}
	cpu := startCPU(b)
	defer cpu.stop()
	for i := 0; i < b.N; i++ {
		if err := CheckNamed("cluster.yaml", out.Request, out.Outputs); err != nil {
			b.Fatal(err)
		}
	}
}
