package drivertest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/heat/heattest"
	"github.com/gomagnum/magnum/openstack/openstacktest"
)

// lifecycle drives clusters through a driver.ClusterDriver as the Manager
// would: no magnum.Manager, so the suite stays below the root package.
type lifecycle struct {
	cd   driver.ClusterDriver
	b    *builder
	opts Options
}

// settle observes the cluster until its operation reaches want (or, with
// gone, until the backend has nothing for it). A failure is reported with
// the driver's Faults.
func (l *lifecycle) settle(t *testing.T, ctx context.Context, req *driver.Request, want cluster.Status, gone bool) driver.Observation {
	t.Helper()
	obs := l.cd.Observer()
	if obs == nil {
		t.Fatal("Observer() returned nil")
	}
	target := driver.Target{ClusterID: req.Cluster.UUID, Ref: req.Cluster.StackID, Name: req.Name}
	var last driver.Observation
	for range l.opts.maxPolls() {
		m, err := obs.Observe(ctx, []driver.Target{target})
		if err != nil {
			t.Fatalf("Observe: %v", err)
		}
		o, ok := m[target.ClusterID]
		if !ok {
			t.Fatalf("Observe returned no observation for cluster %s (got %d)", target.ClusterID, len(m))
		}
		last = o
		switch {
		case gone && o.Gone:
			return o
		case o.Gone:
			t.Fatalf("the cluster is gone while waiting for %s", want)
		case !gone && o.Status == want:
			return o
		case o.Status.Failed():
			faults, ferr := l.cd.Faults(ctx, req)
			t.Fatalf("the cluster settled in %s (%s) while waiting for %s; faults %v (err %v)", o.Status, o.Reason, want, faults, ferr)
		}
		if l.opts.PollInterval > 0 {
			select {
			case <-ctx.Done():
				t.Fatalf("waiting for %s: %v", want, ctx.Err())
			case <-time.After(l.opts.PollInterval):
			}
		}
	}
	what := string(want)
	if gone {
		what = "gone"
	}
	t.Fatalf("the cluster did not become %s in %d observations; last %+v", what, l.opts.maxPolls(), last)
	return last
}

// newCluster builds, validates and creates a cluster of case c, and checks
// that a repeated Create adopts the same backend resources.
func (l *lifecycle) newCluster(t *testing.T, ctx context.Context, c Case) *driver.Request {
	t.Helper()
	tmpl := l.b.template(c)
	if tmpl == nil {
		t.Fatal("the lifecycle case has no template")
	}
	req := l.b.request(c, tmpl)
	if err := l.b.withCAs(ctx, req); err != nil {
		t.Fatal(err)
	}
	if err := l.cd.Validate(req); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	m, err := l.cd.Observer().Observe(ctx, []driver.Target{{ClusterID: req.Cluster.UUID, Name: req.Name}})
	if err != nil {
		t.Fatalf("Observe before create: %v", err)
	}
	if o := m[req.Cluster.UUID]; !o.Gone {
		t.Errorf("before its create, a cluster must be observed Gone; got %+v", o)
	}
	ref, err := l.cd.Create(ctx, req)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if ref == "" {
		t.Fatal("Create returned an empty reference")
	}
	t.Cleanup(func() { _ = l.cd.Delete(context.Background(), req) })
	again, err := l.cd.Create(ctx, req)
	switch {
	case err != nil:
		t.Errorf("a repeated Create (after a crash) must adopt what the first made: %v", err)
	case again != ref:
		t.Errorf("a repeated Create made %q, not the first's %q: clusters would be duplicated", again, ref)
	}
	req.Cluster.StackID = ref
	return req
}

// finish runs Finish after zeroing what it must map, and checks the
// cluster's attributes against the expected node counts.
func (l *lifecycle) finish(t *testing.T, ctx context.Context, req *driver.Request, masters, workers int) {
	t.Helper()
	c := req.Cluster
	c.APIAddress, c.MasterAddresses, c.NodeAddresses = "", nil, nil
	c.MasterCount, c.NodeCount = 0, 0
	for _, g := range req.NodeGroups {
		g.NodeCount, g.NodeAddresses = 0, nil
	}
	if err := l.cd.Finish(ctx, req); err != nil {
		t.Fatalf("Finish: %v", err)
	}
	if err := checkMapped(req, masters, workers); err != nil {
		t.Errorf("Finish mapped the outputs wrongly:\n%v", err)
	}
}

// checkMapped checks the attributes Finish must fill.
func checkMapped(req *driver.Request, masters, workers int) error {
	c := req.Cluster
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if u, err := url.Parse(c.APIAddress); err != nil || u.Scheme == "" || u.Host == "" {
		bad("api_address %q is not an address with a scheme and a host", c.APIAddress)
	}
	for _, l := range []struct {
		name  string
		addrs []string
		n     int
	}{{"master_addresses", c.MasterAddresses, masters}, {"node_addresses", c.NodeAddresses, workers}} {
		if len(l.addrs) != l.n {
			bad("%s: %d addresses %v, want %d", l.name, len(l.addrs), l.addrs, l.n)
		}
		for _, a := range l.addrs {
			if _, err := netip.ParseAddr(a); err != nil {
				bad("%s: %q is not an IP address", l.name, a)
			}
		}
	}
	if c.MasterCount != masters || c.NodeCount != workers {
		bad("cluster counts master_count %d, node_count %d; want %d, %d (read back from the backend)", c.MasterCount, c.NodeCount, masters, workers)
	}
	m, w := master(req), worker(req)
	if m.NodeCount != masters || w.NodeCount != workers {
		bad("node group counts %d master(s), %d worker(s); want %d, %d (read back from the backend)", m.NodeCount, w.NodeCount, masters, workers)
	}
	if len(m.NodeAddresses) > 0 && !slices.Equal(m.NodeAddresses, c.MasterAddresses) {
		bad("the master group's addresses %v differ from the cluster's %v", m.NodeAddresses, c.MasterAddresses)
	}
	if len(w.NodeAddresses) > 0 && !slices.Equal(w.NodeAddresses, c.NodeAddresses) {
		bad("the worker group's addresses %v differ from the cluster's %v", w.NodeAddresses, c.NodeAddresses)
	}
	return errors.Join(errs...)
}

// run takes case c through create → observe → Finish → live checks →
// resize up and down → delete → gone.
func (l *lifecycle) run(t *testing.T, c Case) {
	ctx := t.Context()
	req := l.newCluster(t, ctx, c)
	masters, workers := req.Cluster.MasterCount, req.Cluster.NodeCount

	l.settle(t, ctx, req, cluster.CreateComplete, false)
	l.finish(t, ctx, req, masters, workers)
	faults, err := l.cd.Faults(ctx, req)
	if err != nil || len(faults) != 0 {
		t.Errorf("Faults of a healthy cluster: %v, %v; want none", faults, err)
	}
	for _, name := range slices.Sorted(maps.Keys(l.opts.Live)) {
		check := l.opts.Live[name]
		t.Run("live/"+name, func(t *testing.T) {
			check(t, Env{Driver: l.cd, Request: cloneRequest(req), Certs: l.b.certs})
		})
	}

	// Scale up by one worker.
	before := slices.Clone(req.Cluster.NodeAddresses)
	l.resize(t, ctx, req, workers+1, nil)
	l.finish(t, ctx, req, masters, workers+1)
	grown := slices.Clone(req.Cluster.NodeAddresses)
	for _, a := range before {
		if !slices.Contains(grown, a) {
			t.Errorf("scaling up replaced node %s: existing nodes must stay (have %v)", a, grown)
		}
	}

	// Scale back down, naming the victims if the options know how.
	var victims []string
	if l.opts.NodesToRemove != nil {
		victims = l.opts.NodesToRemove(cloneRequest(req))
	}
	l.resize(t, ctx, req, workers, victims)
	l.finish(t, ctx, req, masters, workers)
	for _, a := range req.Cluster.NodeAddresses {
		if !slices.Contains(grown, a) {
			t.Errorf("scaling down added node %s: only removals are expected (had %v)", a, grown)
		}
	}

	// Delete, twice: the second finds nothing and must succeed.
	if err := l.cd.Delete(ctx, req); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	l.settle(t, ctx, req, "", true)
	if err := l.cd.Delete(ctx, req); err != nil {
		t.Errorf("Delete of a cluster already gone must succeed: %v", err)
	}
}

// resize changes the workers to n, removing victims first, and waits.
func (l *lifecycle) resize(t *testing.T, ctx context.Context, req *driver.Request, n int, victims []string) {
	t.Helper()
	worker(req).NodeCount = n
	req.Cluster.NodeCount = n
	req.NodesToRemove = victims
	defer func() { req.NodesToRemove = nil }()
	if err := l.cd.Validate(req); err != nil {
		t.Fatalf("Validate of a resize to %d workers: %v", n, err)
	}
	if err := l.cd.Resize(ctx, req); err != nil {
		t.Fatalf("Resize to %d workers: %v", n, err)
	}
	l.settle(t, ctx, req, cluster.UpdateComplete, false)
}

// faultReason is what the fake cloud's servers fail with in the failure
// check.
const faultReason = "No valid host was found (drivertest)"

// runFaults makes the fake cloud's servers fail and checks that the create
// settles failed and Faults names a failed part with the cloud's reason.
func (l *lifecycle) runFaults(t *testing.T, srv *openstacktest.Server, c Case) {
	ctx := t.Context()
	srv.Heat().FailResource(heattest.ResourceFault{Type: "OS::Nova::Server", Reason: faultReason})
	req := l.newCluster(t, ctx, c)
	var o driver.Observation
	for range l.opts.maxPolls() {
		m, err := l.cd.Observer().Observe(ctx, []driver.Target{{ClusterID: req.Cluster.UUID, Ref: req.Cluster.StackID, Name: req.Name}})
		if err != nil {
			t.Fatalf("Observe: %v", err)
		}
		if o = m[req.Cluster.UUID]; !o.Status.InProgress() {
			break
		}
	}
	if o.Status == cluster.CreateComplete {
		t.Skip("the driver's stack has no OS::Nova::Server resource to fail; the failure check does not apply")
	}
	if o.Status != cluster.CreateFailed {
		t.Fatalf("with every server failing, the create settled in %q (%s, gone %v); want CREATE_FAILED", o.Status, o.Reason, o.Gone)
	}
	faults, err := l.cd.Faults(ctx, req)
	if err != nil {
		t.Fatalf("Faults: %v", err)
	}
	found := false
	for _, reason := range faults {
		found = found || strings.Contains(reason, faultReason)
	}
	if !found {
		t.Errorf("Faults %v do not explain the failure with the cloud's reason %q", faults, faultReason)
	}
	if err := l.cd.Delete(ctx, req); err != nil {
		t.Fatalf("Delete of a failed cluster: %v", err)
	}
	l.settle(t, ctx, req, "", true)
}
