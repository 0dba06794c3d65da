package nodeinput_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/internal/nodeinput"
)

func TestNamePrefix(t *testing.T) {
	const uuid = "3C8B1D2E-6f0a-4b7c-9d5e-1a2b3c4d5e6f"
	tests := []struct {
		name, uuid, want string
	}{
		{"prod-cluster", uuid, "prod-cluster-3c8b1d2e"},
		{"Prod Clüster: 2", uuid, "prod-cl-ster-2-3c8b1d2e"},
		{"--a--b--", uuid, "a-b-3c8b1d2e"},
		{"", uuid, "fb-3c8b1d2e"},
		{"!!!", uuid, "fb-3c8b1d2e"},
		{strings.Repeat("ab", 20), uuid, strings.Repeat("ab", 15) + "-3c8b1d2e"},
		{strings.Repeat("a", 29) + " b", uuid, strings.Repeat("a", 29) + "-3c8b1d2e"},
		{"x", "zzzz-12", "x-12"},
		{"x", "", "x"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, nodeinput.NamePrefix(tt.name, tt.uuid, "fb"), "%q %q", tt.name, tt.uuid)
	}
}

func FuzzNamePrefix(f *testing.F) {
	f.Add("Prod Clüster", "3c8b1d2e-6f0a")
	f.Fuzz(func(t *testing.T, name, uuid string) {
		got := nodeinput.NamePrefix(name, uuid, "fb")
		if len(got) > 30+1+8 || got == "" || strings.HasPrefix(got, "-") || strings.HasSuffix(got, "-") || strings.Contains(got, "--") {
			t.Fatalf("NamePrefix(%q, %q) = %q", name, uuid, got)
		}
		for _, r := range got {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				t.Fatalf("NamePrefix(%q, %q) = %q has %q", name, uuid, got, r)
			}
		}
	})
}

func TestPlainURL(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"https://keystone.example.com:5000/v3", true},
		{"http://10.0.0.1/identity", true},
		{"ftp://host/", false},
		{"https://", false},
		{"https://u:p@host/", false},
		{"https://host/?q=1", false},
		{"https://host/#f", false},
		{"https://host/a b", false},
		{"https://host/$(id)", false},
		{"https://host/a'b", false},
		{"https://host/a;b", false},
		{"https://host/\x01", false},
		{"not a url", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, nodeinput.PlainURL(tt.in), tt.in)
	}
}

func TestKeystoneV3(t *testing.T) {
	for in, want := range map[string]string{
		"https://k:5000":      "https://k:5000/v3",
		"https://k:5000/":     "https://k:5000/v3",
		"https://k:5000/v3":   "https://k:5000/v3",
		"https://k:5000/v3//": "https://k:5000/v3",
		"https://k/identity":  "https://k/identity/v3",
	} {
		assert.Equal(t, want, nodeinput.KeystoneV3(in), in)
	}
}

func TestDefaultGroups(t *testing.T) {
	m1 := &cluster.NodeGroup{Name: "m1", Role: cluster.RoleMaster}
	mDef := &cluster.NodeGroup{Name: "m-def", Role: cluster.RoleMaster, IsDefault: true}
	w1 := &cluster.NodeGroup{Name: "w1", Role: cluster.RoleWorker}
	w2 := &cluster.NodeGroup{Name: "w2", Role: cluster.RoleWorker}
	c := &cluster.Cluster{MasterCount: 3, NodeCount: 5}

	m, w := nodeinput.DefaultGroups(c, []*cluster.NodeGroup{nil, m1, w1, mDef, w2})
	assert.Same(t, mDef, m, "the default group wins")
	assert.Same(t, w1, w, "else the first group of the role")

	m, w = nodeinput.DefaultGroups(c, nil)
	assert.Equal(t, &cluster.NodeGroup{Role: cluster.RoleMaster, NodeCount: 3}, m)
	assert.Equal(t, &cluster.NodeGroup{Role: cluster.RoleWorker, NodeCount: 5}, w)

	m, _ = nodeinput.DefaultGroups(&cluster.Cluster{}, nil)
	assert.Equal(t, cluster.DefaultMasterCount, m.NodeCount)
}

func ExampleNamePrefix() {
	fmt.Println(nodeinput.NamePrefix("Prod Cluster #1", "3c8b1d2e-6f0a-4b7c-9d5e-1a2b3c4d5e6f", "k8s"))
	// Output: prod-cluster-1-3c8b1d2e
}
