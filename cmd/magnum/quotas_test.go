package main

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// quotaJSON is a quota as the commands print it with --format json.
type quotaJSON struct {
	ID        *int64  `json:"id"`
	ProjectID string  `json:"project_id"`
	Resource  string  `json:"resource"`
	HardLimit int     `json:"hard_limit"`
	CreatedAt *string `json:"created_at"`
	UpdatedAt *string `json:"updated_at"`
}

// The quotas-* commands, each a separate process on one state directory:
// admins write and list, a project's members read its quotas.
func TestQuotaCommands(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	member := []string{"--user", "alice", "--project", "team-a", "--roles", "member"}
	as := func(who []string, args ...string) []string { return append(append([]string{}, args...), who...) }

	var q quotaJSON
	c.jsonOf(&q, "quotas-create", "--project-id", "team-a", "--resource", "Cluster", "--hard-limit", "2")
	require.NotNil(t, q.ID)
	assert.Equal(t, "team-a", q.ProjectID)
	assert.Equal(t, "Cluster", q.Resource)
	assert.Equal(t, 2, q.HardLimit)
	assert.NotNil(t, q.CreatedAt)
	assert.Nil(t, q.UpdatedAt)
	id := *q.ID

	r := c.ok("quotas-create", "--project-id", "team-b", "--resource", "Node")
	assert.Regexp(t, `\| hard_limit +\| 1 +\|`, r.stdout, "Magnum's default limit of 1, in a table")

	for _, tc := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"duplicate", []string{"quotas-create", "--project-id", "team-a", "--resource", "Cluster"}, 1, "already has a quota"},
		{"member creates", as(member, "quotas-create", "--project-id", "team-a", "--resource", "Node"), 1, "only admins"},
		{"unknown resource", []string{"quotas-create", "--project-id", "team-a", "--resource", "cluster"}, 2, "unknown quota resource"},
		{"negative limit", []string{"quotas-create", "--project-id", "team-a", "--resource", "Node", "--hard-limit", "-1"}, 2, "at least 0"},
		{"no project", []string{"quotas-create", "--resource", "Node"}, 2, "--project-id is required"},
		{"no resource", []string{"quotas-show", "--project-id", "team-a"}, 2, "--resource is required"},
		{"argument", []string{"quotas-show", "team-a"}, 2, ""},
		{"member reads another project", as(member, "quotas-show", "--project-id", "team-b", "--resource", "Node"), 1, "only admins"},
		{"member lists", as(member, "quotas-list"), 1, "only admins"},
		{"bad marker", []string{"quotas-list", "--marker", "abc"}, 2, "quota ID"},
		{"update without limit", []string{"quotas-update", "--project-id", "team-a", "--resource", "Cluster"}, 2, "--hard-limit is required"},
		{"update missing", []string{"quotas-update", "--project-id", "team-c", "--resource", "Cluster", "--hard-limit", "4"}, 2, "not found"},
		{"member updates", as(member, "quotas-update", "--project-id", "team-a", "--resource", "Cluster", "--hard-limit", "9"), 1, "only admins"},
		{"member deletes", as(member, "quotas-delete", "--project-id", "team-a", "--resource", "Cluster"), 1, "only admins"},
	} {
		r := c.run(tc.args...)
		assert.Equal(t, tc.code, r.code, "%s: %s", tc.name, r.stderr)
		assert.Contains(t, r.stderr, tc.msg, tc.name)
		assert.Empty(t, r.stdout, tc.name)
	}

	// Members read their own project's quotas; a resource without one
	// shows the default (none in the CLI: -1, unlimited).
	c.jsonOf(&q, as(member, "quotas-show", "--project-id", "team-a", "--resource", "Cluster")...)
	assert.Equal(t, 2, q.HardLimit)
	assert.Equal(t, id, *q.ID)
	c.jsonOf(&q, as(member, "quotas-show", "--project-id", "team-a", "--resource", "Node")...)
	assert.Equal(t, quotaJSON{ProjectID: "team-a", Resource: "Node", HardLimit: -1}, q)

	var list []quotaJSON
	c.jsonOf(&list, "quotas-list")
	assert.Empty(t, list, "the admin's own project has none")
	c.jsonOf(&list, "quotas-list", "--all-tenants")
	require.Len(t, list, 2)
	assert.Equal(t, []string{"team-a", "team-b"}, []string{list[0].ProjectID, list[1].ProjectID})
	c.jsonOf(&list, "quotas-list", "--all-tenants", "--marker", strconv.FormatInt(id, 10))
	require.Len(t, list, 1)
	assert.Equal(t, "team-b", list[0].ProjectID)
	r = c.ok("quotas-list", "--all-tenants", "--sort-key", "hard_limit", "--sort-dir", "desc")
	assert.Regexp(t, `(?s)team-a.*team-b`, r.stdout)

	c.jsonOf(&q, "quotas-update", "--project-id", "team-a", "--resource", "Cluster", "--hard-limit", "5")
	assert.Equal(t, 5, q.HardLimit)
	assert.NotNil(t, q.UpdatedAt)
	c.jsonOf(&q, as(member, "quotas-show", "--project-id", "team-a", "--resource", "Cluster")...)
	assert.Equal(t, 5, q.HardLimit, "the update persisted across processes")

	r = c.ok("quotas-delete", "--project-id", "team-a", "--resource", "Cluster")
	assert.Contains(t, r.stdout, "team-a")
	r = c.run("quotas-delete", "--project-id", "team-a", "--resource", "Cluster")
	assert.Equal(t, 2, r.code, r.stderr)
	c.jsonOf(&q, as(member, "quotas-show", "--project-id", "team-a", "--resource", "Cluster")...)
	assert.Nil(t, q.ID, "back to the default")
	assert.Equal(t, -1, q.HardLimit)

	// 0 is a limit, as in Magnum: the project may create no clusters.
	r = c.ok("quotas-create", "--project-id", "team-z", "--resource", "Cluster", "--hard-limit", "0")
	assert.Regexp(t, `\| hard_limit +\| 0 +\|`, r.stdout)
	c.jsonOf(&q, "quotas-update", "--project-id", "team-b", "--resource", "Node", "--hard-limit", "0")
	assert.Equal(t, 0, q.HardLimit)
}
