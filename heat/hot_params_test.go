package heat

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParameterConvert(t *testing.T) {
	tests := []struct {
		typ     string
		in      any
		want    any
		wantErr string
	}{
		{"string", "x", "x", ""},
		{"string", 3, "3", ""},
		{"string", 2.5, "2.5", ""},
		{"string", true, "true", ""},
		{"string", []any{"x"}, nil, "parameter p is a string, got a list"},
		{"number", 3, 3, ""},
		{"number", 3.0, 3, ""},
		{"number", 3.25, 3.25, ""},
		{"number", " 7 ", 7, ""},
		{"number", "1e3", 1000, ""},
		{"number", json.Number("12"), 12, ""},
		{"number", "NaN", nil, "parameter p is a number, got a string"},
		{"number", "seven", nil, "is a number, got a string"},
		{"number", true, nil, "is a number, got a boolean"},
		{"boolean", true, true, ""},
		{"boolean", "Yes", true, ""},
		{"boolean", "off", false, ""},
		{"boolean", "0", false, ""},
		{"boolean", 1, true, ""},
		{"boolean", 2, nil, "is a boolean, got a number"},
		{"boolean", "maybe", nil, "is a boolean, got a string"},
		{"comma_delimited_list", "a, b ,c", []string{"a", "b", "c"}, ""},
		{"comma_delimited_list", "", []string{}, ""},
		{"comma_delimited_list", []string{"a,b"}, []string{"a,b"}, ""},
		{"comma_delimited_list", []any{"a", 1, false}, []string{"a", "1", "false"}, ""},
		{"comma_delimited_list", []any{map[string]any{}}, nil, "item 0 is a map"},
		{"comma_delimited_list", 5, nil, "is a comma_delimited_list, got a number"},
		{"json", map[string]any{"a": 1}, map[string]any{"a": 1}, ""},
		{"json", `{"a": [1]}`, map[string]any{"a": []any{1.0}}, ""},
		{"json", map[string]string{"k": "v"}, map[string]any{"k": "v"}, ""},
		{"json", []int{1, 2}, []any{1.0, 2.0}, ""},
		{"json", `"just a string"`, nil, "is json (a map or a list), got a string"},
		{"json", `{`, nil, "got a string that is not JSON"},
		{"json", 3, nil, "is json (a map or a list), got a number"},
	}
	for _, tc := range tests {
		p := &Parameter{Name: "p", Type: tc.typ}
		got, err := p.Convert(tc.in)
		if tc.wantErr != "" {
			require.Error(t, err, "%s %v", tc.typ, tc.in)
			assert.Contains(t, err.Error(), tc.wantErr, "%s %v", tc.typ, tc.in)
			continue
		}
		require.NoError(t, err, "%s %v", tc.typ, tc.in)
		assert.Equal(t, tc.want, got, "%s %v", tc.typ, tc.in)
	}
}

func TestParameterConstraints(t *testing.T) {
	tpl, err := ParseTemplate("c.yaml", []byte(`
heat_template_version: rocky
parameters:
  count:
    type: number
    constraints:
      - range: {min: 1, max: 9}
      - modulo: {step: 2, offset: 1}
  name:
    type: string
    constraints:
      - length: {min: 2, max: 4}
      - allowed_pattern: "[a-z]+"
        description: lower-case letters only
  short:
    type: string
    constraints:
      - length: {max: 2}
  policy:
    type: string
    constraints:
      - allowed_values: [affinity, anti-affinity]
  port:
    type: number
    constraints:
      - allowed_values: [80, "443"]
  zones:
    type: comma_delimited_list
    constraints:
      - allowed_values: [a, b]
      - length: {max: 2}
  flavor:
    type: string
    constraints:
      - custom_constraint: nova.flavor
  offset:
    type: number
    constraints:
      - modulo: {step: 3, offset: 2}
`))
	require.NoError(t, err)
	tests := []struct {
		param   string
		value   any
		wantErr string
	}{
		{"count", 3, ""},
		{"count", "9", ""},
		{"count", 4, "parameter count must be 1 modulo 2"},
		{"count", 11, "parameter count must be in [1, 9]"},
		{"name", "abc", ""},
		{"name", "ab1", "parameter name: lower-case letters only"},
		{"name", "abcde", "parameter name must have a length in [2, 4]"},
		{"short", "éé", ""}, // two characters, four bytes
		{"short", "ééé", "must have a length in [-inf, 2]"},
		{"policy", "affinity", ""},
		{"policy", "spread", "must be one of the allowed values"},
		{"port", "443", ""},
		{"port", 80, ""},
		{"port", 8080, "must be one of the allowed values"},
		{"zones", "a,b", ""},
		{"zones", "a,c", "must be one of the allowed values"},
		{"zones", []string{"a", "a", "b"}, "must have a length in [-inf, 2]"},
		{"flavor", "anything", ""},
		{"offset", -1, ""}, // Python: -1 % 3 == 2
		{"offset", 5, ""},
		{"offset", 4, "must be 2 modulo 3"},
	}
	for _, tc := range tests {
		_, err := tpl.Parameters[tc.param].Validate(tc.value)
		if tc.wantErr == "" {
			assert.NoError(t, err, "%s=%v", tc.param, tc.value)
			continue
		}
		if assert.Error(t, err, "%s=%v", tc.param, tc.value) {
			assert.Contains(t, err.Error(), tc.wantErr)
		}
	}
}
