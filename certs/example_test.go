package certs_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/errdefs"
)

// nodeCSR builds a CSR as a cluster node would at boot.
func nodeCSR(subject pkix.Name) []byte {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject:  subject,
		DNSNames: []string{"worker-0"},
	}, key)
	if err != nil {
		log.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

func Example() {
	ctx := context.Background()
	m, err := certs.New(certs.Config{}) // ECDSA P-256, sealed in-memory storage
	if err != nil {
		log.Fatal(err)
	}
	cluster := certs.Cluster{
		UUID: "0d5f2c8e-4b7a-4f1e-9c3d-2a6b8e1f7c40", Name: "demo",
		ProjectID: "p1", UserID: "alice", TrusteeUserID: "demo-trustee",
	}
	if _, err := m.Create(ctx, cluster); err != nil {
		log.Fatal(err)
	}

	// A node, calling in as the cluster's trustee, gets its kubelet
	// certificate…
	node := certs.Requester{UserID: "demo-trustee", Trustee: true}
	cert, err := m.SignCSR(ctx, certs.SignRequest{Cluster: cluster, Requester: node,
		CSR: nodeCSR(pkix.Name{CommonName: "system:node:worker-0", Organization: []string{"system:nodes"}})})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cert.Subject.CommonName, cert.DNSNames, cert.IsCA)

	// …but cannot make itself cluster admin.
	_, err = m.SignCSR(ctx, certs.SignRequest{Cluster: cluster, Requester: node,
		CSR: nodeCSR(pkix.Name{CommonName: "admin", Organization: []string{"system:masters"}})})
	fmt.Println(errors.Is(err, errdefs.ErrForbidden))

	// The owner gets a kubeconfig with a fresh admin client certificate.
	owner := certs.Requester{UserID: "alice", ProjectID: "p1", Roles: []string{"member"}}
	bundle, err := m.ClientBundle(ctx, certs.ClientRequest{Cluster: cluster, Requester: owner}, "https://192.0.2.10:6443")
	if err != nil {
		log.Fatal(err)
	}
	kubeconfig, err := bundle.Kubeconfig(certs.KubeconfigOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.Contains(string(kubeconfig), "current-context: demo"))
	// Output:
	// system:node:worker-0 [worker-0] false
	// true
	// true
}

func ExampleManager_Rotate() {
	ctx := context.Background()
	m, err := certs.New(certs.Config{})
	if err != nil {
		log.Fatal(err)
	}
	cluster := certs.Cluster{UUID: "cluster-1", Name: "demo"}
	old, err := m.Create(ctx, cluster)
	if err != nil {
		log.Fatal(err)
	}
	rot, err := m.Rotate(ctx, cluster, func(ctx context.Context, r certs.Rotation) error {
		// Here the lifecycle code asks the cluster's driver to roll the new
		// CAs out. The new references are already in place.
		fmt.Println("hook sees the new set:", r.New != r.Old)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("old set replaced:", rot.Old == old && rot.New != old)
	// Output:
	// hook sees the new set: true
	// old set replaced: true
}

func ExampleNewSealedStorage() {
	ctx := context.Background()
	// The embedding program supplies the key that seals private keys, here
	// from memory; in production from its secret store or a KMS.
	keys := certs.StaticKeys{Current: "2025-01", Keys: map[string][]byte{
		"2025-01": []byte("0123456789abcdef0123456789abcdef"), // 32 bytes: AES-256
	}}
	records := certs.NewMemRecordStore() // or an adapter over the program's database
	m, err := certs.New(certs.Config{Storage: certs.NewSealedStorage(records, keys)})
	if err != nil {
		log.Fatal(err)
	}
	refs, err := m.Create(ctx, certs.Cluster{UUID: "cluster-1"})
	if err != nil {
		log.Fatal(err)
	}

	// Over the same records but without the key, certificates are readable
	// and private keys are not.
	locked := certs.NewSealedStorage(records, nil)
	ca, err := locked.Certificate(ctx, refs.CA)
	fmt.Println(ca.IsCA, err)
	_, err = locked.KeyPair(ctx, refs.CA)
	fmt.Println(errors.Is(err, certs.ErrKeyUnavailable))
	// Output:
	// true <nil>
	// true
}
