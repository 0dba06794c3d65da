package certs

import (
	"context"
	"crypto/x509"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"sigs.k8s.io/yaml"

	"github.com/gomagnum/magnum/errdefs"
)

// File names of a client bundle, as `magnum cluster-config` writes them.
const (
	FileCA         = "ca.pem"
	FileCert       = "cert.pem"
	FileKey        = "key.pem"
	FileKubeconfig = "config"
)

// ClientBundle is what a user needs to reach a cluster over TLS: the
// cluster CA, a client key pair and the API address. It renders a
// kubeconfig or Docker TLS settings, and writes the PEM files.
type ClientBundle struct {
	// ClusterName names the cluster and the context in a kubeconfig.
	ClusterName string
	// Server is the cluster's API address: https://host:port for
	// Kubernetes, tcp://host:port for Docker.
	Server string
	CA     *x509.Certificate
	Client *KeyPair
}

// ClientBundle issues a client key pair through the policy (see
// IssueClient) and bundles it with the cluster CA and server address.
func (m *Manager) ClientBundle(ctx context.Context, req ClientRequest, server string) (*ClientBundle, error) {
	t := req.CAType
	if t == "" {
		t = CAKubernetes
	}
	ca, err := m.CA(ctx, req.Cluster.UUID, t)
	if err != nil {
		return nil, err
	}
	client, err := m.IssueClient(ctx, req)
	if err != nil {
		return nil, err
	}
	name := req.Cluster.Name
	if name == "" {
		name = req.Cluster.UUID
	}
	return &ClientBundle{ClusterName: name, Server: server, CA: ca, Client: client}, nil
}

func (b *ClientBundle) check(schemes ...string) error {
	if b.CA == nil {
		return errdefs.Invalid("ca", "a CA certificate is required")
	}
	if err := b.Client.check(); err != nil {
		return err
	}
	if b.ClusterName == "" || !validText(b.ClusterName) {
		return errdefs.Invalid("cluster_name", "must be non-empty valid text without control characters")
	}
	u, err := url.Parse(b.Server)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" ||
		!validText(b.Server) {
		return errdefs.Invalid("api_address", "must be a URL like %s://host:port", schemes[0])
	}
	for _, s := range schemes {
		if u.Scheme == s {
			return nil
		}
	}
	return errdefs.Invalid("api_address", "scheme must be %s", strings.Join(schemes, " or "))
}

// validText reports whether s is valid UTF-8 without control characters,
// so it survives YAML and shell quoting unchanged.
func validText(s string) bool {
	return utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0
}

// Files returns the PEM files of the bundle: FileCA, FileCert and FileKey.
// The key file is a secret.
func (b *ClientBundle) Files() (map[string][]byte, error) {
	if b.CA == nil {
		return nil, errdefs.Invalid("ca", "a CA certificate is required")
	}
	if err := b.Client.check(); err != nil {
		return nil, err
	}
	key, err := b.Client.PrivateKeyPEM()
	if err != nil {
		return nil, err
	}
	return map[string][]byte{
		FileCA:   CertificatePEM(b.CA),
		FileCert: b.Client.CertificatePEM(),
		FileKey:  key,
	}, nil
}

// WriteFiles writes the bundle's PEM files, and extra files such as a
// kubeconfig under FileKubeconfig, into dir (created with mode 0700). Every
// file is written with mode 0600. Existing files are replaced.
func (b *ClientBundle) WriteFiles(dir string, extra map[string][]byte) error {
	files, err := b.Files()
	if err != nil {
		return err
	}
	defer clear(files[FileKey])
	for name, data := range extra {
		if name == "" || name != filepath.Base(name) || name == "." || name == ".." {
			return errdefs.Invalid("file", "%q is not a plain file name", name)
		}
		files[name] = data
	}
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return fmt.Errorf("certs: create bundle directory: %w", err)
	}
	for name, data := range files {
		if err := replace(filepath.Join(dir, name), data); err != nil {
			return err
		}
	}
	return nil
}

// KubeconfigOptions tune Kubeconfig.
type KubeconfigOptions struct {
	// User names the credentials (default "<cluster name>-admin", so
	// kubeconfigs of several clusters merge without collisions).
	User string
	// Dir, when set, makes the kubeconfig refer to FileCA, FileCert and
	// FileKey in Dir (as WriteFiles writes them) instead of embedding them.
	Dir string
}

// The kubeconfig document (clientcmd v1), encoded through JSON tags so
// every value is quoted by the YAML encoder, never by string templating.
type kubeconfig struct {
	APIVersion     string             `json:"apiVersion"`
	Kind           string             `json:"kind"`
	Clusters       []kubeNamedCluster `json:"clusters"`
	Users          []kubeNamedUser    `json:"users"`
	Contexts       []kubeNamedContext `json:"contexts"`
	CurrentContext string             `json:"current-context"`
	Preferences    struct{}           `json:"preferences"`
}

type kubeNamedCluster struct {
	Name    string      `json:"name"`
	Cluster kubeCluster `json:"cluster"`
}

type kubeCluster struct {
	Server                   string `json:"server"`
	CertificateAuthority     string `json:"certificate-authority,omitempty"`
	CertificateAuthorityData []byte `json:"certificate-authority-data,omitempty"`
}

type kubeNamedUser struct {
	Name string   `json:"name"`
	User kubeUser `json:"user"`
}

type kubeUser struct {
	ClientCertificate     string `json:"client-certificate,omitempty"`
	ClientCertificateData []byte `json:"client-certificate-data,omitempty"`
	ClientKey             string `json:"client-key,omitempty"`
	ClientKeyData         []byte `json:"client-key-data,omitempty"`
}

type kubeNamedContext struct {
	Name    string      `json:"name"`
	Context kubeContext `json:"context"`
}

type kubeContext struct {
	Cluster string `json:"cluster"`
	User    string `json:"user"`
}

// Kubeconfig renders a kubeconfig with one cluster (named ClusterName,
// server Server, the CA), one user (the client certificate and key) and one
// context, named ClusterName, which is current. The result holds the
// private key unless opts.Dir is set: treat it as a secret.
func (b *ClientBundle) Kubeconfig(opts KubeconfigOptions) ([]byte, error) {
	if err := b.check("https"); err != nil {
		return nil, err
	}
	user := opts.User
	if user == "" {
		user = b.ClusterName + "-admin"
	}
	if !validText(user) {
		return nil, errdefs.Invalid("user", "must be valid text without control characters")
	}
	cluster := kubeCluster{Server: b.Server}
	var creds kubeUser
	if opts.Dir == "" {
		key, err := b.Client.PrivateKeyPEM()
		if err != nil {
			return nil, err
		}
		defer clear(key)
		cluster.CertificateAuthorityData = CertificatePEM(b.CA)
		creds = kubeUser{ClientCertificateData: b.Client.CertificatePEM(), ClientKeyData: key}
	} else {
		if !validText(opts.Dir) {
			return nil, errdefs.Invalid("dir", "must be valid text without control characters")
		}
		cluster.CertificateAuthority = filepath.Join(opts.Dir, FileCA)
		creds = kubeUser{ClientCertificate: filepath.Join(opts.Dir, FileCert), ClientKey: filepath.Join(opts.Dir, FileKey)}
	}
	doc := kubeconfig{
		APIVersion:     "v1",
		Kind:           "Config",
		Clusters:       []kubeNamedCluster{{Name: b.ClusterName, Cluster: cluster}},
		Users:          []kubeNamedUser{{Name: user, User: creds}},
		Contexts:       []kubeNamedContext{{Name: b.ClusterName, Context: kubeContext{Cluster: b.ClusterName, User: user}}},
		CurrentContext: b.ClusterName,
	}
	out, err := yaml.Marshal(doc)
	clear(creds.ClientKeyData)
	if err != nil {
		return nil, fmt.Errorf("certs: encode kubeconfig: %w", err)
	}
	return out, nil
}

// EnvVar is one environment variable.
type EnvVar struct{ Name, Value string }

// DockerEnv returns the variables that point the Docker CLI at the cluster
// with TLS: DOCKER_HOST (Server, tcp://host:port), DOCKER_CERT_PATH (dir,
// where WriteFiles put the bundle) and DOCKER_TLS_VERIFY=1.
func (b *ClientBundle) DockerEnv(dir string) ([]EnvVar, error) {
	if err := b.check("tcp"); err != nil {
		return nil, err
	}
	if dir == "" || !validText(dir) {
		return nil, errdefs.Invalid("dir", "must be a directory path without control characters")
	}
	return []EnvVar{
		{Name: "DOCKER_HOST", Value: b.Server},
		{Name: "DOCKER_CERT_PATH", Value: dir},
		{Name: "DOCKER_TLS_VERIFY", Value: "1"},
	}, nil
}

// ShellExports renders vars as POSIX shell lines `export NAME='value'`,
// quoting every value so that no value can run a command. A name that is
// not a shell identifier is errdefs.ErrInvalid.
func ShellExports(vars []EnvVar) (string, error) {
	var b strings.Builder
	for _, v := range vars {
		if !validEnvName(v.Name) {
			return "", errdefs.Invalid("name", "%q is not an environment variable name", truncate(v.Name, 40))
		}
		b.WriteString("export ")
		b.WriteString(v.Name)
		b.WriteByte('=')
		b.WriteString(shellQuote(v.Value))
		b.WriteByte('\n')
	}
	return b.String(), nil
}

func validEnvName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// shellQuote wraps s in single quotes. Each single quote inside ends the
// quoted part, adds an escaped quote and starts a new quoted part.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
