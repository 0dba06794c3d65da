package cluster

import "strings"

// GroupState is what Aggregate needs to know of one node group.
type GroupState struct {
	Name         string
	IsDefault    bool
	Role         string
	Status       Status
	StatusReason string
}

// Aggregate computes a cluster's status from its node groups' (Magnum's
// rule since Train):
//
//   - With only the default groups, the cluster takes the default master
//     group's status and reason as they are (the default groups share one
//     stack; if no master group is given, the first default group stands in).
//   - With other groups too, the state is IN_PROGRESS if any group is in
//     progress, else FAILED if any failed, else COMPLETE; the action is
//     DELETE while a default group is deleting, else UPDATE.
//   - A cluster that reaches CREATE_COMPLETE from a status that was not a
//     CREATE_* one is reported as UPDATE_COMPLETE.
//   - When the result is a failure, the reason lists the failed groups:
//     "<group> failed, <group> failed".
//
// prev is the cluster's current status. With no groups at all, prev is
// returned unchanged.
func Aggregate(prev Status, groups []GroupState) (Status, string) {
	if len(groups) == 0 {
		return prev, ""
	}
	var master *GroupState
	onlyDefaults := true
	deleting := false
	for i := range groups {
		g := &groups[i]
		if !g.IsDefault {
			onlyDefaults = false
			continue
		}
		if master == nil || (g.Role == RoleMaster && master.Role != RoleMaster) ||
			(g.Name == DefaultMasterGroup && master.Role != RoleMaster && master.Name != DefaultMasterGroup) {
			master = g
		}
		deleting = deleting || g.Status.Action() == "DELETE"
	}

	var status Status
	var reason string
	if onlyDefaults {
		status, reason = master.Status, master.StatusReason
	} else {
		var inProgress, failed bool
		for _, g := range groups {
			inProgress = inProgress || g.Status.InProgress()
			failed = failed || g.Status.Failed()
		}
		action := "UPDATE"
		if deleting {
			action = "DELETE"
		}
		switch {
		case inProgress:
			status = Status(action + "_IN_PROGRESS")
		case failed:
			status = Status(action + "_FAILED")
		default:
			status = Status(action + "_COMPLETE")
		}
	}

	if status == CreateComplete && prev.Action() != "CREATE" {
		status = UpdateComplete
	}
	if status.Failed() {
		var names []string
		for _, g := range groups {
			if g.Status.Failed() {
				names = append(names, g.Name+" failed")
			}
		}
		if len(names) > 0 {
			reason = strings.Join(names, ", ")
		}
	}
	return status, reason
}
