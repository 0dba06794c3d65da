// Package certs is the certificate manager of gomagnum: for each cluster it
// creates three certificate authorities (the cluster CA, an etcd CA and a
// front-proxy CA) and an admin client certificate (CN=admin,
// O=system:masters), signs certificate signing requests under a policy,
// rotates the whole set atomically, keeps everything in pluggable storage
// with private keys encrypted at rest, and renders client bundles
// (kubeconfig, Docker TLS settings).
//
// It follows crypto/x509's style — certificates are *x509.Certificate,
// private keys crypto.Signer — and database/sql's: a Manager built from a
// Config whose zero value works, context-first methods, small interfaces
// behind it (Storage, RecordStore, KeyProvider, Policy), and errors of the
// kinds in package errdefs.
//
//	m, err := certs.New(certs.Config{}) // ECDSA P-256, in-memory storage
//	refs, err := m.Create(ctx, certs.Cluster{UUID: id, Name: "prod", ProjectID: p, UserID: u})
//	cert, err := m.SignCSR(ctx, certs.SignRequest{Cluster: c, Requester: who, CSR: pemCSR})
//	rot, err := m.Rotate(ctx, c, tellDriver)
//
// # Signing policy
//
// Unlike Magnum, which signs a CSR's subject verbatim (so any caller who may
// sign can mint O=system:masters), SignCSR copies nothing from the CSR but
// its public key. The manager first rejects malformed requests, bad
// signatures, weak keys (RSA below 2048 bits, curves other than P-256,
// P-384 and Ed25519), CA:true, CA key usages, usages other than client and
// server authentication, unknown critical extensions and SANs other than
// DNS names and IP addresses. A Policy then decides the subject, names,
// usages and lifetime from the Requester and the CSR; DefaultPolicy lets
// nodes (the cluster's trustee) obtain kubelet and server certificates and
// keeps system:masters to admins and the cluster's owner. Key usage always
// follows the key type and lifetimes end no later than the CA's.
//
// # Storage
//
// Storage holds key pairs and, per cluster, the Refs naming its current
// ones. SealedStorage keeps both in a RecordStore — MemRecordStore, or an
// adapter over the embedding program's database — and encrypts private keys
// with AES-GCM under keys from a KeyProvider; without the right key they
// cannot be read (ErrKeyUnavailable, ErrKeyMismatch). DirStorage writes
// plain PEM files (0600, in 0700 directories) for development. Package
// certstest has conformance suites for both interfaces and a
// fault-injecting RecordStore.
//
// # Rotation
//
// Create and Rotate store every new key pair before switching the cluster's
// references in one atomic write, so a storage failure at any step leaves
// the cluster with its complete old set or its complete new set. Old
// material is deleted after the switch, once the RotateHook (how the
// lifecycle code tells the cluster's driver) has been called.
package certs
