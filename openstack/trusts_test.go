package openstack_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat/heattest"
	"github.com/gomagnum/magnum/openstack"
	"github.com/gomagnum/magnum/openstack/openstacktest"
)

const trustCluster = "0b6f1c2e-7a4d-4e8b-9c3f-2d5a6e7f8a9b"

// trusteeCloud starts a fake cloud and Trustees on it whose retries do not
// sleep.
func trusteeCloud(t *testing.T) (*openstacktest.Server, *openstack.Trustees, openstack.TrusteeRequest) {
	t.Helper()
	srv := openstacktest.New(openstacktest.Options{})
	t.Cleanup(srv.Close)
	cloud, err := srv.Connect(context.Background())
	require.NoError(t, err)
	cloud.Lookup.Sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	tr, err := openstack.NewTrustees(cloud, openstack.TrusteesConfig{DomainID: heattest.TrusteeDomainID, Roles: []string{"member"}})
	require.NoError(t, err)
	req := openstack.TrusteeRequest{ClusterID: trustCluster, ClusterName: "k8s-prod",
		TrustorUserID: srv.Heat().AdminUserID(), TrustorProjectID: srv.Heat().ProjectID()}
	return srv, tr, req
}

// loginAsTrustee does what a node does: a password login scoped to the
// trust.
func loginAsTrustee(srv *openstacktest.Server, got openstack.Trustee) error {
	_, err := config.NewProviderClient(context.Background(), gophercloud.AuthOptions{
		IdentityEndpoint: srv.Heat().IdentityEndpoint(), UserID: got.UserID, Password: got.Password,
		Scope: &gophercloud.AuthScope{TrustID: got.TrustID}})
	return err
}

func TestTrusteesCreateAndDelete(t *testing.T) {
	srv, tr, req := trusteeCloud(t)
	ctx := context.Background()

	got, err := tr.Create(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, openstack.TrusteeUsername(trustCluster, srv.Heat().ProjectID()), got.Username)
	assert.GreaterOrEqual(t, len(got.Password), 26, "≥128 random bits")
	assert.NotContains(t, got.String(), got.Password)

	us := srv.Heat().Users()
	require.Len(t, us, 1)
	assert.Equal(t, got.UserID, us[0].ID)
	assert.Equal(t, heattest.TrusteeDomainID, us[0].DomainID)
	assert.Contains(t, us[0].Description, "k8s-prod")
	ts := srv.Heat().Trusts()
	require.Len(t, ts, 1)
	assert.Equal(t, heattest.IdentityTrust{ID: got.TrustID, TrustorUserID: req.TrustorUserID, TrusteeUserID: got.UserID,
		ProjectID: req.TrustorProjectID, Impersonation: true, Roles: []string{"member"}}, ts[0])
	require.NoError(t, loginAsTrustee(srv, got), "nodes log in with the password, scoped to the trust")

	found, err := tr.FindUser(ctx, req.ClusterID, req.TrustorProjectID)
	require.NoError(t, err)
	assert.Equal(t, got.UserID, found)

	require.NoError(t, tr.Delete(ctx, got.UserID, got.TrustID))
	assert.Empty(t, srv.Heat().Users())
	assert.Empty(t, srv.Heat().Trusts())
	assert.Error(t, loginAsTrustee(srv, got))
	_, err = tr.FindUser(ctx, req.ClusterID, req.TrustorProjectID)
	assert.ErrorIs(t, err, errdefs.ErrNotFound)
	_, err = tr.FindUser(ctx, "", req.TrustorProjectID)
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
	assert.NoError(t, tr.Delete(ctx, got.UserID, got.TrustID), "deleting what is gone is fine")
	assert.NoError(t, tr.Delete(ctx, "", ""))
}

// A repeated Create keeps the user and the trust, leaks nothing, and the
// new password replaces the old one.
func TestTrusteesCreateIsIdempotent(t *testing.T) {
	srv, tr, req := trusteeCloud(t)
	ctx := context.Background()
	first, err := tr.Create(ctx, req)
	require.NoError(t, err)
	second, err := tr.Create(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, first.UserID, second.UserID)
	assert.Equal(t, first.TrustID, second.TrustID)
	assert.NotEqual(t, first.Password, second.Password)
	assert.Len(t, srv.Heat().Users(), 1)
	assert.Len(t, srv.Heat().Trusts(), 1)
	assert.Error(t, loginAsTrustee(srv, first), "the old password is gone")
	assert.NoError(t, loginAsTrustee(srv, second))

	// Other roles: the same user, a new trust, the old one deleted.
	req.Roles = []string{"member", "heat_stack_owner"}
	third, err := tr.Create(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, first.UserID, third.UserID)
	assert.NotEqual(t, first.TrustID, third.TrustID)
	ts := srv.Heat().Trusts()
	require.Len(t, ts, 1)
	assert.Equal(t, third.TrustID, ts[0].ID)
	assert.ElementsMatch(t, []string{"member", "heat_stack_owner"}, ts[0].Roles)

	// Another cluster gets a user of its own.
	req.ClusterID = "1c7a2d3f-8b5e-4f9c-a0d4-3e6b7f8a9b0c"
	other, err := tr.Create(ctx, req)
	require.NoError(t, err)
	assert.NotEqual(t, first.UserID, other.UserID)
	assert.Len(t, srv.Heat().Users(), 2)
}

// Ambiguous failures of the creates are resolved by looking up, not by
// creating twice; transient failures of reads are retried.
func TestTrusteesFaults(t *testing.T) {
	ctx := context.Background()
	t.Run("user create fails after its effect", func(t *testing.T) {
		srv, tr, req := trusteeCloud(t)
		srv.Heat().InjectFault(heattest.Fault{Kind: heattest.KindUserWrite, AfterEffect: true})
		got, err := tr.Create(ctx, req)
		require.NoError(t, err)
		assert.Len(t, srv.Heat().Users(), 1)
		assert.NoError(t, loginAsTrustee(srv, got), "the adopted user got the password Create returned")
	})
	t.Run("user create refused before its effect", func(t *testing.T) {
		srv, tr, req := trusteeCloud(t)
		srv.Heat().InjectFault(heattest.Fault{Kind: heattest.KindUserWrite})
		_, err := tr.Create(ctx, req)
		require.Error(t, err)
		assert.ErrorIs(t, err, errdefs.ErrUnavailable)
		var he *openstack.HTTPError
		require.ErrorAs(t, err, &he)
		assert.Equal(t, "keystone", he.Service)
		assert.Equal(t, http.StatusServiceUnavailable, he.Status)
		assert.Empty(t, srv.Heat().Users())
		_, err = tr.Create(ctx, req)
		assert.NoError(t, err, "a later Create succeeds")
	})
	t.Run("reads are retried", func(t *testing.T) {
		srv, tr, req := trusteeCloud(t)
		srv.Heat().InjectFault(heattest.Fault{Kind: heattest.KindUserRead, Times: 2})
		_, err := tr.Create(ctx, req)
		require.NoError(t, err)
		assert.Equal(t, 3, srv.Heat().Requests(heattest.KindUserRead))
	})
	t.Run("refused delete", func(t *testing.T) {
		srv, tr, req := trusteeCloud(t)
		got, err := tr.Create(ctx, req)
		require.NoError(t, err)
		srv.Heat().InjectFault(heattest.Fault{Kind: heattest.KindTrustWrite, Status: http.StatusForbidden})
		require.NoError(t, tr.Delete(ctx, got.UserID, got.TrustID), "a trust we may not delete goes with its trustee")
		assert.Empty(t, srv.Heat().Users())
		assert.Empty(t, srv.Heat().Trusts())
		got, err = tr.Create(ctx, req)
		require.NoError(t, err)
		srv.Heat().InjectFault(heattest.Fault{Kind: heattest.KindUserWrite, Status: http.StatusForbidden})
		err = tr.Delete(ctx, got.UserID, got.TrustID)
		assert.ErrorIs(t, err, errdefs.ErrForbidden)
	})
}

// An ambiguous trust create is resolved by adopting the trust it made.
func TestTrusteesTrustCreateAmbiguous(t *testing.T) {
	srv, tr, req := trusteeCloud(t)
	ctx := context.Background()
	srv.Heat().InjectFault(heattest.Fault{Kind: heattest.KindTrustWrite, AfterEffect: true})
	got, err := tr.Create(ctx, req)
	require.NoError(t, err)
	ts := srv.Heat().Trusts()
	require.Len(t, ts, 1, "the trust made by the failed create is adopted, not doubled")
	assert.Equal(t, ts[0].ID, got.TrustID)
	assert.NoError(t, loginAsTrustee(srv, got))

	// Refused before its effect: an error, and nothing is left half-made
	// that a later Create would not reuse.
	require.NoError(t, tr.Delete(ctx, got.UserID, got.TrustID))
	srv.Heat().InjectFault(heattest.Fault{Kind: heattest.KindTrustWrite, Status: http.StatusBadRequest})
	_, err = tr.Create(ctx, req)
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
	assert.Empty(t, srv.Heat().Trusts())
	got, err = tr.Create(ctx, req)
	require.NoError(t, err)
	assert.Len(t, srv.Heat().Users(), 1)
	assert.Len(t, srv.Heat().Trusts(), 1)
}

func TestTrusteesInvalid(t *testing.T) {
	srv, tr, req := trusteeCloud(t)
	ctx := context.Background()
	cloud, err := srv.Connect(ctx)
	require.NoError(t, err)

	_, err = openstack.NewTrustees(cloud, openstack.TrusteesConfig{})
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
	_, err = openstack.NewTrustees(nil, openstack.TrusteesConfig{DomainID: "d"})
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
	_, err = openstack.NewTrustees(cloud, openstack.TrusteesConfig{DomainID: "d", Roles: []string{""}})
	assert.ErrorIs(t, err, errdefs.ErrInvalid)

	for name, mut := range map[string]func(*openstack.TrusteeRequest){
		"no cluster":       func(r *openstack.TrusteeRequest) { r.ClusterID = "" },
		"no trustor":       func(r *openstack.TrusteeRequest) { r.TrustorUserID = "" },
		"no project":       func(r *openstack.TrusteeRequest) { r.TrustorProjectID = "" },
		"control in name":  func(r *openstack.TrusteeRequest) { r.ClusterName = "a\nb" },
		"long cluster id":  func(r *openstack.TrusteeRequest) { r.ClusterID = strings.Repeat("a", 300) },
		"empty role":       func(r *openstack.TrusteeRequest) { r.Roles = []string{"member", ""} },
		"role not held":    func(r *openstack.TrusteeRequest) { r.Roles = []string{"admin"} },
		"trustor not open": func(r *openstack.TrusteeRequest) { r.Trustor = &openstack.Cloud{} },
	} {
		t.Run(name, func(t *testing.T) {
			r := req
			mut(&r)
			_, err := tr.Create(ctx, r)
			require.Error(t, err)
			var de *errdefs.Error
			assert.True(t, errors.As(err, &de), "%v", err)
		})
	}
	noRoles, err := openstack.NewTrustees(cloud, openstack.TrusteesConfig{DomainID: heattest.TrusteeDomainID})
	require.NoError(t, err)
	_, err = noRoles.Create(ctx, req)
	assert.ErrorIs(t, err, errdefs.ErrInvalid)

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = tr.Create(canceled, req)
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, tr.Delete(canceled, "u", "t"), context.Canceled)
}

// The trust can be made by the trustor's own connection.
func TestTrusteesTrustorCloud(t *testing.T) {
	srv, tr, req := trusteeCloud(t)
	ctx := context.Background()
	trustor, err := srv.Connect(ctx)
	require.NoError(t, err)
	srv.Heat().ResetCounts()
	req.Trustor = trustor
	got, err := tr.Create(ctx, req)
	require.NoError(t, err)
	assert.NoError(t, loginAsTrustee(srv, got))
	assert.Equal(t, 1, srv.Heat().Requests(heattest.KindAuth), "the trustee's login only: both clouds were logged in already")
}
