package swarm_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/swarm"
	"github.com/gomagnum/magnum/template"
)

// nodeAPI is what a booting server talks to, in one test server: Keystone
// (tokens for the trustee), the certificate API (a real certs.Manager
// with its default policy, widened by trusteeClientNames), and the Heat
// wait condition.
type nodeAPI struct {
	t       *testing.T
	srv     *httptest.Server
	mgr     *certs.Manager
	cluster certs.Cluster
	trustee driver.Trustee
	token   string

	mu      sync.Mutex
	signed  []*x509.Certificate
	refused []string
	fetched []string
	signals []map[string]any
}

const (
	testClusterUUID = "3c8b1d2e-6f0a-4b7c-9d5e-1a2b3c4d5e6f"
	testWaitToken   = "wait-token-123"
	// hostile is in the trustee's password and the proxies: it must reach
	// the nodes as data and never run.
	hostile = `p'w"d $(touch /tmp/gomagnum-pwned) ` + "`id`" + ` %n \ ;reboot`
)

func newNodeAPI(t *testing.T, trusteeClientNames ...string) *nodeAPI {
	t.Helper()
	mgr, err := certs.New(certs.Config{Policy: certs.DefaultPolicy{TrusteeClientNames: trusteeClientNames}})
	require.NoError(t, err)
	a := &nodeAPI{t: t, mgr: mgr, token: "keystone-token-abc",
		trustee: driver.Trustee{UserID: "trustee-1", Password: hostile, TrustID: "trust-9"}}
	a.cluster = certs.Cluster{UUID: testClusterUUID, Name: "prod", ProjectID: "p", UserID: "u", TrusteeUserID: a.trustee.UserID}
	_, err = mgr.Create(context.Background(), a.cluster)
	require.NoError(t, err)
	a.srv = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *nodeAPI) caPEM(t certs.CAType) []byte {
	ca, err := a.mgr.CA(context.Background(), testClusterUUID, t)
	require.NoError(a.t, err)
	return certs.CertificatePEM(ca)
}

func (a *nodeAPI) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v3/auth/tokens":
		var req struct {
			Auth struct {
				Identity struct {
					Password struct {
						User struct{ ID, Password string } `json:"user"`
					} `json:"password"`
				} `json:"identity"`
				Scope struct {
					Trust struct{ ID string } `json:"OS-TRUST:trust"`
				} `json:"scope"`
			} `json:"auth"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		u := req.Auth.Identity.Password.User
		if u.ID != a.trustee.UserID || u.Password != a.trustee.Password || req.Auth.Scope.Trust.ID != a.trustee.TrustID {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		w.Header().Set("X-Subject-Token", a.token)
		w.WriteHeader(http.StatusCreated)
	case strings.HasPrefix(r.URL.Path, "/v1/certificates"):
		if r.Header.Get("X-Auth-Token") != a.token {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		a.serveCertificates(w, r, body)
	case r.URL.Path == "/heat/signal" && r.Header.Get("X-Auth-Token") == testWaitToken:
		var sig map[string]any
		if err := json.Unmarshal(body, &sig); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		a.mu.Lock()
		a.signals = append(a.signals, sig)
		a.mu.Unlock()
	default:
		http.NotFound(w, r)
	}
}

func (a *nodeAPI) serveCertificates(w http.ResponseWriter, r *http.Request, body []byte) {
	write := func(v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/v1/certificates/"+testClusterUUID:
		t, err := certs.ParseCAType(r.URL.Query().Get("ca_cert_type"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		a.mu.Lock()
		a.fetched = append(a.fetched, string(t))
		a.mu.Unlock()
		write(map[string]any{"pem": string(a.caPEM(t))})
	case r.Method == http.MethodPost && r.URL.Path == "/v1/certificates":
		var req struct {
			ClusterUUID string `json:"cluster_uuid"`
			CSR         string `json:"csr"`
			CAType      string `json:"ca_cert_type"`
		}
		if err := json.Unmarshal(body, &req); err != nil || req.ClusterUUID != testClusterUUID {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		t, err := certs.ParseCAType(req.CAType)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		cert, err := a.mgr.SignCSR(r.Context(), certs.SignRequest{Cluster: a.cluster, CAType: t, CSR: []byte(req.CSR),
			Requester: certs.Requester{UserID: a.trustee.UserID, ProjectID: "p", Trustee: true}})
		if err != nil {
			status := http.StatusBadRequest
			if errors.Is(err, errdefs.ErrForbidden) {
				status = http.StatusForbidden
			}
			a.mu.Lock()
			a.refused = append(a.refused, err.Error())
			a.mu.Unlock()
			http.Error(w, err.Error(), status)
			return
		}
		a.mu.Lock()
		a.signed = append(a.signed, cert)
		a.mu.Unlock()
		write(map[string]any{"pem": string(certs.CertificatePEM(cert))})
	default:
		http.NotFound(w, r)
	}
}

// The stubbed system commands log their arguments; docker answers every
// exec (etcdctl) with success.
const fakeCommand = `#!/bin/bash
printf '%s' "$(basename "$0")" >>"$GOMAGNUM_TEST_LOG"
printf ' %s' "$@" >>"$GOMAGNUM_TEST_LOG"
printf '\n' >>"$GOMAGNUM_TEST_LOG"
case "$(basename "$0")" in blkid) exit 2 ;; esac
exit 0
`

// serverSpec is what Heat would have written about a server.
type serverSpec struct {
	role, name, index, privateIP, publicIP, peers, etcdAddress, apiPrivate, apiPublic, dockerVolume string
}

func managerSpec(index string) serverSpec {
	return serverSpec{role: "master", name: "prod-3c8b1d2e-master-" + index, index: index,
		privateIP: "10.0.0.1" + index, publicIP: "172.24.4.20", peers: "10.0.0.10,10.0.0.11,10.0.0.12",
		etcdAddress: "10.0.0.200", apiPrivate: "10.0.0.100", apiPublic: "172.24.4.100"}
}

func nodeSpecOf() serverSpec {
	return serverSpec{role: "node", name: "prod-3c8b1d2e-node-1", index: "1", privateIP: "10.0.0.31",
		peers: "10.0.0.10", dockerVolume: "0123456789abcdef0123456789abcdef"}
}

// bootRequest is a driver request for a cluster of api's CAs.
func bootRequest(api *nodeAPI, t *template.ClusterTemplate, masters int, lbls map[string]string) *driver.Request {
	c := &cluster.Cluster{UUID: testClusterUUID, Name: "prod", ProjectID: "p", UserID: "u", MasterCount: masters, NodeCount: 1, Labels: lbls}
	return &driver.Request{
		Template: t, Cluster: c, Name: "prod-stack",
		NodeGroups: []*cluster.NodeGroup{
			{Role: cluster.RoleMaster, NodeCount: masters, IsDefault: true},
			{Role: cluster.RoleWorker, NodeCount: 1, IsDefault: true},
		},
		Nodes: driver.NodeAccess{
			SignURL: api.srv.URL + "/v1", AuthURL: api.srv.URL + "/v3", RegionName: "RegionOne",
			CACerts: map[string][]byte{string(certs.CAKubernetes): api.caPEM(certs.CAKubernetes), string(certs.CAEtcd): api.caPEM(certs.CAEtcd)},
			Trustee: api.trustee,
		},
	}
}

func bootTemplate(f func(t *template.ClusterTemplate)) *template.ClusterTemplate {
	t := &template.ClusterTemplate{COE: swarm.COE, ImageID: "fedora-atomic", ExternalNetworkID: "public", MasterLBEnabled: true}
	if f != nil {
		f(t)
	}
	return t
}

// server is one bootstrap run in a temporary root.
type server struct {
	root, log string
	out       []byte
	err       error
}

func (s *server) path(p string) string { return filepath.Join(s.root, p) }

func (s *server) read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(s.path(p))
	require.NoError(t, err, p)
	return string(b)
}

func (s *server) exists(p string) bool {
	_, err := os.Stat(s.path(p))
	return err == nil
}

func (s *server) mode(t *testing.T, p string) os.FileMode {
	t.Helper()
	st, err := os.Stat(s.path(p))
	require.NoError(t, err)
	return st.Mode().Perm()
}

func (s *server) commands(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(s.log)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	require.NoError(t, err)
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

func (s *server) cert(t *testing.T, p string) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode([]byte(s.read(t, p)))
	require.NotNil(t, block, p)
	c, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	return c
}

// daemonJSON decodes the engine's configuration.
func (s *server) daemonJSON(t *testing.T) map[string]any {
	t.Helper()
	var cfg map[string]any
	require.NoError(t, json.Unmarshal([]byte(s.read(t, "etc/docker/daemon.json")), &cfg), s.read(t, "etc/docker/daemon.json"))
	return cfg
}

func requireBash(t *testing.T) string {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	for _, tool := range []string{"openssl", "curl", "awk"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	return bash
}

// boot renders the cluster's stack and runs bootstrap.sh for one server
// under bash in a temporary root, with what cloud-init would write from
// the stack and stubbed system commands.
func boot(t *testing.T, api *nodeAPI, req *driver.Request, spec serverSpec, extraEnv ...string) *server {
	t.Helper()
	bash := requireBash(t)
	sr, _, err := swarm.New().RenderStack(req)
	require.NoError(t, err)
	s := &server{root: t.TempDir()}
	s.log = filepath.Join(s.root, "test-commands.log")
	write := func(p, content string, mode os.FileMode) {
		require.NoError(t, os.MkdirAll(filepath.Dir(s.path(p)), 0o755))
		require.NoError(t, os.WriteFile(s.path(p), []byte(content), mode))
	}
	param := func(k string) string { v, _ := sr.Parameters[k].(string); return v }
	write("etc/gomagnum/node.env", param("node_env"), 0o600)
	write("etc/gomagnum/pki/ca.crt", param("ca_cert"), 0o644)
	write("etc/gomagnum/pki/etcd-ca.crt", param("etcd_ca_cert"), 0o644)
	for k, v := range map[string]string{
		"role": spec.role, "node_name": spec.name, "node_index": spec.index, "private_ip": spec.privateIP,
		"public_ip": spec.publicIP, "peer_addresses": spec.peers, "etcd_address": spec.etcdAddress,
		"api_private_address": spec.apiPrivate, "api_public_address": spec.apiPublic, "docker_volume": spec.dockerVolume,
		"wait_endpoint": api.srv.URL + "/heat/signal", "wait_token": testWaitToken,
	} {
		write("etc/gomagnum/stack/"+k, v, 0o644)
	}
	// The scripts as the stack carries them.
	for name, body := range sr.Files {
		if strings.HasPrefix(name, "scripts/") {
			write("opt/gomagnum/"+name, body, 0o700)
		}
	}
	if spec.dockerVolume != "" {
		write("dev/disk/by-id/virtio-"+spec.dockerVolume[:20], "", 0o600)
	}
	stubs := filepath.Join(s.root, "test-stubs")
	for _, c := range []string{"systemctl", "docker", "dockerd", "flanneld", "blkid", "mkfs.xfs"} {
		write("test-stubs/"+c, fakeCommand, 0o755)
	}
	cmd := exec.Command(bash, s.path("opt/gomagnum/scripts/bootstrap.sh"))
	cmd.Env = append([]string{
		"PATH=" + stubs + ":" + os.Getenv("PATH"),
		"HOME=" + s.root, "TMPDIR=" + t.TempDir(),
		"GOMAGNUM_ROOT=" + s.root, "GOMAGNUM_TEST_LOG=" + s.log,
		"VOLUME_WAIT_TRIES=1", "CURL_RETRIES=0",
		"ETCD_WAIT_TRIES=2", "ETCD_WAIT_SECONDS=0", "FLANNEL_WAIT_TRIES=2", "FLANNEL_WAIT_SECONDS=0",
	}, extraEnv...)
	s.out, s.err = cmd.CombinedOutput()
	if os.Getenv("SWARM_TEST_VERBOSE") != "" {
		t.Logf("%s", s.out)
	}
	return s
}

func requireSuccess(t *testing.T, api *nodeAPI, s *server, name string) {
	t.Helper()
	require.NoError(t, s.err, "bootstrap failed:\n%s", s.out)
	assert.True(t, s.exists("var/lib/gomagnum/bootstrap.done"))
	api.mu.Lock()
	defer api.mu.Unlock()
	require.Len(t, api.signals, 1, "one signal to Heat")
	assert.Equal(t, "SUCCESS", api.signals[0]["status"])
	assert.Equal(t, name, api.signals[0]["id"])
}

func ips(c *x509.Certificate) []string {
	var out []string
	for _, ip := range c.IPAddresses {
		out = append(out, ip.String())
	}
	return out
}

func TestBootstrapFirstManager(t *testing.T) {
	t.Parallel()
	api := newNodeAPI(t, swarm.ManagerCommonName)
	req := bootRequest(api, bootTemplate(func(t *template.ClusterTemplate) { t.NetworkDriver = "flannel" }), 3,
		map[string]string{"swarm_strategy": "binpack random", "flannel_backend": "host-gw", "flannel_network_subnetlen": "26"})
	req.Nodes.CACerts[string(certs.CAEtcd)] = nil // fetched from the API
	spec := managerSpec("0")
	s := boot(t, api, req, spec)
	requireSuccess(t, api, s, spec.name)
	assert.Equal(t, []string{"etcd"}, api.fetched, "only the CA the stack did not carry is fetched")

	// The managers' certificate: client and server, with every address.
	mc := s.cert(t, "etc/gomagnum/tls/manager.crt")
	assert.Equal(t, swarm.ManagerCommonName, mc.Subject.CommonName)
	assert.ElementsMatch(t, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}, mc.ExtKeyUsage)
	assert.Subset(t, ips(mc), []string{"127.0.0.1", spec.privateIP, spec.publicIP, spec.apiPrivate, spec.apiPublic})
	assert.Equal(t, os.FileMode(0o600), s.mode(t, "etc/gomagnum/tls/manager.key"))
	es := s.cert(t, "etc/gomagnum/tls/etcd-server.crt")
	assert.Contains(t, ips(es), spec.etcdAddress, "the etcd load balancer's address")
	assert.Contains(t, es.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
	ec := s.cert(t, "etc/gomagnum/tls/etcd-client.crt")
	assert.Equal(t, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, ec.ExtKeyUsage)
	for _, c := range api.signed {
		assert.NotContains(t, c.Subject.Organization, "system:masters")
	}

	// The engine listens on its socket only.
	cfg := s.daemonJSON(t)
	assert.Equal(t, []any{"unix:///var/run/docker.sock"}, cfg["hosts"])
	assert.Nil(t, cfg["tlsverify"])

	// etcd forms from the pre-allocated ports.
	etcd := s.read(t, "etc/systemd/system/gomagnum-etcd.service")
	assert.Contains(t, etcd, `"--initial-cluster=prod-3c8b1d2e-master-0=https://10.0.0.10:2380,prod-3c8b1d2e-master-1=https://10.0.0.11:2380,prod-3c8b1d2e-master-2=https://10.0.0.12:2380"`)
	assert.Contains(t, etcd, `"--enable-v2=true"`)
	assert.Contains(t, etcd, `"quay.io/coreos/etcd:v3.4.33"`)

	// The first manager publishes flannel's configuration.
	cmds := s.commands(t)
	var set string
	for _, c := range cmds {
		if strings.Contains(c, " set /coreos.com/network/config ") {
			set = c
		}
	}
	require.NotEmpty(t, set, "%v", cmds)
	assert.Contains(t, set, `{"Network": "10.100.0.0/16", "SubnetLen": 26, "Backend": {"Type": "host-gw"}}`)

	// The manager: replicated, TLS, the first strategy, discovery through
	// the etcd load balancer.
	mgr := s.read(t, "etc/systemd/system/gomagnum-swarm-manager.service")
	for _, want := range []string{`"manage" "-H" "tcp://0.0.0.0:2376" "--strategy" "binpack"`, `"--replication" "--advertise" "10.0.0.10:2376"`,
		`"--tlsverify" "--tlscacert" "/etc/gomagnum/tls/ca.crt" "--tlscert" "/etc/gomagnum/tls/manager.crt"`,
		`"kv.certfile=/etc/gomagnum/tls/etcd-client.crt"`, `"etcd://10.0.0.200:2379/swarm"`, `"docker.io/library/swarm:1.2.9"`} {
		assert.Contains(t, mgr, want)
	}
	assert.Contains(t, cmds, "systemctl enable --now gomagnum-swarm-manager.service")
	assert.Contains(t, cmds, "systemctl enable --now docker.service")
	assert.False(t, s.exists("etc/systemd/system/gomagnum-swarm-agent.service"))
}

// TestBootstrapManagerRefused: without swarm-manager among the trustee's
// client names the policy refuses the managers' certificate; the manager
// fails with a reason that says what to change and leaves no key behind.
func TestBootstrapManagerRefused(t *testing.T) {
	t.Parallel()
	api := newNodeAPI(t)
	req := bootRequest(api, bootTemplate(nil), 1, nil)
	spec := managerSpec("0")
	spec.peers, spec.etcdAddress = spec.privateIP, ""
	s := boot(t, api, req, spec)
	require.Error(t, s.err)
	assert.Contains(t, string(s.out), "must list swarm-manager among the trustee's client names")
	assert.False(t, s.exists("etc/gomagnum/tls/manager.key"), "no key left behind")
	assert.False(t, s.exists("var/lib/gomagnum/bootstrap.done"))
	require.Len(t, api.signals, 1)
	assert.Equal(t, "FAILURE", api.signals[0]["status"])
	assert.Contains(t, api.signals[0]["reason"], "failed at step certificates")
	require.NotEmpty(t, api.refused)
}

func TestBootstrapManagerTLSDisabled(t *testing.T) {
	t.Parallel()
	api := newNodeAPI(t) // the default policy is enough without TLS
	req := bootRequest(api, bootTemplate(func(t *template.ClusterTemplate) { t.TLSDisabled = true; t.MasterLBEnabled = false }), 1, nil)
	spec := managerSpec("0")
	spec.peers, spec.etcdAddress, spec.apiPublic, spec.apiPrivate = spec.privateIP, "", "", spec.privateIP
	s := boot(t, api, req, spec)
	requireSuccess(t, api, s, spec.name)
	mgr := s.read(t, "etc/systemd/system/gomagnum-swarm-manager.service")
	assert.Contains(t, mgr, `"tcp://0.0.0.0:2375" "--strategy" "spread"`)
	assert.NotContains(t, mgr, "--tlsverify")
	assert.NotContains(t, mgr, "--replication", "one manager does not replicate")
	assert.Contains(t, mgr, `"etcd://10.0.0.10:2379/swarm"`, "discovery on the managers' etcd without a load balancer")
	assert.False(t, s.exists("etc/gomagnum/tls/manager.crt"))
	assert.True(t, s.exists("etc/gomagnum/tls/etcd-server.crt"), "etcd keeps TLS")
	for _, c := range s.commands(t) {
		assert.NotContains(t, c, "/coreos.com/network", "no flannel with the docker network driver")
	}
}

func TestBootstrapNode(t *testing.T) {
	t.Parallel()
	api := newNodeAPI(t)
	req := bootRequest(api, bootTemplate(func(t *template.ClusterTemplate) {
		t.VolumeDriver, t.DockerVolumeSize = "rexray", 10
		t.HTTPProxy, t.NoProxy = "http://proxy.example.com:3128/"+hostile, "internal.example.com"
		t.InsecureRegistry = "registry.local:5000"
	}), 1, map[string]string{"rexray_preempt": "true", "availability_zone": "az-1"})
	spec := nodeSpecOf()
	spec.etcdAddress = "10.0.0.200"
	s := boot(t, api, req, spec)
	requireSuccess(t, api, s, spec.name)
	_, err := os.Stat("/tmp/gomagnum-pwned")
	assert.True(t, errors.Is(err, fs.ErrNotExist), "a hostile value ran")

	// The engine: TLS on 2375 for the managers, overlay networks in etcd.
	engine := s.cert(t, "etc/gomagnum/tls/engine.crt")
	assert.Equal(t, spec.name, engine.Subject.CommonName)
	assert.Equal(t, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, engine.ExtKeyUsage)
	assert.Contains(t, ips(engine), spec.privateIP)
	cfg := s.daemonJSON(t)
	assert.Equal(t, []any{"unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"}, cfg["hosts"])
	assert.Equal(t, true, cfg["tlsverify"])
	assert.Equal(t, "/etc/gomagnum/tls/ca.crt", cfg["tlscacert"])
	assert.Equal(t, "etcd://10.0.0.200:2379", cfg["cluster-store"])
	assert.Equal(t, "10.0.0.31:2375", cfg["cluster-advertise"])
	assert.Equal(t, []any{"registry.local:5000"}, cfg["insecure-registries"])
	assert.Equal(t, "overlay2", cfg["storage-driver"])

	// The agent registers the engine.
	agent := s.read(t, "etc/systemd/system/gomagnum-swarm-agent.service")
	assert.Contains(t, agent, `"join" "--advertise" "10.0.0.31:2375"`)
	assert.Contains(t, agent, `"etcd://10.0.0.200:2379/swarm"`)

	// The docker volume, mounted before the engine starts.
	mount := s.read(t, "etc/systemd/system/var-lib-docker.mount")
	assert.Contains(t, mount, "What=/dev/disk/by-id/virtio-0123456789abcdef0123")
	cmds := s.commands(t)
	assert.Less(t, slices.Index(cmds, "systemctl enable --now var-lib-docker.mount"), slices.Index(cmds, "systemctl enable --now docker.service"))

	// Proxies reach the engine quoted for systemd, verbatim.
	dropin := s.read(t, "etc/systemd/system/docker.service.d/http-proxy.conf")
	assert.Contains(t, dropin, `Environment="HTTP_PROXY=http://proxy.example.com:3128/p'w\"d $$(touch /tmp/gomagnum-pwned) `+"`id`"+` %%n \\ ;reboot"`)
	assert.Contains(t, dropin, `NO_PROXY=internal.example.com,127.0.0.1,127.0.0.1,localhost,127.0.0.1,10.0.0.31"`)

	// REX-Ray with the trustee, its password kept as data in a 0600 file.
	rex := s.read(t, "etc/rexray/config.yml")
	assert.Equal(t, os.FileMode(0o600), s.mode(t, "etc/rexray/config.yml"))
	pw, err := json.Marshal(hostile)
	require.NoError(t, err)
	assert.Contains(t, rex, "  password: "+string(pw)+"\n")
	assert.Contains(t, rex, "preempt: true")
	assert.Contains(t, rex, `availabilityZoneName: "az-1"`)
	assert.Contains(t, rex, `trustID: "trust-9"`)
	assert.Contains(t, cmds, "systemctl enable --now gomagnum-rexray.service")
	assert.False(t, s.exists("etc/systemd/system/gomagnum-etcd.service"))
}

func TestBootstrapNodeFlannelWithoutTLS(t *testing.T) {
	t.Parallel()
	api := newNodeAPI(t)
	req := bootRequest(api, bootTemplate(func(t *template.ClusterTemplate) { t.NetworkDriver, t.TLSDisabled = "flannel", true }), 1, nil)
	spec := nodeSpecOf()
	spec.dockerVolume, spec.peers = "", "10.0.0.10,10.0.0.11,10.0.0.12"
	// What flanneld writes once it has a lease.
	s := bootWithLease(t, api, req, spec, "FLANNEL_NETWORK=10.100.0.0/16\nFLANNEL_SUBNET=10.100.7.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=false\n")
	requireSuccess(t, api, s, spec.name)
	cfg := s.daemonJSON(t)
	assert.Equal(t, "10.100.7.1/24", cfg["bip"])
	assert.Equal(t, float64(1450), cfg["mtu"])
	assert.Nil(t, cfg["tlsverify"])
	assert.Nil(t, cfg["cluster-store"], "flannel, not overlay networks")
	assert.Equal(t, []any{"unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"}, cfg["hosts"])
	fl := s.read(t, "etc/sysconfig/flanneld")
	assert.Contains(t, fl, "FLANNEL_ETCD_ENDPOINTS=https://10.0.0.10:2379,https://10.0.0.11:2379,https://10.0.0.12:2379\n")
	assert.Contains(t, fl, "-iface=10.0.0.31")
	cmds := s.commands(t)
	assert.Less(t, slices.Index(cmds, "systemctl enable --now flanneld.service"), slices.Index(cmds, "systemctl enable --now docker.service"))
	assert.False(t, s.exists("etc/gomagnum/tls/engine.crt"), "no engine certificate without TLS")
	assert.False(t, s.exists("etc/systemd/system/gomagnum-rexray.service"))
}

// bootWithLease boots with a flannel lease already in place.
func bootWithLease(t *testing.T, api *nodeAPI, req *driver.Request, spec serverSpec, lease string) *server {
	t.Helper()
	// The lease must be in the root boot makes; a wrapper script writes it
	// before the bootstrap runs.
	wrapper := filepath.Join(t.TempDir(), "lease.sh")
	require.NoError(t, os.WriteFile(wrapper, []byte("#!/bin/bash\nmkdir -p \"$GOMAGNUM_ROOT/run/flannel\"\nprintf '%s' \"$LEASE\" >\"$GOMAGNUM_ROOT/run/flannel/subnet.env\"\n"), 0o755))
	return boot(t, api, req, spec, "LEASE="+lease, "BASH_ENV="+wrapper)
}

func TestBootstrapFlannelWithoutLease(t *testing.T) {
	t.Parallel()
	api := newNodeAPI(t)
	req := bootRequest(api, bootTemplate(func(t *template.ClusterTemplate) { t.NetworkDriver, t.TLSDisabled = "flannel", true }), 1, nil)
	spec := nodeSpecOf()
	spec.dockerVolume = ""
	s := boot(t, api, req, spec)
	require.Error(t, s.err)
	assert.Contains(t, string(s.out), "flannel's subnet lease did not happen in time")
	require.Len(t, api.signals, 1)
	assert.Contains(t, api.signals[0]["reason"], "failed at step flannel")
}

func TestBootstrapRejectsBadStackValues(t *testing.T) {
	t.Parallel()
	for name, edit := range map[string]func(*serverSpec){
		"node name":  func(s *serverSpec) { s.name = "node;reboot" },
		"private ip": func(s *serverSpec) { s.privateIP = "10.0.0.1 --flag" },
		"peers":      func(s *serverSpec) { s.peers = "$(id)" },
		"etcd":       func(s *serverSpec) { s.etcdAddress = "10.0.0.1:2379/x" },
		"role":       func(s *serverSpec) { s.role = "admin" },
		"volume":     func(s *serverSpec) { s.dockerVolume = "../../etc/passwd-0000000000" },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			api := newNodeAPI(t)
			spec := nodeSpecOf()
			edit(&spec)
			s := boot(t, api, bootRequest(api, bootTemplate(nil), 1, nil), spec)
			require.Error(t, s.err)
			assert.Contains(t, string(s.out), "does not look right")
			assert.Empty(t, api.signed, "nothing was signed")
		})
	}
}

// TestBootstrapIdempotent: a second run (a reboot re-running cloud-init
// scripts) does nothing.
func TestBootstrapIdempotent(t *testing.T) {
	t.Parallel()
	api := newNodeAPI(t)
	spec := nodeSpecOf()
	spec.dockerVolume = ""
	s := boot(t, api, bootRequest(api, bootTemplate(nil), 1, nil), spec)
	requireSuccess(t, api, s, spec.name)
	cmd := exec.Command("bash", s.path("opt/gomagnum/scripts/bootstrap.sh"))
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "GOMAGNUM_ROOT=" + s.root, "TMPDIR=" + t.TempDir()}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "already bootstrapped")
	assert.Len(t, api.signals, 1, fmt.Sprint(api.signals))
}
