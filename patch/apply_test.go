package patch

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/labels"
)

// doc exercises every kind of field Apply has to handle.
type doc struct {
	Name     string            `json:"name"`
	Count    int               `json:"count"`
	Small    int8              `json:"small"`
	Size     uint              `json:"size"`
	Ratio    float64           `json:"ratio"`
	Enabled  bool              `json:"enabled"`
	Maybe    *bool             `json:"maybe"`
	Max      *int              `json:"max"`
	Labels   labels.Labels     `json:"labels"`
	Reasons  map[string]string `json:"reasons"`
	Tags     []string          `json:"tags"`
	Taints   []taint           `json:"taints"`
	Extra    any               `json:"extra"`
	When     time.Time         `json:"when"`
	Optional string            `json:"optional,omitempty"`
	Secret   string            `json:"-"`
}

type taint struct {
	Key    string `json:"key"`
	Value  string `json:"value,omitempty"`
	Effect string `json:"effect"`
}

func ops(t *testing.T, body string) []Op {
	t.Helper()
	o, err := Parse([]byte(body))
	require.NoError(t, err)
	return o
}

func ptr[T any](v T) *T { return &v }

func TestApplyTopLevel(t *testing.T) {
	tests := []struct {
		name    string
		start   doc
		body    string
		want    doc
		changed []string
	}{
		{"replace string", doc{Name: "a"}, `[{"op":"replace","path":"/name","value":"b"}]`, doc{Name: "b"}, []string{"name"}},
		{"replace with same value changes nothing", doc{Name: "a"}, `[{"op":"replace","path":"/name","value":"a"}]`, doc{Name: "a"}, nil},
		{"add onto empty string", doc{}, `[{"op":"add","path":"/name","value":"b"}]`, doc{Name: "b"}, []string{"name"}},
		{"add onto zero", doc{}, `[{"op":"add","path":"/count","value":2}]`, doc{Count: 2}, []string{"count"}},
		{"add onto nil pointer", doc{}, `[{"op":"add","path":"/max","value":5}]`, doc{Max: ptr(5)}, []string{"max"}},
		{"add onto empty map", doc{Labels: labels.Labels{}}, `[{"op":"add","path":"/labels","value":{"a":"1"}}]`, doc{Labels: labels.Labels{"a": "1"}}, []string{"labels"}},
		{"add onto omitted field", doc{}, `[{"op":"add","path":"/optional","value":"x"}]`, doc{Optional: "x"}, []string{"optional"}},
		{"remove resets to zero", doc{Name: "a", Count: 3, Max: ptr(2), Labels: labels.Labels{"a": "1"}},
			`[{"op":"remove","path":"/name"},{"op":"remove","path":"/count"},{"op":"remove","path":"/max"},{"op":"remove","path":"/labels"}]`,
			doc{}, []string{"name", "count", "max", "labels"}},
		{"remove an unset attribute", doc{}, `[{"op":"remove","path":"/name"}]`, doc{}, nil},
		{"replace with null clears", doc{Name: "a", Max: ptr(1)}, `[{"op":"replace","path":"/name","value":null},{"op":"replace","path":"/max","value":null}]`, doc{}, []string{"name", "max"}},
		{"ops run in order", doc{}, `[{"op":"add","path":"/name","value":"a"},{"op":"replace","path":"/name","value":"b"},{"op":"remove","path":"/name"},{"op":"add","path":"/name","value":"c"}]`, doc{Name: "c"}, []string{"name"}},
		{"changed in declaration order", doc{}, `[{"op":"replace","path":"/tags","value":["x"]},{"op":"replace","path":"/name","value":"n"}]`, doc{Name: "n", Tags: []string{"x"}}, []string{"name", "tags"}},
		{"hidden fields carried over", doc{Secret: "s"}, `[{"op":"replace","path":"/name","value":"n"}]`, doc{Name: "n", Secret: "s"}, []string{"name"}},
		{"interface field takes anything", doc{}, `[{"op":"replace","path":"/extra","value":{"a":[1,true]}}]`, doc{Extra: map[string]any{"a": []any{1.0, true}}}, []string{"extra"}},
		{"time field", doc{}, `[{"op":"replace","path":"/when","value":"2024-05-01T10:00:00Z"}]`, doc{When: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)}, []string{"when"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.start
			changed, err := Apply(&d, ops(t, tt.body), Rules{})
			require.NoError(t, err)
			assert.Equal(t, tt.want, d)
			assert.Equal(t, tt.changed, changed)
		})
	}
}

func TestApplyKeepsUnchangedValuesIdentical(t *testing.T) {
	when := time.Date(2024, 5, 1, 10, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	d := doc{When: when, Labels: labels.Labels{"a": "1"}}
	_, err := Apply(&d, ops(t, `[{"op":"replace","path":"/name","value":"n"}]`), Rules{})
	require.NoError(t, err)
	assert.Equal(t, when, d.When, "location survives: unchanged fields are not re-decoded")
}

func TestApplyAddOntoSetValueNeedsReplace(t *testing.T) {
	for name, start := range map[string]doc{
		"string":   {Name: "a"},
		"number":   {Count: 1},
		"false":    {},
		"pointer":  {Max: ptr(0)},
		"map":      {Labels: labels.Labels{"a": "1"}},
		"list":     {Tags: []string{"x"}},
		"bool ptr": {Maybe: ptr(false)},
	} {
		t.Run(name, func(t *testing.T) {
			path := map[string]string{"string": "/name", "number": "/count", "false": "/enabled", "pointer": "/max", "map": "/labels", "list": "/tags", "bool ptr": "/maybe"}[name]
			value := map[string]string{"string": `"b"`, "number": `2`, "false": `true`, "pointer": `3`, "map": `{}`, "list": `[]`, "bool ptr": `true`}[name]
			d := start
			_, err := Apply(&d, []Op{{Op: OpAdd, Path: path, Value: json.RawMessage(value)}}, Rules{})
			require.Error(t, err)
			assert.ErrorIs(t, err, errdefs.ErrInvalid)
			var e *errdefs.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, path, e.Field)
			assert.Contains(t, e.Reason, "use replace")
			assert.Equal(t, start, d)
		})
	}
}

func TestApplyNested(t *testing.T) {
	tests := []struct {
		name  string
		start doc
		body  string
		want  doc
	}{
		{"add label", doc{Labels: labels.Labels{"a": "1"}}, `[{"op":"add","path":"/labels/b","value":"2"}]`, doc{Labels: labels.Labels{"a": "1", "b": "2"}}},
		{"add label overwrites", doc{Labels: labels.Labels{"a": "1"}}, `[{"op":"add","path":"/labels/a","value":"2"}]`, doc{Labels: labels.Labels{"a": "2"}}},
		{"add label into nil labels", doc{}, `[{"op":"add","path":"/labels/a","value":"1"}]`, doc{Labels: labels.Labels{"a": "1"}}},
		{"replace label", doc{Labels: labels.Labels{"a": "1"}}, `[{"op":"replace","path":"/labels/a","value":"2"}]`, doc{Labels: labels.Labels{"a": "2"}}},
		{"remove label", doc{Labels: labels.Labels{"a": "1", "b": "2"}}, `[{"op":"remove","path":"/labels/a"}]`, doc{Labels: labels.Labels{"b": "2"}}},
		{"label values use the Labels text", doc{}, `[{"op":"add","path":"/labels/a","value":2.50},{"op":"add","path":"/labels/b","value":true}]`, doc{Labels: labels.Labels{"a": "2.5", "b": "true"}}},
		{"plain map values coerced", doc{}, `[{"op":"add","path":"/reasons/api","value":1}]`, doc{Reasons: map[string]string{"api": "1"}}},
		{"list append", doc{Tags: []string{"a"}}, `[{"op":"add","path":"/tags/-","value":"b"}]`, doc{Tags: []string{"a", "b"}}},
		{"list insert", doc{Tags: []string{"a", "c"}}, `[{"op":"add","path":"/tags/1","value":"b"}]`, doc{Tags: []string{"a", "b", "c"}}},
		{"list insert at end", doc{Tags: []string{"a"}}, `[{"op":"add","path":"/tags/1","value":"b"}]`, doc{Tags: []string{"a", "b"}}},
		{"list append into nil", doc{}, `[{"op":"add","path":"/tags/-","value":"a"}]`, doc{Tags: []string{"a"}}},
		{"list replace", doc{Tags: []string{"a", "b"}}, `[{"op":"replace","path":"/tags/1","value":"x"}]`, doc{Tags: []string{"a", "x"}}},
		{"list remove", doc{Tags: []string{"a", "b", "c"}}, `[{"op":"remove","path":"/tags/1"}]`, doc{Tags: []string{"a", "c"}}},
		{"struct member replace", doc{Taints: []taint{{Key: "k", Effect: "NoSchedule"}}}, `[{"op":"replace","path":"/taints/0/effect","value":"NoExecute"}]`, doc{Taints: []taint{{Key: "k", Effect: "NoExecute"}}}},
		{"struct member omitted by omitempty exists", doc{Taints: []taint{{Key: "k"}}}, `[{"op":"replace","path":"/taints/0/value","value":"v"}]`, doc{Taints: []taint{{Key: "k", Value: "v"}}}},
		{"struct member remove", doc{Taints: []taint{{Key: "k", Value: "v"}}}, `[{"op":"remove","path":"/taints/0/value"}]`, doc{Taints: []taint{{Key: "k"}}}},
		{"append struct", doc{}, `[{"op":"add","path":"/taints/-","value":{"key":"k","effect":"NoSchedule"}}]`, doc{Taints: []taint{{Key: "k", Effect: "NoSchedule"}}}},
		{"below an interface", doc{Extra: map[string]any{"a": map[string]any{}}}, `[{"op":"add","path":"/extra/a/b","value":1}]`, doc{Extra: map[string]any{"a": map[string]any{"b": 1.0}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.start
			_, err := Apply(&d, ops(t, tt.body), Rules{})
			require.NoError(t, err)
			assert.Equal(t, tt.want, d)
		})
	}
}

func TestApplyNestedFailures(t *testing.T) {
	tests := []struct {
		name   string
		start  doc
		body   string
		field  string
		reason string
	}{
		{"replace missing label", doc{Labels: labels.Labels{}}, `[{"op":"replace","path":"/labels/a","value":"1"}]`, "/labels/a", `/labels has no member "a"`},
		{"remove missing label", doc{Labels: labels.Labels{"b": "1"}}, `[{"op":"remove","path":"/labels/a"}]`, "/labels/a", `no member "a"`},
		{"replace into nil labels", doc{}, `[{"op":"replace","path":"/labels/a","value":"1"}]`, "/labels/a", "/labels is null"},
		{"index out of range", doc{Tags: []string{"a"}}, `[{"op":"replace","path":"/tags/1","value":"x"}]`, "/tags/1", "out of range"},
		{"insert beyond end", doc{Tags: []string{"a"}}, `[{"op":"add","path":"/tags/2","value":"x"}]`, "/tags/2", "out of range"},
		{"remove from empty list", doc{}, `[{"op":"remove","path":"/tags/0"}]`, "/tags/0", "/tags is null"},
		{"deep into nil", doc{}, `[{"op":"add","path":"/taints/0/key","value":"k"}]`, "/taints/0/key", "/taints is null"},
		{"below an interface scalar", doc{Extra: "text"}, `[{"op":"add","path":"/extra/a","value":1}]`, "/extra/a", "/extra has no members"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.start
			_, err := Apply(&d, ops(t, tt.body), Rules{})
			require.Error(t, err)
			assert.ErrorIs(t, err, errdefs.ErrInvalid)
			var e *errdefs.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tt.field, e.Field)
			assert.Contains(t, e.Reason, tt.reason)
			assert.Equal(t, tt.start, d, "nothing applied")
		})
	}
}

func TestApplyCoercion(t *testing.T) {
	tests := []struct {
		path, value string
		want        doc
	}{
		{"/enabled", `"true"`, doc{Enabled: true}},
		{"/enabled", `"True"`, doc{Enabled: true}},
		{"/enabled", `" yes "`, doc{Enabled: true}},
		{"/enabled", `"on"`, doc{Enabled: true}},
		{"/enabled", `1`, doc{Enabled: true}},
		{"/maybe", `"False"`, doc{Maybe: ptr(false)}},
		{"/maybe", `"0"`, doc{Maybe: ptr(false)}},
		{"/count", `"3"`, doc{Count: 3}},
		{"/count", `" -3 "`, doc{Count: -3}},
		{"/count", `3.0`, doc{Count: 3}},
		{"/count", `1e3`, doc{Count: 1000}},
		{"/count", `"2e1"`, doc{Count: 20}},
		{"/max", `"7"`, doc{Max: ptr(7)}},
		{"/size", `"9"`, doc{Size: 9}},
		{"/small", `-128`, doc{Small: -128}},
		{"/ratio", `"0.25"`, doc{Ratio: 0.25}},
		{"/ratio", `2`, doc{Ratio: 2}},
		{"/name", `3`, doc{Name: "3"}},
		{"/name", `1.50`, doc{Name: "1.50"}},
		{"/name", `true`, doc{Name: "true"}},
		{"/tags", `[1, "a", false]`, doc{Tags: []string{"1", "a", "false"}}},
		{"/reasons", `{"api": "ok", "n": 2}`, doc{Reasons: map[string]string{"api": "ok", "n": "2"}}},
		{"/labels", `{"a": 1e3, "b": true}`, doc{Labels: labels.Labels{"a": "1000", "b": "true"}}},
		{"/taints", `[{"key": "k", "effect": "NoSchedule", "value": 5}]`, doc{Taints: []taint{{Key: "k", Value: "5", Effect: "NoSchedule"}}}},
		{"/tags", `null`, doc{}},
	}
	for _, tt := range tests {
		t.Run(tt.path+"="+tt.value, func(t *testing.T) {
			var d doc
			_, err := Apply(&d, []Op{{Op: OpReplace, Path: tt.path, Value: json.RawMessage(tt.value)}}, Rules{})
			require.NoError(t, err)
			assert.Equal(t, tt.want, d)
		})
	}
}

func TestApplyCoercionRejects(t *testing.T) {
	tests := []struct {
		path, value, reason string
	}{
		{"/enabled", `"maybe"`, "must be a boolean"},
		{"/enabled", `2`, "must be a boolean"},
		{"/enabled", `{}`, "must be a boolean"},
		{"/count", `"three"`, "must be an integer"},
		{"/count", `3.5`, "must be an integer"},
		{"/count", `true`, "must be an integer"},
		{"/count", `1e30`, "must be an integer"},
		{"/small", `128`, "out of range"},
		{"/size", `-1`, "non-negative integer"},
		{"/ratio", `"NaN"`, "finite number"},
		{"/ratio", `"Inf"`, "finite number"},
		{"/ratio", `1e400`, "finite number"},
		{"/name", `{"a": 1}`, "must be a string"},
		{"/name", `[]`, "must be a string"},
		{"/tags", `"a,b"`, "must be a list"},
		{"/tags", `[[1]]`, "item 0: must be a string"},
		{"/reasons", `[]`, "must be an object"},
		{"/reasons", `{"a": {}}`, `member "a": must be a string`},
		{"/taints", `[{"key": "k", "colour": "red"}]`, `unknown member "colour"`},
		{"/labels", `{"a": {"b": 1}}`, `label "a"`},
		{"/labels", `{"a": null}`, `label "a"`},
		{"/labels", `["a"]`, "labels must be an object"},
		{"/when", `"yesterday"`, "bad value"},
		{"/labels/a", `{"b": 1}`, `label "m"`},
	}
	for _, tt := range tests {
		t.Run(tt.path+"="+tt.value, func(t *testing.T) {
			var d doc
			_, err := Apply(&d, []Op{{Op: OpReplace, Path: tt.path, Value: json.RawMessage(tt.value)}}, Rules{})
			require.Error(t, err)
			assert.ErrorIs(t, err, errdefs.ErrInvalid)
			var e *errdefs.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tt.path, e.Field)
			assert.Contains(t, e.Error(), tt.reason)
		})
	}
}

func TestApplyStringDicts(t *testing.T) {
	rules := Rules{StringDicts: []string{"/labels", "/reasons", "/taints"}}
	d := doc{Labels: labels.Labels{"old": "1"}}
	_, err := Apply(&d, ops(t, `[
		{"op":"replace","path":"/labels","value":"{'kube_tag': 'v1.30.1', 'auto_healing_enabled': True}"},
		{"op":"replace","path":"/reasons","value":"{\"api\": \"ok\", \"node-0.Ready\": True}"},
		{"op":"replace","path":"/taints","value":"[{'key': 'gpu', 'effect': 'NoSchedule'}]"}
	]`), rules)
	require.NoError(t, err)
	assert.Equal(t, labels.Labels{"kube_tag": "v1.30.1", "auto_healing_enabled": "true"}, d.Labels)
	assert.Equal(t, map[string]string{"api": "ok", "node-0.Ready": "true"}, d.Reasons)
	assert.Equal(t, []taint{{Key: "gpu", Effect: "NoSchedule"}}, d.Taints)

	_, err = Apply(&d, ops(t, `[{"op":"replace","path":"/labels","value":"a=b"}]`), rules)
	require.Error(t, err)
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
	assert.Contains(t, err.Error(), "the string is not a dict or list")

	// Without the rule a string is not a dict.
	_, err = Apply(&d, ops(t, `[{"op":"replace","path":"/reasons","value":"{}"}]`), Rules{})
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
}

func TestApplyRules(t *testing.T) {
	rules := Rules{
		Resource:       "widget",
		Internal:       []string{"/when", "/id"},
		NonRemovable:   []string{"/name"},
		Allowed:        []string{"/count", "/labels"},
		RemoveDefaults: map[string]any{"/count": 1},
	}
	start := doc{Name: "n", Count: 5, Labels: labels.Labels{"a": "1"}}

	t.Run("allowed changes", func(t *testing.T) {
		d := start
		changed, err := Apply(&d, ops(t, `[{"op":"remove","path":"/count"},{"op":"add","path":"/labels/b","value":"2"}]`), rules)
		require.NoError(t, err)
		assert.Equal(t, []string{"count", "labels"}, changed)
		assert.Equal(t, 1, d.Count, "remove resets to the rules' default")
	})
	t.Run("unchanged value outside Allowed is fine", func(t *testing.T) {
		d := start
		changed, err := Apply(&d, ops(t, `[{"op":"replace","path":"/name","value":"n"}]`), rules)
		require.NoError(t, err)
		assert.Empty(t, changed)
	})
	t.Run("changes outside Allowed are all reported", func(t *testing.T) {
		d := start
		_, err := Apply(&d, ops(t, `[{"op":"replace","path":"/name","value":"m"},{"op":"replace","path":"/count","value":2},{"op":"replace","path":"/tags","value":["x"]}]`), rules)
		require.Error(t, err)
		probs := errdefs.Problems(err)
		require.Len(t, probs, 2)
		assert.Equal(t, "/name", probs[0].Field)
		assert.Equal(t, "cannot change widget property name (only count, labels may change)", probs[0].Reason)
		assert.Equal(t, "/tags", probs[1].Field)
		assert.Equal(t, start, d, "nothing applied, not even the allowed change")
	})
	t.Run("static problems are all reported", func(t *testing.T) {
		d := start
		_, err := Apply(&d, ops(t, `[
			{"op":"replace","path":"/when","value":"2024-01-01T00:00:00Z"},
			{"op":"replace","path":"/id","value":"x"},
			{"op":"remove","path":"/name"},
			{"op":"replace","path":"/name","value":null},
			{"op":"replace","path":"/nope","value":1},
			{"op":"replace","path":"/count","value":"many"},
			{"op":"add","path":"/name/x","value":1},
			{"op":"add","path":"/taints/x","value":1},
			{"op":"add","path":"/taints/0/colour","value":1},
			{"op":"add","path":"/tags/0/x","value":1},
			{"op":"replace","path":"/tags/-","value":"a"}
		]`), rules)
		require.Error(t, err)
		var got [][2]string
		for _, p := range errdefs.Problems(err) {
			assert.ErrorIs(t, p, errdefs.ErrInvalid)
			got = append(got, [2]string{p.Field, p.Reason})
		}
		assert.Equal(t, [][2]string{
			{"/when", "/when is an internal attribute and cannot be changed"},
			{"/id", "/id is an internal attribute and cannot be changed"},
			{"/name", "/name cannot be removed"},
			{"/name", "/name cannot be set to null"},
			{"/nope", "unknown attribute /nope"},
			{"/count", "bad value"},
			{"/name/x", "/name has no members"},
			{"/taints/x", `"x" is not a list index of /taints`},
			{"/taints/0/colour", `/taints/0 has no member "colour"`},
			{"/tags/0/x", "/tags/0 has no members"},
			{"/tags/-", `"-" is only for adding at the end of a list`},
		}, got)
		assert.Equal(t, start, d)
	})
	t.Run("internal applies at any depth", func(t *testing.T) {
		d := doc{}
		_, err := Apply(&d, ops(t, `[{"op":"add","path":"/id/x","value":1}]`), rules)
		assert.ErrorIs(t, err, errdefs.ErrInvalid)
	})
	t.Run("empty Allowed allows nothing", func(t *testing.T) {
		d := start
		_, err := Apply(&d, ops(t, `[{"op":"replace","path":"/count","value":2}]`), Rules{Allowed: []string{}})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "cannot change resource property count (only nothing may change)")
	})
	t.Run("bad remove default", func(t *testing.T) {
		d := start
		_, err := Apply(&d, ops(t, `[{"op":"remove","path":"/count"}]`), Rules{RemoveDefaults: map[string]any{"/count": "x"}})
		assert.ErrorIs(t, err, errdefs.ErrInvalid)
	})
}

func TestApplyRunFailureLeavesDocument(t *testing.T) {
	d := doc{Name: "a", Labels: labels.Labels{"a": "1"}}
	before := d
	_, err := Apply(&d, ops(t, `[
		{"op":"replace","path":"/name","value":"b"},
		{"op":"remove","path":"/labels/a"},
		{"op":"add","path":"/name","value":"c"}
	]`), Rules{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "/name already has a value; use replace")
	assert.Equal(t, before, d)
	assert.Equal(t, labels.Labels{"a": "1"}, d.Labels, "the labels map was not modified in place")
}

func TestApplyDoesNotAliasTheOldValue(t *testing.T) {
	orig := labels.Labels{"a": "1"}
	d := doc{Labels: orig}
	_, err := Apply(&d, ops(t, `[{"op":"add","path":"/labels/b","value":"2"}]`), Rules{})
	require.NoError(t, err)
	assert.Equal(t, labels.Labels{"a": "1"}, orig, "the caller's old map is untouched")
	assert.Equal(t, labels.Labels{"a": "1", "b": "2"}, d.Labels)
}

func TestApplyEmptyPatch(t *testing.T) {
	d := doc{Name: "a"}
	changed, err := Apply(&d, nil, Rules{})
	require.NoError(t, err)
	assert.Empty(t, changed)
	assert.Equal(t, doc{Name: "a"}, d)
}

func TestApplyBadTarget(t *testing.T) {
	_, err := Apply[doc](nil, nil, Rules{})
	assert.ErrorIs(t, err, errdefs.ErrInvalid)

	n := 3
	_, err = Apply(&n, ops(t, `[{"op":"replace","path":"/a","value":1}]`), Rules{})
	assert.ErrorIs(t, err, errdefs.ErrUnsupported)
}
