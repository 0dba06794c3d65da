package patch

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type Base struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Shade string
}

type Meta struct {
	Name string `json:"name"`
}

type embedding struct {
	Base
	*Meta               // promoted through a pointer: not patchable
	Name         string `json:"name"` // shallower: wins over Base.Name
	Count        int    `json:"count,string"`
	Plain        int
	hidden       int
	Skipped      string `json:"-"`
	Shade        string `json:"shade"`
	Untagged     string
	UntaggedTwin string `json:"Untagged2"`
}

func TestSchemaOf(t *testing.T) {
	sch := schemaOf(reflect.TypeFor[embedding]())
	var names []string
	for _, f := range sch.fields {
		names = append(names, f.name)
	}
	// The same names encoding/json uses, minus ",string" fields.
	assert.Equal(t, []string{"id", "Shade", "name", "Plain", "shade", "Untagged", "Untagged2"}, names)

	f, ok := sch.lookup("name")
	require.True(t, ok)
	assert.Equal(t, []int{2}, f.index, "the outer name wins")
	f, ok = sch.lookup("id")
	require.True(t, ok)
	assert.Equal(t, []int{0, 0}, f.index)

	// Cross-check against encoding/json's own choice of names.
	b, err := json.Marshal(embedding{})
	require.NoError(t, err)
	var enc map[string]any
	require.NoError(t, json.Unmarshal(b, &enc))
	for _, n := range names {
		assert.Contains(t, enc, n)
	}
}

func TestApplyEmbedded(t *testing.T) {
	d := embedding{Base: Base{ID: "1", Name: "inner"}, Meta: &Meta{Name: "meta"}, Name: "outer", Count: 2, hidden: 7, Skipped: "s"}
	changed, err := Apply(&d, ops(t, `[{"op":"replace","path":"/id","value":"2"},{"op":"replace","path":"/name","value":"new"}]`), Rules{})
	require.NoError(t, err)
	assert.Equal(t, []string{"id", "name"}, changed)
	assert.Equal(t, "2", d.ID)
	assert.Equal(t, "new", d.Name)
	assert.Equal(t, "inner", d.Base.Name)
	assert.Equal(t, 2, d.Count)
	assert.Equal(t, 7, d.hidden, "unexported fields are carried over")
	assert.Equal(t, "s", d.Skipped)
	assert.Equal(t, "meta", d.Meta.Name)

	_, err = Apply(&d, ops(t, `[{"op":"replace","path":"/count","value":3}]`), Rules{})
	assert.Error(t, err, `",string" fields are not patchable`)
}

func TestIsIndex(t *testing.T) {
	for seg, want := range map[string]bool{"0": true, "7": true, "10": true, "": false, "01": false, "-1": false, "+1": false, "a": false, "-": false, "99999999999999999999": false} {
		assert.Equal(t, want, isIndex(seg), "isIndex(%q)", seg)
	}
}

type clash struct {
	Base
	*Meta
}

func TestSchemaOfDropsAmbiguousNames(t *testing.T) {
	sch := schemaOf(reflect.TypeFor[clash]())
	_, ok := sch.lookup("name")
	assert.False(t, ok, "Base.name and Meta.name tie, so encoding/json uses neither")
	_, ok = sch.lookup("id")
	assert.True(t, ok)

	b, err := json.Marshal(clash{Base: Base{Name: "x"}, Meta: &Meta{Name: "y"}})
	require.NoError(t, err)
	assert.NotContains(t, string(b), `"name"`)
}
