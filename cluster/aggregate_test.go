package cluster

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func master(s Status, reason string) GroupState {
	return GroupState{Name: DefaultMasterGroup, IsDefault: true, Role: RoleMaster, Status: s, StatusReason: reason}
}

func worker(s Status, reason string) GroupState {
	return GroupState{Name: DefaultWorkerGroup, IsDefault: true, Role: RoleWorker, Status: s, StatusReason: reason}
}

func extra(name string, s Status) GroupState {
	return GroupState{Name: name, Role: RoleWorker, Status: s, StatusReason: name + " says " + string(s)}
}

func TestAggregate(t *testing.T) {
	tests := []struct {
		name       string
		prev       Status
		groups     []GroupState
		wantStatus Status
		wantReason string
	}{
		// No groups: nothing to go by.
		{"no groups keeps prev", UpdateInProgress, nil, UpdateInProgress, ""},
		{"empty groups keeps prev", CreateFailed, []GroupState{}, CreateFailed, ""},

		// Only the default groups: the default master's status verbatim.
		{"defaults creating", CreateInProgress,
			[]GroupState{master(CreateInProgress, "Stack CREATE started"), worker(CreateInProgress, "w")},
			CreateInProgress, "Stack CREATE started"},
		{"defaults created", CreateInProgress,
			[]GroupState{master(CreateComplete, "Stack CREATE completed successfully"), worker(CreateComplete, "")},
			CreateComplete, "Stack CREATE completed successfully"},
		{"defaults stay created", CreateComplete,
			[]GroupState{master(CreateComplete, "done"), worker(CreateComplete, "")},
			CreateComplete, "done"},
		{"master's status wins over the worker's", UpdateInProgress,
			[]GroupState{worker(UpdateFailed, "w broke"), master(UpdateComplete, "m fine")},
			UpdateComplete, "m fine"},
		{"master found by name when no role is given", UpdateInProgress,
			[]GroupState{
				{Name: DefaultWorkerGroup, IsDefault: true, Status: UpdateInProgress},
				{Name: DefaultMasterGroup, IsDefault: true, Status: UpdateComplete, StatusReason: "ok"},
			},
			UpdateComplete, "ok"},
		{"master found by role under another name", UpdateInProgress,
			[]GroupState{
				{Name: "workers", IsDefault: true, Role: RoleWorker, Status: UpdateInProgress},
				{Name: "control-plane", IsDefault: true, Role: RoleMaster, Status: RollbackComplete, StatusReason: "rolled back"},
			},
			RollbackComplete, "rolled back"},
		{"defaults without a master take the default worker's status", CreateInProgress,
			[]GroupState{worker(CreateInProgress, "creating")},
			CreateInProgress, "creating"},
		{"defaults deleting", DeleteInProgress,
			[]GroupState{master(DeleteInProgress, "deleting"), worker(DeleteInProgress, "")},
			DeleteInProgress, "deleting"},
		{"defaults deleted", DeleteInProgress,
			[]GroupState{master(DeleteComplete, "gone"), worker(DeleteComplete, "")},
			DeleteComplete, "gone"},
		{"Heat-only statuses pass through", UpdateComplete,
			[]GroupState{master(CheckComplete, "checked"), worker(CheckComplete, "")},
			CheckComplete, "checked"},

		// CREATE_COMPLETE reached from a status that is not CREATE_*.
		{"create complete after an update is an update", UpdateInProgress,
			[]GroupState{master(CreateComplete, "done"), worker(CreateComplete, "")},
			UpdateComplete, "done"},
		{"create complete after a node group went away", UpdateComplete,
			[]GroupState{master(CreateComplete, "done"), worker(CreateComplete, "")},
			UpdateComplete, "done"},
		{"create complete from rollback", RollbackComplete,
			[]GroupState{master(CreateComplete, ""), worker(CreateComplete, "")},
			UpdateComplete, ""},
		{"create complete from CREATE_FAILED stays create (any CREATE_* prev)", CreateFailed,
			[]GroupState{master(CreateComplete, "done"), worker(CreateComplete, "")},
			CreateComplete, "done"},

		// Failures list the failed groups, replacing the master's reason.
		{"defaults failed to create", CreateInProgress,
			[]GroupState{master(CreateFailed, "Resource CREATE failed: quota"), worker(CreateFailed, "x")},
			CreateFailed, "default-master failed, default-worker failed"},
		{"only the master failed", UpdateInProgress,
			[]GroupState{master(UpdateFailed, "boom"), worker(UpdateComplete, "")},
			UpdateFailed, "default-master failed"},

		// With non-default groups: UPDATE_/DELETE_ + IN_PROGRESS > FAILED > COMPLETE.
		{"extra group in progress beats failure", UpdateComplete,
			[]GroupState{master(CreateComplete, ""), worker(UpdateFailed, ""), extra("gpu", CreateInProgress)},
			UpdateInProgress, ""},
		{"a failed extra group beats completion", UpdateInProgress,
			[]GroupState{master(CreateComplete, ""), worker(CreateComplete, ""), extra("gpu", CreateFailed), extra("big", CreateComplete)},
			UpdateFailed, "gpu failed"},
		{"failure reason lists every failed group in order", UpdateInProgress,
			[]GroupState{master(CreateComplete, ""), worker(UpdateFailed, ""), extra("gpu", CreateFailed), extra("ok", UpdateComplete), extra("arm", DeleteFailed)},
			UpdateFailed, "default-worker failed, gpu failed, arm failed"},
		{"all complete is an update complete", UpdateInProgress,
			[]GroupState{master(CreateComplete, "m"), worker(CreateComplete, "w"), extra("gpu", CreateComplete)},
			UpdateComplete, ""},
		{"all complete after create is still an update complete", CreateInProgress,
			[]GroupState{master(CreateComplete, ""), worker(CreateComplete, ""), extra("gpu", CreateComplete)},
			UpdateComplete, ""},
		{"extra group being deleted is an update", UpdateComplete,
			[]GroupState{master(UpdateComplete, ""), worker(UpdateComplete, ""), extra("gpu", DeleteInProgress)},
			UpdateInProgress, ""},
		{"extra group deleted is an update complete", UpdateInProgress,
			[]GroupState{master(UpdateComplete, ""), worker(UpdateComplete, ""), extra("gpu", DeleteComplete)},
			UpdateComplete, ""},
		{"default groups deleting makes it a delete", DeleteInProgress,
			[]GroupState{master(DeleteInProgress, ""), worker(DeleteInProgress, ""), extra("gpu", DeleteComplete)},
			DeleteInProgress, ""},
		{"delete failure of an extra group while the defaults are deleted", DeleteInProgress,
			[]GroupState{master(DeleteComplete, ""), worker(DeleteComplete, ""), extra("gpu", DeleteFailed)},
			DeleteFailed, "gpu failed"},
		{"delete complete with extra groups", DeleteInProgress,
			[]GroupState{master(DeleteComplete, ""), worker(DeleteComplete, ""), extra("gpu", DeleteComplete)},
			DeleteComplete, ""},
		{"rollback in progress counts as in progress", UpdateInProgress,
			[]GroupState{master(UpdateComplete, ""), worker(UpdateComplete, ""), extra("gpu", RollbackInProgress)},
			UpdateInProgress, ""},
		{"resume failed counts as failed", UpdateInProgress,
			[]GroupState{master(UpdateComplete, ""), worker(UpdateComplete, ""), extra("gpu", ResumeFailed)},
			UpdateFailed, "gpu failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before []GroupState
			if tt.groups != nil {
				before = append([]GroupState{}, tt.groups...)
			}
			status, reason := Aggregate(tt.prev, tt.groups)
			assert.Equal(t, tt.wantStatus, status, "status")
			assert.Equal(t, tt.wantReason, reason, "reason")
			assert.Equal(t, before, tt.groups, "Aggregate does not modify its input")
		})
	}
}

// TestAggregateOnlyDefaultsIsVerbatim checks the only-defaults rule over
// every status the master can have.
func TestAggregateOnlyDefaultsIsVerbatim(t *testing.T) {
	for _, s := range Statuses() {
		status, _ := Aggregate(s, []GroupState{master(s, "r"), worker(CreateComplete, "")})
		assert.Equal(t, s, status, "prev %s, master %s", s, s)
	}
}

// TestAggregateNonDefaultActions checks that with a non-default group the
// action is only ever UPDATE or DELETE, whatever the groups report.
func TestAggregateNonDefaultActions(t *testing.T) {
	for _, ms := range Statuses() {
		for _, es := range Statuses() {
			status, reason := Aggregate(UpdateInProgress, []GroupState{master(ms, ""), worker(ms, ""), extra("x", es)})
			wantAction := "UPDATE"
			if ms.Action() == "DELETE" {
				wantAction = "DELETE"
			}
			assert.Equal(t, wantAction, status.Action(), "master %s, extra %s", ms, es)
			if status.Failed() {
				assert.NotEmpty(t, reason)
			} else {
				assert.Empty(t, reason)
			}
		}
	}
}
