package certs_test

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/certs/certstest"
	"github.com/gomagnum/magnum/errdefs"
)

// faultyManager is a manager whose storage sits on a fault-injecting
// record store.
type faultyManager struct {
	m       *certs.Manager
	records *certs.MemRecordStore
	faulty  *certstest.FaultyRecords
	storage *certs.SealedStorage
}

func newFaultyManager(t *testing.T) *faultyManager {
	t.Helper()
	keys, err := certs.NewEphemeralKeys()
	require.NoError(t, err)
	f := &faultyManager{records: certs.NewMemRecordStore()}
	f.faulty = certstest.NewFaultyRecords(f.records)
	f.storage = certs.NewSealedStorage(f.faulty, keys)
	f.m, err = certs.New(certs.Config{Storage: f.storage})
	require.NoError(t, err)
	return f
}

// keyPairsWritten lists the references of key pairs the calls created.
func keyPairsWritten(calls []certstest.Call) []string {
	var refs []string
	for _, c := range calls {
		if c.Op == certstest.OpCreate && strings.HasPrefix(c.Key, "keypair/") {
			refs = append(refs, strings.TrimPrefix(c.Key, "keypair/"))
		}
	}
	return refs
}

func failedDeletes(calls []certstest.Call) []string {
	var refs []string
	for _, c := range calls {
		if c.Op == certstest.OpDelete && c.Failed {
			refs = append(refs, strings.TrimPrefix(c.Key, "keypair/"))
		}
	}
	return refs
}

func storedKeyPairs(records *certs.MemRecordStore) []string {
	var refs []string
	for _, k := range records.Keys() {
		if ref, ok := strings.CutPrefix(k, "keypair/"); ok {
			refs = append(refs, ref)
		}
	}
	slices.Sort(refs)
	return refs
}

// checkConsistentSet asserts that the cluster's references name a complete,
// loadable set whose client certificate was issued by its cluster CA.
func checkConsistentSet(t *testing.T, s certs.Storage, clusterID string) certs.Refs {
	t.Helper()
	ctx := context.Background()
	refs, err := s.Refs(ctx, clusterID)
	require.NoError(t, err)
	pairs := map[string]*certs.KeyPair{}
	for _, ref := range refs.All() {
		kp, err := s.KeyPair(ctx, ref)
		require.NoError(t, err, "referenced key pair %s must load", ref)
		pairs[ref] = kp
	}
	for _, ref := range []string{refs.CA, refs.EtcdCA, refs.FrontProxyCA} {
		assert.True(t, pairs[ref].Certificate.IsCA)
	}
	pool := x509.NewCertPool()
	pool.AddCert(pairs[refs.CA].Certificate)
	_, err = pairs[refs.Client].Certificate.Verify(x509.VerifyOptions{
		Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	assert.NoError(t, err, "the client certificate must chain to the referenced cluster CA")
	return refs
}

func sorted(refs []string) []string {
	out := slices.Clone(refs)
	slices.Sort(out)
	return out
}

func TestRotateSwitchesEverythingAndTellsTheHook(t *testing.T) {
	ctx := context.Background()
	f := newFaultyManager(t)
	old, err := f.m.Create(ctx, testCluster)
	require.NoError(t, err)
	oldCA, err := f.m.CA(ctx, testCluster.UUID, certs.CAKubernetes)
	require.NoError(t, err)

	var hooked []certs.Rotation
	rot, err := f.m.Rotate(ctx, testCluster, func(ctx context.Context, r certs.Rotation) error {
		hooked = append(hooked, r)
		// The switch has happened…
		cur, err := f.m.Refs(ctx, testCluster.UUID)
		require.NoError(t, err)
		assert.Equal(t, r.New, cur)
		// …and the old material is still there to read.
		_, err = f.storage.KeyPair(ctx, r.Old.CA)
		assert.NoError(t, err)
		return nil
	})
	require.NoError(t, err)
	require.Len(t, hooked, 1)
	assert.Equal(t, rot.ClusterID, testCluster.UUID)
	assert.Equal(t, old, rot.Old)
	assert.Equal(t, hooked[0].New, rot.New)
	assert.Empty(t, rot.Leftover)
	for _, ref := range rot.New.All() {
		assert.NotContains(t, old.All(), ref, "every reference is new")
	}

	refs := checkConsistentSet(t, f.storage, testCluster.UUID)
	assert.Equal(t, rot.New, refs)
	assert.Equal(t, sorted(refs.All()), storedKeyPairs(f.records), "old material is deleted")

	newCA, err := f.m.CA(ctx, testCluster.UUID, certs.CAKubernetes)
	require.NoError(t, err)
	assert.NotEqual(t, oldCA.Raw, newCA.Raw)
	client, err := f.m.ClientKeyPair(ctx, testCluster.UUID)
	require.NoError(t, err)
	assert.Error(t, client.Certificate.CheckSignatureFrom(oldCA), "the new client is not signed by the old CA")

	// CSRs are now signed by the new CA.
	cert, err := f.m.SignCSR(ctx, certs.SignRequest{Cluster: testCluster, Requester: trusteeCaller,
		CSR: mk(t, csrSpec{cn: "system:node:n1", orgs: []string{"system:nodes"}})})
	require.NoError(t, err)
	assert.NoError(t, cert.CheckSignatureFrom(newCA))
}

func TestRotateHookFailureKeepsTheSwitch(t *testing.T) {
	ctx := context.Background()
	f := newFaultyManager(t)
	old, err := f.m.Create(ctx, testCluster)
	require.NoError(t, err)
	driverDown := errors.New("driver: stack update refused")
	rot, err := f.m.Rotate(ctx, testCluster, func(context.Context, certs.Rotation) error { return driverDown })
	require.Error(t, err)
	assert.ErrorIs(t, err, driverDown)
	assert.ErrorIs(t, err, errdefs.ErrUnavailable)
	assert.Equal(t, old, rot.Old)
	refs := checkConsistentSet(t, f.storage, testCluster.UUID)
	assert.Equal(t, rot.New, refs, "the switch stands; the caller retries telling the driver")
	assert.Equal(t, sorted(refs.All()), storedKeyPairs(f.records))
}

func TestRotateUnknownClusterAndContext(t *testing.T) {
	ctx := context.Background()
	f := newFaultyManager(t)
	_, err := f.m.Rotate(ctx, testCluster, nil)
	assert.ErrorIs(t, err, errdefs.ErrNotFound)
	_, err = f.m.Rotate(ctx, certs.Cluster{UUID: "a/b"}, nil)
	assert.ErrorIs(t, err, errdefs.ErrInvalid)

	old, err := f.m.Create(ctx, testCluster)
	require.NoError(t, err)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = f.m.Rotate(cctx, testCluster, nil)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, old, checkConsistentSet(t, f.storage, testCluster.UUID))
	assert.Equal(t, sorted(old.All()), storedKeyPairs(f.records))
}

// TestRotateUnderStorageFaults fails each storage operation of a rotation
// in turn, both before and after it takes effect, and checks that the
// cluster ends with its whole old set or its whole new set, that nothing
// unreferenced is left unless deleting it failed, and that the error says
// what happened.
func TestRotateUnderStorageFaults(t *testing.T) {
	ctx := context.Background()

	// Count the operations of a clean rotation.
	probe := newFaultyManager(t)
	_, err := probe.m.Create(ctx, testCluster)
	require.NoError(t, err)
	probe.faulty.ResetCalls()
	_, err = probe.m.Rotate(ctx, testCluster, nil)
	require.NoError(t, err)
	ops := len(probe.faulty.Calls())
	require.Equal(t, 11, ops, "get refs, 4 creates, get+swap refs, 4 deletes")

	for _, mode := range []certstest.Mode{certstest.FailBefore, certstest.FailAfter} {
		for nth := 1; nth <= ops; nth++ {
			t.Run(fmt.Sprintf("mode%d/op%d", mode, nth), func(t *testing.T) {
				f := newFaultyManager(t)
				old, err := f.m.Create(ctx, testCluster)
				require.NoError(t, err)
				f.faulty.ResetCalls()
				f.faulty.Inject(certstest.Fault{Nth: nth, Mode: mode})
				hookCalls := 0
				rot, rotErr := f.m.Rotate(ctx, testCluster, func(context.Context, certs.Rotation) error {
					hookCalls++
					return nil
				})
				calls := f.faulty.Calls()
				f.faulty.Clear()
				require.True(t, slices.ContainsFunc(calls, func(c certstest.Call) bool { return c.Failed }), "the fault fired")
				written := keyPairsWritten(calls)

				refs := checkConsistentSet(t, f.storage, testCluster.UUID)
				stored := storedKeyPairs(f.records)
				switch {
				case refs == old:
					require.Error(t, rotErr, "the rotation did not happen, so it must say so")
					assert.Zero(t, hookCalls, "the hook only hears of switches")
					// New material is gone, unless deleting it failed.
					allowed := old.All()
					for _, ref := range failedDeletes(calls) {
						if slices.Contains(written, ref) {
							allowed = append(allowed, ref)
						}
					}
					checkStored(t, stored, old.All(), allowed, mode)
				default:
					assert.Subset(t, written, refs.All(), "a switched cluster references only new material")
					assert.Equal(t, 1, hookCalls)
					require.NoError(t, rotErr, "a committed rotation succeeds")
					assert.Equal(t, refs, rot.New)
					// Old material is gone, unless deleting it failed; then
					// it is reported.
					assert.ElementsMatch(t, failedDeletes(calls), rot.Leftover)
					checkStored(t, stored, refs.All(), append(refs.All(), rot.Leftover...), mode)
				}
				if rotErr != nil {
					assert.ErrorIs(t, rotErr, certstest.ErrInjected)
				}
			})
		}
	}
}

// checkStored asserts that the stored key pairs include must and lie within
// may. With FailBefore faults a failed delete removed nothing, so the store
// holds exactly may; with FailAfter it may hold less.
func checkStored(t *testing.T, stored, must, may []string, mode certstest.Mode) {
	t.Helper()
	if mode == certstest.FailBefore {
		assert.Equal(t, sorted(may), stored)
		return
	}
	assert.Subset(t, stored, must)
	assert.Subset(t, may, stored)
}

// TestRotateWhenTheOutcomeIsUnknown: the swap happens but reports failure,
// and reading the references back fails too. The manager cannot tell
// whether the new set is in use, so it must keep it.
func TestRotateWhenTheOutcomeIsUnknown(t *testing.T) {
	ctx := context.Background()
	f := newFaultyManager(t)
	old, err := f.m.Create(ctx, testCluster)
	require.NoError(t, err)
	f.faulty.Inject(
		certstest.Fault{Op: certstest.OpSwap, Mode: certstest.FailAfter},
		// Gets: 1 reads the old refs, 2 is inside SwapRefs, 3 is the read-back.
		certstest.Fault{Op: certstest.OpGet, KeyPrefix: "cluster/", Nth: 3},
	)
	_, err = f.m.Rotate(ctx, testCluster, nil)
	f.faulty.Clear()
	require.Error(t, err)
	assert.ErrorIs(t, err, errdefs.ErrUnavailable)
	assert.Contains(t, err.Error(), "may or may not")
	refs := checkConsistentSet(t, f.storage, testCluster.UUID)
	assert.NotEqual(t, old, refs, "the swap did happen")
}

func TestCreateUnderStorageFaults(t *testing.T) {
	ctx := context.Background()
	probe := newFaultyManager(t)
	_, err := probe.m.Create(ctx, testCluster)
	require.NoError(t, err)
	ops := len(probe.faulty.Calls())
	require.Equal(t, 5+1, ops, "get refs, 4 creates, create refs")

	for _, mode := range []certstest.Mode{certstest.FailBefore, certstest.FailAfter} {
		for nth := 1; nth <= ops; nth++ {
			t.Run(fmt.Sprintf("mode%d/op%d", mode, nth), func(t *testing.T) {
				f := newFaultyManager(t)
				f.faulty.Inject(certstest.Fault{Nth: nth, Mode: mode})
				refs, createErr := f.m.Create(ctx, testCluster)
				calls := f.faulty.Calls()
				f.faulty.Clear()
				_, err := f.storage.Refs(ctx, testCluster.UUID)
				if errors.Is(err, errdefs.ErrNotFound) {
					require.Error(t, createErr)
					assert.ErrorIs(t, createErr, certstest.ErrInjected)
					assert.Empty(t, storedKeyPairs(f.records), "nothing is left behind")
					return
				}
				got := checkConsistentSet(t, f.storage, testCluster.UUID)
				require.NoError(t, createErr, "a recorded set means success")
				assert.Equal(t, refs, got)
				assert.Equal(t, sorted(got.All()), storedKeyPairs(f.records))
				assert.NotEmpty(t, calls)
			})
		}
	}
}

func TestConcurrentRotationsLeaveOneConsistentSet(t *testing.T) {
	ctx := context.Background()
	f := newFaultyManager(t)
	_, err := f.m.Create(ctx, testCluster)
	require.NoError(t, err)

	const n = 8
	var wg sync.WaitGroup
	results := make([]certs.Rotation, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = f.m.Rotate(ctx, testCluster, nil)
		}()
	}
	wg.Wait()
	wins := 0
	var news []certs.Refs
	for i, err := range errs {
		if err == nil {
			wins++
			news = append(news, results[i].New)
		} else {
			assert.ErrorIs(t, err, errdefs.ErrConflict)
		}
	}
	assert.GreaterOrEqual(t, wins, 1)
	refs := checkConsistentSet(t, f.storage, testCluster.UUID)
	assert.Contains(t, news, refs)
	assert.Equal(t, sorted(refs.All()), storedKeyPairs(f.records), "losers and replaced sets leave nothing behind")
}

func TestDeleteUnderStorageFaultsCanBeRetried(t *testing.T) {
	ctx := context.Background()
	f := newFaultyManager(t)
	_, err := f.m.Create(ctx, testCluster)
	require.NoError(t, err)
	f.faulty.Inject(certstest.Fault{Op: certstest.OpDelete, Nth: 2})
	require.Error(t, f.m.Delete(ctx, testCluster.UUID))
	f.faulty.Clear()
	_, err = f.m.Refs(ctx, testCluster.UUID)
	require.NoError(t, err, "the references stay until every key pair is gone")
	require.NoError(t, f.m.Delete(ctx, testCluster.UUID))
	assert.Empty(t, f.records.Keys())
}
