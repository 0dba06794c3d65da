package certs

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/gomagnum/magnum/errdefs"
)

// Errors about the key that protects private keys at rest. They arrive
// wrapped in an *errdefs.Error of kind errdefs.ErrUnavailable that names the
// key pair; test for them with errors.Is.
var (
	// ErrKeyUnavailable: no key provider was configured, or it does not have
	// the key a record was sealed with, or it failed.
	ErrKeyUnavailable = errors.New("encryption key unavailable")
	// ErrKeyMismatch: the provider's key does not open the record — a wrong
	// key under the right id, or a record that was altered.
	ErrKeyMismatch = errors.New("private key cannot be decrypted with the provided key")
)

// KeyProvider supplies the AES keys that SealedStorage encrypts private
// keys with. The embedding program implements it over its secret store, a
// KMS or a file it controls. Keys are 16, 24 or 32 bytes (AES-128/192/256);
// each has an id that is stored next to every record it sealed, so old
// records stay readable after the current key changes.
//
// Implementations must not log keys. Errors for an unknown id should wrap
// errdefs.ErrNotFound.
type KeyProvider interface {
	// CurrentKey returns the key new records are sealed with, and its id.
	CurrentKey(ctx context.Context) (id string, key []byte, err error)
	// Key returns the key with the given id.
	Key(ctx context.Context, id string) ([]byte, error)
}

// StaticKeys is a KeyProvider over keys held in memory, for programs that
// load their keys at start-up. Current names the key used for new records.
type StaticKeys struct {
	Current string
	Keys    map[string][]byte
}

// CurrentKey implements KeyProvider.
func (s StaticKeys) CurrentKey(ctx context.Context) (string, []byte, error) {
	key, err := s.Key(ctx, s.Current)
	if err != nil {
		return "", nil, err
	}
	return s.Current, key, nil
}

// Key implements KeyProvider.
func (s StaticKeys) Key(_ context.Context, id string) ([]byte, error) {
	key, ok := s.Keys[id]
	if !ok {
		return nil, errdefs.NotFound("encryption key", id)
	}
	return key, nil
}

// NewEphemeralKeys returns a provider with one random 256-bit key that lives
// only as long as the returned value: right for in-memory storage, wrong for
// anything that outlives the process.
func NewEphemeralKeys() (StaticKeys, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return StaticKeys{}, fmt.Errorf("certs: random key: %w", err)
	}
	return StaticKeys{Current: "ephemeral", Keys: map[string][]byte{"ephemeral": key}}, nil
}

func checkAESKey(key []byte) error {
	switch len(key) {
	case 16, 24, 32:
		return nil
	}
	// The length is not secret; the key is never quoted.
	return fmt.Errorf("key provider returned a %d-byte key (want 16, 24 or 32)", len(key))
}
