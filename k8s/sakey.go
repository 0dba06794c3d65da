package k8s

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
)

// NewServiceAccountKey makes the key pair with which a cluster's API
// servers sign service account tokens (ECDSA P-256, PKCS #8 PEM), for
// Bootstrap.ServiceAccountKey. Make it once per cluster and keep it with
// the cluster's secrets: a new key on every render would invalidate the
// tokens of running workloads. r is the randomness (nil: crypto/rand).
func NewServiceAccountKey(r io.Reader) ([]byte, error) {
	if r == nil {
		r = rand.Reader
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), r)
	if err != nil {
		return nil, fmt.Errorf("k8s: generate service account key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("k8s: encode service account key: %w", err)
	}
	out := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	clear(der)
	return out, nil
}
