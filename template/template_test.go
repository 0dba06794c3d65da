package template_test

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/template"
)

// TestJSONNames checks the template carries every Magnum field under its
// Magnum name (issue 2, §1.2).
func TestJSONNames(t *testing.T) {
	magnum := []string{
		"name", "coe", "image_id", "keypair_id", "external_network_id", "fixed_network", "fixed_subnet",
		"flavor_id", "master_flavor_id", "dns_nameserver", "public", "hidden", "server_type",
		"network_driver", "volume_driver", "http_proxy", "https_proxy", "no_proxy", "docker_volume_size",
		"docker_storage_driver", "labels", "tls_disabled", "registry_enabled", "insecure_registry",
		"master_lb_enabled", "floating_ip_enabled", "apiserver_port", "tags", "cluster_distro", "uuid",
		"project_id", "user_id", "created_at", "updated_at",
	}
	b, err := json.Marshal(template.ClusterTemplate{})
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	got := slices.Sorted(maps.Keys(m))
	want := slices.Clone(magnum)
	slices.Sort(want)
	assert.Equal(t, want, got, "a zero template marshals exactly Magnum's fields")
	assert.Nil(t, m["floating_ip_enabled"], "unset floating_ip_enabled is null")
	assert.Nil(t, m["updated_at"])
}

func TestJSONRoundTrip(t *testing.T) {
	upd := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	in := &template.ClusterTemplate{
		UUID: "u", Name: "n", COE: "kubernetes", ImageID: "img", Labels: labels.Labels{"a": "1"},
		FloatingIPEnabled: ptr(false), UpdatedAt: &upd, CreatedAt: upd.Add(-time.Hour), Revision: 3,
		DockerVolumeSize: 5, APIServerPort: 6443, Public: true,
	}
	b, err := json.Marshal(in)
	require.NoError(t, err)
	var out template.ClusterTemplate
	require.NoError(t, json.Unmarshal(b, &out))
	assert.Equal(t, in, &out)

	// Magnum accepts label values as numbers and booleans.
	require.NoError(t, json.Unmarshal([]byte(`{"labels": {"n": 3, "b": true, "s": "x"}}`), &out))
	assert.Equal(t, labels.Labels{"n": "3", "b": "true", "s": "x"}, out.Labels)
}

func TestString(t *testing.T) {
	tpl := &template.ClusterTemplate{UUID: "u-1", Name: "k8s", COE: "kubernetes", HTTPProxy: "http://user:secret@p:1"}
	assert.Equal(t, "clustertemplate u-1 (k8s, coe kubernetes)", tpl.String())
	assert.NotContains(t, tpl.String(), "secret")
}

// fill sets every field reachable from v to a non-zero value, so the Clone
// test notices a reference field added later that Clone forgets.
func fill(t *testing.T, v reflect.Value) {
	t.Helper()
	switch v.Kind() {
	case reflect.String:
		v.SetString("s")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(7)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(t, v.Elem())
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(t, k)
		fill(t, e)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(t, s.Index(0))
		v.Set(s)
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)))
			return
		}
		for i := range v.NumField() {
			fill(t, v.Field(i))
		}
	default:
		t.Fatalf("fill: unhandled kind %s", v.Kind())
	}
}

// scribble changes in place everything v reaches through references.
func scribble(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString("scribbled")
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Int, reflect.Int64:
		v.SetInt(v.Int() + 1)
	case reflect.Pointer:
		if !v.IsNil() {
			scribble(v.Elem())
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			v.SetMapIndex(k, reflect.ValueOf("scribbled").Convert(v.Type().Elem()))
		}
		v.SetMapIndex(reflect.ValueOf("new").Convert(v.Type().Key()), reflect.New(v.Type().Elem()).Elem())
	case reflect.Slice:
		for i := range v.Len() {
			scribble(v.Index(i))
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(v.Interface().(time.Time).Add(time.Hour)))
			return
		}
		for i := range v.NumField() {
			scribble(v.Field(i))
		}
	}
}

func TestClone(t *testing.T) {
	var orig, want template.ClusterTemplate
	fill(t, reflect.ValueOf(&orig).Elem())
	fill(t, reflect.ValueOf(&want).Elem())

	c := orig.Clone()
	require.NotSame(t, &orig, c)
	assert.Equal(t, want, *c)

	scribble(reflect.ValueOf(c).Elem())
	assert.Equal(t, want, orig, "mutating the clone leaves the original")
	assert.NotEqual(t, want, *c)

	assert.Nil(t, (*template.ClusterTemplate)(nil).Clone())
	bare := (&template.ClusterTemplate{Name: "x"}).Clone()
	assert.Nil(t, bare.Labels)
	assert.Nil(t, bare.FloatingIPEnabled)
	assert.Nil(t, bare.UpdatedAt)
}
