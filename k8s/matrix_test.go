package k8s_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/k8s"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// matrix is every combination the issue names: TLS on/off × master LB
// on/off × floating IP on/off × docker volume on/off × fixed network given
// or not × 1 and 3 masters.
func matrix() []variant {
	var out []variant
	for _, tls := range []bool{false, true} {
		for _, lb := range []bool{false, true} {
			for _, fip := range []bool{false, true} {
				for _, vol := range []bool{false, true} {
					for _, net := range []bool{false, true} {
						for _, masters := range []int{1, 3} {
							out = append(out, variant{TLSDisabled: tls, MasterLB: lb, FloatingIP: fip,
								DockerVolume: vol, ExistingNetwork: net, Masters: masters, Workers: 2})
						}
					}
				}
			}
		}
	}
	return out
}

func (v variant) name() string {
	onOff := func(b bool) string {
		if b {
			return "on"
		}
		return "off"
	}
	net := "create"
	if v.ExistingNetwork {
		net = "existing"
	}
	return fmt.Sprintf("tls-%s_lb-%s_fip-%s_vol-%s_net-%s_m%d",
		onOff(!v.TLSDisabled), onOff(v.MasterLB), onOff(v.FloatingIP), onOff(v.DockerVolume), net, v.Masters)
}

func drivers() []*k8s.Driver { return []*k8s.Driver{k8s.NewFedoraAtomic(), k8s.NewCoreOS()} }

// TestMatrixRendersAndChecks renders every matrix point with both drivers,
// runs the structural check on the result as Heat will receive it, and
// checks what each structural choice must produce.
func TestMatrixRendersAndChecks(t *testing.T) {
	for _, d := range drivers() {
		r, err := d.Renderer()
		require.NoError(t, err)
		for _, v := range matrix() {
			t.Run(d.Info().Name+"/"+v.name(), func(t *testing.T) {
				req, f, err := d.RenderCluster(input(t, v))
				require.NoError(t, err)
				def := r.Definition()
				require.NoError(t, heat.Check(req, def.RequiredOutputs(f)), "the request passes the structural check")

				env := registry(t, req)
				assert.Equal(t, v.MasterLB, f["master_lb"])
				assert.Equal(t, v.FloatingIP, f["floating_ip"])
				assert.Equal(t, v.MasterLB && v.FloatingIP, f["lb_floating_ip"])
				assert.Equal(t, v.DockerVolume, f["docker_volume"])
				assert.Equal(t, v.TLSDisabled, f["tls_disabled"])

				// Environment: one entry per optional resource type.
				if v.ExistingNetwork {
					assert.Equal(t, "templates/network_existing.yaml", env["GoMagnum::Network"])
					assert.NotContains(t, req.Files, "templates/network_private.yaml")
				} else {
					assert.Equal(t, "templates/network_private.yaml", env["GoMagnum::Network"])
				}
				if v.MasterLB {
					assert.Equal(t, "templates/lb_api.yaml", env["GoMagnum::APILoadBalancer"])
					assert.Equal(t, "OS::Octavia::PoolMember", env["GoMagnum::Optional::PoolMember"])
					assert.Contains(t, req.Files["templates/lb_api.yaml"], "OS::Octavia::Listener")
					assert.Equal(t, v.FloatingIP, strings.Contains(req.Files["templates/lb_api.yaml"], "OS::Neutron::FloatingIP"),
						"the API LB has a floating IP iff floating IPs are on")
				} else {
					assert.Equal(t, "templates/lb_none.yaml", env["GoMagnum::APILoadBalancer"])
					assert.Equal(t, "OS::Heat::None", env["GoMagnum::Optional::PoolMember"])
					assert.NotContains(t, req.Files, "templates/lb_api.yaml")
				}
				assert.Equal(t, map[bool]string{true: "OS::Neutron::FloatingIP", false: "OS::Heat::None"}[v.FloatingIP], env["GoMagnum::Optional::FloatingIP"])
				assert.Equal(t, map[bool]string{true: "OS::Cinder::Volume", false: "OS::Heat::None"}[v.DockerVolume], env["GoMagnum::Optional::DockerVolume"])

				// Parameters.
				p := req.Parameters
				assert.Equal(t, v.Masters, p["number_of_masters"])
				assert.Equal(t, 2, p["number_of_minions"])
				port := 6443
				if v.TLSDisabled {
					port = 8080
				}
				assert.Equal(t, port, p["kubernetes_port"])
				if v.ExistingNetwork {
					assert.Equal(t, "cluster-net", p["fixed_network"])
					assert.Equal(t, "cluster-subnet", p["fixed_subnet"])
				} else {
					assert.NotContains(t, p, "fixed_network")
				}
				if v.DockerVolume {
					assert.Equal(t, 20, p["docker_volume_size"])
				}

				// No public etcd discovery: masters bootstrap from the
				// pre-allocated ports.
				assert.Contains(t, string(req.Template), "peer_addresses: {get_attr: [master_ports, fixed_ip]}")
				for name, body := range req.Files {
					assert.NotContains(t, body, "discovery.etcd.io", name)
				}
				nodeEnv, err := k8s.ParseEnvFile([]byte(p["node_env"].(string)))
				require.NoError(t, err)
				disc, _ := nodeEnv.Get("ETCD_DISCOVERY_URL")
				assert.Empty(t, disc)
			})
		}
	}
}

// registry decodes the request's resource_registry.
func registry(t *testing.T, req heat.StackRequest) map[string]string {
	t.Helper()
	var env struct {
		ResourceRegistry map[string]string `json:"resource_registry"`
	}
	require.NoError(t, json.Unmarshal(req.Environment, &env))
	return env.ResourceRegistry
}

// TestGolden pins the rendered stack of every matrix point: template
// files (stored once per distinct content under testdata/golden/files),
// environment and parameters. Run with -update to rewrite them after a
// deliberate change, and review the diff.
func TestGolden(t *testing.T) {
	root := filepath.Join("testdata", "golden")
	if *update {
		require.NoError(t, os.RemoveAll(root))
		require.NoError(t, os.MkdirAll(filepath.Join(root, "files"), 0o755))
	}
	for _, d := range drivers() {
		for _, v := range matrix() {
			t.Run(d.Info().Name+"/"+v.name(), func(t *testing.T) {
				req, f, err := d.RenderCluster(input(t, v))
				require.NoError(t, err)
				doc, contents := goldenDoc(d, v, req, f)
				path := filepath.Join(root, d.Info().Name, v.name()+".golden")
				if *update {
					require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
					require.NoError(t, os.WriteFile(path, doc, 0o644))
					for name, body := range contents {
						require.NoError(t, os.WriteFile(filepath.Join(root, "files", name), body, 0o644))
					}
					return
				}
				want, err := os.ReadFile(path)
				require.NoError(t, err, "no golden file; run go test ./k8s -run TestGolden -update")
				assert.Equal(t, string(want), string(doc), "rendered stack differs from %s (rerun with -update if intended)", path)
				for name, body := range contents {
					want, err := os.ReadFile(filepath.Join(root, "files", name))
					require.NoError(t, err)
					assert.Equal(t, string(want), string(body), name)
				}
			})
		}
	}
}

// goldenDoc describes a rendered request: features, environment, the
// files by name and content hash, and the parameters. Templates are
// returned for storage under their hash; scripts are pinned by hash only
// (their content is the embedded file, tested on its own).
func goldenDoc(d *k8s.Driver, v variant, req heat.StackRequest, f heat.Features) ([]byte, map[string][]byte) {
	var b bytes.Buffer
	contents := map[string][]byte{}
	fmt.Fprintf(&b, "# %s %s\n", d.Info().Name, v.name())
	fj, _ := json.Marshal(f)
	fmt.Fprintf(&b, "features: %s\n", fj)
	fmt.Fprintf(&b, "environment: %s\n", req.Environment)
	fmt.Fprintf(&b, "timeout: %s disable_rollback: %v tags: %v\n", req.Timeout, req.DisableRollback, req.Tags)
	b.WriteString("files:\n")
	add := func(name string, body []byte) {
		sum := sha256.Sum256(body)
		h := hex.EncodeToString(sum[:6])
		if strings.HasPrefix(name, "scripts/") {
			fmt.Fprintf(&b, "  %s sha256:%s\n", name, h)
			return
		}
		stored := strings.TrimSuffix(filepath.Base(name), ".yaml") + "-" + h + ".yaml"
		contents[stored] = body
		fmt.Fprintf(&b, "  %s -> files/%s\n", name, stored)
	}
	add("(top) templates/cluster.yaml", req.Template)
	for _, name := range slices.Sorted(maps.Keys(req.Files)) {
		add(name, []byte(req.Files[name]))
	}
	b.WriteString("parameters:\n")
	for _, k := range slices.Sorted(maps.Keys(req.Parameters)) {
		val := req.Parameters[k]
		switch k {
		case "ca_cert", "etcd_ca_cert", "front_proxy_ca_cert", "master_env":
			// testdata/bootstrap material: pinned by hash.
			sum := sha256.Sum256([]byte(val.(string)))
			fmt.Fprintf(&b, "  %s: sha256:%s\n", k, hex.EncodeToString(sum[:6]))
		case "node_env":
			fmt.Fprintf(&b, "  %s: |\n", k)
			for _, line := range strings.SplitAfter(val.(string), "\n") {
				if line != "" {
					b.WriteString("    " + line)
				}
			}
		default:
			j, _ := json.Marshal(val)
			fmt.Fprintf(&b, "  %s: %s\n", k, j)
		}
	}
	return b.Bytes(), contents
}
