package certs

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"io"
	"math/big"
	"net"
	"strings"
	"time"
	"unicode/utf8"
)

// serialBits is the size of certificate serial numbers.
const serialBits = 128

// newSerial returns a random, positive, non-zero 128-bit serial number.
func newSerial(rand io.Reader) (*big.Int, error) {
	buf := make([]byte, serialBits/8)
	for {
		if _, err := io.ReadFull(rand, buf); err != nil {
			return nil, fmt.Errorf("certs: random serial: %w", err)
		}
		if n := new(big.Int).SetBytes(buf); n.Sign() > 0 {
			return n, nil
		}
	}
}

// subjectKeyID derives a key identifier from the subject public key bits:
// SHA-256 truncated to 160 bits (RFC 7093, method 1).
func subjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("certs: encode public key: %w", err)
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return nil, fmt.Errorf("certs: decode public key: %w", err)
	}
	sum := sha256.Sum256(spki.PublicKey.Bytes)
	return sum[:20], nil
}

// maxCNBytes is X.509's upper bound for a common name (ub-common-name).
const maxCNBytes = 64

// caCommonName makes a CA's common name from the cluster's name (its UUID
// when it has none): valid UTF-8, cut to 64 bytes on a rune boundary.
func caCommonName(c Cluster) string {
	name := c.Name
	if name == "" {
		name = c.UUID
	}
	name = strings.ToValidUTF8(name, "\uFFFD")
	for len(name) > maxCNBytes {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return name
}

// leafSpec is everything a leaf certificate's contents depend on.
type leafSpec struct {
	Subject     pkix.Name
	DNSNames    []string
	IPAddresses []net.IP
	ExtKeyUsage []x509.ExtKeyUsage
	Validity    time.Duration
	PublicKey   crypto.PublicKey
}

// issuer creates certificates with the manager's settings.
type issuer struct {
	rand     io.Reader
	now      time.Time
	skew     time.Duration
	caLife   time.Duration
	leafLife time.Duration
}

// newCA creates a self-signed CA certificate for key: basic constraints
// CA:true with path length 0 (critical), key usage certSign|cRLSign
// (critical), subject and authority key identifiers.
func (is issuer) newCA(subject pkix.Name, key crypto.Signer) (*x509.Certificate, error) {
	serial, err := newSerial(is.rand)
	if err != nil {
		return nil, err
	}
	skid, err := subjectKeyID(key.Public())
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               subject,
		NotBefore:             is.now.Add(-is.skew),
		NotAfter:              is.now.Add(is.caLife),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
		SubjectKeyId:          skid,
		// Optional for a self-signed certificate (RFC 5280 4.2.1.1), but
		// some tools expect it.
		AuthorityKeyId: skid,
	}
	der, err := x509.CreateCertificate(is.rand, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("certs: create CA certificate: %w", err)
	}
	return x509.ParseCertificate(der)
}

// newLeaf signs a non-CA certificate for spec with ca. The lifetime is cut
// to end no later than the CA's.
func (is issuer) newLeaf(spec leafSpec, ca *KeyPair) (*x509.Certificate, error) {
	serial, err := newSerial(is.rand)
	if err != nil {
		return nil, err
	}
	skid, err := subjectKeyID(spec.PublicKey)
	if err != nil {
		return nil, err
	}
	life := spec.Validity
	if life <= 0 {
		life = is.leafLife
	}
	notAfter := is.now.Add(life)
	if notAfter.After(ca.Certificate.NotAfter) {
		notAfter = ca.Certificate.NotAfter
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               spec.Subject,
		NotBefore:             is.now.Add(-is.skew),
		NotAfter:              notAfter,
		KeyUsage:              leafKeyUsage(spec.PublicKey),
		ExtKeyUsage:           spec.ExtKeyUsage,
		BasicConstraintsValid: true,
		IsCA:                  false,
		DNSNames:              spec.DNSNames,
		IPAddresses:           spec.IPAddresses,
		SubjectKeyId:          skid,
		AuthorityKeyId:        ca.Certificate.SubjectKeyId,
	}
	der, err := x509.CreateCertificate(is.rand, tmpl, ca.Certificate, spec.PublicKey, ca.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("certs: sign certificate: %w", err)
	}
	return x509.ParseCertificate(der)
}
