package certs

import (
	"bytes"
	"context"
	"sync"

	"github.com/gomagnum/magnum/errdefs"
)

// RecordStore is the small key/value contract SealedStorage keeps its data
// in: opaque byte records under string keys. The embedding program adapts
// its own database to it (four statements on one table); MemRecordStore is
// the in-memory implementation. certstest.TestRecordStore checks an
// implementation against this contract.
//
// Keys are short ASCII strings such as "keypair/<ref>" or
// "cluster/<uuid>". Values are at most a few kilobytes. Implementations
// must copy values they keep or return, honour ctx, be safe for concurrent
// use, and report errdefs kinds: ErrNotFound, ErrConflict, and
// ErrUnavailable for a backend that cannot be reached.
type RecordStore interface {
	// Create stores value under a new key; ErrConflict if key exists.
	Create(ctx context.Context, key string, value []byte) error
	// Get returns the value under key; ErrNotFound if there is none.
	Get(ctx context.Context, key string) ([]byte, error)
	// Swap replaces the value under key with next if it currently equals
	// prev byte for byte (ErrConflict otherwise, ErrNotFound if key is
	// missing). The compare and the write are one atomic step.
	Swap(ctx context.Context, key string, prev, next []byte) error
	// Delete removes key; ErrNotFound if there is none.
	Delete(ctx context.Context, key string) error
}

// MemRecordStore is a RecordStore in memory. The zero value is empty and
// ready to use.
type MemRecordStore struct {
	mu      sync.Mutex
	records map[string][]byte
}

// NewMemRecordStore returns an empty in-memory record store.
func NewMemRecordStore() *MemRecordStore { return &MemRecordStore{} }

// Create implements RecordStore.
func (s *MemRecordStore) Create(ctx context.Context, key string, value []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.records[key]; ok {
		return errdefs.Conflict("record", key, "already exists")
	}
	if s.records == nil {
		s.records = make(map[string][]byte)
	}
	s.records[key] = bytes.Clone(value)
	return nil
}

// Get implements RecordStore.
func (s *MemRecordStore) Get(ctx context.Context, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.records[key]
	if !ok {
		return nil, errdefs.NotFound("record", key)
	}
	return bytes.Clone(v), nil
}

// Swap implements RecordStore.
func (s *MemRecordStore) Swap(ctx context.Context, key string, prev, next []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.records[key]
	if !ok {
		return errdefs.NotFound("record", key)
	}
	if !bytes.Equal(v, prev) {
		return errdefs.Conflict("record", key, "changed concurrently")
	}
	s.records[key] = bytes.Clone(next)
	return nil
}

// Delete implements RecordStore.
func (s *MemRecordStore) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.records[key]; !ok {
		return errdefs.NotFound("record", key)
	}
	delete(s.records, key)
	return nil
}

// Keys returns the keys currently stored, in no particular order. Tests use
// it to look at what a store holds.
func (s *MemRecordStore) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.records))
	for k := range s.records {
		keys = append(keys, k)
	}
	return keys
}
