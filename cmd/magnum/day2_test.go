package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// versionedTemplate creates a Kubernetes template at a kube_tag, with the
// etcd volume that upgrades and CA rotations (which replace the masters)
// need.
func (c *magnumCLI) versionedTemplate(name, kubeTag string, extra ...string) {
	c.t.Helper()
	c.ok(append([]string{"cluster-template-create", "--name", name, "--coe", "kubernetes", "--image", "fedora-atomic-latest",
		"--keypair", "testkey", "--external-network", "public", "--flavor", "m1.small", "--master-flavor", "m1.medium",
		"--labels", "kube_tag=" + kubeTag + ",etcd_volume_size=5"}, extra...)...)
}

// groupNames lists a cluster's node groups by name.
func (c *magnumCLI) groupNames(cluster string) []string {
	c.t.Helper()
	var list []map[string]any
	c.jsonOf(&list, "nodegroup-list", cluster)
	var names []string
	for _, g := range list {
		names = append(names, g["name"].(string))
	}
	return names
}

// TestNodeGroupFlow: a node group created with labels, node labels and a
// taint, listed, shown, resized through cluster-resize --nodegroup,
// patched, refused in every bad way without a change, and deleted — each
// step a separate process.
func TestNodeGroupFlow(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.versionedTemplate("k8s", "v1.30.4")
	c.ok("cluster-create", "--name", "prod", "--cluster-template", "k8s", "--node-count", "1", "--wait")

	var g map[string]any
	c.jsonOf(&g, "nodegroup-create", "prod", "gpu", "--node-count", "2", "--max-nodes", "3", "--flavor", "m1.medium",
		"--labels", "team=ml", "--merge-labels", "--node-label", "accel=gpu", "--node-taint", "gpu=true:NoSchedule", "--wait")
	assert.Equal(t, "CREATE_COMPLETE", g["status"])
	assert.Len(t, g["node_addresses"], 2)
	assert.Equal(t, "m1.medium", g["flavor_id"])
	assert.Equal(t, "ml", g["labels"].(map[string]any)["team"])
	assert.Equal(t, "v1.30.4", g["labels"].(map[string]any)["kube_tag"], "merged over the cluster's")
	assert.Equal(t, map[string]any{"accel": "gpu"}, g["node_labels"])
	assert.Equal(t, []any{map[string]any{"key": "gpu", "value": "true", "effect": "NoSchedule"}}, g["node_taints"])

	r := c.ok("nodegroup-list", "prod")
	assert.Contains(t, r.stdout, "| gpu ")
	assert.Contains(t, r.stdout, "| default-worker ")
	assert.Contains(t, r.stdout, "| uuid ")
	assert.ElementsMatch(t, []string{"default-master", "default-worker", "gpu"}, c.groupNames("prod"))
	var masters []map[string]any
	c.jsonOf(&masters, "nodegroup-list", "prod", "--role", "master")
	require.Len(t, masters, 1)
	r = c.ok("nodegroup-show", "prod", "gpu")
	assert.Regexp(t, `\| max_node_count +\| 3 +\|`, r.stdout)

	// Resize the group, not the default workers.
	r = c.ok("cluster-resize", "prod", "3", "--nodegroup", "gpu", "--wait")
	assert.Contains(t, r.stderr, "prod: UPDATE_IN_PROGRESS")
	var shown map[string]any
	c.jsonOf(&shown, "nodegroup-show", "prod", "gpu")
	assert.EqualValues(t, 3, shown["node_count"])
	assert.Len(t, shown["node_addresses"], 3)
	var cl map[string]any
	c.jsonOf(&cl, "cluster-show", "prod")
	assert.EqualValues(t, 4, cl["node_count"], "one default worker and three in gpu")

	c.jsonOf(&shown, "nodegroup-update", "prod", "gpu", "replace", "max_node_count=5", "min_node_count=1")
	assert.EqualValues(t, 5, shown["max_node_count"])
	assert.EqualValues(t, 1, shown["min_node_count"])

	// Bad input: exit 2 (1 for a conflict), a message naming the problem,
	// nothing changed.
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"cluster-resize", "prod", "6", "--nodegroup", "gpu"}, 2, "max_node_count"},
		{[]string{"cluster-resize", "prod", "1", "--nodegroup", "nope"}, 2, "nope"},
		{[]string{"nodegroup-update", "prod", "gpu", "replace", "node_count=1"}, 2, "node_count"},
		{[]string{"nodegroup-update", "prod", "gpu", "replace", "max_node_count=2"}, 2, "max_node_count"},
		{[]string{"nodegroup-update", "prod", "gpu", "move", "max_node_count=2"}, 2, "op must be add, replace or remove"},
		{[]string{"nodegroup-update", "prod", "gpu", "replace"}, 2, "missing argument"},
		{[]string{"nodegroup-delete", "prod", "default-worker"}, 2, "default node groups cannot be deleted"},
		{[]string{"nodegroup-show", "prod", "nope"}, 2, "nope"},
		{[]string{"nodegroup-create", "prod", "x", "--node-taint", "gpu"}, 2, "want key[=value]:Effect"},
		{[]string{"nodegroup-create", "prod", "x", "--node-taint", "gpu=true:Sometimes"}, 2, "Sometimes"},
		{[]string{"nodegroup-create", "prod", "x", "--node-label", "kubernetes.io/role=x"}, 2, "kubernetes.io/role"},
		{[]string{"nodegroup-create", "prod", "x", "--node-count", "-1"}, 2, "--node-count must be at least 0"},
		{[]string{"nodegroup-create", "prod", "x", "--node-count", "two"}, 2, "invalid value"},
		{[]string{"nodegroup-create", "prod", "x", "--node-count", "1", "--min-nodes", "2"}, 2, "min_node_count"},
		{[]string{"nodegroup-create", "prod", "x", "--merge-labels"}, 2, "--merge-labels needs --labels"},
		{[]string{"nodegroup-create", "prod", "x", "--role", "master"}, 2, "reserved"},
		{[]string{"nodegroup-create", "prod", "x", "--flavor", "m1.huge"}, 2, "m1.huge"},
		{[]string{"nodegroup-create", "prod"}, 2, "missing argument"},
		{[]string{"nodegroup-create", "nope", "x"}, 2, "nope"},
		{[]string{"nodegroup-create", "prod", "gpu"}, 1, "already has a node group named"},
	} {
		r := c.run(tc.args...)
		assert.Equal(t, tc.code, r.code, "%v: %s", tc.args, r.stderr)
		assert.Contains(t, r.stderr, tc.msg, "%v", tc.args)
		assert.Regexp(t, `(?m)^magnum: `+tc.args[0]+`: `, r.stderr, "%v", tc.args)
	}
	assert.ElementsMatch(t, []string{"default-master", "default-worker", "gpu"}, c.groupNames("prod"))
	c.jsonOf(&shown, "nodegroup-show", "prod", "gpu")
	assert.EqualValues(t, 3, shown["node_count"])
	assert.EqualValues(t, 5, shown["max_node_count"])

	// Without --wait the create returns once submitted; two deletes in one
	// command take turns (one operation per cluster at a time).
	r = c.ok("nodegroup-create", "prod", "batch")
	assert.Regexp(t, `^Request to create nodegroup batch \([0-9a-f-]{36}\) has been accepted.\n$`, r.stdout)
	r = c.ok("nodegroup-delete", "prod", "batch", "gpu", "--wait")
	assert.Contains(t, r.stderr, "Request to delete nodegroup batch has been accepted.")
	assert.Contains(t, r.stderr, "Request to delete nodegroup gpu has been accepted.")
	assert.ElementsMatch(t, []string{"default-master", "default-worker"}, c.groupNames("prod"))
	c.jsonOf(&cl, "cluster-show", "prod")
	assert.Equal(t, "UPDATE_COMPLETE", cl["status"])
	assert.EqualValues(t, 1, cl["node_count"])
}

// TestUpgradeAndRotateFlow: cluster-upgrade refusals and an upgrade in
// batches, then ca-rotate (and its refusal on a cluster without TLS).
func TestUpgradeAndRotateFlow(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.versionedTemplate("v130", "v1.30.4")
	c.versionedTemplate("v131", "v1.31.2")
	c.versionedTemplate("plain", "v1.30.4", "--tls-disabled")
	c.ok("cluster-create", "--name", "prod", "--cluster-template", "v130", "--node-count", "2", "--wait")
	var tpl map[string]any
	c.jsonOf(&tpl, "cluster-template-show", "v131")

	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"cluster-upgrade", "prod"}, 2, "missing argument"},
		{[]string{"cluster-upgrade", "prod", "nope"}, 2, `"nope" not found`},
		{[]string{"cluster-upgrade", "prod", "v130"}, 2, "already runs template v130"},
		{[]string{"cluster-upgrade", "prod", "v131", "--max-batch-size", "0"}, 2, "--max-batch-size must be at least 1"},
		{[]string{"cluster-upgrade", "prod", "--rollback"}, 1, "only a cluster whose upgrade failed can be rolled back"},
		{[]string{"cluster-upgrade", "nope", "v131"}, 2, "nope"},
		{[]string{"ca-rotate"}, 2, "--cluster is required"},
		{[]string{"ca-rotate", "--cluster", "nope"}, 2, "nope"},
	} {
		r := c.run(tc.args...)
		assert.Equal(t, tc.code, r.code, "%v: %s", tc.args, r.stderr)
		assert.Contains(t, r.stderr, tc.msg, "%v", tc.args)
	}
	var cl map[string]any
	c.jsonOf(&cl, "cluster-show", "prod")
	assert.Equal(t, "CREATE_COMPLETE", cl["status"], "refusals change nothing")

	r := c.ok("cluster-upgrade", "prod", "v131", "--max-batch-size", "2", "--wait", "--format", "json")
	assert.Contains(t, r.stderr, "Request to upgrade cluster prod has been accepted.")
	assert.Contains(t, r.stderr, "prod: UPDATE_IN_PROGRESS (upgrade to template v131 started (batches of 2))")
	c.jsonOf(&cl, "cluster-show", "prod")
	assert.Equal(t, "UPDATE_COMPLETE", cl["status"])
	assert.Equal(t, tpl["uuid"], cl["cluster_template_id"])
	assert.Equal(t, "v1.31.2", cl["labels"].(map[string]any)["kube_tag"])

	before := c.ok("ca-show", "--cluster", "prod").stdout
	r = c.ok("ca-rotate", "--cluster", "prod")
	assert.Equal(t, "Request to rotate the CA certificate for cluster prod has been accepted.\n", r.stdout)
	r = c.ok("cluster-show", "prod")
	for deadline := time.Now().Add(20 * time.Second); strings.Contains(r.stdout, "UPDATE_IN_PROGRESS") && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		r = c.ok("cluster-show", "prod")
	}
	assert.Contains(t, r.stdout, "UPDATE_COMPLETE")
	after := c.ok("ca-show", "--cluster", "prod").stdout
	assert.True(t, strings.HasPrefix(after, "-----BEGIN CERTIFICATE-----"), after)
	assert.NotEqual(t, before, after, "a new CA is in force")

	c.ok("cluster-create", "--name", "plain", "--cluster-template", "plain", "--wait")
	r = c.run("ca-rotate", "--cluster", "plain")
	assert.Equal(t, 2, r.code, r.stderr)
	assert.Contains(t, r.stderr, "without TLS")
}
