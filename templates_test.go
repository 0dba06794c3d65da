package magnum_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/patch"
	"github.com/gomagnum/magnum/policy"
	"github.com/gomagnum/magnum/store"
	"github.com/gomagnum/magnum/template"
)

var (
	alice = policy.Caller{UserID: "alice", ProjectID: "p-alice", Roles: []string{"member"}}
	bob   = policy.Caller{UserID: "bob", ProjectID: "p-bob", Roles: []string{"member"}}
	admin = policy.Caller{UserID: "root", ProjectID: "p-admin", Roles: []string{"admin"}, Admin: true}
)

func as(c policy.Caller) context.Context { return policy.WithCaller(context.Background(), c) }

func newManager(t *testing.T) *magnum.Manager {
	t.Helper()
	n := 0
	m, err := magnum.New(magnum.Config{
		Clock: func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) },
		NewName: func(kind string) string {
			n++
			return fmt.Sprintf("generated-%d-%s", n, kind)
		},
	})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, m.Close()) })
	return m
}

func k8sTemplate(name string) *template.ClusterTemplate {
	return &template.ClusterTemplate{
		Name: name, COE: "kubernetes", ImageID: "fedora-atomic-27", ClusterDistro: "fedora-atomic",
		ExternalNetworkID: "public", FlavorID: "m1.small",
	}
}

func ops(t *testing.T, js string) []patch.Op {
	t.Helper()
	o, err := patch.Parse([]byte(js))
	require.NoError(t, err)
	return o
}

func fields(err error) []string {
	var out []string
	for _, p := range errdefs.Problems(err) {
		out = append(out, p.Field)
	}
	return out
}

func TestCreateTemplateAppliesDefaultsAndOwnership(t *testing.T) {
	m := newManager(t)
	in := k8sTemplate("")
	in.UUID, in.ProjectID, in.Revision = "forged", "p-bob", 42 // read-only: ignored
	got, err := m.CreateClusterTemplate(as(alice), in)
	require.NoError(t, err)

	assert.NotEqual(t, "forged", got.UUID)
	assert.Equal(t, "p-alice", got.ProjectID)
	assert.Equal(t, "alice", got.UserID)
	assert.Equal(t, "generated-1-template", got.Name)
	assert.Equal(t, "vm", got.ServerType)
	assert.Equal(t, "flannel", got.NetworkDriver)
	assert.True(t, got.FloatingIP())
	assert.NotNil(t, got.Labels)
	assert.Equal(t, int64(1), got.Revision)
	assert.Equal(t, time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC), got.CreatedAt)
	assert.Equal(t, "", in.Name, "the caller's struct is not modified")

	swarm, err := m.CreateClusterTemplate(as(alice), &template.ClusterTemplate{
		Name: "sw", COE: "swarm", ImageID: "fa", ClusterDistro: "fedora-atomic", ExternalNetworkID: "public"})
	require.NoError(t, err)
	assert.Equal(t, "docker", swarm.NetworkDriver)
}

func TestCreateTemplateReportsEveryProblemAndStoresNothing(t *testing.T) {
	m := newManager(t)
	bad := &template.ClusterTemplate{
		COE: "kubernetes", ClusterDistro: "fedora-atomic",
		NetworkDriver: "weave", VolumeDriver: "rexray", APIServerPort: 80,
		HTTPProxy: "http://proxy;rm -rf /", DNSNameServer: "not-an-ip",
	}
	_, err := m.CreateClusterTemplate(as(alice), bad)
	require.Error(t, err)
	assert.ErrorIs(t, err, magnum.ErrInvalid)
	assert.ElementsMatch(t, []string{"image_id", "external_network_id", "network_driver", "volume_driver",
		"apiserver_port", "http_proxy", "dns_nameserver"}, fields(err))

	list, err := m.ListClusterTemplates(as(alice), magnum.ListOptions{})
	require.NoError(t, err)
	assert.Empty(t, list)
}

func TestCreateTemplateNeedsADriverForItsTuple(t *testing.T) {
	m := newManager(t)
	tpl := k8sTemplate("x")
	tpl.ClusterDistro = "windows"
	_, err := m.CreateClusterTemplate(as(alice), tpl)
	assert.ErrorIs(t, err, magnum.ErrUnsupported)

	tpl.ClusterDistro = ""
	_, err = m.CreateClusterTemplate(as(alice), tpl)
	assert.ErrorIs(t, err, magnum.ErrInvalid)
	assert.Contains(t, fields(err), "cluster_distro")
}

type images map[string]string

func (i images) OSDistro(_ context.Context, image string) (string, error) {
	d, ok := i[image]
	if !ok {
		return "", errdefs.NotFound("image", image)
	}
	return d, nil
}

func TestCreateTemplateTakesDistroFromTheImage(t *testing.T) {
	m, err := magnum.New(magnum.Config{Images: images{"fa27": "fedora-atomic", "plain": ""}})
	require.NoError(t, err)
	defer m.Close()

	tpl := k8sTemplate("x")
	tpl.ImageID, tpl.ClusterDistro = "fa27", "coreos" // the user's distro is ignored
	got, err := m.CreateClusterTemplate(as(alice), tpl)
	require.NoError(t, err)
	assert.Equal(t, "fedora-atomic", got.ClusterDistro)

	// A patch cannot make the distro disagree with the image.
	got, err = m.UpdateClusterTemplate(as(alice), got.UUID, ops(t, `[{"op":"replace","path":"/cluster_distro","value":"coreos"}]`))
	require.NoError(t, err)
	assert.Equal(t, "fedora-atomic", got.ClusterDistro)

	for _, img := range []string{"missing", "plain"} {
		tpl.ImageID = img
		_, err = m.CreateClusterTemplate(as(alice), tpl)
		assert.ErrorIs(t, err, magnum.ErrInvalid, img)
		assert.Equal(t, []string{"image_id"}, fields(err), img)
	}
}

func TestNoCallerIsForbiddenUnlessDefaulted(t *testing.T) {
	m := newManager(t)
	_, err := m.CreateClusterTemplate(context.Background(), k8sTemplate("x"))
	assert.ErrorIs(t, err, magnum.ErrForbidden)

	local := policy.Caller{UserID: "me", ProjectID: "local"}
	m2, err := magnum.New(magnum.Config{DefaultCaller: &local})
	require.NoError(t, err)
	defer m2.Close()
	got, err := m2.CreateClusterTemplate(context.Background(), k8sTemplate("x"))
	require.NoError(t, err)
	assert.Equal(t, "local", got.ProjectID)
}

func TestPublishingNeedsAdmin(t *testing.T) {
	m := newManager(t)
	pub := k8sTemplate("pub")
	pub.Public = true
	_, err := m.CreateClusterTemplate(as(alice), pub)
	assert.ErrorIs(t, err, magnum.ErrForbidden)

	hid := k8sTemplate("hid")
	hid.Hidden = true
	_, err = m.CreateClusterTemplate(as(alice), hid)
	assert.ErrorIs(t, err, magnum.ErrForbidden)

	mine, err := m.CreateClusterTemplate(as(alice), k8sTemplate("mine"))
	require.NoError(t, err)
	_, err = m.UpdateClusterTemplate(as(alice), mine.UUID, ops(t, `[{"op":"replace","path":"/public","value":true}]`))
	assert.ErrorIs(t, err, magnum.ErrForbidden)

	got, err := m.UpdateClusterTemplate(as(admin), mine.UUID, ops(t, `[{"op":"replace","path":"/public","value":"true"}]`))
	require.NoError(t, err)
	assert.True(t, got.Public)
}

func TestVisibilityAcrossProjects(t *testing.T) {
	m := newManager(t)
	private, err := m.CreateClusterTemplate(as(alice), k8sTemplate("private"))
	require.NoError(t, err)
	public := k8sTemplate("public")
	public.Public = true
	public, err = m.CreateClusterTemplate(as(admin), public)
	require.NoError(t, err)
	hidden := k8sTemplate("hidden")
	hidden.Public, hidden.Hidden = true, true
	hidden, err = m.CreateClusterTemplate(as(admin), hidden)
	require.NoError(t, err)

	// Bob cannot read, patch or delete Alice's private template: to him it does not exist.
	_, err = m.GetClusterTemplate(as(bob), private.UUID)
	assert.ErrorIs(t, err, magnum.ErrNotFound)
	_, err = m.GetClusterTemplate(as(bob), "private")
	assert.ErrorIs(t, err, magnum.ErrNotFound)
	_, err = m.UpdateClusterTemplate(as(bob), private.UUID, ops(t, `[{"op":"replace","path":"/name","value":"mine"}]`))
	assert.ErrorIs(t, err, magnum.ErrNotFound)
	assert.ErrorIs(t, m.DeleteClusterTemplate(as(bob), private.UUID), magnum.ErrNotFound)

	// Public templates are readable by all but changeable only by their owner or admins.
	got, err := m.GetClusterTemplate(as(bob), "public")
	require.NoError(t, err)
	assert.Equal(t, public.UUID, got.UUID)
	_, err = m.UpdateClusterTemplate(as(bob), public.UUID, ops(t, `[{"op":"replace","path":"/name","value":"x"}]`))
	assert.ErrorIs(t, err, magnum.ErrForbidden)
	assert.ErrorIs(t, m.DeleteClusterTemplate(as(bob), public.UUID), magnum.ErrForbidden)

	// Hidden templates are invisible to non-admins.
	_, err = m.GetClusterTemplate(as(bob), hidden.UUID)
	assert.ErrorIs(t, err, magnum.ErrNotFound)

	names := func(c policy.Caller) []string {
		list, err := m.ListClusterTemplates(as(c), magnum.ListOptions{})
		require.NoError(t, err)
		var out []string
		for _, t := range list {
			out = append(out, t.Name)
		}
		return out
	}
	assert.Equal(t, []string{"private", "public"}, names(alice))
	assert.Equal(t, []string{"public"}, names(bob))
	assert.Equal(t, []string{"private", "public", "hidden"}, names(admin))
	// The untouched template is unchanged.
	again, err := m.GetClusterTemplate(as(alice), private.UUID)
	require.NoError(t, err)
	assert.Equal(t, "private", again.Name)
}

func TestAmbiguousNameIsAConflict(t *testing.T) {
	m := newManager(t)
	for range 2 {
		_, err := m.CreateClusterTemplate(as(alice), k8sTemplate("twin"))
		require.NoError(t, err)
	}
	_, err := m.GetClusterTemplate(as(alice), "twin")
	assert.ErrorIs(t, err, magnum.ErrConflict)
	_, err = m.GetClusterTemplate(as(bob), "twin")
	assert.ErrorIs(t, err, magnum.ErrNotFound)
}

func TestUpdateTemplateByPatch(t *testing.T) {
	m := newManager(t)
	tpl, err := m.CreateClusterTemplate(as(alice), k8sTemplate("k8s"))
	require.NoError(t, err)

	got, err := m.UpdateClusterTemplate(as(alice), "k8s", ops(t, `[
		{"op":"replace","path":"/network_driver","value":"calico"},
		{"op":"add","path":"/docker_volume_size","value":"10"},
		{"op":"add","path":"/labels/kube_tag","value":"v1.30.1"}]`))
	require.NoError(t, err)
	assert.Equal(t, "calico", got.NetworkDriver)
	assert.Equal(t, 10, got.DockerVolumeSize)
	assert.Equal(t, "v1.30.1", got.Labels["kube_tag"])
	assert.Equal(t, int64(2), got.Revision)
	require.NotNil(t, got.UpdatedAt)

	// An invalid result is refused and nothing changes.
	_, err = m.UpdateClusterTemplate(as(alice), tpl.UUID, ops(t, `[{"op":"replace","path":"/network_driver","value":"docker"}]`))
	assert.ErrorIs(t, err, magnum.ErrInvalid)
	assert.Contains(t, fields(err), "network_driver")
	_, err = m.UpdateClusterTemplate(as(alice), tpl.UUID, ops(t, `[{"op":"remove","path":"/coe"}]`))
	assert.ErrorIs(t, err, magnum.ErrInvalid)
	_, err = m.UpdateClusterTemplate(as(alice), tpl.UUID, ops(t, `[{"op":"replace","path":"/uuid","value":"x"}]`))
	assert.ErrorIs(t, err, magnum.ErrInvalid)
	after, err := m.GetClusterTemplate(as(alice), tpl.UUID)
	require.NoError(t, err)
	assert.Equal(t, got, after)
}

func TestConcurrentPatchesAreAllApplied(t *testing.T) {
	m := newManager(t)
	tpl, err := m.CreateClusterTemplate(as(alice), k8sTemplate("k8s"))
	require.NoError(t, err)
	const writers = 4
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := m.UpdateClusterTemplate(as(alice), tpl.UUID,
				ops(t, fmt.Sprintf(`[{"op":"add","path":"/labels/w%d","value":"x"}]`, i)))
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		// Each writer either landed or was told it lost the race, never silently dropped.
		if err != nil {
			assert.ErrorIs(t, err, magnum.ErrConflict)
		}
	}
	got, err := m.GetClusterTemplate(as(alice), tpl.UUID)
	require.NoError(t, err)
	assert.Equal(t, int64(1)+int64(len(got.Labels)), got.Revision, "every landed write bumped the revision once")
}

func addCluster(t *testing.T, m *magnum.Manager, tpl *template.ClusterTemplate) {
	t.Helper()
	c := &cluster.Cluster{UUID: fmt.Sprintf("c-%d", time.Now().UnixNano()), Name: "c", ProjectID: tpl.ProjectID,
		ClusterTemplateID: tpl.UUID, Status: cluster.CreateInProgress, CreatedAt: time.Now().UTC()}
	require.NoError(t, m.Store().CreateCluster(context.Background(), c, nil))
}

func TestTemplateInUse(t *testing.T) {
	m := newManager(t)
	tpl, err := m.CreateClusterTemplate(as(alice), k8sTemplate("k8s"))
	require.NoError(t, err)
	addCluster(t, m, tpl)

	err = m.DeleteClusterTemplate(as(alice), tpl.UUID)
	assert.ErrorIs(t, err, magnum.ErrInUse)
	assert.ErrorIs(t, err, magnum.ErrInvalid, "Magnum answers 400 for a referenced template")

	_, err = m.UpdateClusterTemplate(as(alice), tpl.UUID, ops(t, `[{"op":"replace","path":"/flavor_id","value":"m1.large"}]`))
	assert.ErrorIs(t, err, magnum.ErrInUse)

	got, err := m.UpdateClusterTemplate(as(alice), tpl.UUID, ops(t, `[
		{"op":"replace","path":"/name","value":"k8s-v1"},
		{"op":"add","path":"/tags","value":"old"}]`))
	require.NoError(t, err)
	assert.Equal(t, "k8s-v1", got.Name)
	got, err = m.UpdateClusterTemplate(as(admin), tpl.UUID, ops(t, `[{"op":"replace","path":"/public","value":true}]`))
	require.NoError(t, err)
	assert.True(t, got.Public)
	_, err = m.UpdateClusterTemplate(as(admin), tpl.UUID, ops(t, `[{"op":"replace","path":"/public","value":false}]`))
	assert.ErrorIs(t, err, magnum.ErrInUse)

	still, err := m.GetClusterTemplate(as(alice), tpl.UUID)
	require.NoError(t, err)
	assert.Equal(t, "m1.small", still.FlavorID)
}

func TestDeleteTemplate(t *testing.T) {
	m := newManager(t)
	tpl, err := m.CreateClusterTemplate(as(alice), k8sTemplate("k8s"))
	require.NoError(t, err)
	require.NoError(t, m.DeleteClusterTemplate(as(alice), "k8s"))
	_, err = m.GetClusterTemplate(as(alice), tpl.UUID)
	assert.ErrorIs(t, err, magnum.ErrNotFound)
	assert.ErrorIs(t, m.DeleteClusterTemplate(as(alice), tpl.UUID), magnum.ErrNotFound)
}

func TestListPagination(t *testing.T) {
	m := newManager(t)
	for i := range 5 {
		_, err := m.CreateClusterTemplate(as(alice), k8sTemplate(fmt.Sprintf("t%d", i)))
		require.NoError(t, err)
	}
	first, err := m.ListClusterTemplates(as(alice), magnum.ListOptions{Page: store.Page{Limit: 2, SortKey: "name", SortDir: "desc"}})
	require.NoError(t, err)
	require.Len(t, first, 2)
	assert.Equal(t, "t4", first[0].Name)
	next, err := m.ListClusterTemplates(as(alice), magnum.ListOptions{Page: store.Page{Marker: first[1].UUID, Limit: 2, SortKey: "name", SortDir: "desc"}})
	require.NoError(t, err)
	require.Len(t, next, 2)
	assert.Equal(t, "t2", next[0].Name)
	_, err = m.ListClusterTemplates(as(alice), magnum.ListOptions{Page: store.Page{SortKey: "password"}})
	assert.ErrorIs(t, err, magnum.ErrInvalid)
}

func TestTemplateJSONUsesMagnumNames(t *testing.T) {
	m := newManager(t)
	tpl, err := m.CreateClusterTemplate(as(alice), k8sTemplate("k8s"))
	require.NoError(t, err)
	b, err := json.Marshal(tpl)
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(b, &doc))
	for _, k := range []string{"uuid", "coe", "image_id", "keypair_id", "external_network_id", "fixed_network",
		"fixed_subnet", "flavor_id", "master_flavor_id", "dns_nameserver", "public", "hidden", "server_type",
		"network_driver", "volume_driver", "http_proxy", "https_proxy", "no_proxy", "docker_volume_size",
		"docker_storage_driver", "labels", "tls_disabled", "registry_enabled", "insecure_registry",
		"master_lb_enabled", "floating_ip_enabled", "apiserver_port", "tags", "cluster_distro",
		"project_id", "user_id", "created_at", "updated_at", "name"} {
		assert.Contains(t, doc, k)
	}
}

func TestCustomPolicyIsConsulted(t *testing.T) {
	// A read-only deployment: nobody may delete templates, admins included.
	readOnly := policy.Func(func(ctx context.Context, c policy.Caller, a policy.Action, tg policy.Target) error {
		if a == policy.TemplateDelete {
			return errdefs.Forbidden(resTemplate, "", "templates are read-only here")
		}
		return policy.Default{}.Authorize(ctx, c, a, tg)
	})
	m, err := magnum.New(magnum.Config{Policy: readOnly})
	require.NoError(t, err)
	defer m.Close()
	tpl, err := m.CreateClusterTemplate(as(admin), k8sTemplate("k8s"))
	require.NoError(t, err)
	err = m.DeleteClusterTemplate(as(admin), tpl.UUID)
	assert.ErrorIs(t, err, magnum.ErrForbidden)
	assert.Contains(t, err.Error(), "read-only")
	_, err = m.GetClusterTemplate(as(admin), tpl.UUID)
	assert.NoError(t, err, "still there")
}

const resTemplate = "clustertemplate"
