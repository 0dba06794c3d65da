package certs

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"

	"github.com/gomagnum/magnum/errdefs"
)

// KeyPair is a certificate with its private key.
type KeyPair struct {
	Certificate *x509.Certificate
	PrivateKey  crypto.Signer
}

// check reports whether the pair is complete and its key matches the
// certificate.
func (kp *KeyPair) check() error {
	if kp == nil || kp.Certificate == nil || kp.PrivateKey == nil {
		return errdefs.Invalid("keypair", "a key pair needs a certificate and a private key")
	}
	type equaler interface{ Equal(crypto.PublicKey) bool }
	pub, ok := kp.PrivateKey.Public().(equaler)
	if !ok || !pub.Equal(kp.Certificate.PublicKey) {
		return errdefs.Invalid("keypair", "the private key does not match the certificate")
	}
	return nil
}

// CertificatePEM returns the certificate PEM-encoded.
func (kp *KeyPair) CertificatePEM() []byte { return CertificatePEM(kp.Certificate) }

// PrivateKeyPEM returns the private key as an unencrypted PKCS #8
// "PRIVATE KEY" PEM block. Handle the result as a secret.
func (kp *KeyPair) PrivateKeyPEM() ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(kp.PrivateKey)
	if err != nil {
		// The error names only the key type, never key material.
		return nil, fmt.Errorf("certs: encode private key: %w", err)
	}
	out := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	clear(der)
	return out, nil
}

// TLSCertificate returns the pair in the form crypto/tls uses, for talking
// to the cluster (the client certificate) or serving (a server certificate).
func (kp *KeyPair) TLSCertificate() tls.Certificate {
	return tls.Certificate{
		Certificate: [][]byte{kp.Certificate.Raw},
		PrivateKey:  kp.PrivateKey,
		Leaf:        kp.Certificate,
	}
}

// CertificatePEM returns cert PEM-encoded as a "CERTIFICATE" block.
func CertificatePEM(cert *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
}

// parsePrivateKey parses PKCS #8 DER into a signer. Errors never quote the
// input.
func parsePrivateKey(der []byte) (crypto.Signer, error) {
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("malformed PKCS #8 private key")
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("private key of type %T cannot sign", key)
	}
	return signer, nil
}
