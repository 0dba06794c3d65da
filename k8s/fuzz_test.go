package k8s_test

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/k8s"
)

// labelParams are the Heat parameters and node_env variables a label may
// change; anything else must be the same as without the label.
var labelParams = map[string][]string{
	"availability_zone":         {"availability_zone"},
	"etcd_volume_size":          {"etcd_volume_size"},
	"etcd_volume_type":          {"etcd_volume_type"},
	"docker_volume_type":        {"docker_volume_type"},
	"nodes_affinity_policy":     {"nodes_affinity_policy"},
	"master_lb_allowed_cidrs":   {"master_lb_allowed_cidrs"},
	"octavia_lb_algorithm":      {"octavia_lb_algorithm"},
	"fixed_subnet_cidr":         {"fixed_subnet_cidr"},
	"flannel_network_cidr":      {"pods_network_cidr", "POD_NETWORK_CIDR"},
	"flannel_backend":           {"FLANNEL_BACKEND"},
	"flannel_network_subnetlen": {"POD_SUBNET_LEN"},
	"flannel_tag":               {"FLANNEL_TAG", "FLANNEL_MANIFEST_URL"},
	"calico_tag":                {"CALICO_TAG", "CALICO_MANIFEST_URL"},
	"service_cluster_ip_range":  {"SERVICE_CLUSTER_IP_RANGE", "KUBE_SERVICE_IP", "CLUSTER_DNS_IP"},
	"dns_cluster_domain":        {"CLUSTER_DOMAIN"},
	"kube_tag":                  {"KUBE_TAG"},
	"etcd_tag":                  {"ETCD_TAG"},
	"coredns_tag":               {"COREDNS_TAG"},
	"container_infra_prefix":    {"CONTAINER_INFRA_PREFIX"},
	"cgroup_driver":             {"CGROUP_DRIVER"},
	"admission_control_list":    {"ADMISSION_PLUGINS"},
	"kube_dashboard_enabled":    {"DASHBOARD_ENABLED"},
}

// FuzzLabelValues renders a cluster with one label (known or not) set to
// any value. Either the render fails with ErrInvalid naming that label,
// or: the templates, files and environment are exactly those of the same
// structural variant rendered with plain values (so no value changed
// template text, YAML structure or the scripts), the value reaches only
// the parameters the label feeds, and the node env file still has exactly
// its variables, the changed ones only where the label feeds them.
func FuzzLabelValues(f *testing.F) {
	names := []string{"unknown_label"}
	for _, s := range k8s.Labels() {
		names = append(names, s.Name)
	}
	for i := range names {
		for _, v := range []string{"", "1", "true", "10.0.0.0/8", "v1.2.3", "$(reboot)", "a'b", "x\ny: z"} {
			f.Add(uint16(i), v)
		}
	}
	for _, v := range nasty {
		f.Add(uint16(0), v)
		f.Add(uint16(len(names)+1), v) // the coreos driver, first known label
	}
	f.Fuzz(func(t *testing.T, k uint16, value string) {
		d := k8s.NewFedoraAtomic()
		if int(k)/len(names)%2 == 1 {
			d = k8s.NewCoreOS()
		}
		name := names[int(k)%len(names)]
		v := variant{MasterLB: true, FloatingIP: true, Masters: 3, DockerVolume: true}
		in := input(t, v)
		in.Cluster.Labels[name] = value
		in.Cluster.Labels["zz_unknown"] = value // unknown labels are kept and inert
		req, features, err := d.RenderCluster(in)
		if err != nil {
			require.ErrorIs(t, err, errdefs.ErrInvalid)
			for _, p := range errdefs.Problems(err) {
				assert.True(t, strings.HasPrefix(p.Field, "labels/"), "problem on %s", p.Field)
			}
			require.NotEqual(t, "unknown_label", name, "unknown labels are never rejected")
			return
		}

		clean := input(t, v)
		clean.Cluster.Labels["master_lb_floating_ip_enabled"] = strconv.FormatBool(features["lb_floating_ip"].(bool))
		clean.Cluster.Labels["octavia_lb_healthcheck"] = strconv.FormatBool(features["lb_monitor"].(bool))
		if features["etcd_volume"].(bool) {
			clean.Cluster.Labels["etcd_volume_size"] = "10"
		}
		want, wantFeatures, err := d.RenderCluster(clean)
		require.NoError(t, err)
		require.Equal(t, wantFeatures, features)
		require.Equal(t, string(want.Template), string(req.Template), "template text")
		require.Equal(t, string(want.Environment), string(req.Environment), "environment")
		require.Equal(t, want.Files, req.Files, "nested templates and scripts")

		allowed := labelParams[name]
		for _, p := range slices.Sorted(keys(req.Parameters, want.Parameters)) {
			if p == "node_env" || reflect.DeepEqual(req.Parameters[p], want.Parameters[p]) {
				continue
			}
			assert.Contains(t, allowed, p, "label %s changed Heat parameter %s", name, p)
		}
		got, err := k8s.ParseEnvFile([]byte(req.Parameters["node_env"].(string)))
		require.NoError(t, err)
		base, err := k8s.ParseEnvFile([]byte(want.Parameters["node_env"].(string)))
		require.NoError(t, err)
		require.Equal(t, base.Names(), got.Names(), "the env file has exactly its variables")
		for _, n := range got.Names() {
			a, _ := got.Get(n)
			b, _ := base.Get(n)
			if a != b {
				assert.Contains(t, allowed, n, "label %s changed %s", name, n)
			}
		}
	})
}

func keys(ms ...map[string]any) func(func(string) bool) {
	return func(yield func(string) bool) {
		seen := map[string]bool{}
		for _, m := range ms {
			for k := range m {
				if !seen[k] {
					seen[k] = true
					if !yield(k) {
						return
					}
				}
			}
		}
	}
}

// TestStructureIgnoresValues is the deterministic core of FuzzLabelValues:
// hostile values in every free-text label and in the fields that reach
// Heat parameters leave the rendered templates untouched.
func TestStructureIgnoresValues(t *testing.T) {
	d := k8s.NewFedoraAtomic()
	v := variant{MasterLB: true, FloatingIP: true, Masters: 3}
	want, _, err := d.RenderCluster(input(t, v))
	require.NoError(t, err)
	for _, value := range nasty {
		if value == "" || strings.ContainsFunc(value, unicode.IsControl) {
			continue
		}
		in := input(t, v)
		for _, l := range []string{"availability_zone", "etcd_volume_type", "docker_volume_type", "anything"} {
			in.Cluster.Labels[l] = value
		}
		in.Template.FlavorID, in.Template.MasterFlavorID, in.Template.ImageID = value, value, value
		in.Template.ExternalNetworkID, in.Cluster.KeyPair = value, value
		in.Bootstrap.Trustee.Password = value + "\n" + value
		req, _, err := d.RenderCluster(in)
		require.NoError(t, err, "%q", value)
		assert.Equal(t, string(want.Template), string(req.Template), "%q", value)
		assert.Equal(t, want.Files, req.Files, "%q", value)
		assert.Equal(t, want.Environment, req.Environment, "%q", value)
		assert.Equal(t, value, req.Parameters["availability_zone"])
		assert.Equal(t, value, req.Parameters["minion_flavor"])
		e := nodeEnv(t, req)
		assert.Equal(t, value+"\n"+value, envValue(t, e, "TRUSTEE_PASSWORD"))
	}
}
