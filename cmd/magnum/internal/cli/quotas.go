package cli

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"time"

	"github.com/gomagnum/magnum/store"
)

// quotaFlags are the flags of the quotas-* commands, Magnum's names.
type quotaFlags struct {
	projectID, resource string
	hardLimit           int
	newLimit            optInt // quotas-update's --hard-limit: 0 is a limit, so it must be told from unset
	allTenants          bool
	list                listFlags
}

// quotaRecord is a quota as the commands show it, with Magnum's fields. A
// project's default (no quota of the resource stored) has no id or times.
type quotaRecord struct {
	ID        *int64     `json:"id"`
	ProjectID string     `json:"project_id"`
	Resource  string     `json:"resource"`
	HardLimit int        `json:"hard_limit"`
	CreatedAt *time.Time `json:"created_at"`
	UpdatedAt *time.Time `json:"updated_at"`
}

func newQuotaRecord(q *store.QuotaRecord) quotaRecord {
	r := quotaRecord{ProjectID: q.ProjectID, Resource: q.Resource, HardLimit: q.HardLimit, UpdatedAt: q.UpdatedAt}
	if q.ID != 0 {
		id, created := q.ID, q.CreatedAt
		r.ID, r.CreatedAt = &id, &created
	}
	return r
}

const quotaResourceHelp = `resource: "Cluster" (clusters of the project) or "Node" (their masters and workers)`

// quotaCommands are Magnum's quotas-* commands. Writes and lists need
// admin rights; a project's members may show its quotas.
func quotaCommands() []*command {
	f := &quotaFlags{}
	target := func(fs *flag.FlagSet) {
		fs.StringVar(&f.projectID, "project-id", "", "the project (required)")
		fs.StringVar(&f.resource, "resource", "", quotaResourceHelp+" (required)")
	}
	return []*command{
		{
			name: "quotas-create", summary: "Set a project's limit of a resource (admin).",
			details: "A project without a quota of a resource gets the configured default. One quota per project and resource.",
			flags: func(fs *flag.FlagSet) {
				target(fs)
				fs.IntVar(&f.hardLimit, "hard-limit", 1, "the limit, 0 or more (0: none at all)")
			},
			nargsMax: 0, run: f.runCreate,
		},
		{
			name: "quotas-list", summary: "List the quotas set (admin): the caller's project's, or all with --all-tenants.",
			flags: func(fs *flag.FlagSet) {
				f.list.register(fs)
				fs.Lookup("marker").Usage = "start after the quota of this ID"
				fs.BoolVar(&f.allTenants, "all-tenants", false, "list every project's quotas")
			},
			nargsMax: 0, run: f.runList,
		},
		{
			name: "quotas-show", summary: "Show a project's quota of a resource, or the default when none is set.",
			flags: target, nargsMax: 0, run: f.runShow,
		},
		{
			name: "quotas-update", summary: "Change a project's limit of a resource (admin).",
			flags: func(fs *flag.FlagSet) {
				target(fs)
				fs.Var(&f.newLimit, "hard-limit", "the new limit, 0 or more (required)")
			},
			nargsMax: 0, run: f.runUpdate,
		},
		{
			name: "quotas-delete", summary: "Remove a project's quota of a resource, so the default applies (admin).",
			flags: target, nargsMax: 0, run: f.runDelete,
		},
	}
}

// needTarget checks the flags naming one quota.
func (f *quotaFlags) needTarget(cmd string) error {
	switch {
	case f.projectID == "":
		return usagef(cmd, "--project-id is required")
	case f.resource == "":
		return usagef(cmd, "--resource is required")
	}
	return nil
}

func (f *quotaFlags) runCreate(ctx context.Context, e *env, _ []string) error {
	if err := f.needTarget(e.cmd); err != nil {
		return err
	}
	q, err := e.m.CreateQuota(e.as(ctx), f.projectID, f.resource, f.hardLimit)
	if err != nil {
		return err
	}
	return e.printRecord(newQuotaRecord(q))
}

func (f *quotaFlags) runList(ctx context.Context, e *env, _ []string) error {
	if f.list.marker != "" {
		if _, err := strconv.ParseInt(f.list.marker, 10, 64); err != nil {
			return usagef(e.cmd, "--marker must be a quota ID, not %q", f.list.marker)
		}
	}
	qs, err := e.m.ListQuotas(e.as(ctx), f.allTenants, f.list.options())
	if err != nil {
		return err
	}
	recs := make([]quotaRecord, len(qs))
	rows := make([][]string, len(qs))
	for i, q := range qs {
		recs[i] = newQuotaRecord(q)
		rows[i] = []string{strconv.FormatInt(q.ID, 10), q.ProjectID, q.Resource, strconv.Itoa(q.HardLimit)}
	}
	return e.printList(recs, []string{"id", "project_id", "resource", "hard_limit"}, rows)
}

func (f *quotaFlags) runShow(ctx context.Context, e *env, _ []string) error {
	if err := f.needTarget(e.cmd); err != nil {
		return err
	}
	q, err := e.m.GetQuota(e.as(ctx), f.projectID, f.resource)
	if err != nil {
		return err
	}
	return e.printRecord(newQuotaRecord(q))
}

func (f *quotaFlags) runUpdate(ctx context.Context, e *env, _ []string) error {
	if err := f.needTarget(e.cmd); err != nil {
		return err
	}
	if !f.newLimit.set {
		return usagef(e.cmd, "--hard-limit is required")
	}
	q, err := e.m.UpdateQuota(e.as(ctx), f.projectID, f.resource, f.newLimit.v)
	if err != nil {
		return err
	}
	return e.printRecord(newQuotaRecord(q))
}

func (f *quotaFlags) runDelete(ctx context.Context, e *env, _ []string) error {
	if err := f.needTarget(e.cmd); err != nil {
		return err
	}
	if err := e.m.DeleteQuota(e.as(ctx), f.projectID, f.resource); err != nil {
		return err
	}
	fmt.Fprintf(e.io.Stdout, "Request to delete quota for project %s, resource %s has been accepted.\n", f.projectID, f.resource)
	return nil
}
