package heat

import (
	"embed"
	"io/fs"
)

// The sample is a small, complete Kubernetes-like definition with its
// templates, in the spirit of gophercloud's exported fixtures: tests of this
// package, of heattest and of the real-Heat lab render and run it, and it
// shows driver authors every kind of mapping. It is not a driver.

//go:embed testdata/sample
var sampleFS embed.FS

// SampleTemplates returns the sample's template file system: cluster.yaml
// (top level), master.yaml and node.yaml (group members) and
// fragments/bootstrap.sh (get_file).
func SampleTemplates() fs.FS {
	sub, err := fs.Sub(sampleFS, "testdata/sample")
	if err != nil { // only for an invalid path, and this one is constant
		return failingFS{err}
	}
	return sub
}

type failingFS struct{ err error }

func (f failingFS) Open(string) (fs.File, error) { return nil, f.err }

// SampleDefinition returns the sample definition for SampleTemplates.
//
// Features: master_lb and floating_ip (cluster attribute, else template
// attribute), lb_floating_ip (master LB and the label
// master_lb_floating_ip_enabled, else floating_ip), docker_volume (node
// group, cluster or template docker_volume_size set), network ("existing"
// when fixed_network is set, else "create") and tls_disabled.
//
// It reads: template attributes external_network_id, image_id, keypair_id,
// dns_nameserver, flavor_id, master_flavor_id, docker_volume_size,
// network_driver, http_proxy, https_proxy, no_proxy, registry_enabled,
// insecure_registry, tls_disabled, master_lb_enabled, floating_ip_enabled,
// fixed_network, fixed_subnet; cluster attributes uuid, keypair,
// fixed_network, fixed_subnet, flavor_id, master_flavor_id,
// docker_volume_size, coe_version, labels, master_lb_enabled,
// floating_ip_enabled; node groups "master" and "worker" (node_count,
// image_id, flavor_id, docker_volume_size, role); labels; extras auth_url,
// magnum_url, region_name, trustee_user_id, trustee_password, trust_id,
// verify_ca, nodes_to_remove, max_batch_size.
func SampleDefinition() Definition {
	masterNG := func(attr string) Source { return NodeGroupAttr("master", attr) }
	workerNG := func(attr string) Source { return NodeGroupAttr("worker", attr) }
	apiPort := func(v any) (any, error) {
		if disabled, _ := v.(bool); disabled {
			return 8080, nil
		}
		return 6443, nil
	}
	return Definition{
		Name:     "sample_k8s",
		Template: "cluster.yaml",
		Features: []Feature{
			BoolFeature("master_lb", IsTrue(ClusterAttr("master_lb_enabled"), TemplateAttr("master_lb_enabled"))),
			BoolFeature("floating_ip", IsTrue(ClusterAttr("floating_ip_enabled"), TemplateAttr("floating_ip_enabled"))),
			BoolFeature("lb_floating_ip", All(
				IsTrue(FeatureValue("master_lb")),
				IsTrue(Label("master_lb_floating_ip_enabled"), FeatureValue("floating_ip")))),
			BoolFeature("docker_volume", IsSet(workerNG("docker_volume_size"), ClusterAttr("docker_volume_size"), TemplateAttr("docker_volume_size"))),
			EnumFeature("network", []string{"create", "existing"}, "create",
				Is("existing", IsSet(ClusterAttr("fixed_network"), TemplateAttr("fixed_network")))),
			BoolFeature("tls_disabled", IsTrue(TemplateAttr("tls_disabled"))),
		},
		Registry: []RegistryRule{
			WhenFeature("floating_ip", true, map[string]string{"Sample::Optional::FloatingIP": "OS::Neutron::FloatingIP"}),
			WhenFeature("floating_ip", false, map[string]string{"Sample::Optional::FloatingIP": "OS::Heat::None"}),
			WhenFeature("docker_volume", true, map[string]string{
				"Sample::Optional::Volume":           "OS::Cinder::Volume",
				"Sample::Optional::VolumeAttachment": "OS::Cinder::VolumeAttachment",
			}),
			WhenFeature("docker_volume", false, map[string]string{
				"Sample::Optional::Volume":           "OS::Heat::None",
				"Sample::Optional::VolumeAttachment": "OS::Heat::None",
			}),
		},
		Params: []ParamMapping{
			RequiredParam("cluster_uuid", String, ClusterAttr("uuid")),
			Param("is_cluster_stack", Boolean, Constant(true)),
			Param("ssh_key_name", String, ClusterAttr("keypair"), TemplateAttr("keypair_id")),
			RequiredParam("external_network", String, TemplateAttr("external_network_id")),
			Param("fixed_network", String, ClusterAttr("fixed_network"), TemplateAttr("fixed_network")),
			Param("fixed_subnet", String, ClusterAttr("fixed_subnet"), TemplateAttr("fixed_subnet")),
			Param("fixed_subnet_cidr", String, Label("fixed_subnet_cidr")),
			Param("dns_nameserver", CommaDelimitedList, TemplateAttr("dns_nameserver")),
			RequiredParam("master_image", String, masterNG("image_id"), TemplateAttr("image_id")),
			RequiredParam("minion_image", String, workerNG("image_id"), TemplateAttr("image_id")),
			Param("master_flavor", String, masterNG("flavor_id"), ClusterAttr("master_flavor_id"), TemplateAttr("master_flavor_id")),
			Param("minion_flavor", String, workerNG("flavor_id"), ClusterAttr("flavor_id"), TemplateAttr("flavor_id")),
			RequiredParam("number_of_masters", Number, masterNG("node_count")),
			RequiredParam("number_of_minions", Number, workerNG("node_count")),
			Param("minions_to_remove", CommaDelimitedList, Extra("nodes_to_remove")),
			Param("docker_volume_size", Number, workerNG("docker_volume_size"), ClusterAttr("docker_volume_size"), TemplateAttr("docker_volume_size")),
			Param("docker_volume_type", String, Label("docker_volume_type")),
			Param("boot_volume_size", Number, Label("boot_volume_size")),
			Param("availability_zone", String, Label("availability_zone")),
			Param("nodes_affinity_policy", String, Label("nodes_affinity_policy")),
			Param("kube_tag", String, Label("kube_tag"), ClusterAttr("coe_version")),
			Param("network_driver", String, TemplateAttr("network_driver")),
			Param("tls_disabled", Boolean, FeatureValue("tls_disabled")),
			{Param: "kubernetes_port", Type: Number, From: []Source{FeatureValue("tls_disabled")}, Transform: apiPort},
			Param("pods_network_cidr", String, Label("flannel_network_cidr")),
			Param("portal_network_cidr", String, Label("service_cluster_ip_range")),
			Param("http_proxy", String, TemplateAttr("http_proxy")),
			Param("https_proxy", String, TemplateAttr("https_proxy")),
			Param("no_proxy", String, TemplateAttr("no_proxy")),
			Param("registry_enabled", Boolean, TemplateAttr("registry_enabled")),
			Param("insecure_registry_url", String, TemplateAttr("insecure_registry")),
			Param("container_infra_prefix", String, Label("container_infra_prefix")),
			Param("master_lb_allowed_cidrs", CommaDelimitedList, Label("master_lb_allowed_cidrs")),
			Param("octavia_lb_algorithm", String, Label("octavia_lb_algorithm")),
			RequiredParam("auth_url", String, Extra("auth_url")),
			RequiredParam("magnum_url", String, Extra("magnum_url")),
			Param("region_name", String, Extra("region_name")),
			Param("trustee_user_id", String, Extra("trustee_user_id")),
			Param("trustee_password", String, Extra("trustee_password")),
			Param("trust_id", String, Extra("trust_id")),
			Param("verify_ca", Boolean, Extra("verify_ca")),
			Param("node_labels", JSON, ClusterAttr("labels")),
			Param("master_role", String, masterNG("role")),
			Param("worker_role", String, workerNG("role")),
			Param("update_max_batch_size", Number, Extra("max_batch_size")),
		},
		Outputs: []OutputMapping{
			MapOutput("api_address", ClusterAttr("api_address"), URL("https", 6443)).OnlyWhen("tls_disabled", false),
			MapOutput("api_address", ClusterAttr("api_address"), URL("http", 8080)).OnlyWhen("tls_disabled", true),
			MapOutput("kube_masters", ClusterAttr("master_addresses"), AddressList).OnlyWhen("floating_ip", true),
			MapOutput("kube_masters_private", ClusterAttr("master_addresses"), AddressList).OnlyWhen("floating_ip", false),
			MapOutput("kube_minions", ClusterAttr("node_addresses"), AddressList).OnlyWhen("floating_ip", true),
			MapOutput("kube_minions_private", ClusterAttr("node_addresses"), AddressList).OnlyWhen("floating_ip", false),
			MapOutput("kube_minion_ids", Source{}, nil),
			MapParam("number_of_masters", masterNG("node_count"), Integer),
			MapParam("number_of_minions", workerNG("node_count"), Integer),
		},
	}
}

// SampleOptions choose a variant of the sample cluster for SampleInputs.
type SampleOptions struct {
	Masters, Workers int // node counts; 0 is taken as 1 master, 1 worker
	MasterLB         bool
	FloatingIP       bool
	ExistingNetwork  bool // use a given network and subnet instead of creating one
	DockerVolumeSize int  // GB; 0: no docker volume
	TLSDisabled      bool
	NodesToRemove    []string // server ids or member names, for scale-down
}

// SampleInputs returns inputs for SampleDefinition with plausible values.
func SampleInputs(o SampleOptions) Inputs {
	if o.Masters == 0 {
		o.Masters = 1
	}
	if o.Workers == 0 {
		o.Workers = 1
	}
	tmpl := Attrs{
		"external_network_id": "public",
		"image_id":            "fedora-coreos-40",
		"keypair_id":          "default",
		"dns_nameserver":      "8.8.8.8,1.1.1.1",
		"flavor_id":           "m1.small",
		"master_flavor_id":    "m1.medium",
		"network_driver":      "flannel",
		"registry_enabled":    false,
		"tls_disabled":        o.TLSDisabled,
		"master_lb_enabled":   o.MasterLB,
		"floating_ip_enabled": o.FloatingIP,
	}
	cluster := Attrs{
		"uuid":        "3c8b1d2e-6f0a-4b7c-9d5e-1a2b3c4d5e6f",
		"coe_version": "v1.30.4",
		"labels":      map[string]string{"kube_tag": "v1.30.4"},
	}
	if o.ExistingNetwork {
		cluster["fixed_network"] = "cluster-net"
		cluster["fixed_subnet"] = "cluster-subnet"
	}
	if o.DockerVolumeSize > 0 {
		cluster["docker_volume_size"] = o.DockerVolumeSize
	}
	extra := Attrs{
		"auth_url":         "http://127.0.0.1:5000/v3",
		"magnum_url":       "http://127.0.0.1:9511/v1",
		"region_name":      "RegionOne",
		"trustee_user_id":  "trustee",
		"trustee_password": "not-a-real-secret",
		"trust_id":         "trust",
		"verify_ca":        true,
		"max_batch_size":   1,
	}
	if len(o.NodesToRemove) > 0 {
		extra["nodes_to_remove"] = o.NodesToRemove
	}
	return Inputs{
		Template: tmpl,
		Cluster:  cluster,
		NodeGroups: map[string]Attributes{
			"master": Attrs{"node_count": o.Masters, "role": "master"},
			"worker": Attrs{"node_count": o.Workers, "role": "worker"},
		},
		Labels: map[string]string{"kube_tag": "v1.30.4", "availability_zone": "nova"},
		Extra:  extra,
	}
}
