package patch_test

import (
	"errors"
	"fmt"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/patch"
	"github.com/gomagnum/magnum/template"
)

func ExampleApply() {
	c := &cluster.Cluster{Name: "prod", NodeCount: 3}

	ops, err := patch.Parse([]byte(`[
		{"op": "replace", "path": "/node_count", "value": "5"},
		{"op": "replace", "path": "/health_status_reason", "value": "{'api': 'ok'}"}
	]`))
	if err != nil {
		panic(err)
	}
	changed, err := patch.Apply(c, ops, patch.ClusterRules())
	if err != nil {
		panic(err)
	}
	fmt.Println(changed, c.NodeCount, c.HealthStatusReason["api"])
	// Output: [node_count health_status_reason] 5 ok
}

func ExampleApply_refused() {
	c := &cluster.Cluster{Name: "prod", NodeCount: 3}
	ops, _ := patch.Parse([]byte(`[{"op": "replace", "path": "/name", "value": "staging"}]`))

	_, err := patch.Apply(c, ops, patch.ClusterRules())
	fmt.Println(errors.Is(err, errdefs.ErrInvalid))
	for _, p := range errdefs.Problems(err) {
		fmt.Println(p.Field, "-", p.Reason)
	}
	fmt.Println(c.Name) // unchanged
	// Output:
	// true
	// /name - cannot change cluster property name (only node_count, health_status, health_status_reason may change)
	// prod
}

func ExampleTemplateRules() {
	t := &template.ClusterTemplate{Name: "k8s", COE: "kubernetes", Labels: labels.Labels{"kube_tag": "v1.29.0"}}
	ops, _ := patch.Parse([]byte(`[
		{"op": "add", "path": "/labels/kube_tag", "value": "v1.30.1"},
		{"op": "replace", "path": "/public", "value": "True"},
		{"op": "remove", "path": "/coe"},
		{"op": "replace", "path": "/uuid", "value": "x"}
	]`))

	_, err := patch.Apply(t, ops, patch.TemplateRules())
	for _, p := range errdefs.Problems(err) {
		fmt.Println(p.Field, "-", p.Reason)
	}

	changed, err := patch.Apply(t, ops[:2], patch.TemplateRules())
	fmt.Println(changed, t.Labels["kube_tag"], t.Public, err)
	// Output:
	// /coe - /coe cannot be removed
	// /uuid - /uuid is an internal attribute and cannot be changed
	// [labels public] v1.30.1 true <nil>
}
