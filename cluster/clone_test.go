package cluster

import (
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fill sets every field reachable from v (exported or not) to a non-zero
// value derived from seed, allocating pointers, maps and slices, so a test
// notices a field added later that Clone forgets.
func fill(t *testing.T, v reflect.Value, seed int) {
	t.Helper()
	switch v.Kind() {
	case reflect.String:
		v.SetString("s" + string(rune('a'+seed)))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(seed + 1))
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(t, v.Elem(), seed)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(t, k, seed)
		fill(t, e, seed)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		fill(t, s.Index(0), seed)
		fill(t, s.Index(1), seed+1)
		v.Set(s)
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(time.Date(2020, 1, 1+seed, 0, 0, 0, 0, time.UTC)))
			return
		}
		for i := range v.NumField() {
			fill(t, v.Field(i), seed)
		}
	default:
		t.Fatalf("fill: unhandled kind %s", v.Kind())
	}
}

// scribble changes, in place, everything v shares by reference: the values
// pointers point at, map entries and slice elements.
func scribble(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString("scribbled")
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Int, reflect.Int64:
		v.SetInt(v.Int() + 100)
	case reflect.Pointer:
		if !v.IsNil() {
			scribble(v.Elem())
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			scribble(e)
			v.SetMapIndex(k, e)
		}
		k := reflect.New(v.Type().Key()).Elem()
		scribble(k)
		v.SetMapIndex(k, reflect.New(v.Type().Elem()).Elem())
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

func TestClusterClone(t *testing.T) {
	var orig, want Cluster
	fill(t, reflect.ValueOf(&orig).Elem(), 1)
	fill(t, reflect.ValueOf(&want).Elem(), 1)

	c := orig.Clone()
	require.NotNil(t, c)
	require.NotSame(t, &orig, c)
	assert.Equal(t, want, *c, "the clone equals the original")

	scribble(reflect.ValueOf(c).Elem())
	assert.Equal(t, want, orig, "scribbling on the clone leaves the original alone")
	assert.NotEqual(t, want, *c)

	assert.Nil(t, (*Cluster)(nil).Clone())
}

func TestClusterCloneKeepsNils(t *testing.T) {
	c := (&Cluster{Name: "x"}).Clone()
	assert.Nil(t, c.Labels)
	assert.Nil(t, c.FloatingIPEnabled)
	assert.Nil(t, c.MasterAddresses)
	assert.Nil(t, c.UpdatedAt)
	assert.Nil(t, c.HealthStatusReason)
}

func TestNodeGroupClone(t *testing.T) {
	var orig, want NodeGroup
	fill(t, reflect.ValueOf(&orig).Elem(), 2)
	fill(t, reflect.ValueOf(&want).Elem(), 2)

	g := orig.Clone()
	require.NotNil(t, g)
	assert.Equal(t, want, *g)

	scribble(reflect.ValueOf(g).Elem())
	assert.Equal(t, want, orig, "scribbling on the clone leaves the original alone")
	assert.NotEqual(t, want, *g)

	assert.Nil(t, (*NodeGroup)(nil).Clone())
}

func TestNodeGroupIsMaster(t *testing.T) {
	assert.True(t, (&NodeGroup{Role: RoleMaster}).IsMaster())
	assert.False(t, (&NodeGroup{Role: RoleWorker}).IsMaster())
	assert.False(t, (&NodeGroup{}).IsMaster())
}

func TestClusterString(t *testing.T) {
	c := &Cluster{UUID: "u-1", Name: "k8s", Status: CreateComplete, TrustID: "secret-trust", CACertRef: "ref"}
	s := c.String()
	assert.Equal(t, "cluster u-1 (k8s, CREATE_COMPLETE)", s)
	assert.NotContains(t, s, "secret-trust")
}
