package template_test

import (
	"testing"

	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/template"
)

// BenchmarkValidate measures validating a fully set, valid template against
// the built-in drivers' registry (what every create and patch does).
func BenchmarkValidate(b *testing.B) {
	reg := registry(b)
	tpl := valid(b, reg, "mesos")
	tpl.HTTPProxy, tpl.HTTPSProxy = "http://proxy.example.com:3128", "https://proxy.example.com:3129"
	tpl.NoProxy = "localhost,127.0.0.1,.svc,10.0.0.0/8"
	tpl.DNSNameServer = "8.8.8.8,1.1.1.1"
	tpl.Labels = labels.Labels{"mesos_slave_isolation": "docker/runtime,posix/cpu", "mesos_slave_image_providers": "docker",
		"mesos_slave_executor_env_variables": `{"A":"b"}`, "kube_tag": "v1", "x": "y"}
	b.ReportAllocs()
	for b.Loop() {
		if err := template.Validate(tpl, reg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidateInvalid measures a template with many problems.
func BenchmarkValidateInvalid(b *testing.B) {
	reg := registry(b)
	tpl := &template.ClusterTemplate{COE: "kubernetes", HTTPProxy: "x", NoProxy: "a b", NetworkDriver: "weave",
		Labels: labels.Labels{"a b": "v", "c": "\n"}}
	b.ReportAllocs()
	for b.Loop() {
		if err := template.Validate(tpl, reg); err == nil {
			b.Fatal("accepted")
		}
	}
}
