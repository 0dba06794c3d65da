package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	cryptorand "crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"io"
	"strings"

	"github.com/gomagnum/magnum/errdefs"
)

// KeyAlgorithm is the kind of key the manager generates for CAs and client
// certificates. The zero value is ECDSAP256: fast, and accepted by
// Kubernetes, etcd and Docker.
type KeyAlgorithm int

// The supported key algorithms.
const (
	ECDSAP256 KeyAlgorithm = iota // ECDSA on NIST P-256 (the default)
	RSA2048                       // RSA, 2048-bit modulus (Magnum's choice)
	RSA3072                       // RSA, 3072-bit modulus
	RSA4096                       // RSA, 4096-bit modulus
)

// KeyAlgorithms returns every supported algorithm, the default first.
func KeyAlgorithms() []KeyAlgorithm { return []KeyAlgorithm{ECDSAP256, RSA2048, RSA3072, RSA4096} }

// String returns the algorithm's name as ParseKeyAlgorithm accepts it,
// e.g. "ecdsa-p256" or "rsa-2048".
func (a KeyAlgorithm) String() string {
	switch a {
	case ECDSAP256:
		return "ecdsa-p256"
	case RSA2048:
		return "rsa-2048"
	case RSA3072:
		return "rsa-3072"
	case RSA4096:
		return "rsa-4096"
	}
	return fmt.Sprintf("KeyAlgorithm(%d)", int(a))
}

func (a KeyAlgorithm) valid() bool { return a >= ECDSAP256 && a <= RSA4096 }

// ParseKeyAlgorithm returns the algorithm with the given name
// (case-insensitive): "ecdsa-p256", "rsa-2048", "rsa-3072" or "rsa-4096".
// The empty string means the default, ECDSAP256.
func ParseKeyAlgorithm(s string) (KeyAlgorithm, error) {
	if s == "" {
		return ECDSAP256, nil
	}
	names := make([]string, 0, 4)
	for _, a := range KeyAlgorithms() {
		if strings.EqualFold(s, a.String()) {
			return a, nil
		}
		names = append(names, a.String())
	}
	return 0, errdefs.Invalid("key_algorithm", "unknown key algorithm %q (want one of %s)",
		s, strings.Join(names, ", "))
}

// MarshalText encodes the algorithm by name, for configuration files.
func (a KeyAlgorithm) MarshalText() ([]byte, error) {
	if !a.valid() {
		return nil, errdefs.Invalid("key_algorithm", "unknown key algorithm %d", int(a))
	}
	return []byte(a.String()), nil
}

// UnmarshalText decodes a name accepted by ParseKeyAlgorithm.
func (a *KeyAlgorithm) UnmarshalText(text []byte) error {
	v, err := ParseKeyAlgorithm(string(text))
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// GenerateKey creates a new private key of this algorithm. Randomness comes
// from rand (nil: crypto/rand) where the Go runtime honours a
// caller-supplied reader; from Go 1.26 key generation always uses the
// system's secure source.
func (a KeyAlgorithm) GenerateKey(rand io.Reader) (crypto.Signer, error) {
	if rand == nil {
		rand = cryptorand.Reader
	}
	switch a {
	case ECDSAP256:
		return ecdsa.GenerateKey(elliptic.P256(), rand)
	case RSA2048:
		return rsa.GenerateKey(rand, 2048)
	case RSA3072:
		return rsa.GenerateKey(rand, 3072)
	case RSA4096:
		return rsa.GenerateKey(rand, 4096)
	}
	return nil, errdefs.Invalid("key_algorithm", "unknown key algorithm %d", int(a))
}

// Key sizes accepted from certificate signing requests.
const (
	minRSABits = 2048
	maxRSABits = 8192 // larger keys only make verification slow
)

// checkPublicKey rejects keys too weak (or too unusual) to certify: RSA
// below 2048 or above 8192 bits, ECDSA on curves other than P-256 and P-384,
// and any other key type except Ed25519.
func checkPublicKey(pub any) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		bits := k.N.BitLen()
		if bits < minRSABits {
			return fmt.Errorf("RSA key of %d bits is too weak (minimum %d)", bits, minRSABits)
		}
		if bits > maxRSABits {
			return fmt.Errorf("RSA key of %d bits is too large (maximum %d)", bits, maxRSABits)
		}
		return nil
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256(), elliptic.P384():
			return nil
		}
		return fmt.Errorf("ECDSA curve %s is not accepted (use P-256 or P-384)", k.Curve.Params().Name)
	case ed25519.PublicKey:
		return nil
	}
	return fmt.Errorf("public key type %T is not accepted (use RSA ≥ %d bits, ECDSA P-256/P-384 or Ed25519)", pub, minRSABits)
}

// leafKeyUsage is the key usage a leaf certificate for pub gets: digital
// signature always, key encipherment for RSA keys (RSA key exchange).
func leafKeyUsage(pub any) x509.KeyUsage {
	if _, ok := pub.(*rsa.PublicKey); ok {
		return x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
	}
	return x509.KeyUsageDigitalSignature
}
