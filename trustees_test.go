package magnum_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	magnum "github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat/heattest"
	"github.com/gomagnum/magnum/openstack"
	"github.com/gomagnum/magnum/openstack/openstacktest"
	"github.com/gomagnum/magnum/policy"
	"github.com/gomagnum/magnum/store/sqlstore"
)

const trusteeClusterID = "6e0a9c1b-2f3d-4a5e-8b7c-9d0e1f2a3b4c"

type trusteeEnv struct {
	srv      *openstacktest.Server
	trustees *openstack.Trustees
	records  certs.RecordStore
	keys     certs.StaticKeys
	c        *cluster.Cluster
}

func newTrusteeEnv(t *testing.T) *trusteeEnv {
	t.Helper()
	srv := openstacktest.New(openstacktest.Options{})
	t.Cleanup(srv.Close)
	cloud, err := srv.Connect(context.Background())
	require.NoError(t, err)
	cloud.Lookup.Sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() } // retries without waiting
	tr, err := openstack.NewTrustees(cloud, openstack.TrusteesConfig{DomainID: heattest.TrusteeDomainID, Roles: []string{"member"}})
	require.NoError(t, err)
	return &trusteeEnv{
		srv: srv, trustees: tr, records: certs.NewMemRecordStore(),
		keys: certs.StaticKeys{Current: "k1", Keys: map[string][]byte{"k1": bytes.Repeat([]byte{1}, 32)}},
		c: &cluster.Cluster{UUID: trusteeClusterID, Name: "prod", ProjectID: srv.Heat().ProjectID(),
			UserID: srv.Heat().AdminUserID()},
	}
}

func (e *trusteeEnv) provider(t *testing.T, keys certs.KeyProvider) *magnum.KeystoneTrustees {
	t.Helper()
	kt, err := magnum.NewKeystoneTrustees(magnum.KeystoneTrusteesConfig{Trustees: e.trustees, Records: e.records, Keys: keys})
	require.NoError(t, err)
	return kt
}

// canLogin does what a node does with the credentials.
func (e *trusteeEnv) canLogin(got driver.Trustee) error {
	_, err := config.NewProviderClient(context.Background(), gophercloud.AuthOptions{
		IdentityEndpoint: e.srv.Heat().IdentityEndpoint(), UserID: got.UserID, Password: got.Password,
		Scope: &gophercloud.AuthScope{TrustID: got.TrustID}})
	return err
}

func TestKeystoneTrusteesSealed(t *testing.T) {
	e := newTrusteeEnv(t)
	ctx := context.Background()
	kt := e.provider(t, e.keys)

	got, err := kt.CreateTrustee(ctx, e.c)
	require.NoError(t, err)
	require.NotEmpty(t, got.UserID)
	require.NotEmpty(t, got.TrustID)
	require.NotEmpty(t, got.Password)
	require.NoError(t, e.canLogin(got))

	raw, err := e.records.Get(ctx, "trustee/"+trusteeClusterID)
	require.NoError(t, err)
	assert.NotContains(t, string(raw), got.Password, "never stored in the clear")
	assert.NotContains(t, string(raw), base64.StdEncoding.EncodeToString([]byte(got.Password)))

	// Re-renders get the same credentials without touching Keystone.
	writes := e.srv.Heat().Requests(heattest.KindUserWrite) + e.srv.Heat().Requests(heattest.KindTrustWrite)
	again, err := kt.CreateTrustee(ctx, e.c)
	require.NoError(t, err)
	assert.Equal(t, got, again)
	assert.Equal(t, writes, e.srv.Heat().Requests(heattest.KindUserWrite)+e.srv.Heat().Requests(heattest.KindTrustWrite))
	assert.Len(t, e.srv.Heat().Users(), 1)

	// Another process with the same records and keys, and after the
	// current key changed, reads it back.
	rotated := certs.StaticKeys{Current: "k2", Keys: map[string][]byte{"k1": e.keys.Keys["k1"], "k2": bytes.Repeat([]byte{2}, 16)}}
	read, err := e.provider(t, rotated).Trustee(ctx, trusteeClusterID)
	require.NoError(t, err)
	assert.Equal(t, got, read)

	_, err = kt.Trustee(ctx, "1f2e3d4c-0000-4000-8000-000000000000")
	assert.ErrorIs(t, err, errdefs.ErrNotFound)
}

func TestKeystoneTrusteesUnreadable(t *testing.T) {
	e := newTrusteeEnv(t)
	ctx := context.Background()
	got, err := e.provider(t, e.keys).CreateTrustee(ctx, e.c)
	require.NoError(t, err)
	raw, err := e.records.Get(ctx, "trustee/"+trusteeClusterID)
	require.NoError(t, err)

	wrong := certs.StaticKeys{Current: "k1", Keys: map[string][]byte{"k1": bytes.Repeat([]byte{9}, 32)}}
	_, err = e.provider(t, wrong).CreateTrustee(ctx, e.c)
	assert.ErrorIs(t, err, errdefs.ErrUnavailable)
	assert.ErrorIs(t, err, certs.ErrKeyMismatch)
	assert.NotContains(t, err.Error(), got.Password)

	missing := certs.StaticKeys{Current: "k3", Keys: map[string][]byte{"k3": bytes.Repeat([]byte{3}, 32)}}
	_, err = e.provider(t, missing).Trustee(ctx, trusteeClusterID)
	assert.ErrorIs(t, err, certs.ErrKeyUnavailable)
	assert.Len(t, e.srv.Heat().Users(), 1, "an unreadable record is not replaced behind the nodes' back")

	// Altered: another trust ID, or the record moved to another cluster.
	var rec map[string]any
	require.NoError(t, json.Unmarshal(raw, &rec))
	rec["trust_id"] = "0123456789abcdef0123456789abcdef"
	altered, err := json.Marshal(rec)
	require.NoError(t, err)
	require.NoError(t, e.records.Swap(ctx, "trustee/"+trusteeClusterID, raw, altered))
	_, err = e.provider(t, e.keys).Trustee(ctx, trusteeClusterID)
	assert.ErrorIs(t, err, certs.ErrKeyMismatch)
	require.NoError(t, e.records.Swap(ctx, "trustee/"+trusteeClusterID, altered, raw))

	const other = "7f1b0d2c-3a4e-4b5f-9c8d-0e1f2a3b4c5d"
	require.NoError(t, e.records.Create(ctx, "trustee/"+other, raw))
	_, err = e.provider(t, e.keys).Trustee(ctx, other)
	assert.ErrorIs(t, err, certs.ErrKeyMismatch)

	require.NoError(t, e.records.Create(ctx, "trustee/junk", []byte("{not json")))
	_, err = e.provider(t, e.keys).Trustee(ctx, "junk")
	assert.ErrorIs(t, err, errdefs.ErrUnavailable)
}

func TestKeystoneTrusteesDelete(t *testing.T) {
	e := newTrusteeEnv(t)
	ctx := context.Background()
	kt := e.provider(t, e.keys)
	got, err := kt.CreateTrustee(ctx, e.c)
	require.NoError(t, err)

	require.NoError(t, kt.DeleteTrustee(ctx, e.c), "IDs from the record")
	assert.Empty(t, e.srv.Heat().Users())
	assert.Empty(t, e.srv.Heat().Trusts())
	_, err = e.records.Get(ctx, "trustee/"+trusteeClusterID)
	assert.ErrorIs(t, err, errdefs.ErrNotFound)
	assert.Error(t, e.canLogin(got))
	assert.NoError(t, kt.DeleteTrustee(ctx, e.c), "again: nothing left, no error")

	// A create that crashed after Keystone but before the record: the
	// user is found by name.
	_, err = e.trustees.Create(ctx, openstack.TrusteeRequest{ClusterID: e.c.UUID, TrustorUserID: e.c.UserID,
		TrustorProjectID: e.c.ProjectID})
	require.NoError(t, err)
	require.Len(t, e.srv.Heat().Users(), 1)
	require.NoError(t, kt.DeleteTrustee(ctx, e.c))
	assert.Empty(t, e.srv.Heat().Users())
	assert.Empty(t, e.srv.Heat().Trusts())

	// A Keystone failure keeps the record for the retry.
	_, err = kt.CreateTrustee(ctx, e.c)
	require.NoError(t, err)
	e.srv.Heat().InjectFault(heattest.Fault{Kind: heattest.KindUserWrite, Status: 500, Times: 10})
	assert.ErrorIs(t, kt.DeleteTrustee(ctx, e.c), errdefs.ErrUnavailable)
	e.srv.Heat().ClearFaults()
	_, err = e.records.Get(ctx, "trustee/"+trusteeClusterID)
	require.NoError(t, err)
	require.NoError(t, kt.DeleteTrustee(ctx, e.c))
	assert.Empty(t, e.srv.Heat().Users())
}

func TestKeystoneTrusteesFailures(t *testing.T) {
	e := newTrusteeEnv(t)
	ctx := context.Background()

	_, err := magnum.NewKeystoneTrustees(magnum.KeystoneTrusteesConfig{Keys: e.keys})
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
	_, err = magnum.NewKeystoneTrustees(magnum.KeystoneTrusteesConfig{Trustees: e.trustees})
	assert.ErrorIs(t, err, errdefs.ErrInvalid)

	kt := e.provider(t, e.keys)
	for _, c := range []*cluster.Cluster{nil, {}, {UUID: trusteeClusterID}, {UUID: trusteeClusterID, UserID: "u"}} {
		_, err := kt.CreateTrustee(ctx, c)
		assert.ErrorIs(t, err, errdefs.ErrInvalid)
	}
	assert.ErrorIs(t, kt.DeleteTrustee(ctx, &cluster.Cluster{}), errdefs.ErrInvalid)

	// No usable key: nothing is made in Keystone.
	bad := certs.StaticKeys{Current: "short", Keys: map[string][]byte{"short": {1, 2, 3}}}
	_, err = e.provider(t, bad).CreateTrustee(ctx, e.c)
	assert.ErrorIs(t, err, certs.ErrKeyUnavailable)
	assert.Empty(t, e.srv.Heat().Users())

	// Keystone refuses: no record is stored.
	e.srv.Heat().InjectFault(heattest.Fault{Kind: heattest.KindTrustWrite, Status: 403})
	_, err = kt.CreateTrustee(ctx, e.c)
	assert.ErrorIs(t, err, errdefs.ErrForbidden)
	_, err = e.records.Get(ctx, "trustee/"+trusteeClusterID)
	assert.ErrorIs(t, err, errdefs.ErrNotFound)
	got, err := kt.CreateTrustee(ctx, e.c)
	require.NoError(t, err, "the retry adopts the user made before")
	assert.Len(t, e.srv.Heat().Users(), 1)
	assert.NoError(t, e.canLogin(got))

	// Roles per cluster.
	e2 := newTrusteeEnv(t)
	withRoles, err := magnum.NewKeystoneTrustees(magnum.KeystoneTrusteesConfig{Trustees: e2.trustees, Keys: e2.keys,
		Roles: func(*cluster.Cluster) []string { return []string{"heat_stack_owner"} }})
	require.NoError(t, err)
	_, err = withRoles.CreateTrustee(ctx, e2.c)
	require.NoError(t, err)
	ts := e2.srv.Heat().Trusts()
	require.Len(t, ts, 1)
	assert.Equal(t, []string{"heat_stack_owner"}, ts[0].Roles)
}

// The sealed records live in the project's database next to the clusters.
func TestKeystoneTrusteesSQLStore(t *testing.T) {
	e := newTrusteeEnv(t)
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "magnum.db"), sqlstore.Config{})
	require.NoError(t, err)
	defer func() { _ = st.Close() }()
	e.records = st.Records("trustees")
	got, err := e.provider(t, e.keys).CreateTrustee(ctx, e.c)
	require.NoError(t, err)
	read, err := e.provider(t, e.keys).Trustee(ctx, trusteeClusterID)
	require.NoError(t, err)
	assert.Equal(t, got, read)
	require.NoError(t, e.provider(t, e.keys).DeleteTrustee(ctx, e.c))
	_, err = st.Records("trustees").Get(ctx, "trustee/"+trusteeClusterID)
	assert.ErrorIs(t, err, errdefs.ErrNotFound)
}

// Per-cluster trustees on the fake cloud: created once, read back sealed,
// deleted with the cluster.
func ExampleKeystoneTrustees() {
	ctx := context.Background()
	srv := openstacktest.New(openstacktest.Options{})
	defer srv.Close()
	cloud, err := srv.Connect(ctx)
	if err != nil {
		panic(err)
	}
	keys, err := certs.NewEphemeralKeys() // production: keys from a KMS or secret store
	if err != nil {
		panic(err)
	}
	trustees, err := openstack.NewTrustees(cloud, openstack.TrusteesConfig{DomainID: heattest.TrusteeDomainID, Roles: []string{"member"}})
	if err != nil {
		panic(err)
	}
	kt, err := magnum.NewKeystoneTrustees(magnum.KeystoneTrusteesConfig{Trustees: trustees, Keys: keys})
	if err != nil {
		panic(err)
	}
	c := &cluster.Cluster{UUID: "6e0a9c1b-2f3d-4a5e-8b7c-9d0e1f2a3b4c", Name: "prod",
		ProjectID: srv.Heat().ProjectID(), UserID: srv.Heat().AdminUserID()}
	first, err := kt.CreateTrustee(ctx, c)
	if err != nil {
		panic(err)
	}
	again, err := kt.CreateTrustee(ctx, c)
	if err != nil {
		panic(err)
	}
	fmt.Println("same credentials:", first == again, "users:", len(srv.Heat().Users()))
	if err := kt.DeleteTrustee(ctx, c); err != nil {
		panic(err)
	}
	fmt.Println("users after delete:", len(srv.Heat().Users()))
	// Output:
	// same credentials: true users: 1
	// users after delete: 0
}

// Whatever a stored record holds, reading it never panics, and it opens
// only to the credentials that were sealed.
func FuzzKeystoneTrusteesRecord(f *testing.F) {
	srv := openstacktest.New(openstacktest.Options{})
	defer srv.Close()
	ctx := context.Background()
	cloud, err := srv.Connect(ctx)
	require.NoError(f, err)
	tr, err := openstack.NewTrustees(cloud, openstack.TrusteesConfig{DomainID: heattest.TrusteeDomainID, Roles: []string{"member"}})
	require.NoError(f, err)
	records := certs.NewMemRecordStore()
	// A key of this process only: fuzz workers rebuild this setup, and a
	// record sealed by another process must not open here.
	keys, err := certs.NewEphemeralKeys()
	require.NoError(f, err)
	kt, err := magnum.NewKeystoneTrustees(magnum.KeystoneTrusteesConfig{Trustees: tr, Records: records, Keys: keys})
	require.NoError(f, err)
	want, err := kt.CreateTrustee(ctx, &cluster.Cluster{UUID: trusteeClusterID, ProjectID: srv.Heat().ProjectID(), UserID: srv.Heat().AdminUserID()})
	require.NoError(f, err)
	valid, err := records.Get(ctx, "trustee/"+trusteeClusterID)
	require.NoError(f, err)
	f.Add(valid)
	f.Add([]byte(`{"v":1,"user_id":"u","kid":"k1","nonce":"AAAAAAAAAAAAAAAA","password":"AAAA"}`))
	f.Add([]byte(`{"v":1,"user_id":"u","kid":"k1","nonce":"AA==","password":"AAAA"}`))
	f.Add([]byte(`{"v":2}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, value []byte) {
		const id = "fuzz"
		_ = records.Delete(ctx, "trustee/"+id)
		if err := records.Create(ctx, "trustee/"+id, value); err != nil {
			t.Skip()
		}
		// Sealed for trusteeClusterID: under another ID nothing opens.
		_, err := kt.Trustee(ctx, id)
		require.Error(t, err)
		var de *errdefs.Error
		require.ErrorAs(t, err, &de)
		require.NotContains(t, err.Error(), want.Password)

		prev, err := records.Get(ctx, "trustee/"+trusteeClusterID)
		require.NoError(t, err)
		require.NoError(t, records.Swap(ctx, "trustee/"+trusteeClusterID, prev, value))
		defer func() { _ = records.Swap(ctx, "trustee/"+trusteeClusterID, value, valid) }()
		got, err := kt.Trustee(ctx, trusteeClusterID)
		if err == nil {
			require.Equal(t, want, got, "a record opens only to what was sealed")
		}
	})
}

// The cost of a re-render's CreateTrustee once the trustee exists: one
// record read and one AES-GCM open, no Keystone call.
func BenchmarkKeystoneTrusteesExisting(b *testing.B) {
	srv := openstacktest.New(openstacktest.Options{})
	defer srv.Close()
	ctx := context.Background()
	cloud, err := srv.Connect(ctx)
	require.NoError(b, err)
	tr, err := openstack.NewTrustees(cloud, openstack.TrusteesConfig{DomainID: heattest.TrusteeDomainID, Roles: []string{"member"}})
	require.NoError(b, err)
	keys := certs.StaticKeys{Current: "k1", Keys: map[string][]byte{"k1": bytes.Repeat([]byte{1}, 32)}}
	kt, err := magnum.NewKeystoneTrustees(magnum.KeystoneTrusteesConfig{Trustees: tr, Keys: keys})
	require.NoError(b, err)
	c := &cluster.Cluster{UUID: trusteeClusterID, ProjectID: srv.Heat().ProjectID(), UserID: srv.Heat().AdminUserID()}
	_, err = kt.CreateTrustee(ctx, c)
	require.NoError(b, err)
	srv.ResetCounts()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := kt.CreateTrustee(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	if n := srv.Heat().TotalRequests(); n != 0 {
		b.Fatalf("%d cloud requests for existing trustees", n)
	}
}

// A first CreateTrustee on the fake cloud: user lookup, user create, trust
// create, seal and store (loopback HTTP dominates).
func BenchmarkKeystoneTrusteesCreate(b *testing.B) {
	srv := openstacktest.New(openstacktest.Options{})
	defer srv.Close()
	ctx := context.Background()
	cloud, err := srv.Connect(ctx)
	require.NoError(b, err)
	tr, err := openstack.NewTrustees(cloud, openstack.TrusteesConfig{DomainID: heattest.TrusteeDomainID, Roles: []string{"member"}})
	require.NoError(b, err)
	keys := certs.StaticKeys{Current: "k1", Keys: map[string][]byte{"k1": bytes.Repeat([]byte{1}, 32)}}
	kt, err := magnum.NewKeystoneTrustees(magnum.KeystoneTrusteesConfig{Trustees: tr, Keys: keys})
	require.NoError(b, err)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		c := &cluster.Cluster{UUID: fmt.Sprintf("bench-%d", i), ProjectID: srv.Heat().ProjectID(), UserID: srv.Heat().AdminUserID()}
		if _, err := kt.CreateTrustee(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
}

// TestManagerGivesEachClusterItsTrustee runs a cluster with per-cluster
// trustees: made before the stack, recorded on the cluster, handed to the
// nodes (the stack's node_env holds them), deleted with the cluster.
func TestManagerGivesEachClusterItsTrustee(t *testing.T) {
	srv := openstacktest.New(openstacktest.Options{})
	t.Cleanup(srv.Close)
	ctx := context.Background()
	cloud, err := srv.Connect(ctx)
	require.NoError(t, err)
	orch, err := cloud.Orchestrator(openstack.Config{})
	require.NoError(t, err)
	tr, err := openstack.NewTrustees(cloud, openstack.TrusteesConfig{DomainID: heattest.TrusteeDomainID, Roles: []string{"member"}})
	require.NoError(t, err)
	kt, err := magnum.NewKeystoneTrustees(magnum.KeystoneTrusteesConfig{Trustees: tr, Records: certs.NewMemRecordStore(),
		Keys: certs.StaticKeys{Current: "k1", Keys: map[string][]byte{"k1": bytes.Repeat([]byte{7}, 32)}}})
	require.NoError(t, err)
	m, err := magnum.New(magnum.Config{Orchestrator: orch, Images: cloud, Resources: cloud, Trustees: kt,
		Nodes: driver.NodeAccess{SignURL: "https://magnum.example.com:9511/v1", AuthURL: srv.AuthOptions().IdentityEndpoint}})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, m.Close()) })
	e := &cloudEnv{m: m, cloud: srv, orch: orch}

	owner := policy.Caller{UserID: srv.Heat().AdminUserID(), ProjectID: srv.Heat().ProjectID(), Roles: []string{"member"}}
	cctx := as(owner)
	_, err = m.CreateClusterTemplate(cctx, fakeK8sTemplate("k8s"))
	require.NoError(t, err)
	c, err := m.CreateCluster(cctx, &magnum.ClusterRequest{Name: "trusted", ClusterTemplate: "k8s"})
	require.NoError(t, err)
	c = syncUntil(t, e, cctx, c.UUID, cluster.CreateComplete)
	stored, err := m.Store().GetCluster(ctx, c.UUID)
	require.NoError(t, err)
	require.NotEmpty(t, stored.TrusteeUserID)
	require.NotEmpty(t, stored.TrustID)
	got, err := kt.Trustee(ctx, c.UUID)
	require.NoError(t, err)
	assert.Equal(t, stored.TrusteeUserID, got.UserID)
	assert.NoError(t, (&trusteeEnv{srv: srv}).canLogin(got), "the nodes' credentials work")

	s, err := orch.GetStack(ctx, stored.StackID, false)
	require.NoError(t, err)
	assert.NotContains(t, fmt.Sprint(s.Parameters), got.Password, "hidden parameters are not shown")

	require.NoError(t, m.DeleteCluster(cctx, c.UUID))
	syncUntil(t, e, cctx, c.UUID, cluster.DeleteComplete)
	_, err = kt.Trustee(ctx, c.UUID)
	assert.ErrorIs(t, err, errdefs.ErrNotFound, "the trustee went with the cluster")
	for _, u := range srv.Heat().Users() {
		assert.NotEqual(t, stored.TrusteeUserID, u.ID, "the trustee user was deleted")
	}
}
