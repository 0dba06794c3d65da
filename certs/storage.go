package certs

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"fmt"

	"github.com/gomagnum/magnum/errdefs"
)

// Refs names a cluster's stored certificate material, one reference per
// key pair. The JSON names are Magnum's cluster columns.
type Refs struct {
	CA           string `json:"ca_cert_ref"`
	EtcdCA       string `json:"etcd_ca_cert_ref"`
	FrontProxyCA string `json:"front_proxy_ca_cert_ref"`
	Client       string `json:"magnum_cert_ref"` // the admin client certificate
}

// ForCA returns the reference of the CA of type t ("" for an unknown type).
func (r Refs) ForCA(t CAType) string {
	switch t {
	case CAKubernetes:
		return r.CA
	case CAEtcd:
		return r.EtcdCA
	case CAFrontProxy:
		return r.FrontProxyCA
	}
	return ""
}

// All returns the four references in a fixed order: CA, etcd CA,
// front-proxy CA, client.
func (r Refs) All() []string { return []string{r.CA, r.EtcdCA, r.FrontProxyCA, r.Client} }

// complete reports whether every reference is set.
func (r Refs) complete() bool {
	return r.CA != "" && r.EtcdCA != "" && r.FrontProxyCA != "" && r.Client != ""
}

// Storage keeps key pairs and, per cluster, the Refs that say which key
// pairs are the cluster's current ones. Key pairs are written once under a
// reference the manager chooses; a cluster's Refs change only through
// SwapRefs, which is atomic: readers see either the old set or the new one,
// never a mix.
//
// Errors carry errdefs kinds: ErrNotFound for a missing key pair or
// cluster, ErrConflict for a reference or cluster that already exists or a
// SwapRefs whose expected old value is stale, ErrInvalid for malformed
// input, ErrUnavailable when the backing store (or the key that protects
// private keys) cannot be reached. Implementations must be safe for
// concurrent use and must never put key material in errors or logs.
type Storage interface {
	// CreateKeyPair stores kp under ref; ErrConflict if ref is taken.
	CreateKeyPair(ctx context.Context, ref string, kp *KeyPair) error
	// KeyPair returns the certificate and private key stored under ref.
	KeyPair(ctx context.Context, ref string) (*KeyPair, error)
	// Certificate returns only the certificate stored under ref; it never
	// needs to decrypt the private key.
	Certificate(ctx context.Context, ref string) (*x509.Certificate, error)
	// DeleteKeyPair removes the key pair; ErrNotFound if there is none.
	DeleteKeyPair(ctx context.Context, ref string) error

	// Refs returns the cluster's current references.
	Refs(ctx context.Context, clusterID string) (Refs, error)
	// CreateRefs records the first references of a cluster; ErrConflict if
	// the cluster has some already.
	CreateRefs(ctx context.Context, clusterID string, refs Refs) error
	// SwapRefs replaces the cluster's references with next if they still
	// equal prev (ErrConflict otherwise), in one atomic step.
	SwapRefs(ctx context.Context, clusterID string, prev, next Refs) error
	// DeleteRefs forgets the cluster's references; ErrNotFound if none.
	DeleteRefs(ctx context.Context, clusterID string) error
}

// refBytes is the size of a random reference: 128 bits.
const refBytes = 16

// newRef returns a fresh random reference: 32 lower-case hex digits.
func newRef() (string, error) {
	var b [refBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("certs: random reference: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// checkRef accepts what newRef produces and other short identifiers made of
// letters, digits, '-' and '_' (so a storage can be handed refs from
// elsewhere), and rejects anything that could escape a directory or a key
// namespace.
func checkRef(ref string) error {
	if err := checkName(ref); err != nil {
		return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "keypair", Field: "ref", Reason: err.Error()}
	}
	return nil
}

// checkClusterID applies the same rule to cluster IDs (UUIDs in practice).
func checkClusterID(id string) error {
	if err := checkName(id); err != nil {
		return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "cluster", Field: "uuid", Reason: err.Error()}
	}
	return nil
}

const maxNameLen = 128

func checkName(s string) error {
	if s == "" {
		return fmt.Errorf("must not be empty")
	}
	if len(s) > maxNameLen {
		return fmt.Errorf("longer than %d characters", maxNameLen)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return fmt.Errorf("may contain only letters, digits, '-' and '_'")
		}
	}
	return nil
}
