package k8s_test

import (
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/k8s"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/template"
)

// upgradeRequest is an upgrade of a cluster with an etcd volume from its
// template (kube_tag v1.30.4) to a copy with a new image and kube_tag.
func upgradeRequest(t testing.TB) *driver.Request {
	req := request(t, variant{EtcdVolume: true})
	req.Template.Labels = labels.Labels{"kube_tag": "v1.30.4", "etcd_tag": "3.5.15-0"}
	req.Cluster.Labels = labels.Merge(req.Template.Labels, req.Cluster.Labels)
	to := req.Template.Clone()
	to.UUID, to.Name = "1111aaaa-2222-4333-8444-555566667777", "k8s-template-v1.31"
	to.ImageID = "fedora-atomic-30"
	to.Labels = labels.Labels{"kube_tag": "v1.31.0", "etcd_tag": "3.5.15-0"}
	req.Upgrade = &driver.Upgrade{To: to, MaxBatchSize: 2}
	return req
}

func TestValidateUpgrade(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(r *driver.Request)
		field string // "" = valid
	}{
		{"image and kube_tag", func(*driver.Request) {}, ""},
		{"kube_tag only", func(r *driver.Request) { r.Upgrade.To.ImageID = r.Template.ImageID }, ""},
		{"image only", func(r *driver.Request) { r.Upgrade.To.Labels["kube_tag"] = "v1.30.4" }, ""},
		{"patch release", func(r *driver.Request) { r.Upgrade.To.Labels["kube_tag"] = "v1.30.9" }, ""},
		{"other version label only", func(r *driver.Request) {
			r.Upgrade.To.ImageID = r.Template.ImageID
			r.Upgrade.To.Labels = labels.Labels{"kube_tag": "v1.30.4", "etcd_tag": "3.5.16-0"}
		}, ""},
		{"unparsable versions are skipped", func(r *driver.Request) { r.Upgrade.To.Labels["coredns_tag"] = "latest" }, ""},
		{"a group without etcd volume", func(r *driver.Request) { r.Group = gpuGroup(); delete(r.Cluster.Labels, "etcd_volume_size") }, ""},
		{"nothing changes", func(r *driver.Request) { r.Upgrade.To = r.Template.Clone() }, "cluster_template"},
		{"no kube_tag", func(r *driver.Request) { delete(r.Upgrade.To.Labels, "kube_tag") }, "labels/kube_tag"},
		{"bad kube_tag", func(r *driver.Request) { r.Upgrade.To.Labels["kube_tag"] = "v1.31;x" }, "labels/kube_tag"},
		{"kube_tag downgrade", func(r *driver.Request) { r.Upgrade.To.Labels["kube_tag"] = "v1.30.1" }, "labels/kube_tag"},
		{"skipped minor", func(r *driver.Request) { r.Upgrade.To.Labels["kube_tag"] = "v1.32.0" }, "labels/kube_tag"},
		{"major", func(r *driver.Request) { r.Upgrade.To.Labels["kube_tag"] = "v2.0.0" }, "labels/kube_tag"},
		{"etcd_tag downgrade", func(r *driver.Request) { r.Upgrade.To.Labels["etcd_tag"] = "3.5.9-0" }, "labels/etcd_tag"},
		{"etcd_tag revision downgrade", func(r *driver.Request) {
			r.Cluster.Labels["etcd_tag"] = "3.5.15-1"
		}, "labels/etcd_tag"},
		{"other COE", func(r *driver.Request) { r.Upgrade.To.COE = "swarm" }, "cluster_template"},
		{"other distro", func(r *driver.Request) { r.Upgrade.To.ClusterDistro = "coreos" }, "cluster_template"},
		{"other server type", func(r *driver.Request) { r.Upgrade.To.ServerType = "bm" }, "cluster_template"},
		{"other network driver", func(r *driver.Request) { r.Upgrade.To.NetworkDriver = "calico" }, "cluster_template"},
		{"tls", func(r *driver.Request) { r.Upgrade.To.TLSDisabled = true }, "cluster_template"},
		{"no etcd volume", func(r *driver.Request) { delete(r.Cluster.Labels, "etcd_volume_size") }, "labels/etcd_volume_size"},
		{"no target", func(r *driver.Request) { r.Upgrade = nil }, "cluster_template"},
		{"batch", func(r *driver.Request) { r.Upgrade.MaxBatchSize = -1 }, "max_batch_size"},
	}
	d := k8s.NewFedoraAtomic()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := upgradeRequest(t)
			c.edit(req)
			err := d.ValidateUpgrade(req)
			if c.field == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, errdefs.ErrInvalid)
			assert.Contains(t, fields(err), c.field)
		})
	}
	// The CoreOS driver refuses Fedora Atomic templates.
	assert.ErrorIs(t, k8s.NewCoreOS().ValidateUpgrade(upgradeRequest(t)), errdefs.ErrInvalid)
}

func TestCheckUpgradeRollback(t *testing.T) {
	d := k8s.NewFedoraAtomic()
	up := upgradeRequest(t)
	// Back from the upgrade's target to the template before it.
	back := upgradeRequest(t)
	back.Template, back.Upgrade.To = up.Upgrade.To, up.Template
	back.Cluster.Labels = k8s.UpgradeLabels(up.Template, up.Cluster.Labels, up.Upgrade.To)
	require.ErrorIs(t, d.ValidateUpgrade(back), errdefs.ErrInvalid, "a downgrade")
	require.NoError(t, d.CheckUpgrade(back, k8s.UpgradeCheck{Rollback: true}))
	upd, err := d.UpgradeStack(back)
	require.NoError(t, err)
	env, err := k8s.ParseEnvFile([]byte(upd.Parameters["node_env"].(string)))
	require.NoError(t, err)
	tag, _ := env.Get("KUBE_TAG")
	assert.Equal(t, "v1.30.4", tag)
	assert.Equal(t, "fedora-atomic-29", upd.Parameters["master_image"])
	// The other rules still hold.
	back.Upgrade.To.COE = "swarm"
	assert.ErrorIs(t, d.CheckUpgrade(back, k8s.UpgradeCheck{Rollback: true}), errdefs.ErrInvalid)
}

func TestUpgradeLabels(t *testing.T) {
	from := &template.ClusterTemplate{Labels: labels.Labels{"kube_tag": "v1.30.4", "calico_tag": "v3.26", "a": "1"}}
	to := &template.ClusterTemplate{Labels: labels.Labels{"kube_tag": "v1.31.0", "b": "2"}}
	cur := labels.Labels{"kube_tag": "v1.30.4", "calico_tag": "v3.26", "a": "override", "availability_zone": "nova"}
	assert.Equal(t, labels.Labels{"kube_tag": "v1.31.0", "b": "2", "a": "override", "availability_zone": "nova"},
		k8s.UpgradeLabels(from, cur, to))
	// Applying it again changes nothing.
	assert.Equal(t, k8s.UpgradeLabels(from, cur, to), k8s.UpgradeLabels(from, k8s.UpgradeLabels(from, cur, to), to))
}

// mergeUpdate applies an existing=true update's parameters to the request
// that created the stack, as Heat's PATCH does.
func mergeUpdate(sr heat.StackRequest, upd heat.UpdateRequest) heat.StackRequest {
	out := sr
	out.Parameters = maps.Clone(sr.Parameters)
	for _, k := range upd.ClearParameters {
		delete(out.Parameters, k)
	}
	maps.Copy(out.Parameters, upd.Parameters)
	return out
}

func TestUpgradeStack(t *testing.T) {
	for _, d := range drivers() {
		t.Run(d.Info().Name, func(t *testing.T) {
			req := upgradeRequest(t)
			if d.Info().Name == "k8s_coreos_v1" {
				req.Template.ClusterDistro, req.Upgrade.To.ClusterDistro = "coreos", "coreos"
			}
			req.NodeGroups[0].ImageID = req.Template.ImageID // recorded on the groups, as Magnum does
			req.Rollback = true
			upd, err := d.UpgradeStack(req)
			require.NoError(t, err)
			assert.True(t, upd.Existing)
			assert.False(t, upd.DisableRollback)
			assert.Equal(t, []string{"minions_to_remove"}, upd.ClearParameters)
			assert.ElementsMatch(t, []string{"master_image", "minion_image", "node_env", "update_max_batch_size"}, paramNames(upd.Parameters))
			assert.Equal(t, "fedora-atomic-30", upd.Parameters["master_image"])
			assert.Equal(t, "fedora-atomic-30", upd.Parameters["minion_image"])
			assert.EqualValues(t, 2, upd.Parameters["update_max_batch_size"])
			env, err := k8s.ParseEnvFile([]byte(upd.Parameters["node_env"].(string)))
			require.NoError(t, err)
			tag, _ := env.Get("KUBE_TAG")
			assert.Equal(t, "v1.31.0", tag)
			pw, _ := env.Get("TRUSTEE_PASSWORD")
			assert.Equal(t, req.Nodes.Trustee.Password, pw)

			// The update fits the stack the cluster was created with.
			in := input(t, variant{EtcdVolume: true})
			in.Template = req.Template
			sr, _, err := d.RenderCluster(in)
			require.NoError(t, err)
			require.NoError(t, heat.Check(mergeUpdate(sr, upd), nil))
			// The servers are replaced (new image, new user data), the
			// groups roll in batches, the minions after the masters.
			tmpl, err := heat.ParseTemplate("cluster.yaml", sr.Template)
			require.NoError(t, err)
			assert.Contains(t, tmpl.Resources["kube_minions"].DependsOn, "kube_masters")
			for _, g := range []string{"kube_masters", "kube_minions"} {
				assert.NotNil(t, tmpl.Resources[g].UpdatePolicy["rolling_update"], g)
			}
			for _, f := range []string{"templates/master.yaml", "templates/minion.yaml"} {
				node, err := heat.ParseTemplate(f, []byte(sr.Files[f]))
				require.NoError(t, err)
				props := node.Resources["server"].Properties
				assert.Equal(t, "REPLACE", props["image_update_policy"], f)
				assert.Equal(t, "REPLACE", props["user_data_update_policy"], f)
			}

			// Batch size 0 is 1.
			req.Upgrade.MaxBatchSize = 0
			upd, err = d.UpgradeStack(req)
			require.NoError(t, err)
			assert.EqualValues(t, 1, upd.Parameters["update_max_batch_size"])
		})
	}
}

func TestUpgradeGroupStack(t *testing.T) {
	d := k8s.NewFedoraAtomic()
	req := upgradeRequest(t)
	req.Group = gpuGroup()
	req.Group.ImageID = "custom-image"
	req.Name = "prod-cluster-gpu"
	upd, err := d.UpgradeStack(req)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"minion_image", "node_env", "update_max_batch_size"}, paramNames(upd.Parameters))
	assert.Equal(t, "fedora-atomic-30", upd.Parameters["minion_image"])
	sr, err := d.RenderNodeGroupStack(groupRequest(t, variant{EtcdVolume: true}, gpuGroup()), clusterStack())
	require.NoError(t, err)
	require.NoError(t, heat.CheckNamed("nodegroup.yaml", mergeUpdate(sr, upd), nil))
}

func TestUpgradeStackRefusesWhatValidateRefuses(t *testing.T) {
	req := upgradeRequest(t)
	req.Upgrade.To.COE = "mesos"
	_, err := k8s.NewFedoraAtomic().UpgradeStack(req)
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
}

func paramNames(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }
