package heat

import (
	"encoding/json"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/errdefs"
)

// decodeJSON turns a JSON text into what Heat's outputs decode to.
func decodeJSON(t *testing.T, s string) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal([]byte(s), &v))
	return v
}

func TestFormatters(t *testing.T) {
	https := URL("https", 6443)
	tests := []struct {
		name    string
		format  Formatter
		raw     string // JSON
		want    any
		ok      bool
		wantErr string
	}{
		{"addresses list", AddressList, `["10.0.0.5", "10.0.0.6"]`, []string{"10.0.0.5", "10.0.0.6"}, true, ""},
		{"addresses with nulls (members without one)", AddressList, `[null, "172.24.4.10", null, ""]`, []string{"172.24.4.10"}, true, ""},
		{"all null members", AddressList, `[null, null]`, []string{}, true, ""},
		{"null output", AddressList, `null`, nil, false, ""},
		{"one string", AddressList, `"10.0.0.5"`, []string{"10.0.0.5"}, true, ""},
		{"joined string", AddressList, `"10.0.0.5, 10.0.0.6"`, []string{"10.0.0.5", "10.0.0.6"}, true, ""},
		{"empty string", AddressList, `""`, []string{}, true, ""},
		{"several outputs", AddressList, `[["10.0.0.5"], ["10.0.0.6", null]]`, []string{"10.0.0.5", "10.0.0.6"}, true, ""},
		{"zoned ipv6", AddressList, `["fe80::1%eth0"]`, nil, false, "zone"},
		{"ipv6 and names", AddressList, `["fd00::5", "master-0.example.org"]`, []string{"fd00::5", "master-0.example.org"}, true, ""},
		{"not an address", AddressList, `["10.0.0.5", "rm -rf /"]`, nil, false, `"rm -rf /" is not an IP address or host name`},
		{"number", AddressList, `[5]`, nil, false, "want addresses, got a number"},
		{"map", AddressList, `{"a": "10.0.0.1"}`, nil, false, "want addresses, got a map"},
		{"too deep", AddressList, `[[[["10.0.0.1"]]]]`, nil, false, "nested too deep"},
		{"long junk is not echoed", AddressList, `"` + strings.Repeat("x", 300) + `"`, nil, false, "a 300-byte string is not"},
		{"url from address", https, `"172.24.4.10"`, "https://172.24.4.10:6443", true, ""},
		{"url from ipv6", https, `"fd00::10"`, "https://[fd00::10]:6443", true, ""},
		{"url from list", https, `[null, "10.0.0.5", "10.0.0.6"]`, "https://10.0.0.5:6443", true, ""},
		{"url from null", https, `null`, nil, false, ""},
		{"url from empty list", https, `[null]`, nil, false, ""},
		{"url from a url", https, `"https://10.0.0.5:6443"`, nil, false, "is not an IP address or host name"},
		{"url http", URL("http", 8080), `"api.example.org"`, "http://api.example.org:8080", true, ""},
		{"text string", Text, `"v1.30"`, "v1.30", true, ""},
		{"text number", Text, `3`, "3", true, ""},
		{"text bool", Text, `true`, "true", true, ""},
		{"text null", Text, `null`, nil, false, ""},
		{"text list", Text, `["a"]`, nil, false, "want a scalar, got a list"},
		{"integer from param string", Integer, `"3"`, 3, true, ""},
		{"integer number", Integer, `4`, 4, true, ""},
		{"integer fraction", Integer, `4.5`, nil, false, "fraction"},
		{"integer junk", Integer, `"three"`, nil, false, "want a whole number, got a string"},
		{"integer null", Integer, `null`, nil, false, ""},
		{"raw", Raw, `{"a": [1]}`, map[string]any{"a": []any{1.0}}, true, ""},
		{"raw null", Raw, `null`, nil, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok, err := tc.format(decodeJSON(t, tc.raw))
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				assert.False(t, ok)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestApplyOutputs(t *testing.T) {
	def := SampleDefinition()
	stack := &Stack{
		ID: "stack-1",
		Outputs: map[string]any{
			"api_address":          "172.24.4.10",
			"kube_masters":         []any{"172.24.4.11", nil},
			"kube_masters_private": []any{"10.0.0.11", "10.0.0.12"},
			"kube_minions":         nil,
			"kube_minions_private": []any{"10.0.0.21"},
			"kube_minion_ids":      []any{"a", "b"},
		},
		Parameters: map[string]string{"number_of_masters": "2", "number_of_minions": "1"},
	}
	tests := []struct {
		name       string
		features   Features
		cluster    map[string]any
		nodeGroups map[string]map[string]any
	}{
		{"floating ips, tls", Features{"floating_ip": true, "tls_disabled": false}, map[string]any{
			"api_address":      "https://172.24.4.10:6443",
			"master_addresses": []string{"172.24.4.11"},
			// kube_minions is null: node_addresses stays as it was
		}, map[string]map[string]any{"master": {"node_count": 2}, "worker": {"node_count": 1}}},
		{"private, no tls", Features{"floating_ip": false, "tls_disabled": true}, map[string]any{
			"api_address":      "http://172.24.4.10:8080",
			"master_addresses": []string{"10.0.0.11", "10.0.0.12"},
			"node_addresses":   []string{"10.0.0.21"},
		}, map[string]map[string]any{"master": {"node_count": 2}, "worker": {"node_count": 1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := def.ApplyOutputs(stack, tc.features)
			require.NoError(t, err)
			assert.Equal(t, tc.cluster, got.Cluster)
			assert.Equal(t, tc.nodeGroups, got.NodeGroups)
		})
	}

	t.Run("bad output is reported, the rest applied", func(t *testing.T) {
		bad := &Stack{ID: "stack-2", Outputs: map[string]any{
			"api_address":          map[string]any{"x": 1},
			"kube_masters_private": []any{"10.0.0.11"},
		}, Parameters: map[string]string{"number_of_minions": "x"}}
		got, err := def.ApplyOutputs(bad, Features{"floating_ip": false, "tls_disabled": false})
		require.Error(t, err)
		assert.True(t, errors.Is(err, errdefs.ErrInvalid))
		probs := errdefs.Problems(err)
		require.Len(t, probs, 2)
		assert.Contains(t, probs[0].Error(), "stack stack-2: api_address: unusable output: want addresses, got a map")
		assert.Contains(t, probs[1].Error(), "number_of_minions: unusable output")
		assert.Equal(t, []string{"10.0.0.11"}, got.Cluster["master_addresses"])
	})
}

func TestRequiredOutputs(t *testing.T) {
	def := SampleDefinition()
	assert.Equal(t, []string{"api_address", "kube_masters", "kube_minions", "kube_minion_ids"},
		def.RequiredOutputs(Features{"floating_ip": true, "tls_disabled": false}))
	assert.Equal(t, []string{"api_address", "kube_masters_private", "kube_minions_private", "kube_minion_ids"},
		def.RequiredOutputs(Features{"floating_ip": false, "tls_disabled": true}))
}

// fuzzRaw decodes fuzz input as JSON, or uses it as a string output.
func fuzzRaw(data string) any {
	var v any
	if err := json.Unmarshal([]byte(data), &v); err != nil {
		return data
	}
	return v
}

func FuzzAddressList(f *testing.F) {
	for _, s := range []string{`["10.0.0.1", null]`, `"10.0.0.1,10.0.0.2"`, `null`, `[[["a.b"]]]`, `[1, {}]`, `"fe80::1%eth0"`, `"-bad-.x"`, `""`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		v, ok, err := AddressList(fuzzRaw(data))
		if err != nil {
			if ok || v != nil {
				t.Fatalf("error with a value: %v %v", v, ok)
			}
			return
		}
		if !ok {
			return
		}
		for _, a := range v.([]string) {
			if a == "" || strings.ContainsAny(a, ", \t\n/:") && !isIP(a) {
				t.Fatalf("accepted %q", a)
			}
		}
	})
}

func isIP(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

func FuzzURL(f *testing.F) {
	for _, s := range []string{`"10.0.0.1"`, `["fd00::1"]`, `null`, `"host.example"`, `"x:y"`, `[["10.0.0.1"]]`} {
		f.Add(s)
	}
	format := URL("https", 6443)
	f.Fuzz(func(t *testing.T, data string) {
		v, ok, err := format(fuzzRaw(data))
		if err != nil || !ok {
			return
		}
		u := v.(string)
		rest, found := strings.CutPrefix(u, "https://")
		if !found {
			t.Fatalf("no scheme: %q", u)
		}
		host, port, err := net.SplitHostPort(rest)
		if err != nil || port != "6443" || host == "" {
			t.Fatalf("bad url %q: %v", u, err)
		}
		if strings.ContainsAny(host, "/?#@ ") {
			t.Fatalf("host %q would change the URL's meaning", host)
		}
	})
}

func FuzzTextAndInteger(f *testing.F) {
	for _, s := range []string{`"3"`, `3.5`, `true`, `null`, `[1]`, `{"a":1}`, `"1e400"`, `-0`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		raw := fuzzRaw(data)
		if v, ok, err := Text(raw); err == nil && ok {
			if _, isStr := v.(string); !isStr {
				t.Fatalf("Text gave %T", v)
			}
		}
		if v, ok, err := Integer(raw); err == nil && ok {
			if _, isInt := v.(int); !isInt {
				t.Fatalf("Integer gave %T", v)
			}
		}
	})
}
