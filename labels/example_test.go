package labels_test

import (
	"errors"
	"fmt"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/labels"
)

func ExampleParse() {
	l, err := labels.Parse("kube_tag=v1.30.1,no_proxy=10.0.0.1,.example.org")
	if err != nil {
		panic(err)
	}
	fmt.Println(l["kube_tag"])
	fmt.Println(l["no_proxy"])

	_, err = labels.Parse("kube_tag")
	fmt.Println(errors.Is(err, errdefs.ErrInvalid))
	// Output:
	// v1.30.1
	// 10.0.0.1,.example.org
	// true
}

func ExampleParseDictString() {
	l, err := labels.ParseDictString("{'auto_healing_enabled': True, 'max_node_count': 5}")
	if err != nil {
		panic(err)
	}
	fmt.Println(l["auto_healing_enabled"], l["max_node_count"])
	// Output: true 5
}

func ExampleViews() {
	tmpl := labels.Labels{"kube_tag": "v1.29.0", "flannel_backend": "vxlan"}
	clus := labels.Merge(tmpl, labels.Labels{"kube_tag": "v1.30.1", "monitoring_enabled": "true"})
	delete(clus, "flannel_backend")

	overridden, added, skipped := labels.Views(tmpl, clus)
	fmt.Println("overridden:", overridden)
	fmt.Println("added:", added)
	fmt.Println("skipped:", skipped)
	// Output:
	// overridden: map[kube_tag:v1.29.0]
	// added: map[monitoring_enabled:true]
	// skipped: map[flannel_backend:vxlan]
}
