package labelcheck_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/gomagnum/magnum/internal/labelcheck"
	"github.com/gomagnum/magnum/labels"
)

func TestChecks(t *testing.T) {
	long := strings.Repeat("x", 50)
	tests := []struct {
		name  string
		check func(string) error
		value string
		want  string // "" accepts
	}{
		{"one of: allowed", labelcheck.OneOf("a", "b"), "b", ""},
		{"one of: other", labelcheck.OneOf("a", "b"), "c", `"c" is not allowed`},
		{"one of: quotes at most 40 bytes", labelcheck.OneOf("a"), long, `"` + long[:40] + `…" is not allowed`},
		{"int range: inside", labelcheck.IntRange(1, 5), "5", ""},
		{"int range: above", labelcheck.IntRange(1, 5), "6", "6 is out of range [1, 5]"},
		{"int range: below", labelcheck.IntRange(1, 5), "-1", "-1 is out of range [1, 5]"},
		{"int range: not a number", labelcheck.IntRange(1, 5), "2.5", `"2.5" is not a whole number`},
		{"bool: true", labelcheck.Bool, "true", ""},
		{"bool: 0", labelcheck.Bool, "0", ""},
		{"bool: yes", labelcheck.Bool, "yes", `"yes" is not a boolean`},
		{"cidr: ok", labelcheck.IPv4CIDR, "10.100.0.0/16", ""},
		{"cidr: /30", labelcheck.IPv4CIDR, "10.0.0.0/30", ""},
		{"cidr: /31", labelcheck.IPv4CIDR, "10.0.0.0/31", "10.0.0.0/31 is too small"},
		{"cidr: host bits", labelcheck.IPv4CIDR, "10.0.0.1/24", "10.0.0.1/24 has host bits set (the network is 10.0.0.0/24)"},
		{"cidr: ipv6", labelcheck.IPv4CIDR, "fd00::/64", `"fd00::/64" is not an IPv4 CIDR`},
		{"cidr: junk", labelcheck.IPv4CIDR, "x", `"x" is not an IPv4 CIDR`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.check(tt.value)
			if tt.want == "" {
				assert.NoError(t, err)
			} else {
				assert.EqualError(t, err, tt.want)
			}
		})
	}
}

func ExampleIntRange() {
	check := labelcheck.IntRange(1, 7)
	fmt.Println(check("9"))
	// Output: 9 is out of range [1, 7]
}

func TestUnknown(t *testing.T) {
	known := func(name string) bool { return name == "kube_tag" || name == "availability_zone" }
	assert.Equal(t, []string{"a_label", "zebra"}, labelcheck.Unknown(labels.Labels{"zebra": "1", "kube_tag": "v1", "a_label": ""}, known))
	assert.Nil(t, labelcheck.Unknown(labels.Labels{"kube_tag": "v1"}, known))
	assert.Nil(t, labelcheck.Unknown(nil, known))
}
