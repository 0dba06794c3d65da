package certs

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gomagnum/magnum/errdefs"
)

// SealedStorage is the production Storage: it keeps everything in a
// RecordStore (the project's database, through an adapter) and encrypts
// every private key with AES-256/192/128-GCM under a key from a
// KeyProvider. Certificates are public and stored in the clear, so CA
// certificates can be served without the key.
//
// Each sealed private key is bound to its reference, its key id and its
// certificate (as GCM additional data), so records cannot be swapped or
// spliced without detection.
//
// Reading or writing a private key without a provider, or with a provider
// that lacks the record's key, fails with ErrKeyUnavailable; with a wrong
// key, with ErrKeyMismatch. Both arrive inside an *errdefs.Error of kind
// errdefs.ErrUnavailable.
type SealedStorage struct {
	records RecordStore
	keys    KeyProvider
}

// NewSealedStorage returns a Storage over records whose private keys are
// protected by keys. A nil records means a new MemRecordStore. A nil keys
// leaves certificates and references readable but makes every private key
// operation fail with ErrKeyUnavailable.
func NewSealedStorage(records RecordStore, keys KeyProvider) *SealedStorage {
	if records == nil {
		records = NewMemRecordStore()
	}
	return &SealedStorage{records: records, keys: keys}
}

// sealedRecord is a key pair as stored. Byte slices travel as base64.
type sealedRecord struct {
	Version     int    `json:"v"`
	Certificate []byte `json:"cert"`  // DER, in the clear
	KeyID       string `json:"kid"`   // the provider's id of the sealing key
	Nonce       []byte `json:"nonce"` // GCM nonce
	SealedKey   []byte `json:"key"`   // GCM(PKCS #8 DER)
}

const sealedVersion = 1

func keyPairKey(ref string) string       { return "keypair/" + ref }
func clusterKey(clusterID string) string { return "cluster/" + clusterID }

// additionalData binds a sealed key to where it lives and what it belongs to.
func additionalData(ref, keyID string, certDER []byte) []byte {
	sum := sha256.Sum256(certDER)
	ad := make([]byte, 0, 64+len(ref)+len(keyID))
	ad = append(ad, "gomagnum/certs keypair v1\x00"...)
	ad = append(ad, ref...)
	ad = append(ad, 0)
	ad = append(ad, keyID...)
	ad = append(ad, 0)
	return append(ad, sum[:]...)
}

func keyError(ref, reason string, sentinel, cause error) error {
	err := sentinel
	if cause != nil {
		err = fmt.Errorf("%w: %w", sentinel, cause)
	}
	return &errdefs.Error{Kind: errdefs.ErrUnavailable, Resource: "keypair", ID: ref, Reason: reason, Err: err}
}

func corrupt(resource, id, what string) error {
	return &errdefs.Error{Kind: errdefs.ErrUnavailable, Resource: resource, ID: id,
		Reason: "stored record is corrupt: " + what}
}

func newGCM(key []byte) (cipher.AEAD, error) {
	if err := checkAESKey(key); err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("AES key rejected")
	}
	return cipher.NewGCM(block)
}

// CreateKeyPair implements Storage.
func (s *SealedStorage) CreateKeyPair(ctx context.Context, ref string, kp *KeyPair) error {
	if err := checkRef(ref); err != nil {
		return err
	}
	if err := kp.check(); err != nil {
		return err
	}
	if s.keys == nil {
		return keyError(ref, "no key provider is configured to seal the private key", ErrKeyUnavailable, nil)
	}
	keyID, key, err := s.keys.CurrentKey(ctx)
	if err != nil {
		return keyError(ref, "the key provider has no current key", ErrKeyUnavailable, err)
	}
	aead, err := newGCM(key)
	if err != nil {
		return keyError(ref, "the key provider's current key is unusable", ErrKeyUnavailable, err)
	}
	plain, err := x509.MarshalPKCS8PrivateKey(kp.PrivateKey)
	if err != nil {
		return errdefs.Invalid("private_key", "cannot encode a %T private key", kp.PrivateKey)
	}
	defer clear(plain)
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return fmt.Errorf("certs: random nonce: %w", err)
	}
	rec := sealedRecord{
		Version:     sealedVersion,
		Certificate: kp.Certificate.Raw,
		KeyID:       keyID,
		Nonce:       nonce,
		SealedKey:   aead.Seal(nil, nonce, plain, additionalData(ref, keyID, kp.Certificate.Raw)),
	}
	value, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("certs: encode key pair record: %w", err)
	}
	if err := s.records.Create(ctx, keyPairKey(ref), value); err != nil {
		return storeError(err, "keypair", ref)
	}
	return nil
}

// load fetches and decodes the record and parses its certificate.
func (s *SealedStorage) load(ctx context.Context, ref string) (*sealedRecord, *x509.Certificate, error) {
	if err := checkRef(ref); err != nil {
		return nil, nil, err
	}
	value, err := s.records.Get(ctx, keyPairKey(ref))
	if err != nil {
		return nil, nil, storeError(err, "keypair", ref)
	}
	rec, cert, err := decodeSealedRecord(value)
	if err != nil {
		return nil, nil, corrupt("keypair", ref, err.Error())
	}
	return rec, cert, nil
}

// decodeSealedRecord parses a stored record. Its errors never quote the
// record.
func decodeSealedRecord(value []byte) (*sealedRecord, *x509.Certificate, error) {
	var rec sealedRecord
	if err := json.Unmarshal(value, &rec); err != nil {
		return nil, nil, errors.New("not a key pair record")
	}
	if rec.Version != sealedVersion {
		return nil, nil, fmt.Errorf("unknown record version %d", rec.Version)
	}
	cert, err := x509.ParseCertificate(rec.Certificate)
	if err != nil {
		return nil, nil, errors.New("malformed certificate")
	}
	if len(rec.SealedKey) == 0 || len(rec.Nonce) == 0 {
		return nil, nil, errors.New("no sealed private key")
	}
	return &rec, cert, nil
}

// Certificate implements Storage. It does not need the key provider.
func (s *SealedStorage) Certificate(ctx context.Context, ref string) (*x509.Certificate, error) {
	_, cert, err := s.load(ctx, ref)
	return cert, err
}

// KeyPair implements Storage.
func (s *SealedStorage) KeyPair(ctx context.Context, ref string) (*KeyPair, error) {
	rec, cert, err := s.load(ctx, ref)
	if err != nil {
		return nil, err
	}
	if s.keys == nil {
		return nil, keyError(ref, "no key provider is configured to open the private key", ErrKeyUnavailable, nil)
	}
	key, err := s.keys.Key(ctx, rec.KeyID)
	if err != nil {
		return nil, keyError(ref, fmt.Sprintf("the key provider has no key %q", rec.KeyID), ErrKeyUnavailable, err)
	}
	aead, err := newGCM(key)
	if err != nil {
		return nil, keyError(ref, fmt.Sprintf("key %q is unusable", rec.KeyID), ErrKeyUnavailable, err)
	}
	if len(rec.Nonce) != aead.NonceSize() {
		return nil, corrupt("keypair", ref, "bad nonce size")
	}
	plain, err := aead.Open(nil, rec.Nonce, rec.SealedKey, additionalData(ref, rec.KeyID, rec.Certificate))
	if err != nil {
		return nil, keyError(ref, fmt.Sprintf("key %q does not open the private key (wrong key or altered record)", rec.KeyID), ErrKeyMismatch, nil)
	}
	defer clear(plain)
	signer, err := parsePrivateKey(plain)
	if err != nil {
		return nil, corrupt("keypair", ref, err.Error())
	}
	kp := &KeyPair{Certificate: cert, PrivateKey: signer}
	if err := kp.check(); err != nil {
		return nil, corrupt("keypair", ref, "private key does not match the certificate")
	}
	return kp, nil
}

// DeleteKeyPair implements Storage.
func (s *SealedStorage) DeleteKeyPair(ctx context.Context, ref string) error {
	if err := checkRef(ref); err != nil {
		return err
	}
	if err := s.records.Delete(ctx, keyPairKey(ref)); err != nil {
		return storeError(err, "keypair", ref)
	}
	return nil
}

// Refs implements Storage.
func (s *SealedStorage) Refs(ctx context.Context, clusterID string) (Refs, error) {
	refs, _, err := s.getRefs(ctx, clusterID)
	return refs, err
}

func (s *SealedStorage) getRefs(ctx context.Context, clusterID string) (Refs, []byte, error) {
	if err := checkClusterID(clusterID); err != nil {
		return Refs{}, nil, err
	}
	value, err := s.records.Get(ctx, clusterKey(clusterID))
	if err != nil {
		return Refs{}, nil, storeError(err, "cluster certificates", clusterID)
	}
	refs, err := decodeRefs(value)
	if err != nil {
		return Refs{}, nil, corrupt("cluster certificates", clusterID, err.Error())
	}
	return refs, value, nil
}

func decodeRefs(value []byte) (Refs, error) {
	var refs Refs
	if err := json.Unmarshal(value, &refs); err != nil {
		return Refs{}, errors.New("not a references record")
	}
	if !refs.complete() {
		return Refs{}, errors.New("incomplete references")
	}
	return refs, nil
}

func encodeRefs(clusterID string, refs Refs) ([]byte, error) {
	if !refs.complete() {
		return nil, &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "cluster certificates", ID: clusterID,
			Reason: "every reference must be set"}
	}
	for _, ref := range refs.All() {
		if err := checkRef(ref); err != nil {
			return nil, err
		}
	}
	return json.Marshal(refs)
}

// CreateRefs implements Storage.
func (s *SealedStorage) CreateRefs(ctx context.Context, clusterID string, refs Refs) error {
	if err := checkClusterID(clusterID); err != nil {
		return err
	}
	value, err := encodeRefs(clusterID, refs)
	if err != nil {
		return err
	}
	if err := s.records.Create(ctx, clusterKey(clusterID), value); err != nil {
		return storeError(err, "cluster certificates", clusterID)
	}
	return nil
}

// SwapRefs implements Storage with one RecordStore.Swap.
func (s *SealedStorage) SwapRefs(ctx context.Context, clusterID string, prev, next Refs) error {
	value, err := encodeRefs(clusterID, next)
	if err != nil {
		return err
	}
	cur, raw, err := s.getRefs(ctx, clusterID)
	if err != nil {
		return err
	}
	if cur != prev {
		return errdefs.Conflict("cluster certificates", clusterID, "references changed concurrently")
	}
	if err := s.records.Swap(ctx, clusterKey(clusterID), raw, value); err != nil {
		return storeError(err, "cluster certificates", clusterID)
	}
	return nil
}

// DeleteRefs implements Storage.
func (s *SealedStorage) DeleteRefs(ctx context.Context, clusterID string) error {
	if err := checkClusterID(clusterID); err != nil {
		return err
	}
	if err := s.records.Delete(ctx, clusterKey(clusterID)); err != nil {
		return storeError(err, "cluster certificates", clusterID)
	}
	return nil
}

// storeError names the resource in a record store's error while keeping its
// kind and cause for errors.Is.
func storeError(err error, resource, id string) error {
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, errdefs.ErrNotFound):
		return &errdefs.Error{Kind: errdefs.ErrNotFound, Resource: resource, ID: id, Reason: "not found", Err: err}
	case errors.Is(err, errdefs.ErrConflict):
		return &errdefs.Error{Kind: errdefs.ErrConflict, Resource: resource, ID: id, Reason: "already exists or changed concurrently", Err: err}
	case errdefs.Problems(err) != nil:
		return err
	}
	return &errdefs.Error{Kind: errdefs.ErrUnavailable, Resource: resource, ID: id, Reason: "record store failed", Err: err}
}
