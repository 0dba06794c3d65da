package labels

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/errdefs"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Labels
	}{
		{"blank", "  ", Labels{}},
		{"one", "kube_tag=v1.30.1", Labels{"kube_tag": "v1.30.1"}},
		{"two with comma", "kube_tag=v1.30.1,flannel_backend=vxlan", Labels{"kube_tag": "v1.30.1", "flannel_backend": "vxlan"}},
		{"semicolon", "a=1;b=2;c=3", Labels{"a": "1", "b": "2", "c": "3"}},
		{"spaces trimmed", " a = 1 , b=2 ", Labels{"a": "1", "b": "2"}},
		{"equals in value", "opts=--x=1", Labels{"opts": "--x=1"}},
		{"comma list continues the value", "no_proxy=10.0.0.1,.example.org,kube_tag=v1", Labels{"no_proxy": "10.0.0.1,.example.org", "kube_tag": "v1"}},
		{"continuation keeps its separator", "a=x;y,z", Labels{"a": "x;y,z"}},
		{"dotted continuation", "K1=V1,K22.2.2.2", Labels{"K1": "V1,K22.2.2.2"}},
		{"empty value", "a=", Labels{"a": ""}},
		{"trailing comma", "a=1,", Labels{"a": "1,"}},
		{"json object", `{"a": 1, "b": "x,y=z"}`, Labels{"a": "1", "b": "x,y=z"}},
		{"python dict", `{'auto_healing_enabled': True}`, Labels{"auto_healing_enabled": "true"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name, in, reason string
	}{
		{"no equals", "kube_tag", "KEY=VALUE"},
		{"leading comma", ",a=1", "KEY=VALUE"},
		{"empty name", "=v", "empty name"},
		{"empty name later", "a=1, =2", "empty name"},
		{"duplicate", "a=1,a=2", "given twice"},
		{"bad object", `{"a": [1]}`, "not a list"},
		{"invalid utf-8", "a=\xff", "UTF-8"},
		{"unterminated dict", `{'a': 'b'`, "end of input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.in)
			require.Error(t, err)
			assert.ErrorIs(t, err, errdefs.ErrInvalid)
			assert.Contains(t, err.Error(), tt.reason)
		})
	}
}

func TestParseArgs(t *testing.T) {
	got, err := ParseArgs([]string{"a=1,b=2", "c=x,y", `{"d": true}`})
	require.NoError(t, err)
	assert.Equal(t, Labels{"a": "1", "b": "2", "c": "x,y", "d": "true"}, got)

	got, err = ParseArgs(nil)
	require.NoError(t, err)
	assert.Equal(t, Labels{}, got)

	_, err = ParseArgs([]string{"a=1", "a=2"})
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
	assert.Contains(t, err.Error(), `"a" is given twice`)

	_, err = ParseArgs([]string{"a=1", "nope"})
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
}
