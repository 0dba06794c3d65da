package patch

import (
	"testing"
)

const benchBody = `[
	{"op": "replace", "path": "/name", "value": "k8s-v2"},
	{"op": "add", "path": "/labels/flannel_backend", "value": "vxlan"},
	{"op": "replace", "path": "/docker_volume_size", "value": "20"}
]`

func BenchmarkParse(b *testing.B) {
	body := []byte(benchBody)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkApplyTemplate(b *testing.B) {
	ops, err := Parse([]byte(benchBody))
	if err != nil {
		b.Fatal(err)
	}
	rules := TemplateRules()
	b.ReportAllocs()
	for b.Loop() {
		t := sampleTemplate()
		if _, err := Apply(t, ops, rules); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkApplyClusterScale(b *testing.B) {
	ops, err := Parse([]byte(`[{"op": "replace", "path": "/node_count", "value": 5}]`))
	if err != nil {
		b.Fatal(err)
	}
	rules := ClusterRules()
	b.ReportAllocs()
	for b.Loop() {
		c := sampleCluster()
		if _, err := Apply(c, ops, rules); err != nil {
			b.Fatal(err)
		}
	}
}
