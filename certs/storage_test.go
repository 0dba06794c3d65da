package certs_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/certs/certstest"
	"github.com/gomagnum/magnum/errdefs"
)

func TestMemRecordStoreConformance(t *testing.T) {
	certstest.TestRecordStore(t, func(*testing.T) certs.RecordStore { return certs.NewMemRecordStore() })
	// The zero value is usable too.
	certstest.TestRecordStore(t, func(*testing.T) certs.RecordStore { return &certs.MemRecordStore{} })
}

func TestSealedStorageConformance(t *testing.T) {
	certstest.TestStorage(t, func(t *testing.T) certs.Storage {
		keys, err := certs.NewEphemeralKeys()
		require.NoError(t, err)
		return certs.NewSealedStorage(certs.NewMemRecordStore(), keys)
	})
}

func TestDirStorageConformance(t *testing.T) {
	certstest.TestStorage(t, func(t *testing.T) certs.Storage {
		s, err := certs.NewDirStorage(t.TempDir(), nil)
		require.NoError(t, err)
		return s
	})
}

// aesKey returns a deterministic 32-byte key for tests.
func aesKey(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func TestSealedStorageEncryptsPrivateKeysAtRest(t *testing.T) {
	ctx := context.Background()
	records := certs.NewMemRecordStore()
	kek := aesKey(7)
	storage := certs.NewSealedStorage(records, certs.StaticKeys{Current: "k1", Keys: map[string][]byte{"k1": kek}})
	kp := certstest.NewKeyPair(t, "sealed")
	require.NoError(t, storage.CreateKeyPair(ctx, "ref1", kp))

	raw, err := records.Get(ctx, "keypair/ref1")
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(kp.PrivateKey)
	require.NoError(t, err)
	scalar, err := kp.PrivateKey.(*ecdsa.PrivateKey).Bytes()
	require.NoError(t, err)
	for name, secret := range map[string][]byte{
		"PKCS #8 DER":        der,
		"PKCS #8 base64":     []byte(base64.StdEncoding.EncodeToString(der)),
		"scalar":             scalar,
		"scalar hex":         []byte(hex.EncodeToString(scalar)),
		"scalar base64":      []byte(base64.StdEncoding.EncodeToString(scalar)),
		"PEM marker":         []byte("PRIVATE KEY"),
		"key-encryption key": kek,
	} {
		assert.False(t, bytes.Contains(raw, secret), "the stored record contains the %s", name)
	}
	// The certificate is public and readable without any key.
	var rec struct {
		Cert []byte `json:"cert"`
		KID  string `json:"kid"`
	}
	require.NoError(t, json.Unmarshal(raw, &rec))
	assert.Equal(t, kp.Certificate.Raw, rec.Cert)
	assert.Equal(t, "k1", rec.KID)
}

func TestSealedStorageNeedsTheRightKey(t *testing.T) {
	ctx := context.Background()
	records := certs.NewMemRecordStore()
	right := certs.StaticKeys{Current: "k1", Keys: map[string][]byte{"k1": aesKey(1)}}
	require.NoError(t, certs.NewSealedStorage(records, right).CreateKeyPair(ctx, "ref1", certstest.NewKeyPair(t, "a")))

	cases := []struct {
		name string
		keys certs.KeyProvider
		want error
	}{
		{"no provider", nil, certs.ErrKeyUnavailable},
		{"provider without the key id", certs.StaticKeys{Current: "k2", Keys: map[string][]byte{"k2": aesKey(1)}}, certs.ErrKeyUnavailable},
		{"wrong key under the right id", certs.StaticKeys{Current: "k1", Keys: map[string][]byte{"k1": aesKey(2)}}, certs.ErrKeyMismatch},
		{"key of a bad length", certs.StaticKeys{Current: "k1", Keys: map[string][]byte{"k1": []byte("short")}}, certs.ErrKeyUnavailable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := certs.NewSealedStorage(records, c.keys)
			_, err := s.KeyPair(ctx, "ref1")
			require.Error(t, err)
			assert.ErrorIs(t, err, c.want)
			assert.ErrorIs(t, err, errdefs.ErrUnavailable)
			var e *errdefs.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, "keypair", e.Resource)
			assert.Equal(t, "ref1", e.ID)
			assert.NotContains(t, err.Error(), string(aesKey(1)))
			assert.NotContains(t, err.Error(), string(aesKey(2)))

			// The certificate needs no key.
			cert, err := s.Certificate(ctx, "ref1")
			require.NoError(t, err)
			assert.Equal(t, "a", cert.Subject.CommonName)
		})
	}
	t.Run("sealing needs a usable key too", func(t *testing.T) {
		for _, keys := range []certs.KeyProvider{nil, certs.StaticKeys{Current: "none"}, certs.StaticKeys{Current: "k", Keys: map[string][]byte{"k": {1, 2, 3}}}} {
			err := certs.NewSealedStorage(certs.NewMemRecordStore(), keys).CreateKeyPair(ctx, "r", certstest.NewKeyPair(t, "b"))
			assert.ErrorIs(t, err, certs.ErrKeyUnavailable)
		}
	})
	t.Run("right key", func(t *testing.T) {
		_, err := certs.NewSealedStorage(records, right).KeyPair(ctx, "ref1")
		assert.NoError(t, err)
	})
}

func TestSealedStorageSurvivesKeyRotation(t *testing.T) {
	ctx := context.Background()
	records := certs.NewMemRecordStore()
	old := certs.StaticKeys{Current: "2024", Keys: map[string][]byte{"2024": aesKey(1)}}
	require.NoError(t, certs.NewSealedStorage(records, old).CreateKeyPair(ctx, "before", certstest.NewKeyPair(t, "a")))

	both := certs.StaticKeys{Current: "2025", Keys: map[string][]byte{"2024": aesKey(1), "2025": aesKey(2)}}
	s := certs.NewSealedStorage(records, both)
	require.NoError(t, s.CreateKeyPair(ctx, "after", certstest.NewKeyPair(t, "b")))
	for _, ref := range []string{"before", "after"} {
		_, err := s.KeyPair(ctx, ref)
		assert.NoError(t, err, ref)
	}
	// Without the retired key, only the new record opens.
	onlyNew := certs.StaticKeys{Current: "2025", Keys: map[string][]byte{"2025": aesKey(2)}}
	s = certs.NewSealedStorage(records, onlyNew)
	_, err := s.KeyPair(ctx, "before")
	assert.ErrorIs(t, err, certs.ErrKeyUnavailable)
	_, err = s.KeyPair(ctx, "after")
	assert.NoError(t, err)
}

func TestSealedStorageDetectsSplicedRecords(t *testing.T) {
	ctx := context.Background()
	records := certs.NewMemRecordStore()
	keys := certs.StaticKeys{Current: "k", Keys: map[string][]byte{"k": aesKey(3)}}
	s := certs.NewSealedStorage(records, keys)
	require.NoError(t, s.CreateKeyPair(ctx, "a", certstest.NewKeyPair(t, "a")))
	require.NoError(t, s.CreateKeyPair(ctx, "b", certstest.NewKeyPair(t, "b")))

	rawA, err := records.Get(ctx, "keypair/a")
	require.NoError(t, err)
	rawB, err := records.Get(ctx, "keypair/b")
	require.NoError(t, err)

	// Record a's sealed key stored under b's name: the binding to the
	// reference must catch it.
	require.NoError(t, records.Swap(ctx, "keypair/b", rawB, rawA))
	_, err = s.KeyPair(ctx, "b")
	assert.ErrorIs(t, err, certs.ErrKeyMismatch)

	// b's certificate with a's sealed key: the binding to the certificate
	// must catch it.
	var recA, recB map[string]any
	require.NoError(t, json.Unmarshal(rawA, &recA))
	require.NoError(t, json.Unmarshal(rawB, &recB))
	recA["cert"] = recB["cert"]
	spliced, err := json.Marshal(recA)
	require.NoError(t, err)
	require.NoError(t, records.Swap(ctx, "keypair/b", rawA, spliced))
	_, err = s.KeyPair(ctx, "b")
	assert.ErrorIs(t, err, certs.ErrKeyMismatch)

	// Garbage is reported as corrupt, without quoting it.
	require.NoError(t, records.Swap(ctx, "keypair/b", spliced, []byte("secret-garbage")))
	_, err = s.KeyPair(ctx, "b")
	assert.ErrorIs(t, err, errdefs.ErrUnavailable)
	assert.NotContains(t, err.Error(), "secret-garbage")
}

func TestDirStoragePermissions(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "store")
	require.NoError(t, os.MkdirAll(dir, 0o755)) // too open: NewDirStorage must tighten it
	s, err := certs.NewDirStorage(dir, nil)
	require.NoError(t, err)
	kp := certstest.NewKeyPair(t, "perm")
	require.NoError(t, s.CreateKeyPair(ctx, "r1", kp))
	require.NoError(t, s.CreateRefs(ctx, "c1", certs.Refs{CA: "r1", EtcdCA: "r1", FrontProxyCA: "r1", Client: "r1"}))
	require.NoError(t, s.SwapRefs(ctx, "c1", certs.Refs{CA: "r1", EtcdCA: "r1", FrontProxyCA: "r1", Client: "r1"},
		certs.Refs{CA: "r2", EtcdCA: "r2", FrontProxyCA: "r2", Client: "r2"}))

	var files int
	require.NoError(t, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		info, err := d.Info()
		require.NoError(t, err)
		if d.IsDir() {
			assert.Equal(t, fs.FileMode(0o700), info.Mode().Perm(), path)
		} else {
			files++
			assert.Equal(t, fs.FileMode(0o600), info.Mode().Perm(), path)
			assert.NotContains(t, d.Name(), ".tmp-", "no temporary files are left")
		}
		return nil
	}))
	assert.Equal(t, 3, files, "certificate, key and references")

	// The files are plain PEM that tools can read.
	data, err := os.ReadFile(filepath.Join(dir, "keypairs", "r1.crt"))
	require.NoError(t, err)
	assert.Equal(t, kp.CertificatePEM(), data)
}

func TestDirStorageReportsCorruptFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := certs.NewDirStorage(dir, nil)
	require.NoError(t, err)
	require.NoError(t, s.CreateKeyPair(ctx, "r1", certstest.NewKeyPair(t, "x")))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "keypairs", "r1.key"), []byte("not pem"), 0o600))
	_, err = s.KeyPair(ctx, "r1")
	assert.ErrorIs(t, err, errdefs.ErrUnavailable)
	// Another pair's key: mismatch is detected.
	require.NoError(t, s.CreateKeyPair(ctx, "r2", certstest.NewKeyPair(t, "y")))
	other, err := os.ReadFile(filepath.Join(dir, "keypairs", "r2.key"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "keypairs", "r1.key"), other, 0o600))
	_, err = s.KeyPair(ctx, "r1")
	assert.ErrorIs(t, err, errdefs.ErrUnavailable)
	assert.NotContains(t, err.Error(), "PRIVATE KEY")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "clusters", "c.json"), []byte("{}"), 0o600))
	_, err = s.Refs(ctx, "c")
	assert.ErrorIs(t, err, errdefs.ErrUnavailable)

	_, err = certs.NewDirStorage("", nil)
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
}

func TestManagerWorksOnDirStorage(t *testing.T) {
	ctx := context.Background()
	s, err := certs.NewDirStorage(t.TempDir(), nil)
	require.NoError(t, err)
	m, _ := newManager(t, certs.Config{Storage: s})
	csr, _ := makeCSR(t, csrSpec{cn: "system:node:n1", orgs: []string{"system:nodes"}})
	_, err = m.SignCSR(ctx, certs.SignRequest{Cluster: testCluster, Requester: trusteeCaller, CSR: csr})
	require.NoError(t, err)
	_, err = m.Rotate(ctx, testCluster, nil)
	require.NoError(t, err)
	require.NoError(t, m.Delete(ctx, testCluster.UUID))
}

func TestStorageConstructorsDefaultsAndWarnings(t *testing.T) {
	ctx := context.Background()
	var buf bytes.Buffer
	_, err := certs.NewDirStorage(t.TempDir(), newTextLogger(&buf))
	require.NoError(t, err)
	assert.Contains(t, buf.String(), "development only")

	keys, err := certs.NewEphemeralKeys()
	require.NoError(t, err)
	s := certs.NewSealedStorage(nil, keys) // a fresh in-memory record store
	require.NoError(t, s.CreateKeyPair(ctx, "r", certstest.NewKeyPair(t, "x")))
	_, err = s.KeyPair(ctx, "r")
	assert.NoError(t, err)
}
