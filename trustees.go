package magnum

import (
	"cmp"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/openstack"
)

// TrusteeProvider makes and removes the per-cluster credentials a
// cluster's nodes use toward OpenStack and the certificate API.
type TrusteeProvider interface {
	// CreateTrustee returns the cluster's trustee, creating it the first
	// time: later calls (re-renders of the cluster's stack, a create
	// resumed after a crash) return the same credentials.
	CreateTrustee(ctx context.Context, c *cluster.Cluster) (driver.Trustee, error)
	// DeleteTrustee removes the cluster's trustee and its stored
	// credentials. Removing what is gone is not an error.
	DeleteTrustee(ctx context.Context, c *cluster.Cluster) error
}

// KeystoneTrusteesConfig configures KeystoneTrustees.
type KeystoneTrusteesConfig struct {
	// Trustees makes the Keystone users and trusts. Required.
	Trustees *openstack.Trustees
	// Records keeps the credentials, one record per cluster under
	// "trustee/<cluster UUID>" (sqlstore: st.Records("trustees")). Nil: a
	// certs.MemRecordStore, which does not survive the process.
	Records certs.RecordStore
	// Keys seal the passwords (AES-GCM), as certs.SealedStorage seals
	// private keys; the same provider may serve both. Required.
	Keys certs.KeyProvider
	// Roles, when set, chooses the roles a cluster's trust delegates;
	// nil or an empty answer means openstack.TrusteesConfig.Roles.
	Roles func(c *cluster.Cluster) []string
	// Logger receives debug records; nil discards them. Passwords are never
	// logged.
	Logger *slog.Logger
}

// KeystoneTrustees is the TrusteeProvider over Keystone: it creates each
// cluster's trustee user and trust through openstack.Trustees (the
// cluster's creator is the trustor, on the cluster's project) and keeps
// the password sealed with AES-GCM under a key from a certs.KeyProvider —
// never in the clear. The sealed record is bound to the cluster, the key's
// id and the user and trust IDs, so it cannot be moved to another cluster
// or altered without detection.
//
// A record that cannot be opened — the key is missing, wrong, or the record
// was altered — is an error of kind errdefs.ErrUnavailable that wraps
// certs.ErrKeyUnavailable or certs.ErrKeyMismatch; it is not silently
// replaced, since that would reset the password the cluster's nodes hold.
// Delete the trustee to start over. Calls for one cluster must not run
// concurrently (the Manager holds the cluster's operation lease).
type KeystoneTrustees struct {
	trustees *openstack.Trustees
	records  certs.RecordStore
	keys     certs.KeyProvider
	roles    func(*cluster.Cluster) []string
	log      *slog.Logger
}

var _ TrusteeProvider = (*KeystoneTrustees)(nil)

// NewKeystoneTrustees returns a TrusteeProvider over Keystone.
func NewKeystoneTrustees(cfg KeystoneTrusteesConfig) (*KeystoneTrustees, error) {
	if cfg.Trustees == nil {
		return nil, errdefs.Invalid("trustees", "an openstack.Trustees is required")
	}
	if cfg.Keys == nil {
		return nil, errdefs.Invalid("keys", "a key provider is required: trustee passwords are stored sealed")
	}
	k := &KeystoneTrustees{trustees: cfg.Trustees, records: cfg.Records, keys: cfg.Keys, roles: cfg.Roles, log: cfg.Logger}
	if k.records == nil {
		k.records = certs.NewMemRecordStore()
	}
	if k.log == nil {
		k.log = slog.New(slog.DiscardHandler)
	}
	return k, nil
}

// sealedTrustee is a trustee as stored. Byte slices travel as base64.
type sealedTrustee struct {
	Version  int    `json:"v"`
	UserID   string `json:"user_id"`
	Username string `json:"username"`
	TrustID  string `json:"trust_id"`
	KeyID    string `json:"kid"`
	Nonce    []byte `json:"nonce"`
	Password []byte `json:"password"` // GCM(password)
}

const sealedTrusteeVersion = 1

func trusteeKey(clusterID string) string { return "trustee/" + clusterID }

// trusteeAD binds a sealed password to its cluster, key and identities.
func trusteeAD(clusterID string, rec *sealedTrustee) []byte {
	ad := []byte("gomagnum trustee v1\x00")
	for _, s := range []string{clusterID, rec.KeyID, rec.UserID, rec.Username, rec.TrustID} {
		ad = append(ad, s...)
		ad = append(ad, 0)
	}
	return ad
}

func trusteeGCM(key []byte) (cipher.AEAD, error) {
	switch len(key) {
	case 16, 24, 32:
	default:
		// The length is not secret; the key is never quoted.
		return nil, fmt.Errorf("key provider returned a %d-byte key (want 16, 24 or 32)", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, errors.New("AES key rejected")
	}
	return cipher.NewGCM(block)
}

func trusteeKeyErr(clusterID, reason string, sentinel, cause error) error {
	err := sentinel
	if cause != nil {
		err = fmt.Errorf("%w: %w", sentinel, cause)
	}
	return &errdefs.Error{Kind: errdefs.ErrUnavailable, Resource: "trustee", ID: clusterID, Reason: reason, Err: err}
}

func checkTrusteeCluster(c *cluster.Cluster) error {
	if c == nil || c.UUID == "" {
		return errdefs.Invalid("uuid", "a trustee needs the cluster's UUID")
	}
	if c.UserID == "" || c.ProjectID == "" {
		return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "trustee", ID: c.UUID, Field: "user_id",
			Reason: "a trustee needs the cluster's user and project (the trustor)"}
	}
	return nil
}

// CreateTrustee implements TrusteeProvider.
func (k *KeystoneTrustees) CreateTrustee(ctx context.Context, c *cluster.Cluster) (driver.Trustee, error) {
	if err := checkTrusteeCluster(c); err != nil {
		return driver.Trustee{}, err
	}
	prev, err := k.records.Get(ctx, trusteeKey(c.UUID))
	switch {
	case err == nil:
		return k.open(ctx, c.UUID, prev)
	case !errors.Is(err, errdefs.ErrNotFound):
		return driver.Trustee{}, trusteeStoreErr(err, c.UUID)
	}
	req := openstack.TrusteeRequest{ClusterID: c.UUID, ClusterName: c.Name, TrustorUserID: c.UserID, TrustorProjectID: c.ProjectID}
	if k.roles != nil {
		req.Roles = k.roles(c)
	}
	// Seal with the current key before touching Keystone, so a missing key
	// fails before a user exists.
	kid, key, err := k.keys.CurrentKey(ctx)
	if err != nil {
		return driver.Trustee{}, trusteeKeyErr(c.UUID, "the key provider has no current key", certs.ErrKeyUnavailable, err)
	}
	aead, err := trusteeGCM(key)
	if err != nil {
		return driver.Trustee{}, trusteeKeyErr(c.UUID, "the key provider's current key is unusable", certs.ErrKeyUnavailable, err)
	}
	made, err := k.trustees.Create(ctx, req)
	if err != nil {
		return driver.Trustee{}, fmt.Errorf("trustee of cluster %s: %w", c.UUID, err)
	}
	rec := sealedTrustee{Version: sealedTrusteeVersion, UserID: made.UserID, Username: made.Username, TrustID: made.TrustID,
		KeyID: kid, Nonce: make([]byte, aead.NonceSize())}
	if _, err := rand.Read(rec.Nonce); err != nil {
		return driver.Trustee{}, fmt.Errorf("trustee of cluster %s: random nonce: %w", c.UUID, err)
	}
	rec.Password = aead.Seal(nil, rec.Nonce, []byte(made.Password), trusteeAD(c.UUID, &rec))
	value, err := json.Marshal(rec)
	if err != nil {
		return driver.Trustee{}, fmt.Errorf("trustee of cluster %s: encode record: %w", c.UUID, err)
	}
	err = k.records.Create(ctx, trusteeKey(c.UUID), value)
	if errors.Is(err, errdefs.ErrConflict) {
		// Someone stored one meanwhile; Keystone now has our password, so
		// ours replaces it.
		var cur []byte
		if cur, err = k.records.Get(ctx, trusteeKey(c.UUID)); err == nil {
			err = k.records.Swap(ctx, trusteeKey(c.UUID), cur, value)
		}
	}
	if err != nil {
		return driver.Trustee{}, trusteeStoreErr(err, c.UUID)
	}
	k.log.LogAttrs(ctx, slog.LevelDebug, "trustee created", slog.String("cluster", c.UUID),
		slog.String("user_id", made.UserID), slog.String("trust_id", made.TrustID))
	return driver.Trustee{UserID: made.UserID, Password: made.Password, TrustID: made.TrustID}, nil
}

// Trustee returns the stored trustee of a cluster without creating one:
// errdefs.ErrNotFound if there is none.
func (k *KeystoneTrustees) Trustee(ctx context.Context, clusterID string) (driver.Trustee, error) {
	if clusterID == "" {
		return driver.Trustee{}, errdefs.Invalid("uuid", "a trustee needs the cluster's UUID")
	}
	value, err := k.records.Get(ctx, trusteeKey(clusterID))
	if err != nil {
		return driver.Trustee{}, trusteeStoreErr(err, clusterID)
	}
	return k.open(ctx, clusterID, value)
}

// open decodes and unseals a stored trustee. Its errors never quote the
// record.
func (k *KeystoneTrustees) open(ctx context.Context, clusterID string, value []byte) (driver.Trustee, error) {
	var rec sealedTrustee
	if err := json.Unmarshal(value, &rec); err != nil || rec.Version != sealedTrusteeVersion ||
		rec.UserID == "" || len(rec.Nonce) == 0 || len(rec.Password) == 0 {
		return driver.Trustee{}, &errdefs.Error{Kind: errdefs.ErrUnavailable, Resource: "trustee", ID: clusterID,
			Reason: "stored record is corrupt"}
	}
	key, err := k.keys.Key(ctx, rec.KeyID)
	if err != nil {
		return driver.Trustee{}, trusteeKeyErr(clusterID, fmt.Sprintf("the key provider has no key %q", rec.KeyID), certs.ErrKeyUnavailable, err)
	}
	aead, err := trusteeGCM(key)
	if err != nil {
		return driver.Trustee{}, trusteeKeyErr(clusterID, fmt.Sprintf("key %q is unusable", rec.KeyID), certs.ErrKeyUnavailable, err)
	}
	if len(rec.Nonce) != aead.NonceSize() {
		return driver.Trustee{}, &errdefs.Error{Kind: errdefs.ErrUnavailable, Resource: "trustee", ID: clusterID,
			Reason: "stored record is corrupt: bad nonce size"}
	}
	plain, err := aead.Open(nil, rec.Nonce, rec.Password, trusteeAD(clusterID, &rec))
	if err != nil {
		return driver.Trustee{}, trusteeKeyErr(clusterID,
			fmt.Sprintf("key %q does not open the password (wrong key or altered record)", rec.KeyID), certs.ErrKeyMismatch, nil)
	}
	defer clear(plain)
	return driver.Trustee{UserID: rec.UserID, Password: string(plain), TrustID: rec.TrustID}, nil
}

// DeleteTrustee implements TrusteeProvider. The user and trust are those
// recorded on the cluster, else in the stored record, else the user is
// looked up by its name (a create that crashed before it stored anything),
// so no trustee outlives its cluster. Keystone goes first: a failure there
// keeps the record for the retry.
func (k *KeystoneTrustees) DeleteTrustee(ctx context.Context, c *cluster.Cluster) error {
	if c == nil || c.UUID == "" {
		return errdefs.Invalid("uuid", "a trustee needs the cluster's UUID")
	}
	userID, trustID := c.TrusteeUserID, c.TrustID
	value, err := k.records.Get(ctx, trusteeKey(c.UUID))
	switch {
	case err == nil:
		var rec sealedTrustee
		if json.Unmarshal(value, &rec) == nil {
			userID, trustID = cmp.Or(userID, rec.UserID), cmp.Or(trustID, rec.TrustID)
		}
	case !errors.Is(err, errdefs.ErrNotFound):
		return trusteeStoreErr(err, c.UUID)
	}
	if userID == "" && c.ProjectID != "" {
		found, err := k.trustees.FindUser(ctx, c.UUID, c.ProjectID)
		switch {
		case err == nil:
			userID = found
		case !errors.Is(err, errdefs.ErrNotFound):
			return fmt.Errorf("trustee of cluster %s: %w", c.UUID, err)
		}
	}
	if err := k.trustees.Delete(ctx, userID, trustID); err != nil {
		return fmt.Errorf("trustee of cluster %s: %w", c.UUID, err)
	}
	if err := k.records.Delete(ctx, trusteeKey(c.UUID)); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
		return trusteeStoreErr(err, c.UUID)
	}
	k.log.LogAttrs(ctx, slog.LevelDebug, "trustee deleted", slog.String("cluster", c.UUID),
		slog.String("user_id", userID), slog.String("trust_id", trustID))
	return nil
}

// trusteeStoreErr names the trustee in a record store's error, keeping its
// kind.
func trusteeStoreErr(err error, clusterID string) error {
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, errdefs.ErrNotFound):
		return &errdefs.Error{Kind: errdefs.ErrNotFound, Resource: "trustee", ID: clusterID, Reason: "not found", Err: err}
	case errors.Is(err, errdefs.ErrConflict):
		return &errdefs.Error{Kind: errdefs.ErrConflict, Resource: "trustee", ID: clusterID, Reason: "changed concurrently", Err: err}
	}
	return &errdefs.Error{Kind: errdefs.ErrUnavailable, Resource: "trustee", ID: clusterID, Reason: "record store failed", Err: err}
}
