package labels

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/errdefs"
)

type obj = map[string]any
type list = []any

func TestParseLiteral(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want any
	}{
		{"json object", `{"a": "b", "n": 1.50, "t": true, "z": null}`, obj{"a": "b", "n": json.Number("1.50"), "t": true, "z": nil}},
		{"json escapes", `"a\/b\u00e9\ud83d\ude00"`, "a/bé😀"},
		{"python dict", `{'a': 'b', "c": u'd'}`, obj{"a": "b", "c": "d"}},
		{"python names", `[True, False, None, true, false, null]`, list{true, false, nil, true, false, nil}},
		{"trailing commas", `{'a': [1, 2,],}`, obj{"a": list{json.Number("1"), json.Number("2")}}},
		{"empty containers", `{'a': {}, 'b': []}`, obj{"a": obj{}, "b": list{}}},
		{"node taints", `[{'key': 'dedicated', 'value': 'gpu', 'effect': 'NoSchedule'}]`,
			list{obj{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}}},
		{"whitespace", " \t{ 'a' :\n 'b' } \n", obj{"a": "b"}},
		{"duplicate key keeps the last", `{'a': 1, 'a': 2}`, obj{"a": json.Number("2")}},
		{"escapes", `'it\'s \"q\" \\ \n\t\x41\101\u00e9\U0001F600\0'`, "it's \"q\" \\ \n\tAAé😀\x00"},
		{"unknown escape kept", `'C:\dir\q'`, `C:\dir\q`},
		{"line continuation", "'a\\\nb'", "ab"},
		{"lone surrogate", `'\ud800'`, "\uFFFD"},
		{"adjacent strings", `'a' "b" u'c'`, "abc"},
		{"raw unicode", `'héllo'`, "héllo"},
		{"int", `-42`, json.Number("-42")},
		{"plus sign", `+7`, json.Number("7")},
		{"underscores", `1_000_000`, json.Number("1000000")},
		{"float forms", `[5., .5, -.5e3, 1.5E-2, 00.1, 0]`, list{json.Number("5"), json.Number("0.5"), json.Number("-0.5e3"), json.Number("1.5e-2"), json.Number("0.1"), json.Number("0")}},
		{"prefixed ints", `[0x1F, 0o17, 0b101, -0X_ff]`, list{json.Number("31"), json.Number("15"), json.Number("5"), json.Number("-255")}},
		{"huge int keeps digits", `123456789012345678901234567890`, json.Number("123456789012345678901234567890")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseLiteral(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			_, err = json.Marshal(got)
			assert.NoError(t, err, "the result marshals to JSON")
		})
	}
}

func TestParseLiteralRejects(t *testing.T) {
	tests := []struct {
		name, in, reason string
	}{
		{"empty", ``, "end of input"},
		{"unknown name", `{'a': os}`, `unknown name "os"`},
		{"call", `__import__('os')`, "unknown name"},
		{"set", `{'a', 'b'}`, "expected ':'"},
		{"tuple", `('a',)`, "unexpected"},
		{"int key", `{1: 'a'}`, "keys must be strings"},
		{"bytes", `b'x'`, "unknown name"},
		{"complex", `1j`, "malformed number"},
		{"leading zero int", `017`, "leading zeros"},
		{"double underscore", `1__0`, "malformed number"},
		{"bad prefixed", `0x`, "malformed number"},
		{"unterminated", `'abc`, "unterminated"},
		{"newline in string", "'a\nb'", "line break"},
		{"bad hex escape", `'\xZZ'`, "bad hex digit"},
		{"truncated escape", `'\u12'`, "truncated"},
		{"named escape", `'\N{DASH}'`, "not supported"},
		{"beyond unicode", `'\U00110000'`, "beyond Unicode"},
		{"trailing garbage", `{'a': 1} x`, "after the value"},
		{"missing comma", `[1 2]`, "expected ','"},
		{"lonely comma", `[,]`, "unexpected"},
		{"missing value", `{'a': }`, "unexpected"},
		{"invalid utf-8", "'\xff'", "UTF-8"},
		{"too deep json", strings.Repeat("[", maxLiteralDepth+1) + strings.Repeat("]", maxLiteralDepth+1), "deeper than"},
		{"too deep python", strings.Repeat("[", maxLiteralDepth+1) + "1," + strings.Repeat("]", maxLiteralDepth+1), "deeper than"},
		{"long prefixed int", "0x" + strings.Repeat("f", maxPrefixedIntLength), "longer than"},
		{"sign alone", `-`, "malformed number"},
		{"dot alone", `.`, "malformed number"},
		{"exponent without digits", `1e`, "malformed number"},
		{"number then dot", `1.2.3`, "malformed number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseLiteral(tt.in)
			require.Error(t, err)
			assert.ErrorIs(t, err, errdefs.ErrInvalid)
			assert.Contains(t, err.Error(), tt.reason)
		})
	}
}

func TestParseLiteralDepthLimitIsInclusive(t *testing.T) {
	jsonForm := strings.Repeat("[", maxLiteralDepth) + strings.Repeat("]", maxLiteralDepth)
	_, err := ParseLiteral(jsonForm)
	assert.NoError(t, err)
	// The trailing comma makes it Python, not JSON.
	pyForm := strings.Repeat("[", maxLiteralDepth) + "1," + strings.Repeat("]", maxLiteralDepth)
	_, err = ParseLiteral(pyForm)
	assert.NoError(t, err)
}

func TestParseDictString(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Labels
	}{
		{"json", `{"kube_tag": "v1.30.1", "n": 3}`, Labels{"kube_tag": "v1.30.1", "n": "3"}},
		{"python", `{'kube_tag': 'v1.30.1', 'auto_healing_enabled': True, 'ratio': 0.5}`, Labels{"kube_tag": "v1.30.1", "auto_healing_enabled": "true", "ratio": "0.5"}},
		{"python py2 repr", `{u'a': u'b'}`, Labels{"a": "b"}},
		{"float like json", `{'e': 1e3}`, Labels{"e": "1000"}},
		{"empty", `{}`, Labels{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDictString(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseDictStringRejects(t *testing.T) {
	tests := []struct {
		name, in, reason string
	}{
		{"list", `['a']`, "must be a dict, not a list"},
		{"string", `'a=b'`, "must be a dict, not a string"},
		{"null", `None`, "must be a dict, not null"},
		{"nested", `{'a': {'b': 'c'}}`, "not an object"},
		{"none value", `{'a': None}`, "not null"},
		{"syntax", `{'a': 'b'`, "end of input"},
		{"out of range", `{'a': 1e400}`, "out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseDictString(tt.in)
			require.Error(t, err)
			assert.ErrorIs(t, err, errdefs.ErrInvalid)
			assert.Contains(t, err.Error(), tt.reason)
		})
	}
}
