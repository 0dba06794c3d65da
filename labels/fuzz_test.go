package labels

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pyRepr writes v as a Python literal with single-quoted strings, the way
// Python's repr does, to check that the parser reads Python's output.
func pyRepr(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case json.Number:
		return string(x)
	case string:
		r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`, "\r", `\r`)
		return "'" + r.Replace(x) + "'"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = pyRepr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = pyRepr(k) + ": " + pyRepr(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case Labels:
		m := make(map[string]any, len(x))
		for k, s := range x {
			m[k] = s
		}
		return pyRepr(m)
	default:
		panic(fmt.Sprintf("pyRepr: unexpected %T", v))
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "kube_tag=v1.30.1,flannel_backend=vxlan", "a=1;b=2", "no_proxy=a,b,c=d",
		"=x", "a", "a=1,a=2", `{"a": 1}`, `{'a': True}`, " a = b , ", "a=b=c,,",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := Parse(s)
		if err != nil {
			return
		}
		require.NotNil(t, l)
		for k, v := range l {
			if !strings.HasPrefix(strings.TrimSpace(s), "{") {
				assert.NotEmpty(t, k)
				assert.Equal(t, strings.TrimSpace(k), k)
				assert.Equal(t, strings.TrimSpace(v), v)
			}
		}
		// Any parse result survives both object forms unchanged.
		b, err := json.Marshal(l)
		require.NoError(t, err)
		again, err := Parse(string(b))
		require.NoError(t, err, "JSON form %s", b)
		assert.Equal(t, l, again)
		again, err = Parse(pyRepr(l))
		require.NoError(t, err, "Python form %s", pyRepr(l))
		assert.Equal(t, l, again)
	})
}

func FuzzParseDictString(f *testing.F) {
	for _, s := range []string{
		`{"a": "b"}`, `{'a': 'b', 'n': 1_0, 'f': .5e1, 't': True}`, `{u'a': u'\u00e9\x41'}`,
		`{'a': None}`, `{'a': [1]}`, `{}`, `{'a': 'b',}`, `{1: 2}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseDictString(s)
		if err != nil {
			return
		}
		require.NotNil(t, l)
		b, err := json.Marshal(l)
		require.NoError(t, err)
		var viaJSON Labels
		require.NoError(t, json.Unmarshal(b, &viaJSON))
		assert.Equal(t, l, viaJSON, "UnmarshalJSON agrees with ParseDictString")
		again, err := ParseDictString(pyRepr(l))
		require.NoError(t, err, "Python form %s", pyRepr(l))
		assert.Equal(t, l, again)
	})
}

func FuzzParseLiteral(f *testing.F) {
	for _, s := range []string{
		`[{'key': 'k', 'effect': 'NoSchedule'}]`, `{"a": [1, 2.5, true, null]}`, `'a' 'b'`,
		`0x_ff`, `-.5e-3`, `'\U0001F600\ud800'`, `[[[[]]]]`, `{'a': {'b': {}}}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseLiteral(s)
		if err != nil {
			return
		}
		b, err := json.Marshal(v)
		require.NoError(t, err, "the result marshals")
		again, err := ParseLiteral(string(b))
		require.NoError(t, err)
		assert.Equal(t, v, again, "JSON round trip of %q", s)
		again, err = ParseLiteral(pyRepr(v))
		require.NoError(t, err, "Python form %s", pyRepr(v))
		assert.Equal(t, v, again, "Python round trip of %q", s)
	})
}

func FuzzUnmarshalJSON(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, `{"a":1.5,"b":true}`, `null`, `{"a":{}}`, `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var l Labels
		if err := json.Unmarshal(b, &l); err != nil {
			return
		}
		out, err := json.Marshal(l)
		require.NoError(t, err)
		var again Labels
		require.NoError(t, json.Unmarshal(out, &again))
		assert.Equal(t, l, again)
	})
}
