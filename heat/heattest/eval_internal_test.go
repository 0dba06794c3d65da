package heattest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/heat"
)

func TestFunctions(t *testing.T) {
	in := &instance{
		params: map[string]any{"n": 3, "list": []any{"a", "b"}, "cfg": map[string]any{"k": []any{10, 20}}, "flag": true, "word": "hi"},
		cond:   map[string]bool{"yes": true, "no": false},
		res:    map[string]*resource{},
	}
	ev := &evaluator{inst: in, files: map[string]string{"boot.sh": "#!/bin/sh\n"}}
	cases := []struct {
		name string
		expr any
		want any
		err  string
	}{
		{"get_param", map[string]any{"get_param": "n"}, 3, ""},
		{"get_param path", map[string]any{"get_param": []any{"cfg", "k", 1}}, 20, ""},
		{"get_param index by string", map[string]any{"get_param": []any{"list", "1"}}, "b", ""},
		{"get_param undeclared", map[string]any{"get_param": "nope"}, nil, "The Parameter (nope) was not provided."},
		{"get_param path out of range", map[string]any{"get_param": []any{"list", 5}}, nil, "out of range"},
		{"get_file", map[string]any{"get_file": "boot.sh"}, "#!/bin/sh\n", ""},
		{"get_file missing", map[string]any{"get_file": "x.sh"}, nil, "Could not fetch"},
		{"list_join", map[string]any{"list_join": []any{"-", []any{"a", "b"}, []any{"c"}}}, "a-b-c", ""},
		{"list_join of maps", map[string]any{"list_join": []any{";", []any{map[string]any{"b": 1, "a": "é"}}}}, `{"a": "\u00e9", "b": 1}`, ""},
		{"list_join refuses numbers", map[string]any{"list_join": []any{",", []any{1}}}, nil, "Items to join must be string, map or list not 1"},
		{"str_replace longest key first", map[string]any{"str_replace": map[string]any{"template": "$A $AB", "params": map[string]any{"$A": "x", "$AB": "y"}}}, "x y", ""},
		{"str_replace with numbers and maps", map[string]any{"str_replace": map[string]any{"template": "n=N m=M", "params": map[string]any{"N": 2.5, "M": map[string]any{"k": true}}}}, `n=2.5 m={"k": true}`, ""},
		{"str_replace_strict missing key", map[string]any{"str_replace_strict": map[string]any{"template": "abc", "params": map[string]any{"x": "y"}}}, nil, "not found"},
		{"str_replace_vstrict empty value", map[string]any{"str_replace_vstrict": map[string]any{"template": "abc", "params": map[string]any{"a": ""}}}, nil, "empty"},
		{"str_split", map[string]any{"str_split": []any{",", "a,b,c"}}, []any{"a", "b", "c"}, ""},
		{"str_split index", map[string]any{"str_split": []any{",", "a,b,c", 2}}, "c", ""},
		{"repeat permutations", map[string]any{"repeat": map[string]any{"for_each": map[string]any{"%a%": []any{"1", "2"}, "%b%": []any{"x"}}, "template": "%a%%b%"}}, []any{"1x", "2x"}, ""},
		{"repeat without permutations", map[string]any{"repeat": map[string]any{"for_each": map[string]any{"%a%": []any{"1", "2"}, "%b%": []any{"x", "y"}}, "template": map[string]any{"k": "%a%-%b%"}, "permutations": false}},
			[]any{map[string]any{"k": "1-x"}, map[string]any{"k": "2-y"}}, ""},
		{"repeat refuses numbers", map[string]any{"repeat": map[string]any{"for_each": map[string]any{"%a%": []any{1}}, "template": "p%a%"}}, nil, "must be str, not int"},
		{"map_merge", map[string]any{"map_merge": []any{map[string]any{"a": 1}, map[string]any{"a": 2, "b": 3}}}, map[string]any{"a": 2, "b": 3}, ""},
		{"map_replace", map[string]any{"map_replace": []any{map[string]any{"a": "x"}, map[string]any{"keys": map[string]any{"a": "A"}, "values": map[string]any{"x": "X"}}}}, map[string]any{"A": "X"}, ""},
		{"list_concat", map[string]any{"list_concat": []any{[]any{1}, []any{1, 2}}}, []any{1, 1, 2}, ""},
		{"list_concat_unique", map[string]any{"list_concat_unique": []any{[]any{1}, []any{1, 2}}}, []any{1, 2}, ""},
		{"contains", map[string]any{"if": []any{map[string]any{"contains": []any{"b", map[string]any{"get_param": "list"}}}, "in", "out"}}, "in", ""},
		{"digest md5", map[string]any{"digest": []any{"md5", "hello"}}, "5d41402abc4b2a76b9719d911017c592", ""},
		{"digest unknown", map[string]any{"digest": []any{"crc", "x"}}, nil, "unknown algorithm"},
		{"filter", map[string]any{"filter": []any{[]any{nil}, []any{1, nil, 2}}}, []any{1, 2}, ""},
		{"make_url ipv6", map[string]any{"make_url": map[string]any{"scheme": "https", "host": "fd00::1", "port": 6443, "path": "v1"}}, "https://[fd00::1]:6443/v1", ""},
		{"if with condition name", map[string]any{"if": []any{"no", "a", "b"}}, "b", ""},
		{"if with equals", map[string]any{"if": []any{map[string]any{"equals": []any{map[string]any{"get_param": "n"}, 3.0}}, "three", "other"}}, "three", ""},
		{"and/or/not", map[string]any{"if": []any{map[string]any{"and": []any{"yes", map[string]any{"not": "no"}, map[string]any{"or": []any{"no", map[string]any{"get_param": "flag"}}}}}, 1, 0}}, 1, ""},
		{"unknown condition", map[string]any{"if": []any{"maybe", 1, 0}}, nil, "Invalid condition"},
		{"nested values", map[string]any{"a": []any{map[string]any{"get_param": "word"}, "lit"}}, map[string]any{"a": []any{"hi", "lit"}}, ""},
		{"get_resource unknown", map[string]any{"get_resource": "ghost"}, nil, "is incorrect"},
		{"yaql is not simulated", map[string]any{"yaql": map[string]any{"expression": "1"}}, nil, "not supported"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ev.eval(tc.expr)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestPyJSON(t *testing.T) {
	cases := []struct {
		in   any
		want string
	}{
		{map[string]any{"b": []any{1, 2.5, nil, true}, "a": "x"}, `{"a": "x", "b": [1, 2.5, null, true]}`},
		{"quote \" backslash \\ newline \n tab \t", `"quote \" backslash \\ newline \n tab \t"`},
		{"é 😀 \x7f </script>", `"\u00e9 \ud83d\ude00 \u007f </script>"`},
		{[]string{"a", "b"}, `["a", "b"]`},
		{float64(3), `3`},
		{[]any{}, `[]`},
		{map[string]any{}, `{}`},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, pyJSON(tc.in))
	}
}

func TestAllocator(t *testing.T) {
	a, err := newAllocator("192.168.1.0/29")
	require.NoError(t, err)
	assert.Equal(t, "192.168.1.1", a.gateway())
	var got []string
	for range 5 {
		got = append(got, a.take())
	}
	assert.Equal(t, []string{"192.168.1.3", "192.168.1.4", "192.168.1.5", "192.168.1.6", "192.168.1.3"}, got, "wraps before the broadcast address")
	_, err = newAllocator("fd00::/64")
	assert.Error(t, err)
	_, err = newAllocator("10.0.0.0/30")
	assert.Error(t, err)
	b, err := newAllocator("10.1.2.77/24")
	require.NoError(t, err)
	assert.Equal(t, "10.1.2.3", b.take(), "the prefix is masked")
}

func TestDependencyOrder(t *testing.T) {
	rs := map[string]*heat.Resource{
		"c": {Properties: map[string]any{"x": map[string]any{"get_attr": []any{"b", "y"}}}},
		"b": {Properties: map[string]any{"x": map[string]any{"get_resource": "a"}}},
		"a": {},
		"d": {DependsOn: []string{"a"}},
	}
	order, err := dependencyOrder(rs)
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b", "d", "c"}, order)
	rs["a"].DependsOn = []string{"c"}
	_, err = dependencyOrder(rs)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Circular Dependency Found")
}
