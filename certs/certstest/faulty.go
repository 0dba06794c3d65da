package certstest

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/errdefs"
)

// ErrInjected is the cause of every failure FaultyRecords injects. The
// failures themselves are of kind errdefs.ErrUnavailable.
var ErrInjected = errors.New("injected fault")

// Op is a RecordStore operation.
type Op string

// The RecordStore operations.
const (
	OpCreate Op = "create"
	OpGet    Op = "get"
	OpSwap   Op = "swap"
	OpDelete Op = "delete"
)

// Mode says whether a failed operation took effect.
type Mode int

const (
	// FailBefore: the operation fails without effect.
	FailBefore Mode = iota
	// FailAfter: the operation takes effect, then reports failure — a reply
	// lost on the way back from a database.
	FailAfter
)

// Fault selects operations to fail.
type Fault struct {
	Op        Op     // the operation ("": any)
	KeyPrefix string // only keys with this prefix ("": any)
	// Nth fails only the Nth matching operation after Inject, counting
	// from 1; 0 fails every matching operation.
	Nth  int
	Mode Mode
}

// Call is one operation FaultyRecords saw.
type Call struct {
	Op     Op
	Key    string
	Failed bool // a fault was injected
}

// FaultyRecords wraps a RecordStore and fails the operations its faults
// select. It records every call. It is safe for concurrent use.
type FaultyRecords struct {
	inner certs.RecordStore

	mu     sync.Mutex
	faults []*activeFault
	calls  []Call
}

type activeFault struct {
	Fault
	seen int
}

// NewFaultyRecords wraps inner, with no faults yet.
func NewFaultyRecords(inner certs.RecordStore) *FaultyRecords {
	return &FaultyRecords{inner: inner}
}

// Inject adds faults. Their counts start now.
func (f *FaultyRecords) Inject(faults ...Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, fault := range faults {
		f.faults = append(f.faults, &activeFault{Fault: fault})
	}
}

// Clear removes every fault.
func (f *FaultyRecords) Clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = nil
}

// Calls returns the operations seen so far.
func (f *FaultyRecords) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Call(nil), f.calls...)
}

// ResetCalls forgets the operations seen so far.
func (f *FaultyRecords) ResetCalls() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = nil
}

// decide records the call and returns the mode to fail it with, if any.
func (f *FaultyRecords) decide(op Op, key string) (Mode, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	mode, fail := Mode(0), false
	for _, a := range f.faults {
		if a.Op != "" && a.Op != op || !strings.HasPrefix(key, a.KeyPrefix) {
			continue
		}
		a.seen++
		if !fail && (a.Nth == 0 || a.seen == a.Nth) {
			mode, fail = a.Mode, true
		}
	}
	f.calls = append(f.calls, Call{Op: op, Key: key, Failed: fail})
	return mode, fail
}

func injected(op Op, key string) error {
	return &errdefs.Error{Kind: errdefs.ErrUnavailable, Resource: "record", ID: key,
		Reason: string(op) + " failed", Err: ErrInjected}
}

// run applies the fault policy around do.
func (f *FaultyRecords) run(op Op, key string, do func() error) error {
	mode, fail := f.decide(op, key)
	if !fail {
		return do()
	}
	if mode == FailAfter {
		if err := do(); err != nil {
			return err
		}
	}
	return injected(op, key)
}

// Create implements certs.RecordStore.
func (f *FaultyRecords) Create(ctx context.Context, key string, value []byte) error {
	return f.run(OpCreate, key, func() error { return f.inner.Create(ctx, key, value) })
}

// Get implements certs.RecordStore. A FailAfter fault on Get reads and
// discards the value.
func (f *FaultyRecords) Get(ctx context.Context, key string) ([]byte, error) {
	var value []byte
	err := f.run(OpGet, key, func() error {
		var err error
		value, err = f.inner.Get(ctx, key)
		return err
	})
	if err != nil {
		return nil, err
	}
	return value, nil
}

// Swap implements certs.RecordStore.
func (f *FaultyRecords) Swap(ctx context.Context, key string, prev, next []byte) error {
	return f.run(OpSwap, key, func() error { return f.inner.Swap(ctx, key, prev, next) })
}

// Delete implements certs.RecordStore.
func (f *FaultyRecords) Delete(ctx context.Context, key string) error {
	return f.run(OpDelete, key, func() error { return f.inner.Delete(ctx, key) })
}

var _ certs.RecordStore = (*FaultyRecords)(nil)
