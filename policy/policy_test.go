package policy_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/policy"
)

func TestDefaultPolicy(t *testing.T) {
	owner := policy.Caller{UserID: "u1", ProjectID: "p1", Roles: []string{"member"}}
	stranger := policy.Caller{UserID: "u2", ProjectID: "p2", Roles: []string{"member"}}
	noProject := policy.Caller{UserID: "u3"}
	admin := policy.Caller{UserID: "root", ProjectID: "p9", Admin: true}

	private := policy.Target{ProjectID: "p1"}
	public := policy.Target{ProjectID: "p1", Public: true}
	hidden := policy.Target{ProjectID: "p1", Public: true, Hidden: true}

	type row struct {
		action policy.Action
		target policy.Target
		// who is allowed, of owner, stranger, noProject, admin
		owner, stranger, noProject, admin bool
	}
	rows := []row{
		{policy.TemplateCreate, private, true, true, false, true},
		{policy.TemplateList, private, true, true, false, true},
		{policy.TemplateGet, private, true, false, false, true},
		{policy.TemplateGet, public, true, true, true, true},
		{policy.TemplateGet, hidden, true, false, false, true},
		{policy.TemplateUpdate, private, true, false, false, true},
		{policy.TemplateUpdate, public, true, false, false, true},
		{policy.TemplateDelete, public, true, false, false, true},
		{policy.TemplatePublish, private, false, false, false, true},
		{policy.ClusterCreate, private, true, true, false, true},
		{policy.ClusterList, private, true, true, false, true},
		{policy.ClusterGet, private, true, false, false, true},
		{policy.ClusterUpdate, private, true, false, false, true},
		{policy.ClusterDelete, private, true, false, false, true},
		{policy.CertificateGet, private, true, false, false, true},
		{policy.CertificateCreate, private, true, false, false, true},
		{policy.CertificateRotate, private, true, false, false, true},
		{policy.AllProjects, private, false, false, false, true},
		{"unknown:action", private, false, false, false, true},
	}
	callers := []struct {
		name string
		c    policy.Caller
		want func(row) bool
	}{
		{"owner", owner, func(r row) bool { return r.owner }},
		{"stranger", stranger, func(r row) bool { return r.stranger }},
		{"no project", noProject, func(r row) bool { return r.noProject }},
		{"admin", admin, func(r row) bool { return r.admin }},
	}
	for _, r := range rows {
		for _, c := range callers {
			err := policy.Default{}.Authorize(context.Background(), c.c, r.action, r.target)
			if c.want(r) {
				assert.NoError(t, err, "%s %s %+v", c.name, r.action, r.target)
			} else {
				assert.ErrorIs(t, err, errdefs.ErrForbidden, "%s %s %+v", c.name, r.action, r.target)
			}
		}
	}
}

func TestCallerTravelsInTheContext(t *testing.T) {
	_, ok := policy.CallerFrom(context.Background())
	assert.False(t, ok)
	c := policy.Caller{UserID: "u", ProjectID: "p", Roles: []string{"reader", "member"}}
	got, ok := policy.CallerFrom(policy.WithCaller(context.Background(), c))
	assert.True(t, ok)
	assert.Equal(t, c, got)
	assert.True(t, got.HasRole("member"))
	assert.False(t, got.HasRole("admin"))
}

func TestFuncAdaptsAFunction(t *testing.T) {
	var seen policy.Action
	p := policy.Func(func(_ context.Context, _ policy.Caller, a policy.Action, _ policy.Target) error {
		seen = a
		return errdefs.Forbidden("x", "y", "no")
	})
	err := p.Authorize(context.Background(), policy.Caller{}, policy.ClusterDelete, policy.Target{})
	assert.ErrorIs(t, err, errdefs.ErrForbidden)
	assert.Equal(t, policy.ClusterDelete, seen)
}
