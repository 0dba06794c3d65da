package certs

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"net"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gomagnum/magnum/errdefs"
)

// Limits on what a CSR may carry.
const (
	maxCSRBytes  = 64 << 10 // PEM input
	maxOrgs      = 8        // O attributes
	maxSANs      = 64       // DNS names plus IP addresses
	maxDNSLength = 253
)

// Object identifiers the CSR checks understand, in dotted form.
const (
	oidSubjectAltName   = "2.5.29.17"
	oidKeyUsage         = "2.5.29.15"
	oidExtKeyUsage      = "2.5.29.37"
	oidBasicConstraints = "2.5.29.19"
	oidSubjectKeyID     = "2.5.29.14"
	oidCommonName       = "2.5.4.3"

	oidEKUServerAuth = "1.3.6.1.5.5.7.3.1"
	oidEKUClientAuth = "1.3.6.1.5.5.7.3.2"
)

// checkedCSR is a CSR that passed every check that does not depend on who
// asks.
type checkedCSR struct {
	csr         *x509.CertificateRequest
	extKeyUsage []x509.ExtKeyUsage // requested, client/server only
}

func invalidCSR(format string, args ...any) error {
	return &errdefs.Error{Kind: errdefs.ErrInvalid, Field: "csr", Reason: fmt.Sprintf(format, args...)}
}

func forbiddenCSR(format string, args ...any) error {
	return &errdefs.Error{Kind: errdefs.ErrForbidden, Field: "csr", Reason: fmt.Sprintf(format, args...)}
}

// parseCSR decodes one PEM "CERTIFICATE REQUEST" and checks it: its
// signature, its key's strength, its subject's form and its extensions. A
// malformed request is errdefs.ErrInvalid; one asking for what is never
// granted (CA:true, CA key usages, usages other than client and server
// authentication, e-mail or URI names) is errdefs.ErrForbidden.
func parseCSR(data []byte) (*checkedCSR, error) {
	if len(data) == 0 {
		return nil, invalidCSR("empty certificate signing request")
	}
	if len(data) > maxCSRBytes {
		return nil, invalidCSR("certificate signing request larger than %d bytes", maxCSRBytes)
	}
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, invalidCSR("not a PEM-encoded certificate signing request")
	}
	if block.Type != "CERTIFICATE REQUEST" && block.Type != "NEW CERTIFICATE REQUEST" {
		return nil, invalidCSR("PEM block is %q, not CERTIFICATE REQUEST", truncate(block.Type, 40))
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, invalidCSR("unexpected data after the certificate signing request")
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return nil, invalidCSR("malformed certificate signing request: %v", err)
	}
	if err := checkPublicKey(csr.PublicKey); err != nil {
		return nil, invalidCSR("%v", err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, invalidCSR("the request's signature does not verify")
	}
	if err := checkSubject(csr); err != nil {
		return nil, err
	}
	if len(csr.EmailAddresses) > 0 || len(csr.URIs) > 0 {
		return nil, forbiddenCSR("only DNS names and IP addresses are allowed as subject alternative names")
	}
	if err := checkSANs(csr.DNSNames, csr.IPAddresses); err != nil {
		return nil, err
	}
	out := &checkedCSR{csr: csr}
	for _, ext := range csr.Extensions {
		if err := out.checkExtension(ext.Id, ext.Critical, ext.Value); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (c *checkedCSR) checkExtension(oid asn1.ObjectIdentifier, critical bool, value []byte) error {
	switch id := oid.String(); {
	case id == oidSubjectAltName, id == oidSubjectKeyID:
		// Names were parsed (and checked) by crypto/x509; the key
		// identifier is recomputed.
		return nil
	case id == oidBasicConstraints:
		var bc struct {
			IsCA       bool `asn1:"optional"`
			MaxPathLen int  `asn1:"optional,default:-1"`
		}
		if rest, err := asn1.Unmarshal(value, &bc); err != nil || len(rest) != 0 {
			return invalidCSR("malformed basic constraints extension")
		}
		if bc.IsCA {
			return forbiddenCSR("CA certificates are never issued (basic constraints CA:true)")
		}
		return nil
	case id == oidKeyUsage:
		var bits asn1.BitString
		if rest, err := asn1.Unmarshal(value, &bits); err != nil || len(rest) != 0 {
			return invalidCSR("malformed key usage extension")
		}
		// Bit 5 is keyCertSign, bit 6 cRLSign (RFC 5280 4.2.1.3).
		if bits.At(5) == 1 || bits.At(6) == 1 {
			return forbiddenCSR("CA key usages (keyCertSign, cRLSign) are never granted")
		}
		return nil // the issued key usage follows the key type
	case id == oidExtKeyUsage:
		var oids []asn1.ObjectIdentifier
		if rest, err := asn1.Unmarshal(value, &oids); err != nil || len(rest) != 0 {
			return invalidCSR("malformed extended key usage extension")
		}
		for _, eku := range oids {
			var u x509.ExtKeyUsage
			switch eku.String() {
			case oidEKUClientAuth:
				u = x509.ExtKeyUsageClientAuth
			case oidEKUServerAuth:
				u = x509.ExtKeyUsageServerAuth
			default:
				return forbiddenCSR("extended key usage %s is not granted (only clientAuth and serverAuth)", eku)
			}
			if !containsUsage(c.extKeyUsage, u) {
				c.extKeyUsage = append(c.extKeyUsage, u)
			}
		}
		return nil
	case critical:
		return invalidCSR("unsupported critical extension %s", id)
	}
	return nil // unknown non-critical extensions are dropped
}

func containsUsage(list []x509.ExtKeyUsage, u x509.ExtKeyUsage) bool {
	for _, v := range list {
		if v == u {
			return true
		}
	}
	return false
}

// checkSubject accepts at most one CN and at most maxOrgs O attributes, each
// a valid name string. Other attributes are allowed but not copied.
func checkSubject(csr *x509.CertificateRequest) error {
	cns := 0
	for _, atv := range csr.Subject.Names {
		if atv.Type.String() == oidCommonName {
			cns++
		}
	}
	if cns != 1 {
		return invalidCSR("the subject must have exactly one common name (has %d)", cns)
	}
	if err := checkNameString("common name", csr.Subject.CommonName); err != nil {
		return err
	}
	if len(csr.Subject.Organization) > maxOrgs {
		return invalidCSR("the subject has more than %d organizations", maxOrgs)
	}
	for _, o := range csr.Subject.Organization {
		if err := checkNameString("organization", o); err != nil {
			return err
		}
	}
	return nil
}

func checkNameString(what, s string) error {
	switch {
	case s == "":
		return invalidCSR("empty %s", what)
	case len(s) > maxCNBytes:
		return invalidCSR("%s longer than %d bytes", what, maxCNBytes)
	case !utf8.ValidString(s):
		return invalidCSR("%s is not valid UTF-8", what)
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return invalidCSR("%s contains control characters", what)
	case strings.TrimSpace(s) != s:
		return invalidCSR("%s has leading or trailing space", what)
	}
	return nil
}

// checkSANs bounds the number of names and requires DNS names to be host
// names (no wildcards).
func checkSANs(dns []string, ips []net.IP) error {
	if len(dns)+len(ips) > maxSANs {
		return invalidCSR("more than %d subject alternative names", maxSANs)
	}
	for _, name := range dns {
		if !validHostname(name) {
			return invalidCSR("subject alternative name %q is not a host name", truncate(name, 80))
		}
	}
	for _, ip := range ips {
		if ip.To4() == nil && ip.To16() == nil {
			return invalidCSR("malformed IP address in subject alternative names")
		}
	}
	return nil
}

func validHostname(name string) bool {
	if name == "" || len(name) > maxDNSLength {
		return false
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// truncate shortens s for an error message, keeping it valid UTF-8.
func truncate(s string, n int) string {
	s = strings.ToValidUTF8(s, "?")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
