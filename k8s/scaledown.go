package k8s

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
)

// WorkloadSource tells how many workload pods run on each node, by node
// name. APIClient implements it.
type WorkloadSource interface {
	Workloads(ctx context.Context) (map[string]int, error)
}

// Minion is one member of the stack's minion group.
type Minion struct {
	Member   string // the group member name ("0", "1", …)
	ServerID string // its Nova server id
	NodeName string // its Kubernetes node name
}

// Minions reads the minion group's members from a stack fetched with
// outputs (kube_minion_ids, kube_minion_names and kube_minion_members),
// in member order. Outputs of the wrong shape are ErrInvalid errors.
func Minions(s *heat.Stack) ([]Minion, error) {
	ms, err := heat.GroupMembers(s, "kube_minion_members", "kube_minion_ids", "kube_minion_names")
	if err != nil {
		return nil, err
	}
	out := make([]Minion, len(ms))
	for i, m := range ms {
		out[i] = Minion{Member: m.Member, ServerID: m.ServerID, NodeName: m.Label}
	}
	return out, nil
}

// ScaleDown is a request to shrink the minion group.
type ScaleDown struct {
	// Minions are the current members (Minions of the stack).
	Minions []Minion
	// Count is the new number of minions.
	Count int
	// Requested are the nodes the user asked to remove (Magnum's
	// nodes_to_remove): server ids, member names or node names.
	Requested []string
	// Workloads, when set, tells which nodes run workloads; nodes without
	// any are removed first.
	Workloads WorkloadSource
	// Logger receives a warning when the workloads cannot be read or only
	// busy nodes are left (nil: none).
	Logger *slog.Logger
}

// ChooseNodesToRemove picks the minions to remove, as Nova server ids for
// minions_to_remove (Input.NodesToRemove):
//
//   - explicit requests are honoured: each must name a current minion (by
//     server id, member name or node name) and there may be at most as
//     many as the group shrinks by; otherwise ErrInvalid;
//   - without requests, when Workloads can tell, nodes without workload
//     pods go first, then the least busy, newest members first among
//     equals (Magnum's scale manager removed only empty nodes and left the
//     rest to Heat, which removes the newest);
//   - when nothing can tell, the result is empty and Heat removes the
//     newest members.
//
// A group that does not shrink gives an empty result.
func ChooseNodesToRemove(ctx context.Context, req ScaleDown) ([]string, error) {
	if req.Count < 0 {
		return nil, errdefs.Invalid("node_count", "must be at least 0")
	}
	remove := len(req.Minions) - req.Count
	if len(req.Requested) > 0 {
		if remove <= 0 {
			return nil, errdefs.Invalid("nodes_to_remove", "can only be given when the node count shrinks")
		}
		if len(req.Requested) > remove {
			return nil, errdefs.Invalid("nodes_to_remove", "names %d nodes but the group shrinks by %d", len(req.Requested), remove)
		}
		var out []string
		for _, r := range req.Requested {
			i := slices.IndexFunc(req.Minions, func(m Minion) bool {
				return r != "" && (m.ServerID == r || m.Member == r || m.NodeName == r)
			})
			if i < 0 {
				return nil, errdefs.Invalid("nodes_to_remove", "%q is not a node of this group", truncate(r))
			}
			if slices.Contains(out, req.Minions[i].ServerID) {
				return nil, errdefs.Invalid("nodes_to_remove", "%q is named twice", truncate(r))
			}
			out = append(out, req.Minions[i].ServerID)
		}
		return out, nil
	}
	if remove <= 0 || req.Workloads == nil {
		return nil, nil
	}
	counts, err := req.Workloads.Workloads(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		warn(req.Logger, "cannot tell which nodes run workloads; Heat removes the newest", "error", err)
		return nil, nil
	}
	type candidate struct {
		m     Minion
		pods  int
		order int
	}
	var cands []candidate
	for i, m := range req.Minions {
		pods, known := counts[m.NodeName]
		if m.NodeName == "" || !known {
			pods = 0 // not registered (or not yet): nothing runs there
		}
		cands = append(cands, candidate{m: m, pods: pods, order: i})
	}
	slices.SortStableFunc(cands, func(a, b candidate) int {
		if a.pods != b.pods {
			return a.pods - b.pods
		}
		return b.order - a.order // newest first among equals
	})
	out := make([]string, 0, remove)
	for _, c := range cands[:remove] {
		if c.pods > 0 {
			warn(req.Logger, "removing a node that runs workloads", "node", c.m.NodeName, "pods", fmt.Sprint(c.pods))
		}
		out = append(out, c.m.ServerID)
	}
	return out, nil
}

func warn(l *slog.Logger, msg string, args ...any) {
	if l != nil {
		l.Warn(msg, args...)
	}
}
