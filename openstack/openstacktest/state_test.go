package openstacktest_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/heat/heattest"
	"github.com/gomagnum/magnum/openstack"
	"github.com/gomagnum/magnum/openstack/openstacktest"
	"github.com/gomagnum/magnum/policy"
	"github.com/gomagnum/magnum/store/sqlstore"
	"github.com/gomagnum/magnum/template"
)

func openCloud(t *testing.T, dir string, clock heattest.Clock) *openstacktest.Server {
	t.Helper()
	srv, err := openstacktest.Open(openstacktest.Options{StateDir: dir,
		Heat: heattest.Options{Clock: clock, ActionDuration: 2 * time.Second}})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	require.NoError(t, srv.StateError())
	return srv
}

func TestStateDirKeepsTheCatalog(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cloud")
	srv1 := openCloud(t, dir, nil)
	img := srv1.AddImage(openstacktest.Image{Name: "fcos", Properties: map[string]string{"os_distro": "fedora-coreos"}})
	require.True(t, srv1.RemoveFlavor(srv1.FlavorID("m1.medium")))
	net := srv1.AddNetwork(openstacktest.Network{Name: "extra"})
	sn := srv1.AddSubnet(openstacktest.Subnet{Name: "extra-subnet", NetworkID: net.ID, CIDR: "10.9.0.0/24"})
	images, flavors, networks, subnets := srv1.Images(), srv1.Flavors(), srv1.Networks(), srv1.Subnets()
	srv1.Close()

	srv2 := openCloud(t, dir, nil)
	assert.Equal(t, images, srv2.Images(), "the seed catalog is not added twice, and IDs are the same")
	assert.Equal(t, flavors, srv2.Flavors(), "removals persist")
	assert.Equal(t, networks, srv2.Networks())
	assert.Equal(t, subnets, srv2.Subnets())
	assert.Equal(t, img.ID, srv2.ImageID("fcos"))
	assert.Equal(t, sn.ID, srv2.SubnetID("extra-subnet"))

	// What the services serve comes from the replayed catalog.
	c, err := srv2.Connect(context.Background())
	require.NoError(t, err)
	distro, err := c.OSDistro(context.Background(), "fcos")
	require.NoError(t, err)
	assert.Equal(t, "fedora-coreos", distro)
	next := srv2.AddFlavor(openstacktest.Flavor{Name: "m1.large"})
	assert.NotContains(t, []string{flavors[0].ID, flavors[1].ID}, next.ID, "generated IDs go on where they were")
}

func TestStateDirEmptyStaysEmpty(t *testing.T) {
	dir := t.TempDir()
	srv1, err := openstacktest.Open(openstacktest.Options{StateDir: dir, Empty: true})
	require.NoError(t, err)
	srv1.Close()
	srv2 := openCloud(t, dir, nil)
	assert.Empty(t, srv2.Images(), "the directory was started empty")
}

func TestStateDirErrors(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, openstacktest.CatalogStateFile), []byte("[1,2]\nnot json\n[3]\n"), 0o600))
	_, err := openstacktest.Open(openstacktest.Options{StateDir: dir})
	require.Error(t, err)
	assert.ErrorIs(t, err, errdefs.ErrInvalid)

	srv := openstacktest.New(openstacktest.Options{StateDir: dir})
	defer srv.Close()
	assert.ErrorIs(t, srv.StateError(), errdefs.ErrInvalid, "New serves without persistence and says why")
	assert.NotEmpty(t, srv.Images(), "with the seed catalog")

	file := filepath.Join(t.TempDir(), "a-file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	_, err = openstacktest.Open(openstacktest.Options{StateDir: file})
	assert.Error(t, err, "a state directory that is a file")
}

// process is one CLI invocation's worth of gomagnum: a fake cloud on the
// state directory, the SQLite store and a Manager, closed by the caller.
type process struct {
	cloud *openstacktest.Server
	store *sqlstore.Store
	m     *magnum.Manager
}

func startProcess(t testing.TB, stateDir, db string, clock heattest.Clock) *process {
	t.Helper()
	ctx := context.Background()
	fake, err := openstacktest.Open(openstacktest.Options{StateDir: stateDir,
		Heat: heattest.Options{Clock: clock, ActionDuration: 2 * time.Second}})
	require.NoError(t, err)
	require.NoError(t, fake.StateError())
	cloud, err := fake.Connect(ctx)
	require.NoError(t, err)
	orch, err := cloud.Orchestrator(openstack.Config{})
	require.NoError(t, err)
	st, err := sqlstore.Open(ctx, db, sqlstore.Config{})
	require.NoError(t, err)
	m, err := magnum.New(magnum.Config{
		Store: st, Orchestrator: orch, Images: cloud, Resources: cloud,
		Nodes: driver.NodeAccess{SignURL: "https://magnum.example.com:9511/v1", AuthURL: fake.AuthOptions().IdentityEndpoint,
			Trustee: driver.Trustee{UserID: "trustee-1", Password: "s3cret"}},
		Host: "cli",
	})
	require.NoError(t, err)
	return &process{cloud: fake, store: st, m: m}
}

func (p *process) close(t testing.TB) {
	t.Helper()
	require.NoError(t, p.m.Close())
	require.NoError(t, p.store.Close())
	p.cloud.Close()
}

// sync runs SyncOnce until the cluster is no longer in progress (nil once
// it is gone).
func (p *process) sync(t *testing.T, ctx context.Context, id string) *cluster.Cluster {
	t.Helper()
	for range 50 {
		require.NoError(t, p.m.SyncOnce(ctx))
		c, err := p.m.GetCluster(ctx, id)
		if errors.Is(err, errdefs.ErrNotFound) {
			return nil
		}
		require.NoError(t, err)
		if !c.Status.InProgress() {
			return c
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("cluster %s stayed in progress", id)
	return nil
}

// TestClusterAcrossProcesses is the CLI's case: each invocation starts the
// simulated cloud from the state directory, runs one command and a sync,
// and exits; the cluster lives on in the SQLite file and the stacks in the
// state directory, and progresses by the clock in between.
func TestClusterAcrossProcesses(t *testing.T) {
	tmp := t.TempDir()
	stateDir, db := filepath.Join(tmp, "cloud"), filepath.Join(tmp, "magnum.db")
	alice := policy.Caller{UserID: "alice", ProjectID: "team-a", Roles: []string{"member"}}
	ctx := policy.WithCaller(context.Background(), alice)
	t0 := time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)

	// Invocation 1: create the template and the cluster; exit once the
	// stack is submitted (the create runs in the background).
	p1 := startProcess(t, stateDir, db, heattest.NewManualClock(t0))
	_, err := p1.m.CreateClusterTemplate(ctx, &template.ClusterTemplate{
		Name: "k8s", COE: "kubernetes", ImageID: "fedora-atomic-latest", KeyPairID: "testkey",
		ExternalNetworkID: "public", FlavorID: "m1.small", MasterFlavorID: "m1.medium",
	})
	require.NoError(t, err)
	c, err := p1.m.CreateCluster(ctx, &magnum.ClusterRequest{Name: "demo", ClusterTemplate: "k8s"})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		got, err := p1.m.GetCluster(ctx, c.UUID)
		return err == nil && got.StackID != ""
	}, 10*time.Second, 5*time.Millisecond, "the stack is submitted")
	require.NoError(t, p1.m.SyncOnce(ctx))
	c, err = p1.m.GetCluster(ctx, c.UUID)
	require.NoError(t, err)
	assert.Equal(t, cluster.CreateInProgress, c.Status, "the fake's clock has not moved")
	stackID := c.StackID
	p1.close(t)

	// Invocation 2, an hour later: the stack finished meanwhile; a sync
	// sees it.
	p2 := startProcess(t, stateDir, db, heattest.NewManualClock(t0.Add(time.Hour)))
	c = p2.sync(t, ctx, c.UUID)
	require.NotNil(t, c)
	assert.Equal(t, cluster.CreateComplete, c.Status, c.StatusReason)
	assert.Equal(t, stackID, c.StackID, "the same stack")
	assert.NotEmpty(t, c.APIAddress)
	assert.Len(t, c.MasterAddresses, 1)
	assert.Len(t, c.NodeAddresses, 1)
	addresses := append(append([]string{c.APIAddress}, c.MasterAddresses...), c.NodeAddresses...)
	require.NoError(t, p2.m.DeleteCluster(ctx, c.UUID))
	require.Eventually(t, func() bool { return p2.cloud.Heat().Requests(heattest.KindDelete) > 0 },
		10*time.Second, 5*time.Millisecond, "the stack delete is sent")
	require.NoError(t, p2.m.SyncOnce(ctx))
	got, err := p2.m.GetCluster(ctx, c.UUID)
	require.NoError(t, err)
	assert.Equal(t, cluster.DeleteInProgress, got.Status, "the fake's clock has not moved")
	p2.close(t)

	// Invocation 3: the delete finished; the record goes.
	p3 := startProcess(t, stateDir, db, heattest.NewManualClock(t0.Add(2*time.Hour)))
	assert.Nil(t, p3.sync(t, ctx, c.UUID), "the cluster is gone once its stack is")
	p3.close(t)

	// The addresses were those of the stack the first invocation created.
	assert.NotContains(t, addresses, "")
}

// docBytes reads a template or environment sent as a string or an object.
func docBytes(raw json.RawMessage) []byte {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []byte(s)
	}
	return raw
}

// BenchmarkOpenClusters measures what a CLI invocation pays to start the
// simulated cloud from a state directory holding 300 Kubernetes clusters'
// stacks (the driver's real templates, one master and one node each).
func BenchmarkOpenClusters(b *testing.B) {
	tmp := b.TempDir()
	stateDir, db := filepath.Join(tmp, "cloud"), filepath.Join(tmp, "magnum.db")
	ctx := policy.WithCaller(context.Background(), policy.Caller{UserID: "alice", ProjectID: "team-a", Roles: []string{"member"}})
	p := startProcess(b, stateDir, db, nil)
	_, err := p.m.CreateClusterTemplate(ctx, &template.ClusterTemplate{
		Name: "k8s", COE: "kubernetes", ImageID: "fedora-atomic-latest", KeyPairID: "testkey",
		ExternalNetworkID: "public", FlavorID: "m1.small", MasterFlavorID: "m1.medium",
	})
	require.NoError(b, err)
	c, err := p.m.CreateCluster(ctx, &magnum.ClusterRequest{Name: "c000", ClusterTemplate: "k8s"})
	require.NoError(b, err)
	require.Eventually(b, func() bool {
		got, err := p.m.GetCluster(ctx, c.UUID)
		return err == nil && got.StackID != ""
	}, 10*time.Second, 5*time.Millisecond)

	// The cluster's stack create, as the driver sent it, repeated under
	// other names.
	f, err := os.Open(filepath.Join(stateDir, openstacktest.HeatStateFile))
	require.NoError(b, err)
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 64<<20)
	var body struct {
		Template    json.RawMessage   `json:"template"`
		Files       map[string]string `json:"files"`
		Environment json.RawMessage   `json:"environment"`
		Parameters  map[string]any    `json:"parameters"`
	}
	blobs := map[string]json.RawMessage{}
	for sc.Scan() {
		var rec struct {
			Op   string            `json:"op"`
			Body json.RawMessage   `json:"body"`
			Refs map[string]string `json:"refs"` // large values kept once, by hash
			Hash string            `json:"hash"`
			Data json.RawMessage   `json:"data"`
		}
		require.NoError(b, json.Unmarshal(sc.Bytes(), &rec))
		switch rec.Op {
		case "blob":
			blobs[rec.Hash] = rec.Data
		case "create":
			require.NoError(b, json.Unmarshal(rec.Body, &body))
			if body.Files == nil {
				body.Files = map[string]string{}
			}
			for place, h := range rec.Refs {
				switch name, isFile := strings.CutPrefix(place, "files/"); {
				case isFile:
					var v string
					require.NoError(b, json.Unmarshal(blobs[h], &v))
					body.Files[name] = v
				case place == "template":
					body.Template = blobs[h]
				case place == "environment":
					body.Environment = blobs[h]
				}
			}
		}
	}
	require.NoError(b, f.Close())
	require.NotEmpty(b, body.Template)
	cloud, err := p.cloud.Connect(context.Background())
	require.NoError(b, err)
	orch, err := cloud.Orchestrator(openstack.Config{})
	require.NoError(b, err)
	for i := 1; i < 300; i++ {
		_, err := orch.CreateStack(context.Background(), heat.StackRequest{Name: fmt.Sprintf("c%03d", i),
			Template: docBytes(body.Template), Files: body.Files, Environment: docBytes(body.Environment), Parameters: body.Parameters})
		require.NoError(b, err)
	}
	p.close(b)
	st, err := os.Stat(filepath.Join(stateDir, openstacktest.HeatStateFile))
	require.NoError(b, err)
	b.ReportMetric(float64(st.Size())/1e6, "MB")

	b.ResetTimer()
	for range b.N {
		srv, err := openstacktest.Open(openstacktest.Options{StateDir: stateDir})
		if err != nil {
			b.Fatal(err)
		}
		if err := srv.StateError(); err != nil {
			b.Fatal(err)
		}
		srv.Close()
	}
}
