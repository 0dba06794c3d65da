package labels

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/errdefs"
)

func TestUnmarshalJSON(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Labels
	}{
		{"strings", `{"kube_tag":"v1.30.1","a":""}`, Labels{"kube_tag": "v1.30.1", "a": ""}},
		{"integer", `{"n":3,"neg":-12}`, Labels{"n": "3", "neg": "-12"}},
		{"big integer keeps its digits", `{"n":9007199254740993}`, Labels{"n": "9007199254740993"}},
		{"float in plain decimal", `{"f":2.50,"e":1e3,"small":1.5e-3}`, Labels{"f": "2.5", "e": "1000", "small": "0.0015"}},
		{"booleans", `{"t":true,"f":false}`, Labels{"t": "true", "f": "false"}},
		{"empty object", `{}`, Labels{}},
		{"null", `null`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got Labels
			require.NoError(t, json.Unmarshal([]byte(tt.in), &got))
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestUnmarshalJSONRejects(t *testing.T) {
	for name, in := range map[string]string{
		"nested object":  `{"a":{"b":"c"}}`,
		"list value":     `{"a":[1]}`,
		"null value":     `{"a":null}`,
		"not an object":  `["a"]`,
		"string":         `"a=b"`,
		"out of range":   `{"a":1e400}`,
		"trailing value": `{"a":"b"} {}`,
	} {
		t.Run(name, func(t *testing.T) {
			var l Labels
			err := l.UnmarshalJSON([]byte(in))
			require.Error(t, err)
			assert.ErrorIs(t, err, errdefs.ErrInvalid)
		})
	}
}

func TestUnmarshalJSONInStruct(t *testing.T) {
	var doc struct {
		Labels Labels `json:"labels"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"labels":{"a":1}}`), &doc))
	assert.Equal(t, Labels{"a": "1"}, doc.Labels)
	err := json.Unmarshal([]byte(`{"labels":{"a":{}}}`), &doc)
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
}

func TestClone(t *testing.T) {
	orig := Labels{"a": "1"}
	c := orig.Clone()
	c["a"] = "2"
	assert.Equal(t, "1", orig["a"])
	assert.Nil(t, Labels(nil).Clone())
}

func TestValidKey(t *testing.T) {
	tests := []struct {
		key  string
		want bool
	}{
		{"kube_tag", true},
		{"kubernetes.io/role", true},
		{"a-b.c_d/E9", true},
		{"", false},
		{"has space", false},
		{"k=v", false},
		{"é", false},
		{string(make([]byte, MaxKeyLength+1)), false},
	}
	long := make([]byte, MaxKeyLength)
	for i := range long {
		long[i] = 'a'
	}
	tests = append(tests, struct {
		key  string
		want bool
	}{string(long), true}, struct {
		key  string
		want bool
	}{string(long) + "a", false})
	for _, tt := range tests {
		assert.Equal(t, tt.want, ValidKey(tt.key), "ValidKey(%q)", tt.key)
	}
}
