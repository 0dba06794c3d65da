package swarm_test

import (
	"context"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/openstack"
	"github.com/gomagnum/magnum/swarm"
	"github.com/gomagnum/magnum/template"
)

// variant is one point of the option matrix.
type variant struct {
	Masters, Workers                                                 int
	MasterLB, FloatingIP, DockerVolume, ExistingNetwork, TLSDisabled bool
	Flannel, Rexray                                                  bool
}

func (v variant) suffix() string {
	b := func(on bool, s string) string {
		if on {
			return s
		}
		return ""
	}
	return fmt.Sprintf("m%dw%d%s%s%s%s%s%s%s", v.Masters, v.Workers, b(v.TLSDisabled, "t"), b(v.MasterLB, "l"), b(v.FloatingIP, "f"),
		b(v.DockerVolume, "d"), b(v.ExistingNetwork, "e"), b(v.Flannel, "n"), b(v.Rexray, "r"))
}

// lifecycleSubset is the representative part of the matrix run on the
// fake and the real Heat: each structural choice on and off at least once.
func lifecycleSubset() []variant {
	return []variant{
		{Masters: 1, Workers: 2, FloatingIP: true},
		{Masters: 1, Workers: 1, DockerVolume: true, TLSDisabled: true, Flannel: true},
		{Masters: 3, Workers: 2, MasterLB: true, FloatingIP: true, Rexray: true},
		{Masters: 3, Workers: 1, MasterLB: true, ExistingNetwork: true, DockerVolume: true},
	}
}

// labSubset is the part run on the real Heat, which is slow and shared
// (one engine worker): small clusters, still every structural choice on
// and off at least once, and several managers (members past index 0).
func labSubset() []variant {
	return []variant{
		{Masters: 1, Workers: 1, FloatingIP: true, DockerVolume: true, Flannel: true},
		{Masters: 3, Workers: 1, MasterLB: true, FloatingIP: true, TLSDisabled: true, Rexray: true},
		{Masters: 1, Workers: 1, ExistingNetwork: true},
	}
}

// request builds the driver request of a variant, with CAs of a fresh
// certificate manager.
func (v variant) request(t testing.TB, name string) *driver.Request {
	t.Helper()
	tmpl := &template.ClusterTemplate{COE: swarm.COE, ImageID: "fedora-atomic", ExternalNetworkID: "public", KeyPairID: "testkey",
		FlavorID: "m1.small", MasterFlavorID: "m1.medium", DNSNameServer: "8.8.8.8",
		MasterLBEnabled: v.MasterLB, TLSDisabled: v.TLSDisabled}
	fip := v.FloatingIP
	tmpl.FloatingIPEnabled = &fip
	if v.DockerVolume {
		tmpl.DockerVolumeSize = 5
	}
	if v.ExistingNetwork {
		tmpl.FixedNetwork, tmpl.FixedSubnet = "private", "private-subnet"
	}
	if v.Flannel {
		tmpl.NetworkDriver = "flannel"
	}
	if v.Rexray {
		tmpl.VolumeDriver = "rexray"
	}
	c := &cluster.Cluster{UUID: testClusterUUID, Name: "lab", ProjectID: "p", UserID: "u",
		MasterCount: v.Masters, NodeCount: v.Workers, Labels: map[string]string{"swarm_strategy": "spread"}}
	mgr, err := certs.New(certs.Config{})
	require.NoError(t, err)
	_, err = mgr.Create(context.Background(), certs.Cluster{UUID: c.UUID, Name: c.Name, ProjectID: c.ProjectID, UserID: c.UserID})
	require.NoError(t, err)
	cas := map[string][]byte{}
	for _, ct := range certs.CATypes() {
		ca, err := mgr.CA(context.Background(), c.UUID, ct)
		require.NoError(t, err)
		cas[string(ct)] = certs.CertificatePEM(ca)
	}
	return &driver.Request{
		Template: tmpl, Cluster: c, Name: name,
		NodeGroups: []*cluster.NodeGroup{
			{Role: cluster.RoleMaster, NodeCount: v.Masters, IsDefault: true},
			{Role: cluster.RoleWorker, NodeCount: v.Workers, IsDefault: true},
		},
		Nodes: driver.NodeAccess{SignURL: "https://magnum.example.com:9511/v1", AuthURL: "https://keystone.example.com:5000/v3",
			CACerts: cas, Trustee: driver.Trustee{UserID: "trustee", Password: "secret", TrustID: "trust"}},
	}
}

// lifecycleRun drives one variant through create → scale up → scale down
// (removing the first node by member name) → delete on an orchestrator,
// mapping outputs back after each step.
type lifecycleRun struct {
	o       heat.Orchestrator
	wait    openstack.WaitOptions
	prepare func(t *testing.T, req *heat.StackRequest) // adds stand-ins on the lab
	prefix  string                                     // stack name prefix
}

func (lr lifecycleRun) run(t *testing.T, v variant) {
	ctx := context.Background()
	d := swarm.New()
	req := v.request(t, fmt.Sprintf("%s-swarm-%s", lr.prefix, v.suffix()))
	require.NoError(t, d.Validate(req))
	sr, features, err := d.RenderStack(req)
	require.NoError(t, err)
	if lr.prepare != nil {
		lr.prepare(t, &sr)
	}
	id, err := lr.o.CreateStack(ctx, sr)
	require.NoError(t, err)
	deleted := false
	t.Cleanup(func() {
		if !deleted {
			_ = lr.o.DeleteStack(context.Background(), id)
		}
	})
	s, err := openstack.Wait(ctx, lr.o, id, lr.wait)
	require.NoError(t, err)
	require.Equal(t, "CREATE_COMPLETE", s.Status)
	c, groups := req.Cluster, req.NodeGroups
	require.NoError(t, d.ApplyOutputs(s, features, c, groups))
	checkMapped(t, v, c, groups, v.Masters, v.Workers)
	ids := stringList(t, s.Outputs["swarm_node_ids"])
	require.Len(t, ids, v.Workers)

	// Scale up by one.
	groups[1].NodeCount, c.NodeCount = v.Workers+1, v.Workers+1
	upd, err := d.ScaleStack(req)
	require.NoError(t, err)
	require.NoError(t, lr.o.UpdateStack(ctx, id, upd))
	s, err = openstack.Wait(ctx, lr.o, id, lr.wait)
	require.NoError(t, err)
	require.Equal(t, "UPDATE_COMPLETE", s.Status)
	groups[1].NodeCount = 0 // read back from the stack
	require.NoError(t, d.ApplyOutputs(s, features, c, groups))
	checkMapped(t, v, c, groups, v.Masters, v.Workers+1)
	idsUp := stringList(t, s.Outputs["swarm_node_ids"])
	require.Len(t, idsUp, v.Workers+1)
	assert.Equal(t, ids, idsUp[:v.Workers], "existing nodes keep their servers")

	// Scale down, removing the first node by its member name.
	groups[1].NodeCount, c.NodeCount = v.Workers, v.Workers
	req.NodesToRemove = []string{"0"}
	upd, err = d.ScaleStack(req)
	require.NoError(t, err)
	require.NoError(t, lr.o.UpdateStack(ctx, id, upd))
	s, err = openstack.Wait(ctx, lr.o, id, lr.wait)
	require.NoError(t, err)
	require.Equal(t, "UPDATE_COMPLETE", s.Status)
	require.NoError(t, d.ApplyOutputs(s, features, c, groups))
	checkMapped(t, v, c, groups, v.Masters, v.Workers)
	idsDown := stringList(t, s.Outputs["swarm_node_ids"])
	assert.NotContains(t, idsDown, idsUp[0], "the chosen node was removed")
	assert.Equal(t, idsUp[1:], idsDown, "the others stayed")

	require.NoError(t, lr.o.DeleteStack(ctx, id))
	_, err = openstack.Wait(ctx, lr.o, id, lr.wait)
	require.ErrorIs(t, err, errdefs.ErrNotFound)
	deleted = true
}

var (
	tlsAPI   = regexp.MustCompile(`^tcp://(\d+\.\d+\.\d+\.\d+):2376$`)
	plainAPI = regexp.MustCompile(`^tcp://(\d+\.\d+\.\d+\.\d+):2375$`)
)

// checkMapped asserts what ApplyOutputs wrote for a variant.
func checkMapped(t *testing.T, v variant, c *cluster.Cluster, groups []*cluster.NodeGroup, masters, workers int) {
	t.Helper()
	re := tlsAPI
	if v.TLSDisabled {
		re = plainAPI
	}
	m := re.FindStringSubmatch(c.APIAddress)
	require.NotNil(t, m, "api_address %q", c.APIAddress)
	assert.Len(t, c.MasterAddresses, masters)
	assert.Len(t, c.NodeAddresses, workers)
	assert.Equal(t, c.MasterAddresses, groups[0].NodeAddresses)
	assert.Equal(t, c.NodeAddresses, groups[1].NodeAddresses)
	assert.Equal(t, masters, groups[0].NodeCount, "manager count read back")
	assert.Equal(t, workers, groups[1].NodeCount, "node count read back")
	assert.Equal(t, masters, c.MasterCount)
	assert.Equal(t, workers, c.NodeCount)
	for _, a := range append(slices.Clone(c.MasterAddresses), c.NodeAddresses...) {
		addr, err := netip.ParseAddr(a)
		require.NoError(t, err)
		assert.Equal(t, v.FloatingIP, netip.MustParsePrefix("172.24.0.0/16").Contains(addr), "public addresses iff floating IPs: %s", a)
	}
	if !v.MasterLB {
		assert.Equal(t, c.MasterAddresses[0], m[1], "the first manager's address")
	} else {
		assert.NotContains(t, c.MasterAddresses, m[1], "the load balancer's address")
	}
}

func stringList(t *testing.T, v any) []string {
	t.Helper()
	l, ok := v.([]any)
	require.True(t, ok, "want a list, got %T", v)
	out := make([]string, len(l))
	for i, x := range l {
		s, ok := x.(string)
		require.True(t, ok, "want strings, got %T", x)
		out[i] = s
	}
	return out
}
