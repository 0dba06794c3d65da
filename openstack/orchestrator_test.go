package openstack_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/heat/heattest"
	"github.com/gomagnum/magnum/openstack"
)

func TestSampleLifecycleOnFake(t *testing.T) {
	srv, o, _ := setup(t, heattest.Options{PollsToComplete: 2}, openstack.Config{})
	ctx := context.Background()
	wait := openstack.WaitOptions{Sleep: noWait, WithOutputs: true}

	req, rendered, r := sampleRequest(t, "k8s-sample", heat.SampleOptions{Masters: 1, Workers: 2, MasterLB: true, FloatingIP: true})
	req.Parameters["fixed_subnet_cidr"] = "10.20.30.0/24"
	id, err := o.CreateStack(ctx, req)
	require.NoError(t, err)

	s, err := o.GetStack(ctx, id, false)
	require.NoError(t, err)
	assert.Equal(t, "CREATE_IN_PROGRESS", s.Status)
	assert.Equal(t, "k8s-sample", s.Name)
	assert.Equal(t, req.Tags, s.Tags)
	assert.Nil(t, s.Outputs, "no outputs asked for")

	s, err = openstack.Wait(ctx, o, id, wait)
	require.NoError(t, err)
	require.Equal(t, "CREATE_COMPLETE", s.Status)
	vals, err := r.Definition().ApplyOutputs(s, rendered.Features)
	require.NoError(t, err)
	api, _ := vals.Cluster["api_address"].(string)
	assert.Regexp(t, `^https://172\.24\.(4|5|6|7)\.\d+:6443$`, api, "API behind the load balancer's floating IP")
	masters, _ := vals.Cluster["master_addresses"].([]string)
	nodes, _ := vals.Cluster["node_addresses"].([]string)
	assert.Len(t, masters, 1)
	assert.Len(t, nodes, 2)
	for _, ip := range append(masters, nodes...) {
		assert.True(t, strings.HasPrefix(ip, "172.24."), "floating IPs come from the external range: %s", ip)
	}
	assert.Equal(t, map[string]map[string]any{"master": {"node_count": 1}, "worker": {"node_count": 2}}, vals.NodeGroups)
	private, _ := s.Outputs["kube_minions_private"].([]any)
	require.Len(t, private, 2)
	for _, ip := range private {
		assert.True(t, strings.HasPrefix(ip.(string), "10.20.30."), "private addresses come from the subnet's CIDR: %v", ip)
	}
	ids, _ := s.Outputs["kube_minion_ids"].([]any)
	require.Len(t, ids, 2)

	// Scale up with an existing=true update: only the count changes.
	require.NoError(t, o.UpdateStack(ctx, id, heat.UpdateRequest{Existing: true, Parameters: map[string]any{"number_of_minions": 3}, DisableRollback: true}))
	s, err = openstack.Wait(ctx, o, id, wait)
	require.NoError(t, err)
	assert.Equal(t, "UPDATE_COMPLETE", s.Status)
	idsUp, _ := s.Outputs["kube_minion_ids"].([]any)
	require.Len(t, idsUp, 3)
	assert.Equal(t, ids, idsUp[:2], "existing nodes keep their servers")
	privateUp, _ := s.Outputs["kube_minions_private"].([]any)
	assert.Equal(t, private, privateUp[:2], "existing nodes keep their addresses")

	// Scale down removing the middle node by server id.
	require.NoError(t, o.UpdateStack(ctx, id, heat.UpdateRequest{Existing: true, DisableRollback: true,
		Parameters: map[string]any{"number_of_minions": 2, "minions_to_remove": []string{idsUp[1].(string)}}}))
	s, err = openstack.Wait(ctx, o, id, wait)
	require.NoError(t, err)
	idsDown, _ := s.Outputs["kube_minion_ids"].([]any)
	assert.Equal(t, []any{idsUp[0], idsUp[2]}, idsDown, "removal_policies chose the victim")
	assert.Equal(t, "2", s.Parameters["number_of_minions"])

	require.NoError(t, o.DeleteStack(ctx, id))
	_, err = openstack.Wait(ctx, o, id, wait)
	assert.ErrorIs(t, err, errdefs.ErrNotFound, "a deleted stack is not found")
	list, err := o.ListStacks(ctx, heat.ListFilter{Tags: req.Tags})
	require.NoError(t, err)
	assert.Empty(t, list)
	assert.Zero(t, srv.Requests(heattest.KindLookup), "names were known: no redirects")
}

// TestRequestCosts pins down the API cost of each operation.
func TestRequestCosts(t *testing.T) {
	srv, o, _ := setup(t, heattest.Options{}, openstack.Config{})
	ctx := context.Background()
	id, err := o.CreateStack(ctx, groupRequest(t, "cost", 2, "t1"))
	require.NoError(t, err)
	tpl := groupRequest(t, "x", 1)
	cases := []struct {
		name string
		op   func() error
		want map[heattest.RequestKind]int
	}{
		{"get (name known)", func() error { _, err := o.GetStack(ctx, id, false); return err }, map[heattest.RequestKind]int{heattest.KindGet: 1}},
		{"get with outputs", func() error { _, err := o.GetStack(ctx, id, true); return err }, map[heattest.RequestKind]int{heattest.KindGet: 1}},
		{"list by tag and ids", func() error {
			_, err := o.ListStacks(ctx, heat.ListFilter{Tags: []string{"t1"}, IDs: []string{id, "b", "c"}})
			return err
		}, map[heattest.RequestKind]int{heattest.KindList: 1}},
		{"update existing", func() error {
			return o.UpdateStack(ctx, id, heat.UpdateRequest{Existing: true, Parameters: map[string]any{"node_count": 3}})
		}, map[heattest.RequestKind]int{heattest.KindPatch: 1}},
		{"full update (reads the tags first)", func() error {
			return o.UpdateStack(ctx, id, heat.UpdateRequest{Template: tpl.Template, Files: tpl.Files, Parameters: map[string]any{"node_count": 1}})
		}, map[heattest.RequestKind]int{heattest.KindGet: 1, heattest.KindUpdate: 1}},
		{"failed resources", func() error { _, err := o.FailedResources(ctx, id); return err }, map[heattest.RequestKind]int{heattest.KindResources: 1}},
		{"delete", func() error { return o.DeleteStack(ctx, id) }, map[heattest.RequestKind]int{heattest.KindDelete: 1}},
		{"create", func() error { _, err := o.CreateStack(ctx, groupRequest(t, "cost2", 1)); return err }, map[heattest.RequestKind]int{heattest.KindCreate: 1}},
	}
	for _, tc := range cases {
		srv.ResetCounts()
		require.NoError(t, tc.op(), tc.name)
		assert.Equal(t, tc.want, srv.RequestCounts(), tc.name)
	}
}

func TestUnknownNameCostsOneLookup(t *testing.T) {
	srv, o, _ := setup(t, heattest.Options{}, openstack.Config{})
	ctx := context.Background()
	id, err := o.CreateStack(ctx, groupRequest(t, "seen-elsewhere", 1))
	require.NoError(t, err)
	// A second orchestrator (another process) knows only the ID.
	ao := srv.AuthOptions()
	cloud, err := openstack.Connect(ctx, openstack.ConnectOptions{Auth: &ao})
	require.NoError(t, err)
	o2, err := cloud.Orchestrator(openstack.Config{})
	require.NoError(t, err)

	srv.ResetCounts()
	s, err := o2.GetStack(ctx, id, true)
	require.NoError(t, err)
	assert.Equal(t, "seen-elsewhere", s.Name)
	assert.Contains(t, s.Outputs, "names", "outputs survive the redirect (its query is kept)")
	assert.Equal(t, map[heattest.RequestKind]int{heattest.KindLookup: 1, heattest.KindGet: 1}, srv.RequestCounts())

	srv.ResetCounts()
	require.NoError(t, o2.DeleteStack(ctx, id))
	assert.Equal(t, map[heattest.RequestKind]int{heattest.KindDelete: 1}, srv.RequestCounts(), "the name learnt by the GET is reused")
}

func TestDeleteByIDNeedsTheName(t *testing.T) {
	// A DELETE to /stacks/{id} is redirected and Go's client would turn it
	// into a GET; the orchestrator must resolve the name first.
	srv, _, _ := setup(t, heattest.Options{}, openstack.Config{})
	ctx := context.Background()
	ao := srv.AuthOptions()
	mk := func() *openstack.Orchestrator {
		cloud, err := openstack.Connect(ctx, openstack.ConnectOptions{Auth: &ao})
		require.NoError(t, err)
		o, err := cloud.Orchestrator(openstack.Config{})
		require.NoError(t, err)
		return o
	}
	id, err := mk().CreateStack(ctx, groupRequest(t, "victim", 1))
	require.NoError(t, err)
	o := mk()
	srv.ResetCounts()
	require.NoError(t, o.DeleteStack(ctx, id))
	assert.Equal(t, 1, srv.Requests(heattest.KindDelete))
	_, err = o.GetStack(ctx, id, false)
	assert.ErrorIs(t, err, errdefs.ErrNotFound)
}

func TestErrorKinds(t *testing.T) {
	srv, o, _ := setup(t, heattest.Options{}, openstack.Config{Retry: openstack.RetryPolicy{MaxAttempts: 2}})
	ctx := context.Background()
	id, err := o.CreateStack(ctx, groupRequest(t, "exists", 1))
	require.NoError(t, err)
	bad := groupRequest(t, "bad", 1)
	bad.Template = []byte("heat_template_version: 2099-01-01\nresources: {}\n")

	cases := []struct {
		name    string
		err     func() error
		kind    error
		message string
	}{
		{"unknown stack", func() error { _, err := o.GetStack(ctx, "00000000-0000-4000-8000-000000000000", false); return err }, errdefs.ErrNotFound, "could not be found"},
		{"duplicate name", func() error { _, err := o.CreateStack(ctx, groupRequest(t, "exists", 1)); return err }, errdefs.ErrConflict, "already exists"},
		{"template Heat rejects", func() error { _, err := o.CreateStack(ctx, bad); return err }, errdefs.ErrInvalid, "2099-01-01"},
		{"parameter out of range", func() error {
			return o.UpdateStack(ctx, id, heat.UpdateRequest{Existing: true, Parameters: map[string]any{"node_count": 99}})
		}, errdefs.ErrInvalid, "node_count"},
		{"5xx that outlives the retries", func() error {
			srv.InjectFault(heattest.Fault{Kind: heattest.KindList, Times: 2, Status: http.StatusInternalServerError})
			_, err := o.ListStacks(ctx, heat.ListFilter{})
			return err
		}, errdefs.ErrUnavailable, "list stacks"},
		{"comma in a tag", func() error { _, err := o.CreateStack(ctx, groupRequest(t, "c", 1, "a,b")); return err }, errdefs.ErrInvalid, "comma"},
		{"empty id", func() error { return o.DeleteStack(ctx, "") }, errdefs.ErrInvalid, "ID"},
		{"full update without template", func() error { return o.UpdateStack(ctx, id, heat.UpdateRequest{}) }, errdefs.ErrInvalid, "template"},
		{"clear parameters without existing", func() error {
			tpl := groupRequest(t, "x", 1)
			return o.UpdateStack(ctx, id, heat.UpdateRequest{Template: tpl.Template, ClearParameters: []string{"node_count"}})
		}, errdefs.ErrInvalid, "clear"},
		{"parameters that are not JSON", func() error {
			req := groupRequest(t, "nojson", 1)
			req.Parameters["x"] = make(chan int)
			_, err := o.CreateStack(ctx, req)
			return err
		}, errdefs.ErrInvalid, "JSON"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.err()
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.kind)
			assert.Contains(t, err.Error(), tc.message)
			var de *errdefs.Error
			assert.True(t, errors.As(err, &de), "an *errdefs.Error")
		})
	}

	// The HTTP detail is reachable for callers who need it.
	_, err = o.CreateStack(ctx, bad)
	var he *openstack.HTTPError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, http.StatusBadRequest, he.Status)
	assert.Equal(t, "StackValidationFailed", he.Type)
}

func TestIdempotentCallsAreRetried(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		kind heattest.RequestKind
		call func(o *openstack.Orchestrator, id string) error
	}{
		{heattest.KindGet, func(o *openstack.Orchestrator, id string) error { _, err := o.GetStack(ctx, id, true); return err }},
		{heattest.KindList, func(o *openstack.Orchestrator, id string) error {
			l, err := o.ListStacks(ctx, heat.ListFilter{IDs: []string{id}})
			if err == nil && len(l) != 1 {
				err = fmt.Errorf("listed %d stacks", len(l))
			}
			return err
		}},
		{heattest.KindResources, func(o *openstack.Orchestrator, id string) error { _, err := o.FailedResources(ctx, id); return err }},
		{heattest.KindDelete, func(o *openstack.Orchestrator, id string) error { return o.DeleteStack(ctx, id) }},
	}
	for _, tc := range cases {
		for _, status := range []int{http.StatusServiceUnavailable, http.StatusBadGateway, http.StatusTooManyRequests} {
			t.Run(fmt.Sprintf("%s/%d", tc.kind, status), func(t *testing.T) {
				srv, o, sl := setup(t, heattest.Options{}, openstack.Config{Rand: func() float64 { return 0.5 }})
				id, err := o.CreateStack(ctx, groupRequest(t, "retry", 1))
				require.NoError(t, err)
				srv.ResetCounts()
				srv.InjectFault(heattest.Fault{Kind: tc.kind, Times: 2, Status: status})
				require.NoError(t, tc.call(o, id))
				assert.Equal(t, 3, srv.Requests(tc.kind), "two failures, then success")
				// 500ms and 1s steps, each half fixed and half jittered (0.5 here).
				assert.Equal(t, []time.Duration{375 * time.Millisecond, 750 * time.Millisecond}, sl.waits())
			})
		}
	}
}

func TestRetriesAreBounded(t *testing.T) {
	srv, o, sl := setup(t, heattest.Options{}, openstack.Config{Retry: openstack.RetryPolicy{MaxAttempts: 5, InitialBackoff: time.Second, MaxBackoff: 3 * time.Second}})
	ctx := context.Background()
	id, err := o.CreateStack(ctx, groupRequest(t, "bounded", 1))
	require.NoError(t, err)
	srv.ResetCounts()
	srv.InjectFault(heattest.Fault{Kind: heattest.KindGet, Times: 100})
	_, err = o.GetStack(ctx, id, false)
	require.ErrorIs(t, err, errdefs.ErrUnavailable)
	assert.Equal(t, 5, srv.Requests(heattest.KindGet))
	waits := sl.waits()
	require.Len(t, waits, 4)
	bounds := [][2]time.Duration{{500 * time.Millisecond, time.Second}, {time.Second, 2 * time.Second}, {1500 * time.Millisecond, 3 * time.Second}, {1500 * time.Millisecond, 3 * time.Second}}
	for i, w := range waits {
		assert.GreaterOrEqual(t, w, bounds[i][0], "wait %d", i)
		assert.LessOrEqual(t, w, bounds[i][1], "wait %d", i)
	}
}

func TestDeleteRetryAfterAmbiguousFailure(t *testing.T) {
	// The first DELETE took effect but its answer was lost; the retry finds
	// the stack gone (404) and that is success.
	srv, o, _ := setup(t, heattest.Options{}, openstack.Config{})
	ctx := context.Background()
	id, err := o.CreateStack(ctx, groupRequest(t, "gone", 1))
	require.NoError(t, err)
	_, err = openstack.Wait(ctx, o, id, openstack.WaitOptions{Sleep: noWait})
	require.NoError(t, err)
	srv.InjectFault(heattest.Fault{Kind: heattest.KindDelete, AfterEffect: true, Status: http.StatusGatewayTimeout})
	require.NoError(t, o.DeleteStack(ctx, id))
	assert.Equal(t, 2, srv.Requests(heattest.KindDelete), "the retry met 404")
	_, err = o.GetStack(ctx, id, false)
	assert.ErrorIs(t, err, errdefs.ErrNotFound)
}

func TestCreateIsNeverBlindlyRetried(t *testing.T) {
	ctx := context.Background()
	t.Run("lost answer: the lookup finds the stack", func(t *testing.T) {
		srv, o, _ := setup(t, heattest.Options{}, openstack.Config{})
		srv.InjectFault(heattest.Fault{Kind: heattest.KindCreate, AfterEffect: true, Status: http.StatusBadGateway})
		id, err := o.CreateStack(ctx, groupRequest(t, "once", 1, "cluster-1"))
		require.NoError(t, err)
		assert.Equal(t, 1, srv.Requests(heattest.KindCreate), "no second POST")
		assert.Equal(t, 1, srv.Requests(heattest.KindList), "one lookup by name")
		l, err := o.ListStacks(ctx, heat.ListFilter{})
		require.NoError(t, err)
		require.Len(t, l, 1)
		assert.Equal(t, id, l[0].ID)
	})
	t.Run("failure before effect: lookup, then create again", func(t *testing.T) {
		srv, o, sl := setup(t, heattest.Options{}, openstack.Config{})
		srv.InjectFault(heattest.Fault{Kind: heattest.KindCreate, Status: http.StatusServiceUnavailable})
		_, err := o.CreateStack(ctx, groupRequest(t, "twice", 1))
		require.NoError(t, err)
		assert.Equal(t, 2, srv.Requests(heattest.KindCreate))
		assert.Equal(t, 1, srv.Requests(heattest.KindList), "looked up before trying again")
		assert.Len(t, sl.waits(), 1)
	})
	t.Run("stalled create: attempt timeout, lookup finds it", func(t *testing.T) {
		srv, o, _ := setup(t, heattest.Options{}, openstack.Config{AttemptTimeout: 100 * time.Millisecond})
		srv.InjectFault(heattest.Fault{Kind: heattest.KindCreate, AfterEffect: true, Stall: true})
		id, err := o.CreateStack(ctx, groupRequest(t, "stalled", 1))
		require.NoError(t, err)
		assert.NotEmpty(t, id)
		assert.Equal(t, 1, srv.Requests(heattest.KindCreate))
	})
	t.Run("a stranger's stack of that name is a conflict", func(t *testing.T) {
		srv, o, _ := setup(t, heattest.Options{}, openstack.Config{})
		_, err := o.CreateStack(ctx, groupRequest(t, "taken", 1, "someone-else"))
		require.NoError(t, err)
		srv.ResetCounts()
		srv.InjectFault(heattest.Fault{Kind: heattest.KindCreate, Status: http.StatusServiceUnavailable})
		_, err = o.CreateStack(ctx, groupRequest(t, "taken", 1, "cluster-2"))
		require.ErrorIs(t, err, errdefs.ErrConflict)
		assert.Contains(t, err.Error(), "cluster-2")
		assert.Equal(t, 1, srv.Requests(heattest.KindCreate))
	})
	t.Run("repeat meets already-exists: it was ours", func(t *testing.T) {
		srv, o, _ := setup(t, heattest.Options{}, openstack.Config{})
		// The lost POST created the stack, but the lookup failed too, so
		// the create is repeated and meets 409.
		srv.InjectFault(heattest.Fault{Kind: heattest.KindCreate, AfterEffect: true, Status: http.StatusBadGateway})
		srv.InjectFault(heattest.Fault{Kind: heattest.KindList, Status: http.StatusNotFound})
		_, err := o.CreateStack(ctx, groupRequest(t, "race", 1, "c3"))
		// The failed lookup makes the outcome unknown: not a retry.
		require.ErrorIs(t, err, errdefs.ErrUnavailable)
		assert.Contains(t, err.Error(), "outcome unknown")
		assert.Equal(t, 1, srv.Requests(heattest.KindCreate))
	})
	t.Run("invalid template: one request", func(t *testing.T) {
		srv, o, _ := setup(t, heattest.Options{}, openstack.Config{})
		req := groupRequest(t, "invalid", 1)
		req.Files = nil
		_, err := o.CreateStack(ctx, req)
		require.ErrorIs(t, err, errdefs.ErrInvalid)
		assert.Equal(t, 1, srv.Requests(heattest.KindCreate))
		assert.Zero(t, srv.Requests(heattest.KindList))
	})
	t.Run("every attempt fails: unavailable, bounded", func(t *testing.T) {
		srv, o, _ := setup(t, heattest.Options{}, openstack.Config{Retry: openstack.RetryPolicy{MaxAttempts: 3}})
		srv.InjectFault(heattest.Fault{Kind: heattest.KindCreate, Times: 10})
		_, err := o.CreateStack(ctx, groupRequest(t, "down", 1))
		require.ErrorIs(t, err, errdefs.ErrUnavailable)
		assert.Equal(t, 3, srv.Requests(heattest.KindCreate))
		assert.Equal(t, 3, srv.Requests(heattest.KindList), "a lookup after each ambiguous attempt")
	})
}

func TestUpdatesAreNotRetriedAfterAmbiguousFailures(t *testing.T) {
	srv, o, sl := setup(t, heattest.Options{}, openstack.Config{})
	ctx := context.Background()
	id, err := o.CreateStack(ctx, groupRequest(t, "upd", 1))
	require.NoError(t, err)
	srv.InjectFault(heattest.Fault{Kind: heattest.KindPatch})
	err = o.UpdateStack(ctx, id, heat.UpdateRequest{Existing: true, Parameters: map[string]any{"node_count": 2}})
	require.ErrorIs(t, err, errdefs.ErrUnavailable)
	assert.Equal(t, 1, srv.Requests(heattest.KindPatch))
	assert.Empty(t, sl.waits())
}

func TestContextCancellation(t *testing.T) {
	t.Run("stalled call", func(t *testing.T) {
		srv, o, _ := setup(t, heattest.Options{}, openstack.Config{AttemptTimeout: -1})
		id, err := o.CreateStack(context.Background(), groupRequest(t, "stall", 1))
		require.NoError(t, err)
		srv.InjectFault(heattest.Fault{Kind: heattest.KindGet, Stall: true})
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err = o.GetStack(ctx, id, false)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Less(t, time.Since(start), 5*time.Second)
		assert.Equal(t, 1, srv.Requests(heattest.KindGet), "no retry once the caller gave up")
	})
	t.Run("during backoff", func(t *testing.T) {
		srv := heattest.New(heattest.Options{})
		defer srv.Close()
		ao := srv.AuthOptions()
		cloud, err := openstack.Connect(context.Background(), openstack.ConnectOptions{Auth: &ao})
		require.NoError(t, err)
		// The real timer-based sleep, with waits of an hour.
		o, err := cloud.Orchestrator(openstack.Config{Retry: openstack.RetryPolicy{InitialBackoff: time.Hour, MaxBackoff: time.Hour}})
		require.NoError(t, err)
		srv.InjectFault(heattest.Fault{Kind: heattest.KindList, Times: 5})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		start := time.Now()
		_, err = o.ListStacks(ctx, heat.ListFilter{})
		require.ErrorIs(t, err, context.Canceled)
		assert.Less(t, time.Since(start), 5*time.Second)
	})
	t.Run("already cancelled: nothing sent", func(t *testing.T) {
		srv, o, _ := setup(t, heattest.Options{}, openstack.Config{})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := o.CreateStack(ctx, groupRequest(t, "never", 1))
		require.ErrorIs(t, err, context.Canceled)
		assert.Zero(t, srv.TotalRequests())
	})
	t.Run("stalled attempt is retried after its own timeout", func(t *testing.T) {
		srv, o, _ := setup(t, heattest.Options{}, openstack.Config{AttemptTimeout: 100 * time.Millisecond})
		id, err := o.CreateStack(context.Background(), groupRequest(t, "slow", 1))
		require.NoError(t, err)
		srv.InjectFault(heattest.Fault{Kind: heattest.KindGet, Stall: true})
		s, err := o.GetStack(context.Background(), id, false)
		require.NoError(t, err)
		assert.Equal(t, id, s.ID)
		assert.Equal(t, 2, srv.Requests(heattest.KindGet))
	})
}

func TestFailedResourceReasonSurfaces(t *testing.T) {
	srv, o, _ := setup(t, heattest.Options{PollsToComplete: 1}, openstack.Config{})
	ctx := context.Background()
	reason := "Went to status ERROR due to \"Message: No valid host was found. There are not enough hosts available., Code: 500\""
	srv.FailResource(heattest.ResourceFault{Type: "OS::Nova::Server", Name: "server", Reason: reason})
	req, _, _ := sampleRequest(t, "doomed", heat.SampleOptions{Masters: 1, Workers: 2})
	id, err := o.CreateStack(ctx, req)
	require.NoError(t, err)

	_, err = openstack.Wait(ctx, o, id, openstack.WaitOptions{Sleep: noWait})
	var fe *openstack.StackFailedError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "CREATE_FAILED", fe.Stack.Status)
	assert.Contains(t, fe.Stack.StatusReason, "No valid host was found")
	assert.Contains(t, err.Error(), "No valid host was found")
	assert.Contains(t, err.Error(), "kube_masters.0.server")

	paths := make([]string, 0, len(fe.Failures))
	for _, f := range fe.Failures {
		paths = append(paths, f.Resource)
		assert.Equal(t, "CREATE_FAILED", f.Status, f.Resource)
		assert.Contains(t, f.Reason, "No valid host", f.Resource)
	}
	assert.Equal(t, []string{
		"kube_masters", "kube_masters.0", "kube_masters.0.server",
		"kube_minions", "kube_minions.0", "kube_minions.0.server", "kube_minions.1", "kube_minions.1.server",
	}, paths)
	leaves := openstack.LeafFailures(fe.Failures)
	require.Len(t, leaves, 3)
	for _, l := range leaves {
		assert.Equal(t, "OS::Nova::Server", l.Type)
	}
}

func TestFullUpdateKeepsTags(t *testing.T) {
	_, o, _ := setup(t, heattest.Options{}, openstack.Config{})
	ctx := context.Background()
	req := groupRequest(t, "tagged", 1, "cluster-uuid", "gomagnum")
	id, err := o.CreateStack(ctx, req)
	require.NoError(t, err)
	require.NoError(t, o.UpdateStack(ctx, id, heat.UpdateRequest{Template: req.Template, Files: req.Files, Parameters: map[string]any{"node_count": 2}}))
	l, err := o.ListStacks(ctx, heat.ListFilter{Tags: []string{"cluster-uuid", "gomagnum"}})
	require.NoError(t, err)
	require.Len(t, l, 1, "Heat drops tags a PUT does not repeat; the orchestrator repeats them")
	assert.Equal(t, id, l[0].ID)
	s, err := o.GetStack(ctx, id, false)
	require.NoError(t, err)
	assert.Equal(t, "2", s.Parameters["node_count"])
}

func TestExistingUpdateClearsParameters(t *testing.T) {
	_, o, _ := setup(t, heattest.Options{}, openstack.Config{})
	ctx := context.Background()
	req := groupRequest(t, "clear", 3)
	req.Parameters["prefix"] = "worker"
	id, err := o.CreateStack(ctx, req)
	require.NoError(t, err)
	require.NoError(t, o.UpdateStack(ctx, id, heat.UpdateRequest{Existing: true, ClearParameters: []string{"prefix"}, Parameters: map[string]any{"node_count": 2}}))
	s, err := openstack.Wait(ctx, o, id, openstack.WaitOptions{Sleep: noWait, WithOutputs: true})
	require.NoError(t, err)
	assert.Equal(t, []any{"node-0", "node-1"}, s.Outputs["names"], "prefix back to its default, count from the patch")
}

func TestListStacksFilters(t *testing.T) {
	srv, o, _ := setup(t, heattest.Options{}, openstack.Config{ListChunk: 2})
	ctx := context.Background()
	var ids []string
	for i := range 5 {
		tags := []string{"gomagnum"}
		if i%2 == 0 {
			tags = append(tags, "even")
		}
		id, err := o.CreateStack(ctx, groupRequest(t, fmt.Sprintf("s%d", i), 0, tags...))
		require.NoError(t, err)
		ids = append(ids, id)
	}
	srv.ResetCounts()
	l, err := o.ListStacks(ctx, heat.ListFilter{Tags: []string{"gomagnum", "even"}})
	require.NoError(t, err)
	assert.Len(t, l, 3)
	assert.Equal(t, 1, srv.Requests(heattest.KindList))

	srv.ResetCounts()
	l, err = o.ListStacks(ctx, heat.ListFilter{IDs: append(slices.Clone(ids), ids[0], "")})
	require.NoError(t, err)
	assert.Len(t, l, 5, "duplicates and blanks dropped")
	assert.Equal(t, 3, srv.Requests(heattest.KindList), "5 IDs in chunks of 2")

	l, err = o.ListStacks(ctx, heat.ListFilter{Tags: []string{"even"}, IDs: ids[:2]})
	require.NoError(t, err)
	require.Len(t, l, 1)
	assert.Equal(t, ids[0], l[0].ID)
	assert.Nil(t, l[0].Outputs)
	assert.False(t, l[0].CreatedAt.IsZero())
}

func TestWaitTimesOutWithContext(t *testing.T) {
	_, o, _ := setup(t, heattest.Options{PollsToComplete: 1 << 30}, openstack.Config{})
	id, err := o.CreateStack(context.Background(), groupRequest(t, "forever", 1))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	polls := 0
	_, err = openstack.Wait(ctx, o, id, openstack.WaitOptions{Sleep: func(ctx context.Context, d time.Duration) error {
		polls++
		if polls == 3 {
			cancel()
		}
		return ctx.Err()
	}})
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 3, polls)
}

func TestRollbackIsAFailure(t *testing.T) {
	srv, o, _ := setup(t, heattest.Options{}, openstack.Config{})
	ctx := context.Background()
	srv.FailResource(heattest.ResourceFault{Name: "port", Reason: "quota exceeded for ports"})
	req := groupRequest(t, "rb", 1)
	req.DisableRollback = false
	id, err := o.CreateStack(ctx, req)
	require.NoError(t, err)
	s, err := openstack.Wait(ctx, o, id, openstack.WaitOptions{Sleep: noWait})
	var fe *openstack.StackFailedError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "ROLLBACK_COMPLETE", s.Status)
	assert.Empty(t, fe.Failures, "rolled back: the failed resources are gone")
}

// TestListByState asks Heat for stacks in some states only, as the status
// sync does for those in progress.
func TestListByState(t *testing.T) {
	_, o, _ := setup(t, heattest.Options{PollsToComplete: 2}, openstack.Config{})
	ctx := context.Background()
	busy, err := o.CreateStack(ctx, groupRequest(t, "busy", 1, "st"))
	require.NoError(t, err)
	done, err := o.CreateStack(ctx, groupRequest(t, "done", 1, "st"))
	require.NoError(t, err)
	for range 3 {
		_, err := o.GetStack(ctx, done, false)
		require.NoError(t, err)
	}
	l, err := o.ListStacks(ctx, heat.ListFilter{Tags: []string{"st"}, States: []string{"IN_PROGRESS"}})
	require.NoError(t, err)
	require.Len(t, l, 1)
	assert.Equal(t, busy, l[0].ID)
	l, err = o.ListStacks(ctx, heat.ListFilter{Tags: []string{"st"}, States: []string{"COMPLETE", "FAILED"}})
	require.NoError(t, err)
	require.Len(t, l, 1)
	assert.Equal(t, done, l[0].ID)
	_, err = o.ListStacks(ctx, heat.ListFilter{States: []string{"IN_PROGRESS&x=1"}})
	require.ErrorIs(t, err, errdefs.ErrInvalid)
}
