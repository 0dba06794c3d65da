package k8s_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/k8s"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/template"
)

func TestSettingsDefaults(t *testing.T) {
	s, err := k8s.ParseSettings(nil)
	require.NoError(t, err)
	assert.Equal(t, netip.MustParsePrefix("10.100.0.0/16"), s.FlannelNetworkCIDR)
	assert.Equal(t, "vxlan", s.FlannelBackend)
	assert.Equal(t, 24, s.FlannelSubnetLen)
	assert.Equal(t, netip.MustParsePrefix("10.254.0.0/16"), s.ServiceClusterIPRange)
	assert.Equal(t, netip.MustParsePrefix("10.0.0.0/24"), s.FixedSubnetCIDR)
	assert.Equal(t, "v1.30.4", s.KubeTag)
	assert.Equal(t, []string{"NamespaceLifecycle", "LimitRanger", "ServiceAccount", "DefaultStorageClass", "ResourceQuota", "NodeRestriction"}, s.AdmissionPlugins)
	assert.True(t, s.DashboardEnabled)
	assert.Zero(t, s.EtcdVolumeSize)
	assert.False(t, s.AutoHealingEnabled)
	assert.Equal(t, "draino", s.AutoHealingController)
	assert.Zero(t, s.MinNodeCount)
	assert.Zero(t, s.MaxNodeCount, "unset: node_count+1 where needed")
	assert.Nil(t, s.MasterLBFloatingIP, "unset: follows floating_ip_enabled")
	assert.Equal(t, "ROUND_ROBIN", s.OctaviaLBAlgorithm)
	assert.True(t, s.OctaviaLBHealthcheck)
	assert.Equal(t, "soft-anti-affinity", s.NodesAffinityPolicy)
	assert.Equal(t, "cluster.local", s.ClusterDomain)
	assert.Equal(t, s.FlannelNetworkCIDR, s.PodNetworkCIDR("flannel"))
	assert.Equal(t, s.CalicoIPv4Pool, s.PodNetworkCIDR("calico"))
	assert.Equal(t, "vxlan", s.Value("flannel_backend"))
	assert.Equal(t, "", s.Value("availability_zone"))
}

func TestSettingsValues(t *testing.T) {
	s, err := k8s.ParseSettings(labels.Labels{
		"flannel_network_cidr":      "172.16.0.0/12",
		"flannel_backend":           "host-gw",
		"flannel_network_subnetlen": "26",
		"kube_tag":                  "v1.29.8+vendor.1",
		"admission_control_list":    "NodeRestriction,AlwaysPullImages",
		"kube_dashboard_enabled":    "False",
		"service_cluster_ip_range":  "10.96.0.0/12", // overlaps the default calico pool, which is not used

		"etcd_volume_size":              "20",
		"availability_zone":             "zone a",
		"auto_healing_enabled":          "true",
		"min_node_count":                "2",
		"max_node_count":                "9",
		"master_lb_floating_ip_enabled": "false",
		"master_lb_allowed_cidrs":       "192.0.2.0/24, 198.51.100.0/24",
		"container_infra_prefix":        "registry.example.com:5000/k8s/",
		"some_unknown_label":            "$(reboot)",
		"flannel_tag":                   "",
	})
	require.NoError(t, err)
	assert.Equal(t, netip.MustParsePrefix("172.16.0.0/12"), s.FlannelNetworkCIDR)
	assert.Equal(t, "host-gw", s.FlannelBackend)
	assert.Equal(t, 26, s.FlannelSubnetLen)
	assert.Equal(t, "v1.29.8+vendor.1", s.KubeTag)
	assert.Equal(t, []string{"NodeRestriction", "AlwaysPullImages"}, s.AdmissionPlugins)
	assert.False(t, s.DashboardEnabled)
	assert.Equal(t, 20, s.EtcdVolumeSize)
	assert.Equal(t, "zone a", s.AvailabilityZone)
	assert.True(t, s.AutoHealingEnabled)
	assert.Equal(t, 2, s.MinNodeCount)
	assert.Equal(t, 9, s.MaxNodeCount)
	require.NotNil(t, s.MasterLBFloatingIP)
	assert.False(t, *s.MasterLBFloatingIP)
	assert.Equal(t, []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24")}, s.MasterLBAllowedCIDRs)
	assert.Equal(t, "registry.example.com:5000/k8s/", s.ContainerInfraPrefix)
	assert.Equal(t, "v0.25.6", s.FlannelTag, "an empty value means the default")
	assert.NoError(t, s.CheckNetwork("flannel"))
	err = s.CheckNetwork("calico")
	require.ErrorIs(t, err, errdefs.ErrInvalid)
	assert.Contains(t, err.Error(), "overlaps calico_ipv4pool")
}

func TestValidateLabelsRejects(t *testing.T) {
	tests := []struct {
		name  string
		l     labels.Labels
		field string
		want  string
	}{
		{"backend", labels.Labels{"flannel_backend": "gre"}, "labels/flannel_backend", "udp, vxlan or host-gw"},
		{"cidr syntax", labels.Labels{"flannel_network_cidr": "10.100.0.0"}, "labels/flannel_network_cidr", "not an IPv4 CIDR"},
		{"cidr host bits", labels.Labels{"flannel_network_cidr": "10.100.0.1/16"}, "labels/flannel_network_cidr", "host bits"},
		{"cidr v6", labels.Labels{"flannel_network_cidr": "fd00::/64"}, "labels/flannel_network_cidr", "IPv4"},
		{"subnetlen number", labels.Labels{"flannel_network_subnetlen": "24x"}, "labels/flannel_network_subnetlen", "whole number"},
		{"subnetlen range", labels.Labels{"flannel_network_subnetlen": "31"}, "labels/flannel_network_subnetlen", "out of range"},
		{"subnetlen vs cidr", labels.Labels{"flannel_network_cidr": "10.100.0.0/24", "flannel_network_subnetlen": "24"}, "labels/flannel_network_subnetlen", "longer than"},
		{"kube_tag", labels.Labels{"kube_tag": "v1.30.4; reboot"}, "labels/kube_tag", "version"},
		{"kube_tag no v", labels.Labels{"kube_tag": "1.30.4"}, "labels/kube_tag", "version"},
		{"admission", labels.Labels{"admission_control_list": "NodeRestriction,$(id)"}, "labels/admission_control_list", "admission plugin"},
		{"admission dup", labels.Labels{"admission_control_list": "A,A"}, "labels/admission_control_list", "twice"},
		{"dashboard", labels.Labels{"kube_dashboard_enabled": "yes please"}, "labels/kube_dashboard_enabled", "boolean"},
		{"service overlaps pods", labels.Labels{"service_cluster_ip_range": "10.100.0.0/20", "flannel_network_cidr": "10.100.0.0/16"}, "labels/service_cluster_ip_range", "overlaps flannel_network_cidr"},
		{"service too small", labels.Labels{"service_cluster_ip_range": "10.254.0.0/28"}, "labels/service_cluster_ip_range", "smaller than a /24"},
		{"etcd volume", labels.Labels{"etcd_volume_size": "-1"}, "labels/etcd_volume_size", "out of range"},
		{"max < min", labels.Labels{"min_node_count": "3", "max_node_count": "2"}, "labels/max_node_count", "at least min_node_count"},
		{"healing controller", labels.Labels{"auto_healing_controller": "other"}, "labels/auto_healing_controller", "draino"},
		{"lb cidrs", labels.Labels{"master_lb_allowed_cidrs": "0.0.0.0/0,nope"}, "labels/master_lb_allowed_cidrs", "not a CIDR"},
		{"registry", labels.Labels{"container_infra_prefix": "Registry.example.com"}, "labels/container_infra_prefix", "registry prefix"},
		{"domain", labels.Labels{"dns_cluster_domain": "cluster..local"}, "labels/dns_cluster_domain", "DNS domain"},
		{"control char", labels.Labels{"availability_zone": "nova\nx"}, "labels/availability_zone", "control characters"},
		{"too long", labels.Labels{"etcd_volume_type": strings.Repeat("a", 256)}, "labels/etcd_volume_type", "at most 255"},
		{"runtime", labels.Labels{"container_runtime": "host-docker"}, "labels/container_runtime", "containerd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := k8s.ValidateLabels(tt.l)
			require.Error(t, err)
			assert.ErrorIs(t, err, errdefs.ErrInvalid)
			probs := errdefs.Problems(err)
			require.Len(t, probs, 1, "%v", err)
			assert.Equal(t, tt.field, probs[0].Field)
			assert.Contains(t, probs[0].Reason, tt.want)
		})
	}
}

func TestValidateLabelsReportsAll(t *testing.T) {
	err := k8s.ValidateLabels(labels.Labels{"flannel_backend": "x", "kube_tag": "y", "etcd_volume_size": "z"})
	var fields []string
	for _, p := range errdefs.Problems(err) {
		fields = append(fields, p.Field)
	}
	assert.ElementsMatch(t, []string{"labels/flannel_backend", "labels/kube_tag", "labels/etcd_volume_size"}, fields)
}

func TestUnknownLabels(t *testing.T) {
	l := labels.Labels{"kube_tag": "v1.30.4", "zeta": "1", "alpha": "2", "flannel_backend": "udp"}
	assert.Equal(t, []string{"alpha", "zeta"}, k8s.UnknownLabels(l))
	assert.True(t, k8s.IsKnownLabel("max_node_count"))
	assert.False(t, k8s.IsKnownLabel("zeta"))
	specs := k8s.Labels()
	require.NotEmpty(t, specs)
	for i := 1; i < len(specs); i++ {
		assert.Less(t, specs[i-1].Name, specs[i].Name, "sorted and unique")
	}
	for _, s := range specs {
		assert.NotEmpty(t, s.Rule, s.Name)
		if s.Default != "" {
			assert.NoError(t, k8s.ValidateLabels(labels.Labels{s.Name: s.Default}), "the default of %s is valid", s.Name)
		}
	}
}

// TestTemplateValidationUsesLabelRules shows the rules reach template
// validation through the capabilities.
func TestTemplateValidationUsesLabelRules(t *testing.T) {
	cat := template.StaticCatalog{k8s.Capabilities()}
	tmpl := &template.ClusterTemplate{COE: "kubernetes", ImageID: "img", ExternalNetworkID: "public",
		Labels: labels.Labels{"flannel_backend": "gre", "unknown": "kept"}}
	err := template.Validate(tmpl, cat)
	require.Error(t, err)
	var e *errdefs.Error
	require.True(t, errors.As(err, &e))
	assert.Equal(t, "labels/flannel_backend", errdefs.Problems(err)[0].Field)
	tmpl.Labels["flannel_backend"] = "host-gw"
	assert.NoError(t, template.Validate(tmpl, cat), "unknown labels are accepted")
}
