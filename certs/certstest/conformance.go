package certstest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/errdefs"
)

// NewKeyPair returns a self-signed ECDSA P-256 key pair named cn, for tests
// that need something to store.
func NewKeyPair(t testing.TB, cn string) *certs.KeyPair {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Minute),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return &certs.KeyPair{Certificate: cert, PrivateKey: key}
}

// sameKey reports whether two signers hold the same key, by signing with
// one and checking against the other's public key.
func sameKey(t *testing.T, want, got crypto.Signer) {
	t.Helper()
	type equaler interface{ Equal(crypto.PublicKey) bool }
	pub, ok := want.Public().(equaler)
	require.True(t, ok)
	assert.True(t, pub.Equal(got.Public()), "public keys differ")
	digest := sha256.Sum256([]byte("conformance"))
	sig, err := got.Sign(rand.Reader, digest[:], crypto.SHA256)
	require.NoError(t, err)
	assert.True(t, ecdsa.VerifyASN1(want.Public().(*ecdsa.PublicKey), digest[:], sig), "signature does not verify")
}

// TestRecordStore checks a RecordStore implementation against the
// contract. newStore must return an empty store.
func TestRecordStore(t *testing.T, newStore func(t *testing.T) certs.RecordStore) {
	ctx := context.Background()

	t.Run("CreateGet", func(t *testing.T) {
		s := newStore(t)
		_, err := s.Get(ctx, "a/1")
		assert.ErrorIs(t, err, errdefs.ErrNotFound)

		value := []byte("one")
		require.NoError(t, s.Create(ctx, "a/1", value))
		value[0] = 'X' // the store must have copied
		got, err := s.Get(ctx, "a/1")
		require.NoError(t, err)
		assert.Equal(t, []byte("one"), got)
		got[0] = 'Y' // and must hand out copies
		again, err := s.Get(ctx, "a/1")
		require.NoError(t, err)
		assert.Equal(t, []byte("one"), again)

		assert.ErrorIs(t, s.Create(ctx, "a/1", []byte("two")), errdefs.ErrConflict)
		got, err = s.Get(ctx, "a/1")
		require.NoError(t, err)
		assert.Equal(t, []byte("one"), got, "a refused Create must not write")
	})

	t.Run("Swap", func(t *testing.T) {
		s := newStore(t)
		assert.ErrorIs(t, s.Swap(ctx, "k", []byte("x"), []byte("y")), errdefs.ErrNotFound)
		require.NoError(t, s.Create(ctx, "k", []byte("v1")))
		assert.ErrorIs(t, s.Swap(ctx, "k", []byte("v0"), []byte("v2")), errdefs.ErrConflict)
		got, err := s.Get(ctx, "k")
		require.NoError(t, err)
		assert.Equal(t, []byte("v1"), got, "a refused Swap must not write")
		require.NoError(t, s.Swap(ctx, "k", []byte("v1"), []byte("v2")))
		got, err = s.Get(ctx, "k")
		require.NoError(t, err)
		assert.Equal(t, []byte("v2"), got)
	})

	t.Run("Delete", func(t *testing.T) {
		s := newStore(t)
		assert.ErrorIs(t, s.Delete(ctx, "k"), errdefs.ErrNotFound)
		require.NoError(t, s.Create(ctx, "k", []byte("v")))
		require.NoError(t, s.Create(ctx, "k2", []byte("w")))
		require.NoError(t, s.Delete(ctx, "k"))
		_, err := s.Get(ctx, "k")
		assert.ErrorIs(t, err, errdefs.ErrNotFound)
		got, err := s.Get(ctx, "k2")
		require.NoError(t, err, "Delete must remove only its key")
		assert.Equal(t, []byte("w"), got)
		require.NoError(t, s.Create(ctx, "k", []byte("again")), "a deleted key can be created again")
	})

	t.Run("ConcurrentSwapHasOneWinner", func(t *testing.T) {
		s := newStore(t)
		require.NoError(t, s.Create(ctx, "k", []byte("start")))
		const n = 16
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := s.Swap(ctx, "k", []byte("start"), []byte{byte('a' + i)})
				if err == nil {
					wins.Add(1)
				} else {
					assert.ErrorIs(t, err, errdefs.ErrConflict)
				}
			}()
		}
		wg.Wait()
		assert.Equal(t, int32(1), wins.Load())
	})

	t.Run("ConcurrentCreateHasOneWinner", func(t *testing.T) {
		s := newStore(t)
		const n = 16
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := s.Create(ctx, "k", []byte("v")); err == nil {
					wins.Add(1)
				} else {
					assert.ErrorIs(t, err, errdefs.ErrConflict)
				}
			}()
		}
		wg.Wait()
		assert.Equal(t, int32(1), wins.Load())
	})

	t.Run("CancelledContext", func(t *testing.T) {
		s := newStore(t)
		require.NoError(t, s.Create(ctx, "k", []byte("v")))
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		assert.ErrorIs(t, s.Create(cctx, "k2", []byte("v")), context.Canceled)
		_, err := s.Get(cctx, "k")
		assert.ErrorIs(t, err, context.Canceled)
		assert.ErrorIs(t, s.Swap(cctx, "k", []byte("v"), []byte("w")), context.Canceled)
		assert.ErrorIs(t, s.Delete(cctx, "k"), context.Canceled)
		got, err := s.Get(ctx, "k")
		require.NoError(t, err)
		assert.Equal(t, []byte("v"), got, "cancelled calls must not write")
	})
}

// TestStorage checks a certs.Storage implementation against the contract.
// newStorage must return an empty storage.
func TestStorage(t *testing.T, newStorage func(t *testing.T) certs.Storage) {
	ctx := context.Background()
	refs := func(p string) certs.Refs {
		return certs.Refs{CA: p + "ca", EtcdCA: p + "etcd", FrontProxyCA: p + "fp", Client: p + "client"}
	}

	t.Run("KeyPairRoundTrip", func(t *testing.T) {
		s := newStorage(t)
		kp := NewKeyPair(t, "round-trip")
		require.NoError(t, s.CreateKeyPair(ctx, "ref1", kp))

		got, err := s.KeyPair(ctx, "ref1")
		require.NoError(t, err)
		assert.Equal(t, kp.Certificate.Raw, got.Certificate.Raw)
		sameKey(t, kp.PrivateKey, got.PrivateKey)

		cert, err := s.Certificate(ctx, "ref1")
		require.NoError(t, err)
		assert.Equal(t, kp.Certificate.Raw, cert.Raw)

		err = s.CreateKeyPair(ctx, "ref1", NewKeyPair(t, "other"))
		assert.ErrorIs(t, err, errdefs.ErrConflict)
		got, err = s.KeyPair(ctx, "ref1")
		require.NoError(t, err)
		assert.Equal(t, kp.Certificate.Raw, got.Certificate.Raw, "a refused create must not overwrite")
	})

	t.Run("KeyPairRejectsMismatch", func(t *testing.T) {
		s := newStorage(t)
		a, b := NewKeyPair(t, "a"), NewKeyPair(t, "b")
		err := s.CreateKeyPair(ctx, "mixed", &certs.KeyPair{Certificate: a.Certificate, PrivateKey: b.PrivateKey})
		assert.ErrorIs(t, err, errdefs.ErrInvalid)
		assert.ErrorIs(t, s.CreateKeyPair(ctx, "nil", nil), errdefs.ErrInvalid)
		_, err = s.Certificate(ctx, "mixed")
		assert.ErrorIs(t, err, errdefs.ErrNotFound)
	})

	t.Run("RejectsUnsafeNames", func(t *testing.T) {
		s := newStorage(t)
		kp := NewKeyPair(t, "x")
		for _, bad := range []string{"", "../escape", "a/b", ".", "..", "with space", "nul\x00"} {
			assert.ErrorIs(t, s.CreateKeyPair(ctx, bad, kp), errdefs.ErrInvalid, "ref %q", bad)
			_, err := s.KeyPair(ctx, bad)
			assert.ErrorIs(t, err, errdefs.ErrInvalid, "ref %q", bad)
			assert.ErrorIs(t, s.CreateRefs(ctx, bad, refs("r")), errdefs.ErrInvalid, "cluster %q", bad)
			_, err = s.Refs(ctx, bad)
			assert.ErrorIs(t, err, errdefs.ErrInvalid, "cluster %q", bad)
		}
	})

	t.Run("DeleteKeyPair", func(t *testing.T) {
		s := newStorage(t)
		assert.ErrorIs(t, s.DeleteKeyPair(ctx, "missing"), errdefs.ErrNotFound)
		_, err := s.KeyPair(ctx, "missing")
		assert.ErrorIs(t, err, errdefs.ErrNotFound)
		require.NoError(t, s.CreateKeyPair(ctx, "gone", NewKeyPair(t, "gone")))
		require.NoError(t, s.CreateKeyPair(ctx, "kept", NewKeyPair(t, "kept")))
		require.NoError(t, s.DeleteKeyPair(ctx, "gone"))
		_, err = s.KeyPair(ctx, "gone")
		assert.ErrorIs(t, err, errdefs.ErrNotFound)
		_, err = s.Certificate(ctx, "gone")
		assert.ErrorIs(t, err, errdefs.ErrNotFound)
		_, err = s.KeyPair(ctx, "kept")
		assert.NoError(t, err, "Delete must remove only its key pair")
	})

	t.Run("Refs", func(t *testing.T) {
		s := newStorage(t)
		_, err := s.Refs(ctx, "c1")
		assert.ErrorIs(t, err, errdefs.ErrNotFound)
		assert.ErrorIs(t, s.SwapRefs(ctx, "c1", refs("a"), refs("b")), errdefs.ErrNotFound)

		require.NoError(t, s.CreateRefs(ctx, "c1", refs("a")))
		got, err := s.Refs(ctx, "c1")
		require.NoError(t, err)
		assert.Equal(t, refs("a"), got)
		assert.ErrorIs(t, s.CreateRefs(ctx, "c1", refs("b")), errdefs.ErrConflict)

		assert.ErrorIs(t, s.SwapRefs(ctx, "c1", refs("stale"), refs("b")), errdefs.ErrConflict)
		got, err = s.Refs(ctx, "c1")
		require.NoError(t, err)
		assert.Equal(t, refs("a"), got, "a refused swap must not write")

		require.NoError(t, s.SwapRefs(ctx, "c1", refs("a"), refs("b")))
		got, err = s.Refs(ctx, "c1")
		require.NoError(t, err)
		assert.Equal(t, refs("b"), got)

		incomplete := refs("c")
		incomplete.EtcdCA = ""
		assert.ErrorIs(t, s.SwapRefs(ctx, "c1", refs("b"), incomplete), errdefs.ErrInvalid)
		assert.ErrorIs(t, s.CreateRefs(ctx, "c2", incomplete), errdefs.ErrInvalid)

		require.NoError(t, s.DeleteRefs(ctx, "c1"))
		_, err = s.Refs(ctx, "c1")
		assert.ErrorIs(t, err, errdefs.ErrNotFound)
		assert.ErrorIs(t, s.DeleteRefs(ctx, "c1"), errdefs.ErrNotFound)
	})

	t.Run("ConcurrentSwapRefsHasOneWinner", func(t *testing.T) {
		s := newStorage(t)
		require.NoError(t, s.CreateRefs(ctx, "c", refs("start")))
		const n = 16
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := s.SwapRefs(ctx, "c", refs("start"), refs(string(rune('a'+i))))
				if err == nil {
					wins.Add(1)
				} else {
					assert.ErrorIs(t, err, errdefs.ErrConflict)
				}
			}()
		}
		wg.Wait()
		assert.Equal(t, int32(1), wins.Load())
	})

	t.Run("CancelledContext", func(t *testing.T) {
		s := newStorage(t)
		kp := NewKeyPair(t, "ctx")
		require.NoError(t, s.CreateKeyPair(ctx, "k", kp))
		require.NoError(t, s.CreateRefs(ctx, "c", refs("a")))
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		isCancel := func(err error) bool { return errors.Is(err, context.Canceled) }
		assert.True(t, isCancel(s.CreateKeyPair(cctx, "k2", kp)))
		_, err := s.KeyPair(cctx, "k")
		assert.True(t, isCancel(err))
		_, err = s.Certificate(cctx, "k")
		assert.True(t, isCancel(err))
		assert.True(t, isCancel(s.DeleteKeyPair(cctx, "k")))
		_, err = s.Refs(cctx, "c")
		assert.True(t, isCancel(err))
		assert.True(t, isCancel(s.CreateRefs(cctx, "c2", refs("a"))))
		assert.True(t, isCancel(s.SwapRefs(cctx, "c", refs("a"), refs("b"))))
		assert.True(t, isCancel(s.DeleteRefs(cctx, "c")))

		got, err := s.Refs(ctx, "c")
		require.NoError(t, err)
		assert.Equal(t, refs("a"), got, "cancelled calls must not write")
		_, err = s.KeyPair(ctx, "k")
		assert.NoError(t, err)
	})

	t.Run("ErrorsCarryNoKeyMaterial", func(t *testing.T) {
		s := newStorage(t)
		kp := NewKeyPair(t, "secret")
		der, err := x509.MarshalPKCS8PrivateKey(kp.PrivateKey)
		require.NoError(t, err)
		pemKey, err := kp.PrivateKeyPEM()
		require.NoError(t, err)
		require.NoError(t, s.CreateKeyPair(ctx, "k", kp))
		errs := []error{s.CreateKeyPair(ctx, "k", kp)}
		other := NewKeyPair(t, "other")
		errs = append(errs, s.CreateKeyPair(ctx, "m", &certs.KeyPair{Certificate: other.Certificate, PrivateKey: kp.PrivateKey}))
		for _, err := range errs {
			require.Error(t, err)
			msg := err.Error()
			assert.NotContains(t, msg, string(pemKey[30:60]))
			assert.False(t, bytes.Contains([]byte(msg), der[len(der)-40:]))
		}
	})
}
