package heattest_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/heat/heattest"
)

// Tokens are validated as Keystone does: the subject's user, project,
// roles and expiry, 404 once unknown, expired or past its time, 401 for a
// caller without a valid token.
func TestTokenValidation(t *testing.T) {
	ctx := context.Background()
	clock := heattest.NewManualClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	srv := heattest.New(heattest.Options{Clock: clock})
	defer srv.Close()
	ic := identityClient(t, srv)

	alice := srv.IssueToken(heattest.TokenSpec{UserID: "alice", ProjectID: "team-a", Roles: []string{"member", "reader", "member"},
		ExpiresAt: clock.Now().Add(10 * time.Minute)})
	res := tokens.Get(ctx, ic, alice)
	require.NoError(t, res.Err)
	tok, err := res.ExtractToken()
	require.NoError(t, err)
	assert.Equal(t, clock.Now().Add(10*time.Minute), tok.ExpiresAt)
	user, err := res.ExtractUser()
	require.NoError(t, err)
	assert.Equal(t, "alice", user.ID)
	assert.Equal(t, "alice", user.Name)
	project, err := res.ExtractProject()
	require.NoError(t, err)
	assert.Equal(t, "team-a", project.ID)
	roles, err := res.ExtractRoles()
	require.NoError(t, err)
	var names []string
	for _, r := range roles {
		names = append(names, r.Name)
	}
	assert.Equal(t, []string{"member", "reader"}, names, "sorted, without repeats")
	catalog, err := res.ExtractServiceCatalog()
	require.NoError(t, err)
	assert.NotEmpty(t, catalog.Entries)
	assert.Equal(t, 1, srv.Requests(heattest.KindValidate))

	// The fake's own login token validates to its admin user and project.
	admin := tokens.Get(ctx, ic, ic.Token())
	require.NoError(t, admin.Err)
	adminUser, err := admin.ExtractUser()
	require.NoError(t, err)
	assert.Equal(t, srv.AdminUserID(), adminUser.ID)
	adminProject, err := admin.ExtractProject()
	require.NoError(t, err)
	assert.Equal(t, srv.ProjectID(), adminProject.ID)

	// Defaults: the fake's project, an hour.
	bob := srv.IssueToken(heattest.TokenSpec{UserID: "bob"})
	res = tokens.Get(ctx, ic, bob)
	require.NoError(t, res.Err)
	project, err = res.ExtractProject()
	require.NoError(t, err)
	assert.Equal(t, srv.ProjectID(), project.ID)
	tok, err = res.ExtractToken()
	require.NoError(t, err)
	assert.Equal(t, clock.Now().Add(time.Hour), tok.ExpiresAt)

	assert.Equal(t, http.StatusNotFound, statusOf(tokens.Get(ctx, ic, "gAAAAnot-issued").Err))
	assert.Equal(t, http.StatusNotFound, statusOf(tokens.Get(ctx, ic, "").Err))

	clock.Advance(10 * time.Minute)
	assert.Equal(t, http.StatusNotFound, statusOf(tokens.Get(ctx, ic, alice).Err), "past its expiry")
	require.NoError(t, tokens.Get(ctx, ic, bob).Err)

	// A caller without a valid token of its own may not validate.
	req, err := http.NewRequest(http.MethodGet, srv.IdentityEndpoint()+"auth/tokens", nil)
	require.NoError(t, err)
	req.Header.Set("X-Auth-Token", "forged")
	req.Header.Set("X-Subject-Token", bob)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	// Faults reach validations by their own kind.
	srv.InjectFault(heattest.Fault{Kind: heattest.KindValidate, Status: http.StatusServiceUnavailable})
	assert.Equal(t, http.StatusServiceUnavailable, statusOf(tokens.Get(ctx, ic, bob).Err))
	require.NoError(t, tokens.Get(ctx, ic, bob).Err)
}

// ExpireTokens makes every token unknown to validation too.
func TestTokenValidationAfterExpireTokens(t *testing.T) {
	ctx := context.Background()
	srv := heattest.New(heattest.Options{})
	defer srv.Close()
	ic := identityClient(t, srv)
	bob := srv.IssueToken(heattest.TokenSpec{UserID: "bob"})
	require.NoError(t, tokens.Get(ctx, ic, bob).Err)
	srv.ExpireTokens()
	// gophercloud logs in again on the 401 of its own token, then asks.
	assert.Equal(t, http.StatusNotFound, statusOf(tokens.Get(ctx, ic, bob).Err))
}
