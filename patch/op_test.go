package patch

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/errdefs"
)

func TestParse(t *testing.T) {
	ops, err := Parse([]byte(`[
		{"op": "replace", "path": "/name", "value": "k8s"},
		{"op": "add", "path": "/labels/kube_tag", "value": 1, "from": "/ignored"},
		{"op": "remove", "path": "/keypair_id"},
		{"op": "replace", "path": "/max_node_count", "value": null}
	]`))
	require.NoError(t, err)
	require.Len(t, ops, 4)
	assert.Equal(t, Op{Op: "replace", Path: "/name", Value: json.RawMessage(`"k8s"`)}, ops[0])
	assert.Equal(t, json.RawMessage(`1`), ops[1].Value)
	assert.False(t, ops[2].HasValue())
	assert.True(t, ops[3].HasValue(), "an explicit null is a value")
	assert.Equal(t, json.RawMessage(`null`), ops[3].Value)

	empty, err := Parse([]byte(` [] `))
	require.NoError(t, err)
	assert.Empty(t, empty)
}

func TestParseRoundTrip(t *testing.T) {
	in := []Op{
		{Op: "add", Path: "/labels/a", Value: json.RawMessage(`"1"`)},
		{Op: "remove", Path: "/labels/b"},
		{Op: "replace", Path: "/max_node_count", Value: json.RawMessage(`null`)},
	}
	b, err := json.Marshal(in)
	require.NoError(t, err)
	out, err := Parse(b)
	require.NoError(t, err)
	assert.Equal(t, in, out)
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name, body, field, reason string
	}{
		{"not json", `[`, "", "JSON array"},
		{"object body", `{"op": "add", "path": "/a", "value": 1}`, "", "JSON array"},
		{"null body", `null`, "", "JSON array"},
		{"empty body", ``, "", "JSON array"},
		{"op not object", `["add"]`, "", "operation 0 is not an object"},
		{"null op", `[null]`, "", "operation 0 is not an object"},
		{"missing op", `[{"path": "/a"}]`, "", `operation 0 has no "op"`},
		{"missing path", `[{"op": "remove"}]`, "", `operation 0 has no "path"`},
		{"op not string", `[{"op": 1, "path": "/a"}]`, "", `"op" must be a string`},
		{"member names are exact", `[{"OP": "remove", "path": "/a"}]`, "", `has no "op"`},
		{"move", `[{"op": "move", "from": "/a", "path": "/b"}]`, "/b", `unsupported operation "move"`},
		{"copy", `[{"op": "copy", "from": "/a", "path": "/b"}]`, "/b", `unsupported operation "copy"`},
		{"test", `[{"op": "test", "path": "/a", "value": 1}]`, "/a", `unsupported operation "test"`},
		{"root path", `[{"op": "replace", "path": "", "value": {}}]`, "", "a path is"},
		{"slash only", `[{"op": "replace", "path": "/", "value": 1}]`, "/", "a path is"},
		{"no slash", `[{"op": "replace", "path": "name", "value": 1}]`, "name", "a path is"},
		{"trailing slash", `[{"op": "replace", "path": "/labels/", "value": 1}]`, "/labels/", "a path is"},
		{"double slash", `[{"op": "replace", "path": "/labels//a", "value": 1}]`, "/labels//a", "a path is"},
		{"dot in path", `[{"op": "add", "path": "/labels/k8s.io", "value": 1}]`, "/labels/k8s.io", "a path is"},
		{"escape in path", `[{"op": "add", "path": "/labels/a~1b", "value": 1}]`, "/labels/a~1b", "a path is"},
		{"unicode in path", `[{"op": "add", "path": "/labels/é", "value": 1}]`, "/labels/é", "a path is"},
		{"add without value", `[{"op": "add", "path": "/a"}]`, "/a", "add needs a value"},
		{"replace without value", `[{"op": "replace", "path": "/a"}]`, "/a", "replace needs a value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.body))
			require.Error(t, err)
			assert.ErrorIs(t, err, errdefs.ErrInvalid)
			probs := errdefs.Problems(err)
			require.Len(t, probs, 1)
			assert.Equal(t, tt.field, probs[0].Field)
			assert.Contains(t, probs[0].Reason, tt.reason)
		})
	}
}

func TestParseReportsEveryBadOperation(t *testing.T) {
	_, err := Parse([]byte(`[
		{"op": "move", "path": "/a"},
		{"op": "replace", "path": "/ok", "value": 1},
		{"op": "add", "path": "/b"},
		{"op": "remove", "path": "c"}
	]`))
	require.Error(t, err)
	var fields []string
	for _, p := range errdefs.Problems(err) {
		fields = append(fields, p.Field)
	}
	assert.Equal(t, []string{"/a", "/b", "c"}, fields)
}

func TestValidPath(t *testing.T) {
	for p, want := range map[string]bool{
		"/name": true, "/labels/kube_tag": true, "/node_taints/0/key": true, "/a-b/C_9": true, "/node_taints/-": true,
		"": false, "/": false, "name": false, "/a/": false, "//a": false, "/a b": false, "/a.b": false, "/a~0": false,
	} {
		assert.Equal(t, want, validPath(p), "validPath(%q)", p)
	}
}
