package certs

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/gomagnum/magnum/errdefs"
)

// DirStorage keeps key pairs as PEM files in a local directory, for
// development: certificates and keys can be inspected with openssl. Private
// keys are NOT encrypted; their files are mode 0600 in directories of mode
// 0700. One process at a time may use a directory (SwapRefs is atomic
// against readers through rename, but the compare step is guarded only by an
// in-process lock).
//
// Layout: <dir>/keypairs/<ref>.crt and <ref>.key, <dir>/clusters/<uuid>.json.
type DirStorage struct {
	dir string
	mu  sync.Mutex // serialises reference updates
}

// Permissions of what DirStorage creates.
const (
	dirMode  fs.FileMode = 0o700
	fileMode fs.FileMode = 0o600
)

// NewDirStorage opens (creating if needed) a storage directory. It logs a
// warning to logger (nil: no logging) that the storage is for development.
func NewDirStorage(dir string, logger *slog.Logger) (*DirStorage, error) {
	if dir == "" {
		return nil, errdefs.Invalid("dir", "a storage directory is required")
	}
	for _, d := range []string{dir, filepath.Join(dir, "keypairs"), filepath.Join(dir, "clusters")} {
		if err := os.MkdirAll(d, dirMode); err != nil {
			return nil, fmt.Errorf("certs: create storage directory: %w", err)
		}
		// MkdirAll leaves existing directories alone and is subject to the
		// umask; make ours private whatever they were.
		if err := os.Chmod(d, dirMode); err != nil {
			return nil, fmt.Errorf("certs: restrict storage directory: %w", err)
		}
	}
	if logger != nil {
		logger.Warn("certificate storage keeps private keys unencrypted in a local directory; use it for development only",
			"dir", dir)
	}
	return &DirStorage{dir: dir}, nil
}

func (s *DirStorage) certPath(ref string) string {
	return filepath.Join(s.dir, "keypairs", ref+".crt")
}
func (s *DirStorage) keyPath(ref string) string { return filepath.Join(s.dir, "keypairs", ref+".key") }
func (s *DirStorage) refsPath(id string) string {
	return filepath.Join(s.dir, "clusters", id+".json")
}

// writeNew writes data to path, failing with ErrConflict if path exists.
// The file appears complete or not at all (temporary file, then link).
func writeNew(path string, data []byte, resource, id string) error {
	tmp, err := writeTemp(path, data)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return errdefs.Conflict(resource, id, "already exists")
		}
		return fsError(resource, id, "create", err)
	}
	return nil
}

// fsError reports a file system failure as errdefs.ErrUnavailable. The
// message has the path and the operating system's reason, never file data.
func fsError(resource, id, op string, err error) error {
	return &errdefs.Error{Kind: errdefs.ErrUnavailable, Resource: resource, ID: id, Reason: op + " failed", Err: err}
}

// replace writes data to path atomically (temporary file, then rename).
func replace(path string, data []byte) error {
	tmp, err := writeTemp(path, data)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fsError("file", filepath.Base(path), "replace", err)
	}
	return nil
}

func writeTemp(path string, data []byte) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return "", fsError("file", filepath.Base(path), "create temporary", err)
	}
	name := f.Name()
	// CreateTemp already uses 0600; make sure whatever the platform did.
	err = f.Chmod(fileMode)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return "", fsError("file", filepath.Base(path), "write", err)
	}
	return name, nil
}

func readFile(path, resource, id string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errdefs.NotFound(resource, id)
	}
	if err != nil {
		return nil, fsError(resource, id, "read", err)
	}
	return data, nil
}

// CreateKeyPair implements Storage. The key file is written first, so a
// key pair whose certificate file exists is complete.
func (s *DirStorage) CreateKeyPair(ctx context.Context, ref string, kp *KeyPair) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkRef(ref); err != nil {
		return err
	}
	if err := kp.check(); err != nil {
		return err
	}
	keyPEM, err := kp.PrivateKeyPEM()
	if err != nil {
		return err
	}
	defer clear(keyPEM)
	if err := writeNew(s.keyPath(ref), keyPEM, "keypair", ref); err != nil {
		return err
	}
	if err := writeNew(s.certPath(ref), kp.CertificatePEM(), "keypair", ref); err != nil {
		os.Remove(s.keyPath(ref))
		return err
	}
	return nil
}

// Certificate implements Storage.
func (s *DirStorage) Certificate(ctx context.Context, ref string) (*x509.Certificate, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkRef(ref); err != nil {
		return nil, err
	}
	data, err := readFile(s.certPath(ref), "keypair", ref)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, corrupt("keypair", ref, "no certificate PEM block")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, corrupt("keypair", ref, "malformed certificate")
	}
	return cert, nil
}

// KeyPair implements Storage.
func (s *DirStorage) KeyPair(ctx context.Context, ref string) (*KeyPair, error) {
	cert, err := s.Certificate(ctx, ref)
	if err != nil {
		return nil, err
	}
	data, err := readFile(s.keyPath(ref), "keypair", ref)
	if err != nil {
		return nil, err
	}
	defer clear(data)
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, corrupt("keypair", ref, "no private key PEM block")
	}
	defer clear(block.Bytes)
	signer, err := parsePrivateKey(block.Bytes)
	if err != nil {
		return nil, corrupt("keypair", ref, err.Error())
	}
	kp := &KeyPair{Certificate: cert, PrivateKey: signer}
	if err := kp.check(); err != nil {
		return nil, corrupt("keypair", ref, "private key does not match the certificate")
	}
	return kp, nil
}

// DeleteKeyPair implements Storage. The certificate goes first, so an
// interrupted delete leaves no key pair that looks complete.
func (s *DirStorage) DeleteKeyPair(ctx context.Context, ref string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkRef(ref); err != nil {
		return err
	}
	errCert := os.Remove(s.certPath(ref))
	errKey := os.Remove(s.keyPath(ref))
	switch {
	case errors.Is(errCert, fs.ErrNotExist) && errors.Is(errKey, fs.ErrNotExist):
		return errdefs.NotFound("keypair", ref)
	case errCert != nil && !errors.Is(errCert, fs.ErrNotExist):
		return fsError("keypair", ref, "delete", errCert)
	case errKey != nil && !errors.Is(errKey, fs.ErrNotExist):
		return fsError("keypair", ref, "delete", errKey)
	}
	return nil
}

// Refs implements Storage.
func (s *DirStorage) Refs(ctx context.Context, clusterID string) (Refs, error) {
	if err := ctx.Err(); err != nil {
		return Refs{}, err
	}
	if err := checkClusterID(clusterID); err != nil {
		return Refs{}, err
	}
	data, err := readFile(s.refsPath(clusterID), "cluster certificates", clusterID)
	if err != nil {
		return Refs{}, err
	}
	refs, err := decodeRefs(data)
	if err != nil {
		return Refs{}, corrupt("cluster certificates", clusterID, err.Error())
	}
	return refs, nil
}

// CreateRefs implements Storage.
func (s *DirStorage) CreateRefs(ctx context.Context, clusterID string, refs Refs) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkClusterID(clusterID); err != nil {
		return err
	}
	data, err := encodeRefs(clusterID, refs)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return writeNew(s.refsPath(clusterID), data, "cluster certificates", clusterID)
}

// SwapRefs implements Storage: compare under the lock, then rename.
func (s *DirStorage) SwapRefs(ctx context.Context, clusterID string, prev, next Refs) error {
	data, err := encodeRefs(clusterID, next)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, err := s.Refs(ctx, clusterID)
	if err != nil {
		return err
	}
	if cur != prev {
		return errdefs.Conflict("cluster certificates", clusterID, "references changed concurrently")
	}
	return replace(s.refsPath(clusterID), data)
}

// DeleteRefs implements Storage.
func (s *DirStorage) DeleteRefs(ctx context.Context, clusterID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkClusterID(clusterID); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	err := os.Remove(s.refsPath(clusterID))
	if errors.Is(err, fs.ErrNotExist) {
		return errdefs.NotFound("cluster certificates", clusterID)
	}
	if err != nil {
		return fsError("cluster certificates", clusterID, "delete", err)
	}
	return nil
}

// compile-time checks
var (
	_ Storage = (*DirStorage)(nil)
	_ Storage = (*SealedStorage)(nil)
)
