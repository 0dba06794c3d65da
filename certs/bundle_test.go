package certs_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/errdefs"
)

// runTool runs an external program with a private HOME and returns its
// combined output.
func runTool(t *testing.T, path string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "HOME="+home, "KUBECONFIG=", "KUBECACHEDIR="+filepath.Join(home, "cache"))
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// kubectlConfig is what `kubectl config view -o json` prints.
type kubectlConfig struct {
	Clusters []struct {
		Name    string `json:"name"`
		Cluster struct {
			Server                   string `json:"server"`
			CertificateAuthority     string `json:"certificate-authority"`
			CertificateAuthorityData []byte `json:"certificate-authority-data"`
		} `json:"cluster"`
	} `json:"clusters"`
	Users []struct {
		Name string `json:"name"`
		User struct {
			ClientCertificate     string `json:"client-certificate"`
			ClientCertificateData []byte `json:"client-certificate-data"`
			ClientKey             string `json:"client-key"`
			ClientKeyData         []byte `json:"client-key-data"`
		} `json:"user"`
	} `json:"users"`
	Contexts []struct {
		Name    string `json:"name"`
		Context struct {
			Cluster string `json:"cluster"`
			User    string `json:"user"`
		} `json:"context"`
	} `json:"contexts"`
	CurrentContext string `json:"current-context"`
}

func kubectlView(t *testing.T, kubectl, file string, extra ...string) kubectlConfig {
	t.Helper()
	args := append([]string{"config", "view", "--raw", "--kubeconfig", file, "-o", "json"}, extra...)
	out, err := runTool(t, kubectl, args...)
	require.NoError(t, err, out)
	var cfg kubectlConfig
	require.NoError(t, json.Unmarshal([]byte(out), &cfg), out)
	return cfg
}

func newBundle(t *testing.T, m *certs.Manager, cluster certs.Cluster, server string) *certs.ClientBundle {
	t.Helper()
	b, err := m.ClientBundle(context.Background(), certs.ClientRequest{Cluster: cluster, Requester: ownerCaller}, server)
	require.NoError(t, err)
	return b
}

func TestKubeconfigLoadsInKubectl(t *testing.T) {
	kubectl := requireTool(t, "kubectl")
	ctx := context.Background()
	m, err := certs.New(certs.Config{})
	require.NoError(t, err)
	// A cluster name full of YAML and shell specials must come through as
	// plain data.
	cluster := testCluster
	cluster.Name = `prod: "x" # {a: [1]} & *ref !tag | > '' %`
	_, err = m.Create(ctx, cluster)
	require.NoError(t, err)
	server := "https://203.0.113.10:6443"
	b := newBundle(t, m, cluster, server)
	keyPEM, err := b.Client.PrivateKeyPEM()
	require.NoError(t, err)

	t.Run("embedded", func(t *testing.T) {
		data, err := b.Kubeconfig(certs.KubeconfigOptions{})
		require.NoError(t, err)
		file := writePEM(t, t.TempDir(), "config", data)
		cfg := kubectlView(t, kubectl, file)
		require.Len(t, cfg.Clusters, 1)
		require.Len(t, cfg.Users, 1)
		require.Len(t, cfg.Contexts, 1)
		assert.Equal(t, cluster.Name, cfg.CurrentContext)
		assert.Equal(t, cluster.Name, cfg.Contexts[0].Name)
		assert.Equal(t, cluster.Name, cfg.Contexts[0].Context.Cluster)
		assert.Equal(t, cluster.Name+"-admin", cfg.Contexts[0].Context.User)
		assert.Equal(t, cluster.Name, cfg.Clusters[0].Name)
		assert.Equal(t, server, cfg.Clusters[0].Cluster.Server)
		assert.Equal(t, certs.CertificatePEM(b.CA), cfg.Clusters[0].Cluster.CertificateAuthorityData)
		assert.Equal(t, cluster.Name+"-admin", cfg.Users[0].Name)
		assert.Equal(t, b.Client.CertificatePEM(), cfg.Users[0].User.ClientCertificateData)
		assert.Equal(t, keyPEM, cfg.Users[0].User.ClientKeyData)

		out, err := runTool(t, kubectl, "config", "view", "--raw", "--kubeconfig", file,
			"-o", "jsonpath={.clusters[0].cluster.server} {.users[0].name}")
		require.NoError(t, err, out)
		assert.Equal(t, server+" "+cluster.Name+"-admin", out)
	})

	t.Run("files", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "bundle")
		data, err := b.Kubeconfig(certs.KubeconfigOptions{Dir: dir, User: "admin"})
		require.NoError(t, err)
		assert.NotContains(t, string(data), "PRIVATE KEY")
		require.NoError(t, b.WriteFiles(dir, map[string][]byte{certs.FileKubeconfig: data}))
		file := filepath.Join(dir, certs.FileKubeconfig)

		cfg := kubectlView(t, kubectl, file)
		require.Len(t, cfg.Users, 1)
		assert.Equal(t, "admin", cfg.Users[0].Name)
		assert.Equal(t, filepath.Join(dir, "cert.pem"), cfg.Users[0].User.ClientCertificate)
		assert.Equal(t, filepath.Join(dir, "key.pem"), cfg.Users[0].User.ClientKey)
		assert.Equal(t, filepath.Join(dir, "ca.pem"), cfg.Clusters[0].Cluster.CertificateAuthority)
		assert.Equal(t, server, cfg.Clusters[0].Cluster.Server)

		// --flatten reads the files: they hold the bundle.
		flat := kubectlView(t, kubectl, file, "--flatten")
		assert.Equal(t, certs.CertificatePEM(b.CA), flat.Clusters[0].Cluster.CertificateAuthorityData)
		assert.Equal(t, b.Client.CertificatePEM(), flat.Users[0].User.ClientCertificateData)
		assert.Equal(t, keyPEM, flat.Users[0].User.ClientKeyData)
	})
}

// TestKubectlTalksTLSWithTheBundle runs kubectl against a TLS server that,
// like an API server, presents a certificate signed through SignCSR and
// requires client certificates from the cluster CA.
func TestKubectlTalksTLSWithTheBundle(t *testing.T) {
	kubectl := requireTool(t, "kubectl")
	ctx := context.Background()
	m, _ := newManager(t, certs.Config{})

	serverKey := p256(t)
	csr, _ := makeCSR(t, csrSpec{cn: "kubernetes", ips: []net.IP{net.ParseIP("127.0.0.1")}, dns: []string{"localhost"},
		eku: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, key: serverKey})
	serverCert, err := m.SignCSR(ctx, certs.SignRequest{Cluster: testCluster, Requester: trusteeCaller, CSR: csr})
	require.NoError(t, err)
	ca, err := m.CA(ctx, testCluster.UUID, certs.CAKubernetes)
	require.NoError(t, err)
	clientCAs := x509.NewCertPool()
	clientCAs.AddCert(ca)

	var mu sync.Mutex
	var peers []pkix.Name
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		peers = append(peers, r.TLS.PeerCertificates[0].Subject)
		mu.Unlock()
		if r.URL.Path == "/healthz" {
			_, _ = io.WriteString(w, "ok")
			return
		}
		http.NotFound(w, r)
	}))
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{(&certs.KeyPair{Certificate: serverCert, PrivateKey: serverKey}).TLSCertificate()},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    clientCAs,
		MinVersion:   tls.VersionTLS12,
	}
	srv.StartTLS()
	defer srv.Close()

	b := newBundle(t, m, testCluster, srv.URL)
	data, err := b.Kubeconfig(certs.KubeconfigOptions{})
	require.NoError(t, err)
	file := writePEM(t, t.TempDir(), "config", data)
	out, err := runTool(t, kubectl, "--kubeconfig", file, "get", "--raw", "/healthz")
	require.NoError(t, err, out)
	assert.Equal(t, "ok", strings.TrimSpace(out))
	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, peers)
	assert.Equal(t, "admin", peers[0].CommonName)
	assert.Equal(t, []string{"system:masters"}, peers[0].Organization)

	// A kubeconfig from another cluster's CA is refused by the server.
	other, err := certs.New(certs.Config{})
	require.NoError(t, err)
	_, err = other.Create(ctx, testCluster)
	require.NoError(t, err)
	foreign := newBundle(t, other, testCluster, srv.URL)
	foreign.CA = ca // trust the server, but present a foreign client cert
	data, err = foreign.Kubeconfig(certs.KubeconfigOptions{})
	require.NoError(t, err)
	file = writePEM(t, t.TempDir(), "config", data)
	out, err = runTool(t, kubectl, "--kubeconfig", file, "get", "--raw", "/healthz", "--request-timeout=10s")
	assert.Error(t, err, "a foreign client certificate must be refused: %s", out)
}

// leafCase is a certificate openssl must verify against a CA.
type leafCase struct {
	name    string
	ca      certs.CAType
	cert    *x509.Certificate
	purpose string // openssl -purpose
}

func TestOpenSSLVerifiesEveryLeaf(t *testing.T) {
	openssl := requireTool(t, "openssl")
	ctx := context.Background()
	for _, alg := range []certs.KeyAlgorithm{certs.ECDSAP256, certs.RSA2048} {
		t.Run(alg.String(), func(t *testing.T) {
			m, _ := newManager(t, certs.Config{KeyAlgorithm: alg})
			sign := func(ca certs.CAType, who certs.Requester, s csrSpec) *x509.Certificate {
				cert, err := m.SignCSR(ctx, certs.SignRequest{Cluster: testCluster, Requester: who, CAType: ca, CSR: mk(t, s)})
				require.NoError(t, err)
				return cert
			}
			admin, err := m.ClientKeyPair(ctx, testCluster.UUID)
			require.NoError(t, err)
			user, err := m.IssueClient(ctx, certs.ClientRequest{Cluster: testCluster, Requester: ownerCaller})
			require.NoError(t, err)
			leaves := []leafCase{
				{"admin client", certs.CAKubernetes, admin.Certificate, "sslclient"},
				{"issued client", certs.CAKubernetes, user.Certificate, "sslclient"},
				{"kubelet client", certs.CAKubernetes, sign(certs.CAKubernetes, trusteeCaller,
					withSANs(csrSpec{cn: "system:node:w1", orgs: []string{"system:nodes"}})), "sslclient"},
				{"kubelet server", certs.CAKubernetes, sign(certs.CAKubernetes, trusteeCaller,
					withSANs(csrSpec{cn: "system:node:w1", orgs: []string{"system:nodes"}})), "sslserver"},
				{"API server", certs.CAKubernetes, sign(certs.CAKubernetes, trusteeCaller,
					withSANs(csrSpec{cn: "kubernetes", eku: server})), "sslserver"},
				{"etcd peer", certs.CAEtcd, sign(certs.CAEtcd, trusteeCaller,
					withSANs(csrSpec{cn: "etcd", eku: both})), "sslserver"},
				{"front-proxy client", certs.CAFrontProxy, sign(certs.CAFrontProxy, ownerCaller,
					csrSpec{cn: "front-proxy-client"}), "sslclient"},
			}
			dir := t.TempDir()
			caFiles := map[certs.CAType]string{}
			for _, typ := range certs.CATypes() {
				ca, err := m.CA(ctx, testCluster.UUID, typ)
				require.NoError(t, err)
				caFiles[typ] = writePEM(t, dir, string(typ)+"-ca.pem", certs.CertificatePEM(ca))
			}
			for i, leaf := range leaves {
				file := writePEM(t, dir, fmt.Sprintf("leaf%d.pem", i), certs.CertificatePEM(leaf.cert))
				out, err := runTool(t, openssl, "verify", "-x509_strict", "-purpose", leaf.purpose, "-CAfile", caFiles[leaf.ca], file)
				assert.NoError(t, err, "%s: %s", leaf.name, out)
				assert.Equal(t, file+": OK", strings.TrimSpace(out), leaf.name)

				// And against the cluster's other CAs it must fail.
				for typ, caFile := range caFiles {
					if typ == leaf.ca {
						continue
					}
					out, err := runTool(t, openssl, "verify", "-CAfile", caFile, file)
					assert.Error(t, err, "%s must not verify against the %s CA: %s", leaf.name, typ, out)
				}
			}
			// The CAs themselves pass openssl's strict checks.
			for typ, caFile := range caFiles {
				out, err := runTool(t, openssl, "verify", "-x509_strict", "-CAfile", caFile, caFile)
				assert.NoError(t, err, "%s CA: %s", typ, out)
			}
		})
	}
}

func TestDockerBundle(t *testing.T) {
	sh := requireTool(t, "sh")
	m, _ := newManager(t, certs.Config{})
	b := newBundle(t, m, testCluster, "tcp://203.0.113.7:2376")

	// A directory name made to break out of quoting.
	dir := filepath.Join(t.TempDir(), `certs'; touch pwned; echo '$(touch pwned2)`)
	require.NoError(t, b.WriteFiles(dir, nil))
	env, err := b.DockerEnv(dir)
	require.NoError(t, err)
	assert.Equal(t, []certs.EnvVar{
		{Name: "DOCKER_HOST", Value: "tcp://203.0.113.7:2376"},
		{Name: "DOCKER_CERT_PATH", Value: dir},
		{Name: "DOCKER_TLS_VERIFY", Value: "1"},
	}, env)
	script, err := certs.ShellExports(env)
	require.NoError(t, err)

	work := t.TempDir()
	cmd := exec.Command(sh, "-c", script+`printf '%s\n%s\n%s' "$DOCKER_HOST" "$DOCKER_CERT_PATH" "$DOCKER_TLS_VERIFY"`)
	cmd.Dir = work
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	assert.Equal(t, "tcp://203.0.113.7:2376\n"+dir+"\n1", string(out))
	entries, err := os.ReadDir(work)
	require.NoError(t, err)
	assert.Empty(t, entries, "the exports ran no command")

	// The files work for a TLS client, as the Docker CLI would use them.
	ca, err := os.ReadFile(filepath.Join(dir, certs.FileCA))
	require.NoError(t, err)
	pair, err := tls.LoadX509KeyPair(filepath.Join(dir, certs.FileCert), filepath.Join(dir, certs.FileKey))
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(ca))
	assert.True(t, bytes.Equal(pair.Certificate[0], b.Client.Certificate.Raw))
	_, err = pair.Leaf.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	assert.NoError(t, err)

	// Docker needs tcp://.
	_, err = newBundle(t, m, testCluster, "https://203.0.113.7:6443").DockerEnv(dir)
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
	_, err = b.DockerEnv("")
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
	_, err = certs.ShellExports([]certs.EnvVar{{Name: "X; rm -rf /", Value: "v"}})
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
}

func TestWriteFilesPermissions(t *testing.T) {
	m, _ := newManager(t, certs.Config{})
	b := newBundle(t, m, testCluster, "https://203.0.113.7:6443")
	dir := filepath.Join(t.TempDir(), "out")
	require.NoError(t, b.WriteFiles(dir, map[string][]byte{"config": []byte("x")}))
	info, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o700), info.Mode().Perm())
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		info, err := e.Info()
		require.NoError(t, err)
		assert.Equal(t, fs.FileMode(0o600), info.Mode().Perm(), e.Name())
	}
	assert.ElementsMatch(t, []string{"ca.pem", "cert.pem", "key.pem", "config"}, names)
	// Rewriting replaces.
	require.NoError(t, b.WriteFiles(dir, map[string][]byte{"config": []byte("y")}))
	data, err := os.ReadFile(filepath.Join(dir, "config"))
	require.NoError(t, err)
	assert.Equal(t, "y", string(data))

	for _, bad := range []string{"", "../x", "a/b", ".", ".."} {
		assert.ErrorIs(t, b.WriteFiles(dir, map[string][]byte{bad: nil}), errdefs.ErrInvalid, bad)
	}
}

func TestKubeconfigValidation(t *testing.T) {
	m, _ := newManager(t, certs.Config{})
	good := newBundle(t, m, testCluster, "https://203.0.113.7:6443")
	for name, mutate := range map[string]func(b *certs.ClientBundle){
		"http server":         func(b *certs.ClientBundle) { b.Server = "http://203.0.113.7:6443" },
		"no host":             func(b *certs.ClientBundle) { b.Server = "https://" },
		"user info":           func(b *certs.ClientBundle) { b.Server = "https://u:p@host:6443" },
		"newline in server":   func(b *certs.ClientBundle) { b.Server = "https://host:6443/\nx" },
		"empty name":          func(b *certs.ClientBundle) { b.ClusterName = "" },
		"control in name":     func(b *certs.ClientBundle) { b.ClusterName = "a\x1bb" },
		"no CA":               func(b *certs.ClientBundle) { b.CA = nil },
		"no client":           func(b *certs.ClientBundle) { b.Client = nil },
		"client key mismatch": func(b *certs.ClientBundle) { b.Client = &certs.KeyPair{Certificate: b.CA, PrivateKey: p256(t)} },
	} {
		t.Run(name, func(t *testing.T) {
			b := *good
			mutate(&b)
			_, err := b.Kubeconfig(certs.KubeconfigOptions{})
			assert.ErrorIs(t, err, errdefs.ErrInvalid)
		})
	}
	_, err := good.Kubeconfig(certs.KubeconfigOptions{User: "a\nb"})
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
	_, err = good.Kubeconfig(certs.KubeconfigOptions{Dir: "/tmp/\n"})
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
}

// kubeconfigDoc mirrors the fields of a kubeconfig the fuzz test checks.
type kubeconfigDoc struct {
	Clusters []struct {
		Name    string `json:"name"`
		Cluster struct {
			Server string `json:"server"`
		} `json:"cluster"`
	} `json:"clusters"`
	Users []struct {
		Name string `json:"name"`
	} `json:"users"`
	Contexts []struct {
		Name    string `json:"name"`
		Context struct {
			Cluster string `json:"cluster"`
			User    string `json:"user"`
		} `json:"context"`
	} `json:"contexts"`
	CurrentContext string `json:"current-context"`
}

// FuzzKubeconfigValues: whatever the names and address, a kubeconfig that
// renders parses back to exactly those values — no value can add or
// change YAML structure.
func FuzzKubeconfigValues(f *testing.F) {
	m, err := certs.New(certs.Config{})
	require.NoError(f, err)
	_, err = m.Create(context.Background(), testCluster)
	require.NoError(f, err)
	base, err := m.ClientBundle(context.Background(), certs.ClientRequest{Cluster: testCluster, Requester: ownerCaller}, "https://h:1")
	require.NoError(f, err)
	f.Add("prod", "admin", "https://203.0.113.1:6443", "")
	f.Add("a: b\nc: d", "- x", "https://h:1/p?q", "/tmp/x")
	f.Add(`"'{}[]&*!|>%@`+"`", "users:\n- name: root", "https://[::1]:6443", "../x: y")
	f.Add("\u2028\u0085", "\ufeffx", "https://h:1/#frag", "dir\u2029")
	f.Fuzz(func(t *testing.T, name, user, server, dir string) {
		b := *base
		b.ClusterName, b.Server = name, server
		data, err := b.Kubeconfig(certs.KubeconfigOptions{User: user, Dir: dir})
		if err != nil {
			require.ErrorIs(t, err, errdefs.ErrInvalid)
			return
		}
		var doc kubeconfigDoc
		require.NoError(t, yaml.Unmarshal(data, &doc), string(data))
		wantUser := user
		if wantUser == "" {
			wantUser = name + "-admin"
		}
		require.Len(t, doc.Clusters, 1)
		require.Len(t, doc.Users, 1)
		require.Len(t, doc.Contexts, 1)
		assert.Equal(t, name, doc.Clusters[0].Name)
		assert.Equal(t, server, doc.Clusters[0].Cluster.Server)
		assert.Equal(t, wantUser, doc.Users[0].Name)
		assert.Equal(t, name, doc.Contexts[0].Name)
		assert.Equal(t, name, doc.Contexts[0].Context.Cluster)
		assert.Equal(t, wantUser, doc.Contexts[0].Context.User)
		assert.Equal(t, name, doc.CurrentContext)
	})
}
