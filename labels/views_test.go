package labels

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestViews(t *testing.T) {
	tmpl := Labels{"kube_tag": "v1.29", "flannel_backend": "vxlan", "same": "x", "dropped": "1"}
	clus := Labels{"kube_tag": "v1.30", "flannel_backend": "vxlan", "same": "x", "extra": "y"}
	overridden, added, skipped := Views(tmpl, clus)
	assert.Equal(t, Labels{"kube_tag": "v1.29"}, overridden, "overridden holds the template's value")
	assert.Equal(t, Labels{"extra": "y"}, added)
	assert.Equal(t, Labels{"dropped": "1"}, skipped)

	overridden["kube_tag"] = "changed"
	assert.Equal(t, "v1.29", tmpl["kube_tag"], "views share nothing with the inputs")
}

func TestViewsEmpty(t *testing.T) {
	o, a, s := Views(nil, nil)
	assert.Equal(t, Labels{}, o)
	assert.Equal(t, Labels{}, a)
	assert.Equal(t, Labels{}, s)

	o, a, s = Views(nil, Labels{"a": "1"})
	assert.Empty(t, o)
	assert.Equal(t, Labels{"a": "1"}, a)
	assert.Empty(t, s)

	o, a, s = Views(Labels{"a": "1"}, nil)
	assert.Empty(t, o)
	assert.Empty(t, a)
	assert.Equal(t, Labels{"a": "1"}, s)
}

func TestMerge(t *testing.T) {
	base := Labels{"a": "1", "b": "2"}
	over := Labels{"b": "3", "c": "4"}
	got := Merge(base, over)
	assert.Equal(t, Labels{"a": "1", "b": "3", "c": "4"}, got)
	assert.Equal(t, Labels{"a": "1", "b": "2"}, base, "base is not modified")
	assert.Equal(t, Labels{"b": "3", "c": "4"}, over, "over is not modified")

	got["a"] = "x"
	assert.Equal(t, "1", base["a"], "the result shares nothing with base")

	assert.Nil(t, Merge(nil, nil))
	assert.Equal(t, Labels{}, Merge(Labels{}, nil))
	assert.Equal(t, Labels{"a": "1"}, Merge(nil, Labels{"a": "1"}))
}
