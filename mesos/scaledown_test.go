package mesos_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/mesos"
	"github.com/gomagnum/magnum/template"
)

type taskCounts struct {
	m   map[string]int
	err error
}

func (f taskCounts) Tasks(context.Context) (map[string]int, error) { return f.m, f.err }

func slaveStack() *heat.Stack {
	return &heat.Stack{ID: "stack-1", Outputs: map[string]any{
		"mesos_slave_members":  map[string]any{"10": "srv-10", "2": "srv-2", "0": "srv-0"},
		"mesos_slave_ids":      []any{"srv-0", "srv-2", "srv-10"},
		"mesos_slaves_private": []any{"10.0.0.5", "10.0.0.6", "10.0.0.7"},
	}}
}

func TestSlaves(t *testing.T) {
	got, err := mesos.Slaves(slaveStack())
	require.NoError(t, err)
	assert.Equal(t, []mesos.Slave{
		{Member: "0", ServerID: "srv-0", Host: "10.0.0.5"},
		{Member: "2", ServerID: "srv-2", Host: "10.0.0.6"},
		{Member: "10", ServerID: "srv-10", Host: "10.0.0.7"},
	}, got, "in member order, hosts matched by position of the ids")

	s := slaveStack()
	s.Outputs["mesos_slaves_private"] = []any{"10.0.0.5"}
	got, err = mesos.Slaves(s)
	require.NoError(t, err)
	assert.Empty(t, got[0].Host, "lists of different lengths give no hosts")

	for _, bad := range []any{nil, "x", map[string]any{"0": 7}, map[string]any{"0": ""}, map[string]any{"0": "a\nb"}} {
		s := slaveStack()
		s.Outputs["mesos_slave_members"] = bad
		_, err := mesos.Slaves(s)
		assert.ErrorIs(t, err, errdefs.ErrInvalid, "%v", bad)
	}
	_, err = mesos.Slaves(nil)
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
}

func TestChooseSlavesToRemove(t *testing.T) {
	slaves, err := mesos.Slaves(slaveStack())
	require.NoError(t, err)
	busy := taskCounts{m: map[string]int{"10.0.0.5": 0, "10.0.0.7": 3}}
	tests := []struct {
		name  string
		req   mesos.ScaleDown
		want  []string
		field string // error field, if an error
	}{
		{"named by member, id and host", mesos.ScaleDown{Count: 0, Requested: []string{"2", "srv-0", "10.0.0.7"}, Tasks: busy},
			[]string{"srv-2", "srv-0", "srv-10"}, ""},
		{"named slaves win over tasks", mesos.ScaleDown{Count: 2, Requested: []string{"10"}, Tasks: busy}, []string{"srv-10"}, ""},
		{"fewer named than removed: Heat picks the rest", mesos.ScaleDown{Count: 1, Requested: []string{"0"}}, []string{"srv-0"}, ""},
		{"unknown slave", mesos.ScaleDown{Count: 2, Requested: []string{"srv-9"}}, nil, "nodes_to_remove"},
		{"named twice", mesos.ScaleDown{Count: 1, Requested: []string{"0", "srv-0"}}, nil, "nodes_to_remove"},
		{"too many named", mesos.ScaleDown{Count: 2, Requested: []string{"0", "2"}}, nil, "nodes_to_remove"},
		{"named without shrinking", mesos.ScaleDown{Count: 3, Requested: []string{"0"}}, nil, "nodes_to_remove"},
		{"negative count", mesos.ScaleDown{Count: -1}, nil, "node_count"},
		{"idle slaves first", mesos.ScaleDown{Count: 1, Tasks: busy}, []string{"srv-2", "srv-0"}, ""},
		{"busy ones when needed", mesos.ScaleDown{Count: 0, Tasks: busy}, []string{"srv-2", "srv-0", "srv-10"}, ""},
		{"no task source: Heat decides", mesos.ScaleDown{Count: 1}, nil, ""},
		{"tasks unreadable: Heat decides", mesos.ScaleDown{Count: 1, Tasks: taskCounts{err: errors.New("down")}}, nil, ""},
		{"not shrinking", mesos.ScaleDown{Count: 3, Tasks: busy}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.Slaves = slaves
			got, err := mesos.ChooseSlavesToRemove(context.Background(), tt.req)
			if tt.field != "" {
				require.ErrorIs(t, err, errdefs.ErrInvalid)
				var e *errdefs.Error
				require.ErrorAs(t, err, &e)
				assert.Equal(t, tt.field, e.Field)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}

	// A cancelled context is an error, not a silent fallback.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = mesos.ChooseSlavesToRemove(ctx, mesos.ScaleDown{Slaves: slaves, Count: 1, Tasks: taskCounts{err: ctx.Err()}})
	assert.ErrorIs(t, err, context.Canceled)
}

func TestMarathonTasks(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v2/tasks" || r.Header.Get("Accept") != "application/json" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(`{"tasks": [
			{"id": "a.1", "appId": "/a", "host": "10.0.0.5", "state": "TASK_RUNNING"},
			{"id": "a.2", "appId": "/a", "host": "10.0.0.5", "state": "TASK_STAGING"},
			{"id": "b.1", "appId": "/b", "host": "10.0.0.7"},
			{"id": "c.1", "appId": "/c", "host": "10.0.0.6", "state": "TASK_FINISHED"},
			{"id": "d.1", "appId": "/d", "host": "", "state": "TASK_RUNNING"}]}`))
	}))
	defer srv.Close()
	c, err := mesos.NewMarathonClient(srv.URL, mesos.MarathonOptions{})
	require.NoError(t, err)
	got, err := c.Tasks(context.Background())
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"10.0.0.5": 2, "10.0.0.7": 1}, got)

	// Through the choice: the idle slave (10.0.0.6) goes first.
	slaves, err := mesos.Slaves(slaveStack())
	require.NoError(t, err)
	victims, err := mesos.ChooseSlavesToRemove(context.Background(), mesos.ScaleDown{Slaves: slaves, Count: 2, Tasks: c})
	require.NoError(t, err)
	assert.Equal(t, []string{"srv-2"}, victims)

	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "nope", http.StatusServiceUnavailable)
	}))
	defer bad.Close()
	c, err = mesos.NewMarathonClient(bad.URL, mesos.MarathonOptions{})
	require.NoError(t, err)
	_, err = c.Tasks(context.Background())
	assert.ErrorIs(t, err, errdefs.ErrUnavailable)

	_, err = mesos.NewMarathonClient("10.0.0.1:8080", mesos.MarathonOptions{})
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
}

func TestParseTasks(t *testing.T) {
	for _, bad := range []string{``, `[]`, `{"tasks": 3}`, `{"tasks": [{"host": 1}]}`} {
		_, err := mesos.ParseTasks([]byte(bad))
		assert.ErrorIs(t, err, errdefs.ErrInvalid, "%s", bad)
	}
	got, err := mesos.ParseTasks([]byte(`{}`))
	require.NoError(t, err)
	assert.Empty(t, got)
}

// TestChooseNodesToRemove: the driver, asked by the Heat backend before a
// shrinking resize, reads the cluster's Marathon and picks the idle slave;
// without a reachable Marathon it leaves the choice to Heat.
func TestChooseNodesToRemove(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"tasks": [{"id": "a.1", "host": "10.0.0.5"}, {"id": "b.1", "host": "10.0.0.7"}]}`))
	}))
	defer srv.Close()
	d := mesos.New()
	req := &driver.Request{
		Template: &template.ClusterTemplate{COE: mesos.COE, ImageID: "ubuntu-mesos", ClusterDistro: "ubuntu"},
		Cluster:  &cluster.Cluster{UUID: "c1", APIAddress: srv.URL, NodeCount: 2, MasterCount: 1},
		NodeGroups: []*cluster.NodeGroup{
			{Name: "default-master", Role: cluster.RoleMaster, IsDefault: true, NodeCount: 1},
			{Name: "default-worker", Role: cluster.RoleWorker, IsDefault: true, NodeCount: 2},
		},
	}
	got, err := d.ChooseNodesToRemove(context.Background(), req, slaveStack())
	require.NoError(t, err)
	assert.Equal(t, []string{"srv-2"}, got, "the slave without tasks (10.0.0.6)")

	srv.Close()
	got, err = d.ChooseNodesToRemove(context.Background(), req, slaveStack())
	require.NoError(t, err)
	assert.Empty(t, got, "Marathon unreachable: Heat chooses")
	req.NodeGroups[1].NodeCount = 3
	got, err = d.ChooseNodesToRemove(context.Background(), req, slaveStack())
	require.NoError(t, err)
	assert.Empty(t, got, "not shrinking")
}
