package template_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/k8s"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/mesos"
	"github.com/gomagnum/magnum/swarm"
	"github.com/gomagnum/magnum/template"
)

// registry is the catalog the built-in drivers make.
func registry(t testing.TB) *driver.Registry {
	t.Helper()
	reg, err := driver.NewRegistry(k8s.NewFedoraAtomic(), k8s.NewCoreOS(), swarm.New(), mesos.New())
	require.NoError(t, err)
	return reg
}

// valid returns a minimal valid template of a COE, defaults applied.
func valid(t testing.TB, cat template.Catalog, coe string) *template.ClusterTemplate {
	t.Helper()
	tpl := &template.ClusterTemplate{
		Name:              coe + "-template",
		COE:               coe,
		ImageID:           "fedora-atomic-27",
		ExternalNetworkID: "public",
	}
	template.ApplyDefaults(tpl, cat)
	require.NoError(t, template.Validate(tpl, cat), "the base template is valid")
	return tpl
}

// fields lists the Field of every problem in err.
func fields(err error) []string {
	var out []string
	for _, p := range errdefs.Problems(err) {
		out = append(out, p.Field)
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func TestValidTemplates(t *testing.T) {
	reg := registry(t)
	for _, coe := range []string{"kubernetes", "swarm", "mesos"} {
		t.Run(coe, func(t *testing.T) {
			tpl := valid(t, reg, coe)
			// Every field set to an acceptable value.
			caps, ok := reg.Capabilities(coe)
			require.True(t, ok)
			tpl.UUID = "3d9b2f6e-6b8c-4a3a-9d2e-1c2b3a4d5e6f"
			tpl.ProjectID, tpl.UserID = "p1", "u1"
			tpl.ClusterDistro = "fedora-atomic"
			tpl.ServerType = "bm"
			tpl.KeyPairID = "my key" // Nova names may hold spaces
			tpl.FlavorID, tpl.MasterFlavorID = "m1.small", "m1.medium"
			tpl.FixedNetwork, tpl.FixedSubnet = "private", "private-subnet"
			tpl.DNSNameServer = "8.8.8.8, 2001:4860:4860::8888"
			tpl.VolumeDriver = caps.VolumeDrivers[0]
			tpl.DockerVolumeSize = 3
			tpl.DockerStorageDriver = "devicemapper"
			tpl.APIServerPort = 6443
			tpl.HTTPProxy = "http://proxy.example.com:3128"
			tpl.HTTPSProxy = "https://user:p%40ss@[2001:db8::1]:8443/"
			tpl.NoProxy = "localhost,127.0.0.1,.example.com,10.0.0.0/8,[::1],*"
			tpl.RegistryEnabled = true
			tpl.InsecureRegistry = "10.0.0.5:5000"
			tpl.Labels = labels.Labels{"kube_tag": "v1.30.1", "kubernetes.io/role": "x", "a-b_c.d": `{"json": "ok"}`}
			tpl.TLSDisabled, tpl.Public, tpl.Hidden, tpl.MasterLBEnabled = true, true, true, true
			tpl.FloatingIPEnabled = ptr(false)
			tpl.Tags = "team=a, prod"
			if coe == "mesos" {
				tpl.Labels["mesos_slave_image_providers"] = "docker"
				tpl.Labels["mesos_slave_isolation"] = "docker/runtime"
			}
			assert.NoError(t, template.Validate(tpl, reg))
		})
	}
}

func TestValidateRejectsEachInvalidCase(t *testing.T) {
	long := strings.Repeat("a", 256)
	max := strings.Repeat("a", 255)
	tests := []struct {
		name   string
		coe    string // default kubernetes
		mutate func(*template.ClusterTemplate)
		field  string // the one field reported; "" means valid
		reason string // a part of the reason, optional
	}{
		// §1.2 strings 1–255 and no control characters.
		{"name 255 is fine", "", func(c *template.ClusterTemplate) { c.Name = max }, "", ""},
		{"name empty is fine (generated)", "", func(c *template.ClusterTemplate) { c.Name = "" }, "", ""},
		{"name too long", "", func(c *template.ClusterTemplate) { c.Name = long }, "name", "at most 255"},
		{"name with newline", "", func(c *template.ClusterTemplate) { c.Name = "a\nb" }, "name", "control characters"},
		{"name with NUL", "", func(c *template.ClusterTemplate) { c.Name = "a\x00" }, "name", "control characters"},
		{"name with DEL", "", func(c *template.ClusterTemplate) { c.Name = "a\x7f" }, "name", "control characters"},
		{"name with C1 control", "", func(c *template.ClusterTemplate) { c.Name = "a\u0085b" }, "name", "control characters"},
		{"name not UTF-8", "", func(c *template.ClusterTemplate) { c.Name = "a\xffb" }, "name", "valid UTF-8"},
		{"name with unicode is fine", "", func(c *template.ClusterTemplate) { c.Name = "größe ✓" }, "", ""},
		{"coe missing", "", func(c *template.ClusterTemplate) { c.COE = "" }, "coe", "is required"},
		{"coe unknown", "", func(c *template.ClusterTemplate) { c.COE = "dcos" }, "coe", `COE "dcos" is not supported (known: kubernetes, mesos, swarm)`},
		{"coe wrong case", "", func(c *template.ClusterTemplate) { c.COE = "Kubernetes" }, "coe", "not supported"},
		{"image_id missing", "", func(c *template.ClusterTemplate) { c.ImageID = "" }, "image_id", "is required"},
		{"image_id too long", "", func(c *template.ClusterTemplate) { c.ImageID = long }, "image_id", "at most 255"},
		{"image_id with tab", "", func(c *template.ClusterTemplate) { c.ImageID = "fedora\tatomic" }, "image_id", "control"},
		{"keypair_id too long", "", func(c *template.ClusterTemplate) { c.KeyPairID = long }, "keypair_id", "at most 255"},
		{"keypair_id with CR", "", func(c *template.ClusterTemplate) { c.KeyPairID = "k\r" }, "keypair_id", "control"},
		{"flavor_id too long", "", func(c *template.ClusterTemplate) { c.FlavorID = long }, "flavor_id", ""},
		{"flavor_id control", "", func(c *template.ClusterTemplate) { c.FlavorID = "m1\x1b[31m" }, "flavor_id", "control"},
		{"master_flavor_id too long", "", func(c *template.ClusterTemplate) { c.MasterFlavorID = long }, "master_flavor_id", ""},
		{"external_network_id too long", "", func(c *template.ClusterTemplate) { c.ExternalNetworkID = long }, "external_network_id", ""},
		{"fixed_network too long", "", func(c *template.ClusterTemplate) { c.FixedNetwork = long }, "fixed_network", ""},
		{"fixed_subnet control", "", func(c *template.ClusterTemplate) { c.FixedSubnet = "s\n" }, "fixed_subnet", "control"},
		{"cluster_distro control", "", func(c *template.ClusterTemplate) { c.ClusterDistro = "fedora\n" }, "cluster_distro", "control"},
		{"tags 255 is fine", "", func(c *template.ClusterTemplate) { c.Tags = max }, "", ""},
		{"tags too long", "", func(c *template.ClusterTemplate) { c.Tags = long }, "tags", "at most 255"},
		{"tags control", "", func(c *template.ClusterTemplate) { c.Tags = "a\nb" }, "tags", "control"},

		// §1.2 / §3: Heat drivers need an external network.
		{"external network required for kubernetes", "", func(c *template.ClusterTemplate) { c.ExternalNetworkID = "" }, "external_network_id", "is required for COE kubernetes"},
		{"external network required for swarm", "swarm", func(c *template.ClusterTemplate) { c.ExternalNetworkID = "" }, "external_network_id", "is required for COE swarm"},
		{"external network required for mesos", "mesos", func(c *template.ClusterTemplate) { c.ExternalNetworkID = "" }, "external_network_id", "is required for COE mesos"},

		// §3.1 server types.
		{"server_type bm", "", func(c *template.ClusterTemplate) { c.ServerType = "bm" }, "", ""},
		{"server_type unknown", "", func(c *template.ClusterTemplate) { c.ServerType = "container" }, "server_type", `"container" is not supported by COE kubernetes (allowed: vm, bm)`},
		{"server_type wrong case", "swarm", func(c *template.ClusterTemplate) { c.ServerType = "VM" }, "server_type", ""},
		{"server_type unset is fine", "", func(c *template.ClusterTemplate) { c.ServerType = "" }, "", ""},

		// §3.1 network drivers per COE.
		{"kubernetes calico", "", func(c *template.ClusterTemplate) { c.NetworkDriver = "calico" }, "", ""},
		{"kubernetes docker", "", func(c *template.ClusterTemplate) { c.NetworkDriver = "docker" }, "network_driver", `"docker" is not supported by COE kubernetes (allowed: flannel, calico, or unspecified)`},
		{"kubernetes cilium (master only)", "", func(c *template.ClusterTemplate) { c.NetworkDriver = "cilium" }, "network_driver", ""},
		{"swarm flannel", "swarm", func(c *template.ClusterTemplate) { c.NetworkDriver = "flannel" }, "", ""},
		{"swarm calico", "swarm", func(c *template.ClusterTemplate) { c.NetworkDriver = "calico" }, "network_driver", "allowed: docker, flannel"},
		{"mesos docker", "mesos", func(c *template.ClusterTemplate) { c.NetworkDriver = "docker" }, "", ""},
		{"mesos flannel", "mesos", func(c *template.ClusterTemplate) { c.NetworkDriver = "flannel" }, "network_driver", "allowed: docker, or unspecified"},
		{"network driver unset is fine", "", func(c *template.ClusterTemplate) { c.NetworkDriver = "" }, "", ""},

		// §3.1 volume drivers per COE.
		{"kubernetes cinder", "", func(c *template.ClusterTemplate) { c.VolumeDriver = "cinder" }, "", ""},
		{"kubernetes rexray", "", func(c *template.ClusterTemplate) { c.VolumeDriver = "rexray" }, "volume_driver", `"rexray" is not supported by COE kubernetes (allowed: cinder, or unspecified)`},
		{"swarm rexray", "swarm", func(c *template.ClusterTemplate) { c.VolumeDriver = "rexray" }, "", ""},
		{"swarm cinder", "swarm", func(c *template.ClusterTemplate) { c.VolumeDriver = "cinder" }, "volume_driver", "allowed: rexray"},
		{"mesos rexray", "mesos", func(c *template.ClusterTemplate) { c.VolumeDriver = "rexray" }, "", ""},
		{"mesos cinder", "mesos", func(c *template.ClusterTemplate) { c.VolumeDriver = "cinder" }, "volume_driver", "allowed: rexray"},

		// §1.2 apiserver_port 1024–65535.
		{"port 1024", "", func(c *template.ClusterTemplate) { c.APIServerPort = 1024 }, "", ""},
		{"port 65535", "", func(c *template.ClusterTemplate) { c.APIServerPort = 65535 }, "", ""},
		{"port 1023", "", func(c *template.ClusterTemplate) { c.APIServerPort = 1023 }, "apiserver_port", "between 1024 and 65535"},
		{"port 65536", "", func(c *template.ClusterTemplate) { c.APIServerPort = 65536 }, "apiserver_port", "between 1024 and 65535"},
		{"port negative", "", func(c *template.ClusterTemplate) { c.APIServerPort = -443 }, "apiserver_port", ""},

		// §1.2 docker_volume_size ≥ 1; §3.3 devicemapper ≥ 3.
		{"volume 1", "", func(c *template.ClusterTemplate) { c.DockerVolumeSize = 1 }, "", ""},
		{"volume negative", "", func(c *template.ClusterTemplate) { c.DockerVolumeSize = -1 }, "docker_volume_size", "at least 1"},
		{"devicemapper 3", "", func(c *template.ClusterTemplate) { c.DockerStorageDriver, c.DockerVolumeSize = "devicemapper", 3 }, "", ""},
		{"devicemapper 2", "", func(c *template.ClusterTemplate) { c.DockerStorageDriver, c.DockerVolumeSize = "devicemapper", 2 }, "docker_volume_size", "at least 3 GB with the devicemapper"},
		{"devicemapper 1", "swarm", func(c *template.ClusterTemplate) { c.DockerStorageDriver, c.DockerVolumeSize = "devicemapper", 1 }, "docker_volume_size", "devicemapper"},
		{"devicemapper without a size (checked at cluster create)", "", func(c *template.ClusterTemplate) { c.DockerStorageDriver = "devicemapper" }, "", ""},
		{"overlay2 1", "", func(c *template.ClusterTemplate) { c.DockerStorageDriver, c.DockerVolumeSize = "overlay2", 1 }, "", ""},

		// docker_storage_driver reaches scripts: a plain name.
		{"storage driver with space", "", func(c *template.ClusterTemplate) { c.DockerStorageDriver = "overlay 2" }, "docker_storage_driver", "storage driver name"},
		{"storage driver with shell", "", func(c *template.ClusterTemplate) { c.DockerStorageDriver = "overlay2;reboot" }, "docker_storage_driver", ""},
		{"storage driver with quote", "", func(c *template.ClusterTemplate) { c.DockerStorageDriver = `overlay2"` }, "docker_storage_driver", ""},
		{"storage driver too long", "", func(c *template.ClusterTemplate) { c.DockerStorageDriver = long }, "docker_storage_driver", "at most 255"},

		// dns_nameserver: comma-separated IP addresses.
		{"dns one", "", func(c *template.ClusterTemplate) { c.DNSNameServer = "8.8.8.8" }, "", ""},
		{"dns list with spaces", "", func(c *template.ClusterTemplate) { c.DNSNameServer = "8.8.8.8 , 1.1.1.1" }, "", ""},
		{"dns IPv6", "", func(c *template.ClusterTemplate) { c.DNSNameServer = "2001:4860:4860::8888" }, "", ""},
		{"dns name", "", func(c *template.ClusterTemplate) { c.DNSNameServer = "dns.example.com" }, "dns_nameserver", `"dns.example.com" is not an IP address`},
		{"dns trailing comma", "", func(c *template.ClusterTemplate) { c.DNSNameServer = "8.8.8.8," }, "dns_nameserver", `"" is not an IP address`},
		{"dns bad octet", "", func(c *template.ClusterTemplate) { c.DNSNameServer = "8.8.8.256" }, "dns_nameserver", ""},
		{"dns with newline", "", func(c *template.ClusterTemplate) { c.DNSNameServer = "8.8.8.8\n" }, "dns_nameserver", ""},
		{"dns with newline injection", "", func(c *template.ClusterTemplate) { c.DNSNameServer = "8.8.8.8,\n1.1.1.1" }, "dns_nameserver", ""},
		{"dns with tab", "", func(c *template.ClusterTemplate) { c.DNSNameServer = "\t8.8.8.8" }, "dns_nameserver", ""},
		{"dns with shell", "", func(c *template.ClusterTemplate) { c.DNSNameServer = "8.8.8.8;reboot" }, "dns_nameserver", ""},
		{"dns too long", "", func(c *template.ClusterTemplate) { c.DNSNameServer = strings.Repeat("8.8.8.8,", 40) + "8.8.8.8" }, "dns_nameserver", "at most 255"},

		// Proxies: http(s) URLs with a host, no quotes, spaces or shell characters.
		{"http proxy", "", func(c *template.ClusterTemplate) { c.HTTPProxy = "http://10.0.0.1:3128" }, "", ""},
		{"https proxy over http", "", func(c *template.ClusterTemplate) { c.HTTPSProxy = "http://proxy:3128/" }, "", ""},
		{"proxy IPv6", "", func(c *template.ClusterTemplate) { c.HTTPProxy = "http://[::1]:3128" }, "", ""},
		{"proxy with encoded credentials", "", func(c *template.ClusterTemplate) { c.HTTPProxy = "http://u%3Ab:p%24ss@proxy:3128" }, "", ""},
		{"proxy ftp", "", func(c *template.ClusterTemplate) { c.HTTPProxy = "ftp://proxy:21" }, "http_proxy", "http:// or https://"},
		{"proxy without scheme", "", func(c *template.ClusterTemplate) { c.HTTPProxy = "proxy:3128" }, "http_proxy", ""},
		{"proxy without host", "", func(c *template.ClusterTemplate) { c.HTTPProxy = "http://" }, "http_proxy", ""},
		{"proxy port only", "", func(c *template.ClusterTemplate) { c.HTTPProxy = "http://:3128" }, "http_proxy", ""},
		{"proxy user only", "", func(c *template.ClusterTemplate) { c.HTTPProxy = "http://user@:3128" }, "http_proxy", ""},
		{"proxy opaque", "", func(c *template.ClusterTemplate) { c.HTTPProxy = "http:proxy" }, "http_proxy", ""},
		{"proxy double quote", "", func(c *template.ClusterTemplate) { c.HTTPProxy = `http://proxy:3128"` }, "http_proxy", ""},
		{"proxy single quote", "", func(c *template.ClusterTemplate) { c.HTTPProxy = "http://pro'xy:3128" }, "http_proxy", ""},
		{"proxy backtick", "", func(c *template.ClusterTemplate) { c.HTTPProxy = "http://proxy/`reboot`" }, "http_proxy", ""},
		{"proxy command substitution", "", func(c *template.ClusterTemplate) { c.HTTPProxy = "http://proxy/$(reboot)" }, "http_proxy", ""},
		{"proxy variable", "", func(c *template.ClusterTemplate) { c.HTTPProxy = "http://$HOST:3128" }, "http_proxy", ""},
		{"proxy semicolon", "", func(c *template.ClusterTemplate) { c.HTTPProxy = "http://proxy;reboot" }, "http_proxy", ""},
		{"proxy ampersand", "", func(c *template.ClusterTemplate) { c.HTTPProxy = "http://proxy/?a=1&b=2" }, "http_proxy", ""},
		{"proxy pipe", "", func(c *template.ClusterTemplate) { c.HTTPProxy = "http://proxy|sh" }, "http_proxy", ""},
		{"proxy redirect", "", func(c *template.ClusterTemplate) { c.HTTPProxy = "http://proxy>/etc/passwd" }, "http_proxy", ""},
		{"proxy backslash", "", func(c *template.ClusterTemplate) { c.HTTPProxy = `http://proxy\` }, "http_proxy", ""},
		{"proxy hash (YAML comment)", "", func(c *template.ClusterTemplate) { c.HTTPProxy = "http://proxy/#x" }, "http_proxy", ""},
		{"proxy space", "", func(c *template.ClusterTemplate) { c.HTTPProxy = "http://proxy :3128" }, "http_proxy", ""},
		{"proxy trailing newline", "", func(c *template.ClusterTemplate) { c.HTTPProxy = "http://proxy:3128\n" }, "http_proxy", ""},
		{"proxy non-ASCII space", "", func(c *template.ClusterTemplate) { c.HTTPProxy = "http://proxy\u00a0:3128" }, "http_proxy", ""},
		{"proxy non-ASCII host", "", func(c *template.ClusterTemplate) { c.HTTPProxy = "http://prøxy:3128" }, "http_proxy", ""},
		{"proxy too long", "", func(c *template.ClusterTemplate) { c.HTTPProxy = "http://" + long }, "http_proxy", "at most 255"},
		{"https proxy with shell", "", func(c *template.ClusterTemplate) { c.HTTPSProxy = "https://proxy:443/$(id)" }, "https_proxy", ""},
		{"https proxy without host", "", func(c *template.ClusterTemplate) { c.HTTPSProxy = "https:///x" }, "https_proxy", ""},

		// no_proxy: hosts, domains, IPs, CIDRs, "*".
		{"no_proxy list", "", func(c *template.ClusterTemplate) { c.NoProxy = "localhost,127.0.0.1,.svc,10.254.0.0/16,[fd00::1]" }, "", ""},
		{"no_proxy star", "", func(c *template.ClusterTemplate) { c.NoProxy = "*" }, "", ""},
		{"no_proxy empty entry", "", func(c *template.ClusterTemplate) { c.NoProxy = "a,,b" }, "no_proxy", `"" is not a host`},
		{"no_proxy trailing comma", "", func(c *template.ClusterTemplate) { c.NoProxy = "a," }, "no_proxy", ""},
		{"no_proxy space after comma", "", func(c *template.ClusterTemplate) { c.NoProxy = "a, b" }, "no_proxy", `" b" is not a host`},
		{"no_proxy shell", "", func(c *template.ClusterTemplate) { c.NoProxy = "a;reboot" }, "no_proxy", ""},
		{"no_proxy quote", "", func(c *template.ClusterTemplate) { c.NoProxy = `a"` }, "no_proxy", ""},
		{"no_proxy dollar", "", func(c *template.ClusterTemplate) { c.NoProxy = "$(id)" }, "no_proxy", ""},
		{"no_proxy newline", "", func(c *template.ClusterTemplate) { c.NoProxy = "a\nb" }, "no_proxy", ""},
		{"no_proxy non-ASCII", "", func(c *template.ClusterTemplate) { c.NoProxy = "exämple.com" }, "no_proxy", ""},
		{"no_proxy too long", "", func(c *template.ClusterTemplate) { c.NoProxy = long }, "no_proxy", "at most 255"},

		// insecure_registry: host[:port] or CIDR.
		{"registry host:port", "", func(c *template.ClusterTemplate) { c.InsecureRegistry = "registry.local:5000" }, "", ""},
		{"registry CIDR", "", func(c *template.ClusterTemplate) { c.InsecureRegistry = "10.0.0.0/8" }, "", ""},
		{"registry with space", "", func(c *template.ClusterTemplate) { c.InsecureRegistry = "a b" }, "insecure_registry", "registry host[:port]"},
		{"registry with shell", "", func(c *template.ClusterTemplate) { c.InsecureRegistry = "r:5000;reboot" }, "insecure_registry", ""},
		{"registry with quote", "", func(c *template.ClusterTemplate) { c.InsecureRegistry = `r"` }, "insecure_registry", ""},
		{"registry too long", "", func(c *template.ClusterTemplate) { c.InsecureRegistry = long }, "insecure_registry", "at most 255"},

		// Labels: names are a strict character set; values have no controls.
		{"label names", "", func(c *template.ClusterTemplate) {
			c.Labels = labels.Labels{"custom_tag": "v1", "kubernetes.io/role": "m", "A-1.b_c": "x", max: "v"}
		}, "", ""},
		{"label values may hold quotes and spaces", "", func(c *template.ClusterTemplate) {
			c.Labels = labels.Labels{"k": `{"a": "b c"}; $(x)`}
		}, "", ""},
		{"label empty name", "", func(c *template.ClusterTemplate) { c.Labels = labels.Labels{"": "v"} }, "labels", `label name "" is invalid`},
		{"label name with space", "", func(c *template.ClusterTemplate) { c.Labels = labels.Labels{"a b": "v"} }, "labels", `label name "a b" is invalid`},
		{"label name with shell", "", func(c *template.ClusterTemplate) { c.Labels = labels.Labels{"a;reboot": "v"} }, "labels", ""},
		{"label name with quote", "", func(c *template.ClusterTemplate) { c.Labels = labels.Labels{`a"`: "v"} }, "labels", ""},
		{"label name with equals", "", func(c *template.ClusterTemplate) { c.Labels = labels.Labels{"a=b": "v"} }, "labels", ""},
		{"label name with newline", "", func(c *template.ClusterTemplate) { c.Labels = labels.Labels{"a\nb": "v"} }, "labels", `"a\nb"`},
		{"label name non-ASCII", "", func(c *template.ClusterTemplate) { c.Labels = labels.Labels{"größe": "v"} }, "labels", ""},
		{"label name too long", "", func(c *template.ClusterTemplate) { c.Labels = labels.Labels{long: "v"} }, "labels", "…"},
		{"label value newline", "", func(c *template.ClusterTemplate) { c.Labels = labels.Labels{"custom_tag": "v1\nrm -rf /"} }, "labels/custom_tag", "control characters"},
		{"label value NUL", "", func(c *template.ClusterTemplate) { c.Labels = labels.Labels{"k": "\x00"} }, "labels/k", ""},
		{"label value not UTF-8", "", func(c *template.ClusterTemplate) { c.Labels = labels.Labels{"k": "\xc3"} }, "labels/k", "valid UTF-8"},

		// §3.3 label rules come from the COE's drivers.
		{"swarm strategy", "swarm", func(c *template.ClusterTemplate) { c.Labels = labels.Labels{"swarm_strategy": "binpack"} }, "", ""},
		{"swarm strategy unknown", "swarm", func(c *template.ClusterTemplate) { c.Labels = labels.Labels{"swarm_strategy": "fastest"} }, "labels/swarm_strategy", `unknown strategy "fastest"`},
		{"swarm_strategy means nothing to kubernetes", "", func(c *template.ClusterTemplate) { c.Labels = labels.Labels{"swarm_strategy": "fastest"} }, "", ""},
		{"mesos isolation unknown", "mesos", func(c *template.ClusterTemplate) { c.Labels = labels.Labels{"mesos_slave_isolation": "gpu"} }, "labels/mesos_slave_isolation", `unknown isolation "gpu"`},
		{"mesos provider unknown", "mesos", func(c *template.ClusterTemplate) { c.Labels = labels.Labels{"mesos_slave_image_providers": "rkt"} }, "labels/mesos_slave_image_providers", ""},
		{"mesos docker needs docker/runtime", "mesos", func(c *template.ClusterTemplate) {
			c.Labels = labels.Labels{"mesos_slave_image_providers": "docker", "mesos_slave_isolation": "posix/cpu"}
		}, "labels/mesos_slave_isolation", "must include docker/runtime"},
		{"mesos env not JSON", "mesos", func(c *template.ClusterTemplate) {
			c.Labels = labels.Labels{"mesos_slave_executor_env_variables": "{x"}
		}, "labels/mesos_slave_executor_env_variables", "JSON"},
		{"mesos labels mean nothing to swarm", "swarm", func(c *template.ClusterTemplate) { c.Labels = labels.Labels{"mesos_slave_isolation": "gpu"} }, "", ""},
	}
	reg := registry(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			coe := tt.coe
			if coe == "" {
				coe = "kubernetes"
			}
			tpl := valid(t, reg, coe)
			tt.mutate(tpl)
			err := template.Validate(tpl, reg)
			if tt.field == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, errdefs.ErrInvalid)
			problems := errdefs.Problems(err)
			require.Len(t, problems, 1, "exactly one problem: %v", err)
			p := problems[0]
			assert.Equal(t, tt.field, p.Field)
			assert.ErrorIs(t, p, errdefs.ErrInvalid)
			assert.Contains(t, p.Reason, tt.reason)
			assert.Contains(t, err.Error(), tt.field+": ", "the message names the field")
		})
	}
}

func TestValidateReportsEveryProblemAtOnce(t *testing.T) {
	reg := registry(t)
	tpl := &template.ClusterTemplate{
		Name:          strings.Repeat("n", 300),  // 1
		COE:           "kubernetes",              //
		ImageID:       "",                        // 2
		NetworkDriver: "weave",                   // 3
		HTTPProxy:     "http://proxy;reboot",     // 4
		Labels:        labels.Labels{"a b": "v"}, // 5
		// and external_network_id is missing: 6
	}
	err := template.Validate(tpl, reg)
	require.Error(t, err)
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
	assert.Equal(t, []string{"name", "image_id", "http_proxy", "labels", "network_driver", "external_network_id"}, fields(err))

	tpl.ExternalNetworkID = "public"
	assert.Len(t, errdefs.Problems(template.Validate(tpl, reg)), 5, "a template with 5 problems gives 5 problems")
}

func TestValidateEverythingWrongAtOnce(t *testing.T) {
	reg := registry(t)
	long := strings.Repeat("x", 256)
	tpl := &template.ClusterTemplate{
		Name: long, COE: "swarm", ImageID: long, KeyPairID: long, FlavorID: long, MasterFlavorID: long,
		ExternalNetworkID: long, FixedNetwork: long, FixedSubnet: long, DockerStorageDriver: "a b",
		InsecureRegistry: "a b", ClusterDistro: long, Tags: long, DNSNameServer: "x",
		HTTPProxy: "x", HTTPSProxy: "x", NoProxy: "a b", APIServerPort: 1, DockerVolumeSize: -1,
		ServerType: "pod", NetworkDriver: "calico", VolumeDriver: "cinder",
		Labels: labels.Labels{"swarm_strategy": "none", "b\x00": "v", "ok": "\n"},
	}
	err := template.Validate(tpl, reg)
	assert.Equal(t, []string{
		"name", "image_id", "keypair_id", "flavor_id", "master_flavor_id", "external_network_id",
		"fixed_network", "fixed_subnet", "docker_storage_driver", "insecure_registry", "cluster_distro",
		"tags", "dns_nameserver", "http_proxy", "https_proxy", "no_proxy", "apiserver_port",
		"docker_volume_size", "labels", "labels/ok",
		"server_type", "network_driver", "volume_driver", "labels/swarm_strategy",
	}, fields(err))
}

func TestValidateIsDeterministic(t *testing.T) {
	reg := registry(t)
	tpl := valid(t, reg, "kubernetes")
	tpl.Labels = labels.Labels{}
	for _, k := range []string{"z z", "a a", "m m", "b\n", "q q", "c c"} {
		tpl.Labels[k] = "v"
	}
	tpl.Labels["k1"] = "\x01"
	tpl.Labels["k0"] = "\x01"
	first := template.Validate(tpl, reg)
	require.Error(t, first)
	assert.Equal(t, []string{"labels", "labels", "labels", "labels/k0", "labels/k1", "labels", "labels", "labels"}, fields(first),
		"labels are reported in name order")
	for range 20 {
		assert.Equal(t, first.Error(), template.Validate(tpl, reg).Error())
	}
}

func TestValidateDoesNotModify(t *testing.T) {
	reg := registry(t)
	tpl := valid(t, reg, "mesos")
	tpl.Labels["mesos_slave_isolation"] = "bad"
	tpl.ServerType = ""
	before := tpl.Clone()
	require.Error(t, template.Validate(tpl, reg))
	assert.Equal(t, before, tpl)
}

func TestValidateNilInputs(t *testing.T) {
	reg := registry(t)
	err := template.Validate(nil, reg)
	require.Error(t, err)
	assert.ErrorIs(t, err, errdefs.ErrInvalid)

	// A nil catalog knows no COE.
	tpl := &template.ClusterTemplate{COE: "kubernetes", ImageID: "img"}
	err = template.Validate(tpl, nil)
	require.Error(t, err)
	assert.Equal(t, []string{"coe"}, fields(err))

	assert.NotPanics(t, func() { template.ApplyDefaults(nil, reg) })
	template.ApplyDefaults(tpl, nil)
	assert.Equal(t, "vm", tpl.ServerType)
	assert.Empty(t, tpl.NetworkDriver)
}

func TestValidateWithResource(t *testing.T) {
	reg := registry(t)
	tpl := valid(t, reg, "kubernetes")
	tpl.ImageID = ""
	err := errdefs.WithResource(template.Validate(tpl, reg), "clustertemplate", tpl.Name)
	assert.EqualError(t, err, "clustertemplate kubernetes-template: image_id: is required")
}

func TestApplyDefaults(t *testing.T) {
	reg := registry(t)
	tests := []struct {
		coe     string
		network string
	}{
		// §3.1 default network drivers.
		{"kubernetes", "flannel"},
		{"swarm", "docker"},
		{"mesos", "docker"},
		{"unknown", ""},
	}
	for _, tt := range tests {
		t.Run(tt.coe, func(t *testing.T) {
			tpl := &template.ClusterTemplate{COE: tt.coe, ImageID: "img"}
			template.ApplyDefaults(tpl, reg)
			assert.Equal(t, "vm", tpl.ServerType)
			assert.Equal(t, tt.network, tpl.NetworkDriver)
			require.NotNil(t, tpl.FloatingIPEnabled)
			assert.True(t, *tpl.FloatingIPEnabled)
			assert.True(t, tpl.FloatingIP())
			assert.NotNil(t, tpl.Labels)
			assert.Empty(t, tpl.Labels)
			// Nothing else is defaulted.
			assert.False(t, tpl.MasterLBEnabled)
			assert.False(t, tpl.TLSDisabled)
			assert.False(t, tpl.Public)
			assert.False(t, tpl.Hidden)
			assert.False(t, tpl.RegistryEnabled)
			assert.Empty(t, tpl.VolumeDriver, "no default volume driver (§3.1)")
			assert.Zero(t, tpl.DockerVolumeSize)
			assert.Zero(t, tpl.APIServerPort)
		})
	}
}

func TestApplyDefaultsKeepsGivenValues(t *testing.T) {
	reg := registry(t)
	tpl := &template.ClusterTemplate{
		COE: "kubernetes", ServerType: "bm", NetworkDriver: "calico",
		FloatingIPEnabled: ptr(false), Labels: labels.Labels{"kube_tag": "v1"},
	}
	template.ApplyDefaults(tpl, reg)
	assert.Equal(t, "bm", tpl.ServerType)
	assert.Equal(t, "calico", tpl.NetworkDriver)
	assert.False(t, *tpl.FloatingIPEnabled)
	assert.False(t, tpl.FloatingIP())
	assert.Equal(t, labels.Labels{"kube_tag": "v1"}, tpl.Labels)

	// Idempotent.
	again := tpl.Clone()
	template.ApplyDefaults(again, reg)
	assert.Equal(t, tpl, again)
}

func TestFloatingIP(t *testing.T) {
	assert.True(t, (&template.ClusterTemplate{}).FloatingIP(), "unset means on")
	assert.True(t, (&template.ClusterTemplate{FloatingIPEnabled: ptr(true)}).FloatingIP())
	assert.False(t, (&template.ClusterTemplate{FloatingIPEnabled: ptr(false)}).FloatingIP())
}

// TestLabelValidatorErrorsPassThrough checks a driver's label validator that
// returns a plain error: Validate still fails and the error is kept.
func TestLabelValidatorErrorsPassThrough(t *testing.T) {
	plain := errors.New("label backend unreachable")
	cat := template.StaticCatalog{{
		COE: "x", ServerTypes: []string{"vm"},
		ValidateLabels: func(labels.Labels) error { return plain },
	}}
	err := template.Validate(&template.ClusterTemplate{COE: "x", ImageID: "i"}, cat)
	assert.ErrorIs(t, err, plain)
	assert.Empty(t, errdefs.Problems(err))
}
