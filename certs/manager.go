package certs

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/gomagnum/magnum/errdefs"
)

// Defaults for the zero Config.
const (
	DefaultCAValidity   = 10 * 365 * 24 * time.Hour // ten years
	DefaultLeafValidity = 365 * 24 * time.Hour      // one year
	DefaultClockSkew    = time.Hour
)

// The admin client certificate's subject (Magnum since Queens): RBAC
// cluster-admin through the system:masters group.
const (
	AdminCommonName = "admin"
)

// cleanupTimeout bounds the work done to undo a failed operation after the
// caller's context is gone.
const cleanupTimeout = 30 * time.Second

// Config configures a Manager. The zero value is ready to use: ECDSA P-256
// keys, CAs valid ten years and leaves one year, in-memory storage with an
// ephemeral sealing key, the DefaultPolicy, crypto/rand, no logging.
type Config struct {
	// KeyAlgorithm for the CAs and the admin client certificate.
	KeyAlgorithm KeyAlgorithm
	// CAValidity is the lifetime of new CAs (0: DefaultCAValidity).
	CAValidity time.Duration
	// LeafValidity is the lifetime of client and signed certificates
	// (0: DefaultLeafValidity), never beyond their CA's.
	LeafValidity time.Duration
	// ClockSkew back-dates NotBefore so hosts with slow clocks accept new
	// certificates (0: DefaultClockSkew).
	ClockSkew time.Duration
	// Storage keeps key pairs and each cluster's references. Nil: a
	// SealedStorage over a MemRecordStore with NewEphemeralKeys, so nothing
	// survives the process.
	Storage Storage
	// Policy decides what CSRs yield (nil: DefaultPolicy{}).
	Policy Policy
	// Rand is the randomness for serial numbers and signatures (nil:
	// crypto/rand). Key generation may ignore it (Go ≥ 1.26).
	Rand io.Reader
	// Now returns the current time (nil: time.Now).
	Now func() time.Time
	// Logger receives operational records; never key material (nil: none).
	Logger *slog.Logger
}

// Cluster is the part of a cluster the certificate manager needs.
type Cluster struct {
	UUID          string // identifies the cluster's material; required
	Name          string // the CAs' common name (UUID when empty)
	ProjectID     string // the owning project
	UserID        string // the creating user (its owner)
	TrusteeUserID string // the cluster's trustee user, if it has one
}

// Manager creates, stores, rotates and signs with clusters' certificate
// authorities. It is safe for concurrent use.
type Manager struct {
	alg      KeyAlgorithm
	caLife   time.Duration
	leafLife time.Duration
	skew     time.Duration
	storage  Storage
	policy   Policy
	rand     io.Reader
	now      func() time.Time
	log      *slog.Logger
}

// New returns a Manager for cfg, filling in defaults. Negative durations
// and unknown algorithms are errdefs.ErrInvalid.
func New(cfg Config) (*Manager, error) {
	if !cfg.KeyAlgorithm.valid() {
		return nil, errdefs.Invalid("key_algorithm", "unknown key algorithm %d", int(cfg.KeyAlgorithm))
	}
	for _, d := range []struct {
		field string
		v     time.Duration
	}{{"ca_validity", cfg.CAValidity}, {"leaf_validity", cfg.LeafValidity}, {"clock_skew", cfg.ClockSkew}} {
		if d.v < 0 {
			return nil, errdefs.Invalid(d.field, "must not be negative")
		}
	}
	m := &Manager{
		alg:      cfg.KeyAlgorithm,
		caLife:   orDefault(cfg.CAValidity, DefaultCAValidity),
		leafLife: orDefault(cfg.LeafValidity, DefaultLeafValidity),
		skew:     orDefault(cfg.ClockSkew, DefaultClockSkew),
		storage:  cfg.Storage,
		policy:   cfg.Policy,
		rand:     cfg.Rand,
		now:      cfg.Now,
		log:      cfg.Logger,
	}
	if m.storage == nil {
		keys, err := NewEphemeralKeys()
		if err != nil {
			return nil, err
		}
		m.storage = NewSealedStorage(NewMemRecordStore(), keys)
	}
	if m.policy == nil {
		m.policy = DefaultPolicy{}
	}
	if m.rand == nil {
		m.rand = rand.Reader
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	return m, nil
}

func orDefault(v, def time.Duration) time.Duration {
	if v == 0 {
		return def
	}
	return v
}

func (m *Manager) issuer() issuer {
	return issuer{rand: m.rand, now: m.now(), skew: m.skew, caLife: m.caLife, leafLife: m.leafLife}
}

// clusterSet is a freshly generated set: the three CAs and the client.
type clusterSet struct {
	ca, etcd, frontProxy, client *KeyPair
}

func (s *clusterSet) pairs() []*KeyPair { return []*KeyPair{s.ca, s.etcd, s.frontProxy, s.client} }

// generate makes a cluster's CAs and admin client certificate.
func (m *Manager) generate(ctx context.Context, c Cluster) (*clusterSet, error) {
	is := m.issuer()
	var set clusterSet
	for _, t := range CATypes() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		key, err := m.alg.GenerateKey(m.rand)
		if err != nil {
			return nil, fmt.Errorf("certs: generate %s CA key: %w", t, err)
		}
		subject := pkix.Name{CommonName: caCommonName(c), OrganizationalUnit: []string{string(t)}}
		cert, err := is.newCA(subject, key)
		if err != nil {
			return nil, err
		}
		kp := &KeyPair{Certificate: cert, PrivateKey: key}
		switch t {
		case CAKubernetes:
			set.ca = kp
		case CAEtcd:
			set.etcd = kp
		case CAFrontProxy:
			set.frontProxy = kp
		}
	}
	key, err := m.alg.GenerateKey(m.rand)
	if err != nil {
		return nil, fmt.Errorf("certs: generate client key: %w", err)
	}
	cert, err := is.newLeaf(leafSpec{
		Subject:     pkix.Name{CommonName: AdminCommonName, Organization: []string{GroupMasters}},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		PublicKey:   key.Public(),
	}, set.ca)
	if err != nil {
		return nil, err
	}
	set.client = &KeyPair{Certificate: cert, PrivateKey: key}
	return &set, nil
}

// store writes the set's key pairs under new references. On failure it
// removes whatever it wrote and returns the error; nothing refers to the
// new references yet.
func (m *Manager) store(ctx context.Context, clusterID string, set *clusterSet) (Refs, error) {
	var ids [4]string
	for i := range ids {
		ref, err := newRef()
		if err != nil {
			return Refs{}, err
		}
		ids[i] = ref
	}
	refs := Refs{CA: ids[0], EtcdCA: ids[1], FrontProxyCA: ids[2], Client: ids[3]}
	for i, kp := range set.pairs() {
		err := ctx.Err()
		if err == nil {
			err = m.storage.CreateKeyPair(ctx, ids[i], kp)
		}
		if err != nil {
			// Key pairs up to and including i may exist (a failed write may
			// still have happened); remove them all.
			m.discard(ctx, clusterID, ids[:i+1])
			return Refs{}, err
		}
	}
	return refs, nil
}

// discard deletes key pairs nothing refers to, best effort, even if ctx is
// already cancelled. It returns the references it could not delete.
func (m *Manager) discard(ctx context.Context, clusterID string, refs []string) []string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	var left []string
	for _, ref := range refs {
		if err := m.storage.DeleteKeyPair(ctx, ref); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			left = append(left, ref)
			m.log.WarnContext(ctx, "could not delete unreferenced certificate material",
				"cluster", clusterID, "ref", ref, "error", err)
		}
	}
	return left
}

// settle finds out, after a failed CreateRefs or SwapRefs, whether the
// write happened anyway. It returns committed=true if the cluster now has
// want; known=false if that cannot be told.
func (m *Manager) settle(ctx context.Context, clusterID string, want Refs) (committed, known bool) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	cur, err := m.storage.Refs(ctx, clusterID)
	switch {
	case err == nil:
		return cur == want, true
	case errors.Is(err, errdefs.ErrNotFound):
		return false, true
	}
	return false, false
}

// Create generates a cluster's certificate authorities (cluster, etcd and
// front-proxy) and its admin client certificate (CN=admin,
// O=system:masters), stores them, and records their references. It is all
// or nothing: on error no references are recorded and the new material is
// removed. A cluster that already has certificates is errdefs.ErrConflict.
func (m *Manager) Create(ctx context.Context, c Cluster) (Refs, error) {
	if err := checkClusterID(c.UUID); err != nil {
		return Refs{}, err
	}
	if _, err := m.storage.Refs(ctx, c.UUID); err == nil {
		return Refs{}, errdefs.Conflict("cluster certificates", c.UUID, "the cluster already has certificates")
	} else if !errors.Is(err, errdefs.ErrNotFound) {
		return Refs{}, err
	}
	set, err := m.generate(ctx, c)
	if err != nil {
		return Refs{}, err
	}
	refs, err := m.store(ctx, c.UUID, set)
	if err != nil {
		return Refs{}, err
	}
	if err := m.storage.CreateRefs(ctx, c.UUID, refs); err != nil {
		committed, known := m.settle(ctx, c.UUID, refs)
		switch {
		case committed:
			// The write happened although it reported an error.
		case known:
			m.discard(ctx, c.UUID, refs.All())
			return Refs{}, err
		default:
			return Refs{}, unknownOutcome(c.UUID, err)
		}
	}
	m.log.InfoContext(ctx, "created cluster certificates", "cluster", c.UUID,
		"algorithm", m.alg.String(), "ca_serial", serialString(set.ca.Certificate))
	return refs, nil
}

func unknownOutcome(clusterID string, err error) error {
	return &errdefs.Error{Kind: errdefs.ErrUnavailable, Resource: "cluster certificates", ID: clusterID,
		Reason: "the references may or may not have been updated; read them back", Err: err}
}

func serialString(cert *x509.Certificate) string { return fmt.Sprintf("%x", cert.SerialNumber) }

// Refs returns the references of the cluster's current material.
func (m *Manager) Refs(ctx context.Context, clusterID string) (Refs, error) {
	return m.storage.Refs(ctx, clusterID)
}

// CA returns the certificate of one of the cluster's CAs. It never reads a
// private key.
func (m *Manager) CA(ctx context.Context, clusterID string, t CAType) (*x509.Certificate, error) {
	if !t.valid() {
		return nil, errdefs.Invalid("ca_cert_type", "unknown CA type %q", string(t))
	}
	refs, err := m.storage.Refs(ctx, clusterID)
	if err != nil {
		return nil, err
	}
	return m.storage.Certificate(ctx, refs.ForCA(t))
}

// ClientKeyPair returns the cluster's admin client certificate and key, for
// the embedding program to talk to the cluster.
func (m *Manager) ClientKeyPair(ctx context.Context, clusterID string) (*KeyPair, error) {
	refs, err := m.storage.Refs(ctx, clusterID)
	if err != nil {
		return nil, err
	}
	return m.storage.KeyPair(ctx, refs.Client)
}

// Delete removes all the cluster's certificate material (all three CAs,
// unlike Magnum) and then its references. Repeat it after an error: key
// pairs already gone are skipped. A cluster without certificates is
// errdefs.ErrNotFound.
func (m *Manager) Delete(ctx context.Context, clusterID string) error {
	refs, err := m.storage.Refs(ctx, clusterID)
	if err != nil {
		return err
	}
	var errs []error
	for _, ref := range refs.All() {
		if err := m.storage.DeleteKeyPair(ctx, ref); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		// Keep the references so a retry can finish the job.
		return errors.Join(errs...)
	}
	if err := m.storage.DeleteRefs(ctx, clusterID); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
		return err
	}
	m.log.InfoContext(ctx, "deleted cluster certificates", "cluster", clusterID)
	return nil
}
