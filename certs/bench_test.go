package certs_test

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"net"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/certs"
)

// reportCPU adds a cpu-ns/op metric: the process's CPU time (all threads,
// garbage collection included) per iteration, comparable with Magnum's
// measured CPU cost.
func reportCPU(b *testing.B, run func()) {
	start, ok := processCPU()
	run()
	end, ok2 := processCPU()
	if ok && ok2 && b.N > 0 {
		b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
	}
}

var benchAlgorithms = []certs.KeyAlgorithm{certs.ECDSAP256, certs.RSA2048}

// BenchmarkClusterSet creates a cluster's full set — three CAs and the
// admin client certificate — and stores it (private keys sealed with
// AES-GCM in memory).
func BenchmarkClusterSet(b *testing.B) {
	ctx := context.Background()
	for _, alg := range benchAlgorithms {
		b.Run(alg.String(), func(b *testing.B) {
			m, err := certs.New(certs.Config{KeyAlgorithm: alg})
			require.NoError(b, err)
			b.ReportAllocs()
			b.ResetTimer()
			reportCPU(b, func() {
				for i := 0; i < b.N; i++ {
					if _, err := m.Create(ctx, certs.Cluster{UUID: fmt.Sprintf("cluster-%d", i), Name: "bench"}); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// BenchmarkSignCSR signs one kubelet CSR whose key uses the same algorithm
// as the CA: parse, signature and key checks, policy, opening the sealed CA
// key, signing.
func BenchmarkSignCSR(b *testing.B) {
	ctx := context.Background()
	for _, alg := range benchAlgorithms {
		b.Run(alg.String(), func(b *testing.B) {
			m, _ := newManager(b, certs.Config{KeyAlgorithm: alg})
			key, err := alg.GenerateKey(nil)
			require.NoError(b, err)
			der, err := x509.CreateCertificateRequest(nil, &x509.CertificateRequest{
				Subject:     pkix.Name{CommonName: "system:node:worker-1", Organization: []string{"system:nodes"}},
				DNSNames:    []string{"worker-1"},
				IPAddresses: []net.IP{net.ParseIP("10.0.0.5")},
			}, key)
			require.NoError(b, err)
			req := certs.SignRequest{Cluster: testCluster, Requester: trusteeCaller,
				CSR: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})}
			b.ReportAllocs()
			b.ResetTimer()
			reportCPU(b, func() {
				for i := 0; i < b.N; i++ {
					if _, err := m.SignCSR(ctx, req); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
