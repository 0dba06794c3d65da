package patch

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/labels"
)

var fuzzSeeds = []string{
	`[]`,
	`[{"op":"replace","path":"/name","value":"x"}]`,
	`[{"op":"add","path":"/labels/a","value":1},{"op":"remove","path":"/labels/kube_tag"}]`,
	`[{"op":"replace","path":"/labels","value":"{'a': True, 'b': [1]}"}]`,
	`[{"op":"replace","path":"/node_count","value":"3"},{"op":"remove","path":"/node_count"}]`,
	`[{"op":"replace","path":"/health_status_reason","value":"{'api': 'ok'}"}]`,
	`[{"op":"add","path":"/taints/-","value":{"key":"k","effect":"NoSchedule"}},{"op":"add","path":"/taints/0","value":{"key":"j"}}]`,
	`[{"op":"replace","path":"/tags/0","value":1},{"op":"remove","path":"/tags/0"}]`,
	`[{"op":"add","path":"/extra/a/b","value":[1,{"c":null}]}]`,
	`[{"op":"move","from":"/a","path":"/b"},{"op":"add","path":"/x"}]`,
	`[{"op":"replace","path":"/enabled","value":"False"},{"op":"replace","path":"/ratio","value":"1e3"}]`,
	`{"op":"add"}`,
	`[null, 1, "x", {"op": "remove", "path": "/uuid"}]`,
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ops, err := Parse(data)
		if err != nil {
			return
		}
		for _, op := range ops {
			require.NoError(t, checkSyntax(op))
		}
		b, err := json.Marshal(ops)
		require.NoError(t, err)
		again, err := Parse(b)
		require.NoError(t, err, "re-parsing %s", b)
		require.Len(t, again, len(ops))
		for i := range ops {
			assert.Equal(t, ops[i].Op, again[i].Op)
			assert.Equal(t, ops[i].Path, again[i].Path)
			assert.Equal(t, ops[i].HasValue(), again[i].HasValue())
			if ops[i].HasValue() {
				assert.Equal(t, generic(t, ops[i].Value), generic(t, again[i].Value))
			}
		}
	})
}

func generic(t *testing.T, b []byte) any {
	t.Helper()
	v, err := decodeGeneric(b)
	require.NoError(t, err)
	return v
}

// fuzzApply checks the properties Apply must have on any input: no panic;
// on failure the document is untouched; on success the result marshals,
// only Allowed attributes changed, and an independent copy patched with the
// same operations ends up identical.
func fuzzApply[T any](t *testing.T, fresh func() *T, ops []Op, rules Rules) {
	d := fresh()
	before, err := json.Marshal(d)
	require.NoError(t, err)
	pristine := fresh()

	changed, err := Apply(d, ops, rules)
	if err != nil {
		after, merr := json.Marshal(d)
		require.NoError(t, merr)
		assert.JSONEq(t, string(before), string(after), "a failed patch leaves the document alone")
		assert.True(t, reflect.DeepEqual(pristine, d), "a failed patch leaves the document alone")
		return
	}
	after, err := json.Marshal(d)
	require.NoError(t, err, "the result marshals")
	if rules.Allowed != nil {
		for _, c := range changed {
			assert.True(t, slices.Contains(rules.Allowed, "/"+c), "changed %s outside Allowed", c)
		}
	}
	var was, is map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(before, &was))
	require.NoError(t, json.Unmarshal(after, &is))
	for k := range is {
		if !slices.Contains(changed, k) {
			assert.JSONEq(t, string(orNull(was[k])), string(orNull(is[k])), "%s changed but was not reported", k)
		}
	}

	other := fresh()
	changed2, err := Apply(other, ops, rules)
	require.NoError(t, err, "the same patch on a copy")
	assert.Equal(t, changed, changed2)
	again, err := json.Marshal(other)
	require.NoError(t, err)
	assert.Equal(t, string(after), string(again))
}

func orNull(b json.RawMessage) json.RawMessage {
	if b == nil {
		return json.RawMessage("null")
	}
	return b
}

func FuzzApply(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ops, err := Parse(data)
		if err != nil {
			return
		}
		fuzzApply(t, func() *doc {
			return &doc{Name: "n", Count: 2, Labels: labels.Labels{"kube_tag": "v1"}, Tags: []string{"a"},
				Taints: []taint{{Key: "k", Effect: "NoSchedule"}}, Extra: map[string]any{"a": map[string]any{}}, Secret: "s"}
		}, ops, Rules{StringDicts: []string{"/labels", "/reasons", "/taints"}})
		fuzzApply(t, sampleTemplate, ops, TemplateRules())
		fuzzApply(t, sampleCluster, ops, ClusterRules())
		fuzzApply(t, sampleNodeGroup, ops, NodeGroupRules())
	})
}

// FuzzApplyValue fuzzes only the value of a replace on each kind of field,
// so the fuzzer spends its time on coercion rather than on patch syntax.
func FuzzApplyValue(f *testing.F) {
	for _, v := range []string{`"true"`, `3`, `"3"`, `1e3`, `null`, `{"a":1}`, `"{'a': True}"`, `[{"key":"k"}]`, `"[{'key': 'k'}]"`, `-0`, `"2024-01-01T00:00:00Z"`} {
		f.Add(v)
	}
	paths := []string{"/name", "/count", "/small", "/size", "/ratio", "/enabled", "/maybe", "/max", "/labels", "/labels/a",
		"/reasons", "/tags", "/tags/0", "/tags/-", "/taints", "/taints/0/value", "/extra", "/when", "/optional"}
	f.Fuzz(func(t *testing.T, value string) {
		if !json.Valid([]byte(value)) {
			return
		}
		for _, p := range paths {
			op := OpReplace
			if strings.HasSuffix(p, "-") {
				op = OpAdd
			}
			fuzzApply(t, func() *doc {
				return &doc{Labels: labels.Labels{"a": "1"}, Tags: []string{"x"}, Taints: []taint{{Key: "k"}}}
			}, []Op{{Op: op, Path: p, Value: json.RawMessage(value)}}, Rules{StringDicts: []string{"/labels", "/reasons", "/taints", "/tags"}})
		}
	})
}
