package k8s_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
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
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/k8s"
)

// nodeAPI is what a booting node talks to, in one test server: Keystone
// (tokens for the trustee), the certificate API (backed by a real
// certs.Manager and its default policy), the download mirrors and the Heat
// wait condition.
type nodeAPI struct {
	t       *testing.T
	srv     *httptest.Server
	mgr     *certs.Manager
	cluster certs.Cluster
	trustee k8s.Trustee
	token   string
	// failSign makes the certificate API answer 500.
	failSign bool

	mu      sync.Mutex
	signed  []*x509.Certificate
	refused []string
	signals []map[string]any
	fetched []string // CA types fetched
	files   map[string][]byte
}

const (
	testClusterUUID = "3c8b1d2e-6f0a-4b7c-9d5e-1a2b3c4d5e6f"
	testWaitToken   = "wait-token-123"
)

func newNodeAPI(t *testing.T) *nodeAPI {
	t.Helper()
	mgr, err := certs.New(certs.Config{})
	require.NoError(t, err)
	a := &nodeAPI{t: t, mgr: mgr, token: "keystone-token-abc",
		trustee: k8s.Trustee{UserID: "trustee-1", Password: "p'w\"d $(reboot) `id`\nline2", TrustID: "trust-9"},
		files:   map[string][]byte{}}
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
					Methods  []string `json:"methods"`
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
			http.Error(w, "bad json: "+err.Error(), http.StatusBadRequest)
			return
		}
		id := req.Auth.Identity
		if id.Password.User.ID != a.trustee.UserID || id.Password.User.Password != a.trustee.Password ||
			req.Auth.Scope.Trust.ID != a.trustee.TrustID || !slices.Equal(id.Methods, []string{"password"}) {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		w.Header().Set("X-Subject-Token", a.token)
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"token": {}}`))
	case strings.HasPrefix(r.URL.Path, "/v1/certificates"):
		if r.Header.Get("X-Auth-Token") != a.token {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		a.serveCertificates(w, r, body)
	case r.URL.Path == "/heat/signal":
		if r.Header.Get("X-Auth-Token") != testWaitToken {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		var sig map[string]any
		if err := json.Unmarshal(body, &sig); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		a.mu.Lock()
		a.signals = append(a.signals, sig)
		a.mu.Unlock()
	default:
		a.mu.Lock()
		data, ok := a.files[r.URL.Path]
		a.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(data)
	}
}

func (a *nodeAPI) serveCertificates(w http.ResponseWriter, r *http.Request, body []byte) {
	ctx := r.Context()
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
		writeJSON(w, map[string]any{"cluster_uuid": testClusterUUID, "pem": string(a.caPEM(t))})
	case r.Method == http.MethodPost && r.URL.Path == "/v1/certificates":
		if a.failSign {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
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
		cert, err := a.mgr.SignCSR(ctx, certs.SignRequest{Cluster: a.cluster, CAType: t, CSR: []byte(req.CSR),
			Requester: certs.Requester{UserID: a.trustee.UserID, ProjectID: "p", Trustee: true}})
		if err != nil {
			status := http.StatusBadRequest
			if errors.Is(err, errdefs.ErrForbidden) {
				status = http.StatusForbidden
			}
			a.mu.Lock()
			a.refused = append(a.refused, csrSubject(req.CSR))
			a.mu.Unlock()
			http.Error(w, err.Error(), status)
			return
		}
		a.mu.Lock()
		a.signed = append(a.signed, cert)
		a.mu.Unlock()
		writeJSON(w, map[string]any{"cluster_uuid": testClusterUUID, "csr": req.CSR, "pem": string(certs.CertificatePEM(cert))})
	default:
		http.NotFound(w, r)
	}
}

func csrSubject(p string) string {
	block, _ := pem.Decode([]byte(p))
	if block == nil {
		return "?"
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return "?"
	}
	return csr.Subject.String()
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// serveFile publishes a download with its ".sha256" digest file.
func (a *nodeAPI) serveFile(path string, data []byte) {
	sum := sha256.Sum256(data)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.files[path] = data
	a.files[path+".sha256"] = []byte(hex.EncodeToString(sum[:]) + "  " + filepath.Base(path) + "\n")
}

// Fake programs. They log their arguments to $GOMAGNUM_TEST_LOG; kubectl
// keeps a copy of every file it applies in $GOMAGNUM_TEST_APPLIED.
const fakeKubectl = `#!/bin/bash
printf 'kubectl' >>"$GOMAGNUM_TEST_LOG"
printf ' %s' "$@" >>"$GOMAGNUM_TEST_LOG"
printf '\n' >>"$GOMAGNUM_TEST_LOG"
prev=
for a in "$@"; do
	if [ "$prev" = -f ] && [ -f "$a" ]; then
		n=$(find "$GOMAGNUM_TEST_APPLIED" -type f | wc -l)
		cp "$a" "$GOMAGNUM_TEST_APPLIED/$n.json"
	fi
	prev=$a
done
case " $* " in *" get --raw=/readyz "*) echo ok ;; esac
exit 0
`

const fakeCommand = `#!/bin/bash
printf '%s' "$(basename "$0")" >>"$GOMAGNUM_TEST_LOG"
printf ' %s' "$@" >>"$GOMAGNUM_TEST_LOG"
printf '\n' >>"$GOMAGNUM_TEST_LOG"
case "$(basename "$0")" in blkid) exit 2 ;; esac
exit 0
`

// node is one bootstrap run in a temporary root.
type node struct {
	root, log, applied string
	out                []byte
	err                error
}

func (n *node) path(p string) string { return filepath.Join(n.root, p) }

func (n *node) read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(n.path(p))
	require.NoError(t, err, p)
	return string(b)
}

func (n *node) exists(p string) bool {
	_, err := os.Stat(n.path(p))
	return err == nil
}

func (n *node) mode(t *testing.T, p string) os.FileMode {
	t.Helper()
	st, err := os.Stat(n.path(p))
	require.NoError(t, err)
	return st.Mode().Perm()
}

func (n *node) commands(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(n.log)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	require.NoError(t, err)
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// appliedDocs are the JSON documents the fake kubectl applied.
func (n *node) appliedDocs(t *testing.T) []map[string]any {
	t.Helper()
	entries, err := os.ReadDir(n.applied)
	require.NoError(t, err)
	var out []map[string]any
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(n.applied, e.Name()))
		require.NoError(t, err)
		var doc map[string]any
		require.NoError(t, json.Unmarshal(b, &doc), "%s", b)
		out = append(out, doc)
	}
	return out
}

// staticPod decodes a manifest and returns its container command.
func (n *node) staticPod(t *testing.T, name string) (cmd []string, privileged bool) {
	t.Helper()
	var pod struct {
		Kind string
		Spec struct {
			HostNetwork bool
			Containers  []struct {
				Image           string
				Command         []string
				SecurityContext struct{ Privileged bool }
			}
		}
	}
	require.NoError(t, json.Unmarshal([]byte(n.read(t, "etc/kubernetes/manifests/"+name+".json")), &pod))
	require.Equal(t, "Pod", pod.Kind)
	require.True(t, pod.Spec.HostNetwork)
	require.Len(t, pod.Spec.Containers, 1)
	return pod.Spec.Containers[0].Command, pod.Spec.Containers[0].SecurityContext.Privileged
}

func (n *node) kubeconfig(t *testing.T, p string) map[string]any {
	t.Helper()
	var kc map[string]any
	require.NoError(t, json.Unmarshal([]byte(n.read(t, p)), &kc))
	return kc
}

func (n *node) cert(t *testing.T, p string) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode([]byte(n.read(t, p)))
	require.NotNil(t, block, p)
	c, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	return c
}

// nodeSpec is what Heat would have written about a node.
type nodeSpec struct {
	role, name, index, privateIP, publicIP, apiPrivate, apiPublic, peers, dockerVolume, etcdVolume string
	// A node group's kubelet labels and taints; written only when set (a
	// stack of older templates has no such files).
	nodeLabels, nodeTaints string
}

// boot renders the cluster for in (with URLs of api) and runs bootstrap.sh
// for one node under bash in a temporary root with stubbed system commands.
func boot(t *testing.T, api *nodeAPI, in k8s.Input, spec nodeSpec) *node {
	t.Helper()
	bash := requireBash(t)
	for _, tool := range []string{"openssl", "curl", "sha256sum", "tar", "od", "awk"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	in.Bootstrap.SignURL = api.srv.URL + "/v1"
	in.Bootstrap.AuthURL = api.srv.URL + "/v3"
	in.Bootstrap.Trustee = api.trustee
	in.Bootstrap.Downloads = k8s.Downloads{KubeRelease: api.srv.URL + "/release", CNIPlugins: api.srv.URL + "/cni/plugins.tgz",
		FlannelManifest: "https://mirror.example.com/flannel.yml", CalicoManifest: "https://mirror.example.com/calico.yaml",
		DashboardManifest: "https://mirror.example.com/dashboard.yaml"}
	req, _, err := k8s.NewFedoraAtomic().RenderCluster(in)
	require.NoError(t, err)

	n := &node{root: t.TempDir()}
	n.log = filepath.Join(n.root, "test-commands.log")
	n.applied = filepath.Join(n.root, "test-applied")
	require.NoError(t, os.MkdirAll(n.applied, 0o755))
	write := func(p, content string, mode os.FileMode) {
		require.NoError(t, os.MkdirAll(filepath.Dir(n.path(p)), 0o755))
		require.NoError(t, os.WriteFile(n.path(p), []byte(content), mode))
	}
	// What cloud-init writes from the stack.
	param := func(k string) string { s, _ := req.Parameters[k].(string); return s }
	write("etc/gomagnum/node.env", param("node_env"), 0o600)
	if spec.role == "master" {
		write("etc/gomagnum/master.env", param("master_env"), 0o600)
	}
	write("etc/gomagnum/pki/ca.crt", param("ca_cert"), 0o644)
	write("etc/gomagnum/pki/etcd-ca.crt", param("etcd_ca_cert"), 0o644)
	write("etc/gomagnum/pki/front-proxy-ca.crt", param("front_proxy_ca_cert"), 0o644)
	for k, v := range map[string]string{
		"role": spec.role, "node_name": spec.name, "node_index": spec.index, "private_ip": spec.privateIP,
		"public_ip": spec.publicIP, "api_private_address": spec.apiPrivate, "api_public_address": spec.apiPublic,
		"peer_addresses": spec.peers, "docker_volume": spec.dockerVolume, "etcd_volume": spec.etcdVolume,
		"wait_endpoint": api.srv.URL + "/heat/signal", "wait_token": testWaitToken,
	} {
		write("etc/gomagnum/stack/"+k, v, 0o644)
	}
	if spec.nodeLabels != "" {
		write("etc/gomagnum/stack/node_labels", spec.nodeLabels, 0o644)
	}
	if spec.nodeTaints != "" {
		write("etc/gomagnum/stack/node_taints", spec.nodeTaints, 0o644)
	}
	err = fs.WalkDir(k8s.Templates(), "scripts", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(k8s.Templates(), p)
		if err != nil {
			return err
		}
		write("opt/gomagnum/"+p, string(b), 0o700)
		return nil
	})
	require.NoError(t, err)
	for _, dev := range []string{spec.dockerVolume, spec.etcdVolume} {
		if dev != "" {
			write("dev/disk/by-id/virtio-"+dev[:20], "", 0o600)
		}
	}
	// Stubbed system commands, first on PATH.
	stubs := filepath.Join(n.root, "test-stubs")
	for _, c := range []string{"systemctl", "modprobe", "sysctl", "blkid", "mkfs.xfs", "containerd"} {
		write("test-stubs/"+c, fakeCommand, 0o755)
	}
	// Downloads.
	tag := "v1.30.4"
	api.serveFile("/release/"+tag+"/bin/linux/amd64/kubectl", []byte(fakeKubectl))
	api.serveFile("/release/"+tag+"/bin/linux/amd64/kubelet", []byte(fakeCommand))
	api.serveFile("/cni/plugins.tgz", cniTarball(t))

	cmd := exec.Command(bash, n.path("opt/gomagnum/scripts/bootstrap.sh"))
	cmd.Env = []string{
		"PATH=" + stubs + ":" + os.Getenv("PATH"),
		"HOME=" + n.root,
		"TMPDIR=" + t.TempDir(),
		"GOMAGNUM_ROOT=" + n.root,
		"GOMAGNUM_TEST_LOG=" + n.log,
		"GOMAGNUM_TEST_APPLIED=" + n.applied,
		"VOLUME_WAIT_TRIES=1", "CURL_RETRIES=0",
		"API_WAIT_TRIES=2", "API_WAIT_SECONDS=0",
	}
	n.out, n.err = cmd.CombinedOutput()
	return n
}

func cniTarball(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, name := range []string{"./loopback", "./bridge", "./portmap", "./host-local"} {
		body := []byte("#!/bin/sh\n")
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(body))}))
		_, err := tw.Write(body)
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	require.NoError(t, gz.Close())
	return buf.Bytes()
}

func masterSpec(index string) nodeSpec {
	return nodeSpec{role: "master", name: "prod-cluster-3c8b1d2e-master-" + index, index: index,
		privateIP: fmt.Sprintf("10.0.0.%d", 11+int(index[0]-'0')), publicIP: "172.24.4.20",
		apiPrivate: "10.0.0.100", apiPublic: "172.24.4.100", peers: "10.0.0.11,10.0.0.12,10.0.0.13"}
}

func minionSpec() nodeSpec {
	return nodeSpec{role: "minion", name: "prod-cluster-3c8b1d2e-node-1", index: "1", privateIP: "10.0.0.31",
		apiPrivate: "10.0.0.100", dockerVolume: "0123456789abcdef0123456789abcdef"}
}

func requireSuccess(t *testing.T, api *nodeAPI, n *node, name string) {
	t.Helper()
	require.NoError(t, n.err, "bootstrap failed:\n%s", n.out)
	assert.True(t, n.exists("var/lib/gomagnum/bootstrap.done"))
	api.mu.Lock()
	defer api.mu.Unlock()
	require.Len(t, api.signals, 1, "one signal to Heat")
	assert.Equal(t, "SUCCESS", api.signals[0]["status"])
	assert.Equal(t, name, api.signals[0]["id"])
}

func commandsWith(cmds []string, prefix string) []string {
	var out []string
	for _, c := range cmds {
		if strings.HasPrefix(c, prefix) {
			out = append(out, c)
		}
	}
	return out
}

func TestBootstrapFirstMaster(t *testing.T) {
	api := newNodeAPI(t)
	in := input(t, variant{MasterLB: true, FloatingIP: true, Masters: 3, EtcdVolume: true})
	in.Bootstrap.CACert = api.caPEM(certs.CAKubernetes)
	in.Bootstrap.EtcdCACert = api.caPEM(certs.CAEtcd)
	in.Bootstrap.FrontProxyCACert = nil // fetched from the API
	in.Template.HTTPProxy = "http://proxy.example.com:3128/a%20b"
	spec := masterSpec("0")
	spec.etcdVolume = "fedcba9876543210fedcba9876543210"
	n := boot(t, api, in, spec)
	requireSuccess(t, api, n, spec.name)
	assert.Equal(t, []string{"front-proxy"}, api.fetched, "only the CA the stack did not carry is fetched")

	// Certificates: keys stay on the node, the policy decides.
	assert.Equal(t, os.FileMode(0o600), n.mode(t, "etc/kubernetes/pki/kubelet.key"))
	kubelet := n.cert(t, "etc/kubernetes/pki/kubelet.crt")
	assert.Equal(t, "system:node:"+spec.name, kubelet.Subject.CommonName)
	assert.Equal(t, []string{"system:nodes"}, kubelet.Subject.Organization)
	assert.Contains(t, kubelet.DNSNames, spec.name)
	apiserver := n.cert(t, "etc/kubernetes/pki/apiserver.crt")
	var ips []string
	for _, ip := range apiserver.IPAddresses {
		ips = append(ips, ip.String())
	}
	assert.Subset(t, ips, []string{"127.0.0.1", "10.254.0.1", spec.privateIP, "172.24.4.20", "10.0.0.100", "172.24.4.100"})
	assert.Contains(t, apiserver.DNSNames, "kubernetes.default.svc.cluster.local")
	assert.Contains(t, apiserver.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
	proxy := n.cert(t, "etc/kubernetes/pki/kube-proxy.crt")
	assert.Equal(t, "system:kube-proxy", proxy.Subject.CommonName)
	etcdServer := n.cert(t, "etc/kubernetes/pki/etcd-server.crt")
	assert.Contains(t, etcdServer.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
	assert.Contains(t, etcdServer.ExtKeyUsage, x509.ExtKeyUsageClientAuth, "etcd peers authenticate each other")
	// The default policy grants no front-proxy client or kubelet client to
	// nodes; the bootstrap carries on without them.
	assert.False(t, n.exists("etc/kubernetes/pki/front-proxy-client.crt"))
	assert.False(t, n.exists("etc/kubernetes/pki/front-proxy-client.key"), "no key left behind")
	assert.Len(t, api.refused, 2, "refused: %v", api.refused)
	for _, s := range api.signed {
		assert.NotContains(t, s.Subject.Organization, "system:masters", "no node gets cluster-admin")
	}
	sa := n.read(t, "etc/kubernetes/pki/sa.key")
	assert.Equal(t, string(in.Bootstrap.ServiceAccountKey), sa)
	assert.Equal(t, os.FileMode(0o600), n.mode(t, "etc/kubernetes/pki/sa.key"))
	assert.Contains(t, n.read(t, "etc/kubernetes/pki/sa.pub"), "PUBLIC KEY")
	tokens := strings.Split(strings.TrimSpace(n.read(t, "etc/kubernetes/pki/tokens.csv")), "\n")
	assert.Len(t, tokens, 3)
	assert.Equal(t, os.FileMode(0o600), n.mode(t, "etc/kubernetes/pki/tokens.csv"))

	// etcd from the pre-allocated peer addresses, no discovery service.
	etcd, _ := n.staticPod(t, "etcd")
	assert.Contains(t, etcd, "--initial-cluster=prod-cluster-3c8b1d2e-master-0=https://10.0.0.11:2380,"+
		"prod-cluster-3c8b1d2e-master-1=https://10.0.0.12:2380,prod-cluster-3c8b1d2e-master-2=https://10.0.0.13:2380")
	assert.Contains(t, etcd, "--initial-cluster-state=new")
	assert.Contains(t, etcd, "--name="+spec.name)
	for _, a := range etcd {
		assert.NotContains(t, a, "--discovery")
	}
	apiArgs, _ := n.staticPod(t, "kube-apiserver")
	assert.Contains(t, apiArgs, "--etcd-servers=https://10.0.0.11:2379,https://10.0.0.12:2379,https://10.0.0.13:2379")
	assert.Contains(t, apiArgs, "--enable-admission-plugins=NamespaceLifecycle,LimitRanger,ServiceAccount,DefaultStorageClass,ResourceQuota,NodeRestriction")
	assert.Contains(t, apiArgs, "--service-cluster-ip-range=10.254.0.0/16")
	assert.Contains(t, apiArgs, "--authorization-mode=Node,RBAC")
	for _, a := range apiArgs {
		assert.NotContains(t, a, "--requestheader", "no aggregation layer without a front-proxy certificate")
		assert.NotContains(t, a, "--kubelet-client-certificate")
	}
	cm, _ := n.staticPod(t, "kube-controller-manager")
	assert.Contains(t, cm, "--cluster-cidr=10.100.0.0/16")
	assert.Contains(t, cm, "--node-cidr-mask-size=24")
	_, priv := n.staticPod(t, "kube-proxy")
	assert.True(t, priv)
	assert.True(t, n.exists("etc/kubernetes/manifests/kube-scheduler.json"))

	// kubelet.
	unit := n.read(t, "etc/systemd/system/kubelet.service")
	assert.Contains(t, unit, "--hostname-override="+spec.name+" --node-ip="+spec.privateIP)
	assert.Contains(t, unit, "--register-with-taints=node-role.kubernetes.io/control-plane=:NoSchedule")
	kc := n.kubeconfig(t, "etc/kubernetes/kubelet.conf")
	assert.Equal(t, "https://127.0.0.1:6443", kc["clusters"].([]any)[0].(map[string]any)["cluster"].(map[string]any)["server"])
	var kcfg map[string]any
	require.NoError(t, json.Unmarshal([]byte(n.read(t, "var/lib/kubelet/config.json")), &kcfg))
	assert.Equal(t, []any{"10.254.0.10"}, kcfg["clusterDNS"])
	assert.Equal(t, "systemd", kcfg["cgroupDriver"])

	// Runtime and volumes.
	assert.Contains(t, n.read(t, "etc/containerd/config.toml"), "SystemdCgroup = true")
	dropin := n.read(t, "etc/systemd/system/containerd.service.d/http-proxy.conf")
	assert.Contains(t, dropin, `Environment="HTTP_PROXY=http://proxy.example.com:3128/a%%20b"`, "%% escapes systemd specifiers")
	mount := n.read(t, "etc/systemd/system/var-lib-etcd.mount")
	assert.Contains(t, mount, "What=/dev/disk/by-id/virtio-fedcba9876543210fedc")
	assert.Contains(t, mount, "Where=/var/lib/etcd")
	cmds := n.commands(t)
	assert.Contains(t, cmds, "mkfs.xfs -q "+n.path("dev/disk/by-id/virtio-fedcba9876543210fedc"))
	assert.Contains(t, cmds, "systemctl enable --now containerd.service")
	assert.Contains(t, cmds, "systemctl enable --now kubelet.service")
	assert.FileExists(t, n.path("opt/cni/bin/loopback"))
	assert.FileExists(t, n.path("opt/gomagnum/bin/kubelet"))

	// The first master applies the network and the add-ons.
	kubectl := commandsWith(cmds, "kubectl ")
	require.NotEmpty(t, kubectl)
	assert.Contains(t, kubectl, "kubectl --kubeconfig="+n.path("etc/kubernetes/admin.conf")+" apply -f https://mirror.example.com/flannel.yml")
	var patch string
	for _, c := range kubectl {
		if strings.Contains(c, "patch configmap kube-flannel-cfg") {
			patch = c
		}
	}
	require.NotEmpty(t, patch)
	assert.Contains(t, patch, `\"Network\": \"10.100.0.0/16\"`)
	assert.Contains(t, patch, `\"Type\": \"vxlan\"`)
	assert.Contains(t, kubectl, "kubectl --kubeconfig="+n.path("etc/kubernetes/admin.conf")+" apply -f https://mirror.example.com/dashboard.yaml")
	docs := n.appliedDocs(t)
	require.Len(t, docs, 2, "RBAC and CoreDNS")
	assert.Equal(t, "ClusterRoleBinding", docs[0]["kind"])
	items := docs[1]["items"].([]any)
	svc := items[len(items)-1].(map[string]any)
	assert.Equal(t, "10.254.0.10", svc["spec"].(map[string]any)["clusterIP"])
	cfg := items[3].(map[string]any)["data"].(map[string]any)["Corefile"].(string)
	assert.Contains(t, cfg, "kubernetes cluster.local in-addr.arpa ip6.arpa")
}

func TestBootstrapOtherMaster(t *testing.T) {
	api := newNodeAPI(t)
	in := input(t, variant{MasterLB: true, Masters: 3, TLSDisabled: true, Calico: true})
	in.Bootstrap.CACert, in.Bootstrap.EtcdCACert, in.Bootstrap.FrontProxyCACert = nil, nil, nil
	spec := masterSpec("2")
	spec.publicIP, spec.apiPublic = "", ""
	n := boot(t, api, in, spec)
	requireSuccess(t, api, n, spec.name)
	assert.ElementsMatch(t, []string{"kubernetes", "etcd", "front-proxy"}, api.fetched, "CAs fetched from the API")
	assert.Empty(t, commandsWith(n.commands(t), "kubectl "), "only the first master applies add-ons")
	// TLS disabled: plain HTTP on 8080 through kubectl proxy.
	proxy := n.read(t, "etc/systemd/system/gomagnum-api-proxy.service")
	assert.Contains(t, proxy, "proxy --address=0.0.0.0 --port=8080")
	assert.Contains(t, n.commands(t), "systemctl enable --now gomagnum-api-proxy.service")
	etcd, _ := n.staticPod(t, "etcd")
	assert.Contains(t, etcd, "--listen-peer-urls=https://"+spec.privateIP+":2380")
	assert.False(t, n.exists("etc/systemd/system/containerd.service.d/http-proxy.conf"), "no proxies, no drop-in")
}

func TestBootstrapMinion(t *testing.T) {
	for _, tls := range []bool{true, false} {
		t.Run(fmt.Sprintf("tls=%v", tls), func(t *testing.T) {
			api := newNodeAPI(t)
			in := input(t, variant{TLSDisabled: !tls, DockerVolume: true})
			in.Bootstrap.CACert = api.caPEM(certs.CAKubernetes)
			in.Bootstrap.EtcdCACert = api.caPEM(certs.CAEtcd)
			in.Bootstrap.FrontProxyCACert = api.caPEM(certs.CAFrontProxy)
			spec := minionSpec()
			n := boot(t, api, in, spec)
			requireSuccess(t, api, n, spec.name)
			assert.Empty(t, api.fetched)
			assert.False(t, n.exists("etc/kubernetes/manifests/etcd.json"))
			assert.False(t, n.exists("etc/kubernetes/manifests/kube-apiserver.json"))
			assert.True(t, n.exists("etc/kubernetes/manifests/kube-proxy.json"))
			assert.False(t, n.exists("etc/kubernetes/pki/sa.key"), "no service account key on minions")
			assert.Empty(t, commandsWith(n.commands(t), "kubectl "))
			kc := n.kubeconfig(t, "etc/kubernetes/kubelet.conf")
			cluster := kc["clusters"].([]any)[0].(map[string]any)["cluster"].(map[string]any)
			if tls {
				assert.Equal(t, "https://10.0.0.100:6443", cluster["server"])
				assert.Equal(t, "/etc/kubernetes/pki/ca.crt", cluster["certificate-authority"])
			} else {
				assert.Equal(t, "http://10.0.0.100:8080", cluster["server"])
			}
			unit := n.read(t, "etc/systemd/system/kubelet.service")
			assert.NotContains(t, unit, "register-with-taints")
			assert.Contains(t, unit, "magnum.openstack.org/role=minion")
			mount := n.read(t, "etc/systemd/system/var-lib-containerd.mount")
			assert.Contains(t, mount, "What=/dev/disk/by-id/virtio-0123456789abcdef0123")
			assert.Contains(t, mount, "Where=/var/lib/containerd")
		})
	}
}

// TestBootstrapGroupMinion: a node group's labels and taints, as Heat
// wrote them, reach kubelet's flags.
func TestBootstrapGroupMinion(t *testing.T) {
	api := newNodeAPI(t)
	in := input(t, variant{})
	in.Bootstrap.CACert = api.caPEM(certs.CAKubernetes)
	in.Bootstrap.EtcdCACert = api.caPEM(certs.CAEtcd)
	in.Bootstrap.FrontProxyCACert = api.caPEM(certs.CAFrontProxy)
	spec := minionSpec()
	spec.name = "prod-cluster-3c8b1d2e-ng9f1e2d-node-0"
	spec.dockerVolume = ""
	spec.nodeLabels = "gpu=true,node.kubernetes.io/pool=gpu"
	spec.nodeTaints = "gpu=true:NoSchedule,example.com/dedicated:NoExecute"
	n := boot(t, api, in, spec)
	requireSuccess(t, api, n, spec.name)
	unit := n.read(t, "etc/systemd/system/kubelet.service")
	assert.Contains(t, unit, " --node-labels=magnum.openstack.org/role=minion,gpu=true,node.kubernetes.io/pool=gpu"+
		" --register-with-taints=gpu=true:NoSchedule,example.com/dedicated:NoExecute\n")
}

func TestBootstrapSignalsFailure(t *testing.T) {
	api := newNodeAPI(t)
	api.failSign = true
	in := input(t, variant{})
	in.Bootstrap.CACert = api.caPEM(certs.CAKubernetes)
	in.Bootstrap.EtcdCACert = api.caPEM(certs.CAEtcd)
	in.Bootstrap.FrontProxyCACert = api.caPEM(certs.CAFrontProxy)
	spec := minionSpec()
	spec.dockerVolume = ""
	n := boot(t, api, in, spec)
	require.Error(t, n.err)
	assert.False(t, n.exists("var/lib/gomagnum/bootstrap.done"))
	require.Len(t, api.signals, 1)
	assert.Equal(t, "FAILURE", api.signals[0]["status"])
	assert.Contains(t, api.signals[0]["reason"], "failed at step kubelet")
	assert.Contains(t, string(n.out), "no kubelet certificate")
}

func TestBootstrapRejectsBadStackValues(t *testing.T) {
	for name, edit := range map[string]func(*nodeSpec){
		"node name":   func(s *nodeSpec) { s.name = "node;reboot" },
		"private ip":  func(s *nodeSpec) { s.privateIP = "10.0.0.1 --flag" },
		"api":         func(s *nodeSpec) { s.apiPrivate = "$(id)" },
		"role":        func(s *nodeSpec) { s.role = "admin" },
		"volume":      func(s *nodeSpec) { s.dockerVolume = "../../etc/passwd-0000000000" },
		"node labels": func(s *nodeSpec) { s.nodeLabels = "a=b --pod-manifest-path=/tmp" },
		"node label":  func(s *nodeSpec) { s.nodeLabels = "a=$(id)" },
		"node taints": func(s *nodeSpec) { s.nodeTaints = "a=b:NoSchedule\nExecStartPre=/bin/sh" },
		"taint":       func(s *nodeSpec) { s.nodeTaints = "a=b:Evict" },
	} {
		t.Run(name, func(t *testing.T) {
			api := newNodeAPI(t)
			spec := minionSpec()
			edit(&spec)
			n := boot(t, api, input(t, variant{}), spec)
			require.Error(t, n.err)
			assert.Contains(t, string(n.out), "does not look right")
			assert.Empty(t, api.signed, "nothing was signed")
		})
	}
}

// TestBootstrapJSONQuoting runs lib.sh's json_str over hostile values and
// decodes the result.
func TestBootstrapJSONQuoting(t *testing.T) {
	bash := requireBash(t)
	lib, err := fs.ReadFile(k8s.Templates(), "scripts/lib.sh")
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "lib.sh"), lib, 0o600))
	for _, v := range nasty {
		if strings.ContainsAny(v, "\x01\x1f\x7f") {
			continue
		}
		out, err := exec.Command(bash, "-euc", `. "$1"; json_array "$2" x`, "bash", filepath.Join(dir, "lib.sh"), v).Output()
		require.NoError(t, err, "%q", v)
		var got []string
		require.NoError(t, json.Unmarshal(out, &got), "%q → %s", v, out)
		assert.Equal(t, []string{v, "x"}, got)
	}
	// Control characters are refused, not passed on.
	err = exec.Command(bash, "-euc", `. "$1"; x=$(json_str "$2")`, "bash", filepath.Join(dir, "lib.sh"), "a\x01b").Run()
	assert.Error(t, err)
}
