package mesos

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
)

// TaskSource tells how many live tasks run on each slave, by the slave's
// host name (its private address). MarathonClient implements it.
type TaskSource interface {
	Tasks(ctx context.Context) (map[string]int, error)
}

// Slave is one member of the stack's slave group.
type Slave struct {
	Member   string // the group member name ("0", "1", …)
	ServerID string // its Nova server id
	Host     string // its private address, the agent's host name
}

// Slaves reads the slave group's members from a stack fetched with
// outputs (mesos_slave_members, mesos_slave_ids, mesos_slaves_private), in
// member order. Outputs of the wrong shape are ErrInvalid errors.
func Slaves(s *heat.Stack) ([]Slave, error) {
	ms, err := heat.GroupMembers(s, "mesos_slave_members", "mesos_slave_ids", "mesos_slaves_private")
	if err != nil {
		return nil, err
	}
	out := make([]Slave, len(ms))
	for i, m := range ms {
		out[i] = Slave{Member: m.Member, ServerID: m.ServerID, Host: m.Label}
	}
	return out, nil
}

// ScaleDown is a request to shrink the slave group.
type ScaleDown struct {
	// Slaves are the current members (Slaves of the stack).
	Slaves []Slave
	// Count is the new number of slaves.
	Count int
	// Requested are the slaves the user asked to remove (Magnum's
	// nodes_to_remove): server ids, member names or host addresses.
	Requested []string
	// Tasks, when set, tells which slaves run Marathon tasks; slaves
	// without any are removed first.
	Tasks TaskSource
	// Logger receives a warning when the tasks cannot be read or busy
	// slaves must go (nil: none).
	Logger *slog.Logger
}

// ChooseSlavesToRemove picks the slaves to remove, as Nova server ids for
// slaves_to_remove (Input.SlavesToRemove, or driver.Request.NodesToRemove):
//
//   - explicit requests are honoured: each must name a current slave (by
//     server id, member name or host address), at most as many as the
//     group shrinks by; otherwise ErrInvalid;
//   - without requests, when Tasks can tell, slaves without Marathon tasks
//     go first, then the least busy, newest members first among equals
//     (Magnum's scale manager listed only idle slaves and left the rest to
//     Heat, which removes the newest);
//   - when nothing can tell, the result is empty and Heat removes the
//     newest members.
//
// A group that does not shrink gives an empty result. Only a cancelled
// ctx makes a failure to read the tasks an error.
func ChooseSlavesToRemove(ctx context.Context, req ScaleDown) ([]string, error) {
	if req.Count < 0 {
		return nil, errdefs.Invalid("node_count", "must be at least 0")
	}
	remove := len(req.Slaves) - req.Count
	if len(req.Requested) > 0 {
		return requestedSlaves(req.Slaves, req.Requested, remove)
	}
	if remove <= 0 || req.Tasks == nil {
		return nil, nil
	}
	counts, err := req.Tasks.Tasks(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		warn(req.Logger, "cannot tell which slaves run tasks; Heat removes the newest", "error", err)
		return nil, nil
	}
	victims := pickSlaves(req.Slaves, counts, remove)
	out := make([]string, 0, len(victims))
	for _, v := range victims {
		if n := counts[v.Host]; v.Host != "" && n > 0 {
			warn(req.Logger, "removing a slave that runs Marathon tasks", "slave", v.Host, "tasks", fmt.Sprint(n))
		}
		out = append(out, v.ServerID)
	}
	return out, nil
}

// requestedSlaves resolves explicit requests to server ids.
func requestedSlaves(slaves []Slave, requested []string, remove int) ([]string, error) {
	if remove <= 0 {
		return nil, errdefs.Invalid("nodes_to_remove", "can only be given when the node count shrinks")
	}
	if len(requested) > remove {
		return nil, errdefs.Invalid("nodes_to_remove", "names %d nodes but the group shrinks by %d", len(requested), remove)
	}
	var out []string
	for _, r := range requested {
		i := slices.IndexFunc(slaves, func(s Slave) bool {
			return r != "" && (s.ServerID == r || s.Member == r || s.Host == r)
		})
		if i < 0 {
			return nil, errdefs.Invalid("nodes_to_remove", "%q is not a slave of this cluster", truncate(r))
		}
		if slices.Contains(out, slaves[i].ServerID) {
			return nil, errdefs.Invalid("nodes_to_remove", "%q is named twice", truncate(r))
		}
		out = append(out, slaves[i].ServerID)
	}
	return out, nil
}

// pickSlaves is the pure choice: the n slaves with the fewest tasks (a
// slave whose host is unknown or absent from tasks runs none), newest
// member first among equals.
func pickSlaves(slaves []Slave, tasks map[string]int, n int) []Slave {
	if n <= 0 {
		return nil
	}
	type candidate struct {
		s     Slave
		tasks int
		order int
	}
	cands := make([]candidate, len(slaves))
	for i, s := range slaves {
		c := 0
		if s.Host != "" {
			c = tasks[s.Host]
		}
		cands[i] = candidate{s: s, tasks: c, order: i}
	}
	slices.SortStableFunc(cands, func(a, b candidate) int {
		if a.tasks != b.tasks {
			return a.tasks - b.tasks
		}
		return b.order - a.order
	})
	n = min(n, len(cands))
	out := make([]Slave, n)
	for i := range n {
		out[i] = cands[i].s
	}
	return out
}

func warn(l *slog.Logger, msg string, args ...any) {
	if l != nil {
		l.Warn(msg, args...)
	}
}
