package heattest_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/gophercloud/gophercloud/v2"
	gcopenstack "github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/config"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/trusts"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/users"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/heat/heattest"
)

func identityClient(t *testing.T, srv *heattest.Server) *gophercloud.ServiceClient {
	t.Helper()
	pc, err := config.NewProviderClient(context.Background(), srv.AuthOptions())
	require.NoError(t, err)
	ic, err := gcopenstack.NewIdentityV3(pc, gophercloud.EndpointOpts{})
	require.NoError(t, err)
	return ic
}

// statusOf is the HTTP status of a failed call, 0 for none.
func statusOf(err error) int {
	for _, c := range []int{400, 401, 403, 404, 409, 503} {
		if gophercloud.ResponseCodeIs(err, c) {
			return c
		}
	}
	return 0
}

// Users are created in a domain with a unique name, found by name, updated
// and deleted through gophercloud's identity v3 calls.
func TestIdentityUsers(t *testing.T) {
	srv := heattest.New(heattest.Options{})
	defer srv.Close()
	ctx := context.Background()
	ic := identityClient(t, srv)

	u, err := users.Create(ctx, ic, users.CreateOpts{Name: "c1_trustee", DomainID: heattest.TrusteeDomainID,
		Password: "pw1", Enabled: gophercloud.Enabled, Description: "trustee of c1"}).Extract()
	require.NoError(t, err)
	assert.Len(t, u.ID, 32)
	assert.Equal(t, "c1_trustee", u.Name)
	assert.Equal(t, heattest.TrusteeDomainID, u.DomainID)
	assert.True(t, u.Enabled)

	_, err = users.Create(ctx, ic, users.CreateOpts{Name: "c1_trustee", DomainID: heattest.TrusteeDomainID, Password: "x"}).Extract()
	assert.Equal(t, http.StatusConflict, statusOf(err), "names are unique within a domain")
	_, err = users.Create(ctx, ic, users.CreateOpts{Name: "c1_trustee", DomainID: "default", Password: "x"}).Extract()
	assert.NoError(t, err, "the same name in another domain is fine")
	_, err = users.Create(ctx, ic, users.CreateOpts{Name: "x", DomainID: "nope"}).Extract()
	assert.Equal(t, http.StatusBadRequest, statusOf(err), "unknown domain")

	pages, err := users.List(ic, users.ListOpts{Name: "c1_trustee", DomainID: heattest.TrusteeDomainID}).AllPages(ctx)
	require.NoError(t, err)
	found, err := users.ExtractUsers(pages)
	require.NoError(t, err)
	require.Len(t, found, 1)
	assert.Equal(t, u.ID, found[0].ID)

	got, err := users.Get(ctx, ic, u.ID).Extract()
	require.NoError(t, err)
	assert.Equal(t, "trustee of c1", got.Description)

	_, err = users.Update(ctx, ic, u.ID, users.UpdateOpts{Password: "pw2"}).Extract()
	require.NoError(t, err)

	require.NoError(t, users.Delete(ctx, ic, u.ID).ExtractErr())
	assert.Equal(t, http.StatusNotFound, statusOf(users.Delete(ctx, ic, u.ID).ExtractErr()))
	_, err = users.Get(ctx, ic, u.ID).Extract()
	assert.Equal(t, http.StatusNotFound, statusOf(err))
	assert.Len(t, srv.Users(), 1)
	assert.Equal(t, 3, srv.Requests(heattest.KindUserRead), "list, get, get")
	assert.Equal(t, 7, srv.Requests(heattest.KindUserWrite), "4 creates, 1 update, 2 deletes")
}

// A trust delegates the admin's roles to a trustee, who logs in with its
// password scoped to the trust and reaches Heat as the trustor; deleting the
// trust or the trustee ends that.
func TestIdentityTrustLogin(t *testing.T) {
	srv := heattest.New(heattest.Options{})
	defer srv.Close()
	ctx := context.Background()
	ic := identityClient(t, srv)

	u, err := users.Create(ctx, ic, users.CreateOpts{Name: "trustee", DomainID: heattest.TrusteeDomainID, Password: "s3cret"}).Extract()
	require.NoError(t, err)
	tr, err := trusts.Create(ctx, ic, trusts.CreateOpts{TrustorUserID: srv.AdminUserID(), TrusteeUserID: u.ID,
		ProjectID: srv.ProjectID(), Impersonation: true, Roles: []trusts.Role{{Name: "member"}}}).Extract()
	require.NoError(t, err)
	assert.True(t, tr.Impersonation)
	assert.True(t, tr.ExpiresAt.IsZero(), "no expiry")
	require.Len(t, tr.Roles, 1)
	assert.Equal(t, "member", tr.Roles[0].Name)

	_, err = trusts.Create(ctx, ic, trusts.CreateOpts{TrustorUserID: srv.AdminUserID(), TrusteeUserID: u.ID,
		ProjectID: srv.ProjectID(), Roles: []trusts.Role{{Name: "admin"}}}).Extract()
	assert.Equal(t, http.StatusNotFound, statusOf(err), "a role the trustor does not hold")
	_, err = trusts.Create(ctx, ic, trusts.CreateOpts{TrustorUserID: srv.AdminUserID(), TrusteeUserID: "nobody"}).Extract()
	assert.Equal(t, http.StatusNotFound, statusOf(err), "unknown trustee")

	got, err := trusts.Get(ctx, ic, tr.ID).Extract()
	require.NoError(t, err)
	assert.Equal(t, u.ID, got.TrusteeUserID)
	pages, err := trusts.List(ic, trusts.ListOpts{TrusteeUserID: u.ID}).AllPages(ctx)
	require.NoError(t, err)
	listed, err := trusts.ExtractTrusts(pages)
	require.NoError(t, err)
	require.Len(t, listed, 1)

	login := func(password, trustID string) (*gophercloud.ProviderClient, error) {
		return config.NewProviderClient(ctx, gophercloud.AuthOptions{IdentityEndpoint: srv.IdentityEndpoint(),
			UserID: u.ID, Password: password, Scope: &gophercloud.AuthScope{TrustID: trustID}})
	}
	pc, err := login("s3cret", tr.ID)
	require.NoError(t, err)
	res, ok := pc.GetAuthResult().(tokens.CreateResult)
	require.True(t, ok)
	tu, err := res.ExtractUser()
	require.NoError(t, err)
	assert.Equal(t, srv.AdminUserID(), tu.ID, "impersonation: the token's user is the trustor")
	var ext trusts.TokenExt
	require.NoError(t, res.ExtractInto(&ext))
	assert.Equal(t, tr.ID, ext.Trust.ID)

	// The trust token reaches Heat, but cannot manage identities.
	orch, err := gcopenstack.NewOrchestrationV1(pc, gophercloud.EndpointOpts{})
	require.NoError(t, err)
	_, err = orch.Get(ctx, orch.ServiceURL("stacks"), nil, nil)
	assert.NoError(t, err)
	tic, err := gcopenstack.NewIdentityV3(pc, gophercloud.EndpointOpts{})
	require.NoError(t, err)
	_, err = users.Get(ctx, tic, u.ID).Extract()
	assert.Equal(t, http.StatusForbidden, statusOf(err))

	_, err = login("wrong", tr.ID)
	assert.Error(t, err, "wrong password")
	_, err = login("s3cret", "")
	assert.Error(t, err, "identity users log in only through a trust")

	require.NoError(t, trusts.Delete(ctx, ic, tr.ID).ExtractErr())
	_, err = login("s3cret", tr.ID)
	assert.Error(t, err, "deleted trust")
	assert.Equal(t, http.StatusNotFound, statusOf(trusts.Delete(ctx, ic, tr.ID).ExtractErr()))

	// Deleting a user deletes the trusts it is party to.
	tr2, err := trusts.Create(ctx, ic, trusts.CreateOpts{TrustorUserID: srv.AdminUserID(), TrusteeUserID: u.ID,
		ProjectID: srv.ProjectID(), Impersonation: true, Roles: []trusts.Role{{Name: "member"}}}).Extract()
	require.NoError(t, err)
	require.Len(t, srv.Trusts(), 1)
	require.NoError(t, users.Delete(ctx, ic, u.ID).ExtractErr())
	assert.Empty(t, srv.Trusts())
	_, err = trusts.Get(ctx, ic, tr2.ID).Extract()
	assert.Equal(t, http.StatusNotFound, statusOf(err))
}

// Identity calls take injected faults like Heat's.
func TestIdentityFault(t *testing.T) {
	srv := heattest.New(heattest.Options{})
	defer srv.Close()
	ctx := context.Background()
	ic := identityClient(t, srv)
	srv.InjectFault(heattest.Fault{Kind: heattest.KindUserRead, Status: http.StatusBadGateway})
	_, err := users.List(ic, nil).AllPages(ctx)
	assert.True(t, gophercloud.ResponseCodeIs(err, http.StatusBadGateway))
	srv.InjectFault(heattest.Fault{Kind: heattest.KindUserWrite, Status: http.StatusServiceUnavailable})
	_, err = users.Create(ctx, ic, users.CreateOpts{Name: "u", DomainID: heattest.TrusteeDomainID}).Extract()
	assert.Equal(t, http.StatusServiceUnavailable, statusOf(err))
	assert.Empty(t, srv.Users(), "a fault before the effect creates nothing")
	srv.InjectFault(heattest.Fault{Kind: heattest.KindUserWrite, Status: http.StatusServiceUnavailable, AfterEffect: true})
	_, err = users.Create(ctx, ic, users.CreateOpts{Name: "u", DomainID: heattest.TrusteeDomainID}).Extract()
	require.Error(t, err)
	assert.Len(t, srv.Users(), 1, "a fault after the effect: the user exists")
}
