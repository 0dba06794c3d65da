package k8s

import (
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/template"
)

// The Driver upgrades clusters and node groups with rolling stack updates.
var _ heat.UpgradeStackDriver = (*Driver)(nil)

// UpgradeCheck tunes CheckUpgrade.
type UpgradeCheck struct {
	// Rollback marks a return to the template the cluster (or group) ran
	// before a failed upgrade: the direction rules (no downgrade, no
	// skipped minor version, something changes) do not apply; the others
	// (same COE and driver, kube_tag, an etcd volume for masters) do.
	Rollback bool
}

// ValidateUpgrade implements heat.UpgradeStackDriver: CheckUpgrade with
// every rule. Call it before an upgrade, not before a rollback (the
// Manager skips it then); UpgradeStack itself applies only the rules a
// rollback keeps, so the same update serves both directions.
func (d *Driver) ValidateUpgrade(req *driver.Request) error {
	return d.CheckUpgrade(req, UpgradeCheck{})
}

// CheckUpgrade checks, without I/O, that the cluster (req.Group nil) or
// the worker group req.Group may move from req.Template (what it runs
// now) to req.Upgrade.To:
//
//   - the same COE, server type and OS distro (this driver's), network
//     driver and tls_disabled (an upgrade cannot change them) — field
//     cluster_template;
//   - the target template has a valid kube_tag label — labels/kube_tag;
//   - no *_tag or *_version label goes down (versions compared
//     numerically; values that do not parse as versions are skipped) —
//     labels/<name>;
//   - the Kubernetes minor version grows by at most one and the major
//     version stays (v1.29 → v1.31 is refused) — labels/kube_tag;
//   - something changes: the image, kube_tag or another *_tag/*_version
//     label — cluster_template;
//   - when the masters are replaced (the cluster, not a group), the
//     cluster has an etcd volume (label etcd_volume_size ≥ 1): a replaced
//     master keeps etcd's data only there — labels/etcd_volume_size.
//
// The current labels are the cluster's effective labels (a group's own
// overlay them); the target labels are UpgradeLabels of them. Errors are
// ErrInvalid naming their field, joined.
func (d *Driver) CheckUpgrade(req *driver.Request, opt UpgradeCheck) error {
	if req == nil || req.Upgrade == nil || req.Upgrade.To == nil {
		return errdefs.Invalid("cluster_template", "the request names no template to upgrade to")
	}
	if req.Template == nil || req.Cluster == nil {
		return errdefs.Invalid("cluster", "the cluster and its current template are required")
	}
	from, to := req.Template, req.Upgrade.To
	var errs []error
	bad := func(field, format string, args ...any) { errs = append(errs, errdefs.Invalid(field, format, args...)) }
	if to.COE != COE {
		bad("cluster_template", "template %q is for COE %q; the cluster runs %s", truncate(to.Name), truncate(to.COE), COE)
	}
	tuple := d.info.Tuples[0]
	if st := serverType(to); st != serverType(from) || st != tuple.ServerType {
		bad("cluster_template", "the server type cannot change (%s to %s)", serverType(from), truncate(st))
	}
	for _, t := range []*template.ClusterTemplate{from, to} {
		if t.ClusterDistro != "" && t.ClusterDistro != tuple.OSDistro {
			bad("cluster_template", "template %q is for OS distro %q; the driver %s runs %s", truncate(t.Name), truncate(t.ClusterDistro), d.info.Name, tuple.OSDistro)
		}
	}
	if networkDriver(from) != networkDriver(to) {
		bad("cluster_template", "an upgrade cannot change the network driver (%s to %s)", networkDriver(from), truncate(networkDriver(to)))
	}
	if from.TLSDisabled != to.TLSDisabled {
		bad("cluster_template", "an upgrade cannot change tls_disabled")
	}
	if req.Upgrade.MaxBatchSize < 0 {
		bad("max_batch_size", "must be at least 1")
	}
	cur := currentLabels(req)
	target := UpgradeLabels(from, cur, to)
	toTag := to.Labels["kube_tag"]
	if toTag == "" {
		bad("labels/kube_tag", "the target template must set kube_tag")
	} else if err := checkKubeTag(toTag); err != nil {
		bad("labels/kube_tag", "%v", err)
	}
	if _, err := ParseSettings(target); err != nil {
		errs = append(errs, err)
	}
	if req.Group == nil {
		if n, _ := strconv.Atoi(cur["etcd_volume_size"]); n < 1 {
			bad("labels/etcd_volume_size", "an upgrade replaces the masters, and without an etcd volume their etcd data would be lost")
		}
	}
	if !opt.Rollback && len(errs) == 0 {
		errs = append(errs, checkDirection(req, cur, target)...)
	}
	return errors.Join(errs...)
}

// checkDirection applies the rules a rollback skips.
func checkDirection(req *driver.Request, cur, target labels.Labels) []error {
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(target)) {
		if !versionLabel(k) {
			continue
		}
		a, okA := parseVersion(cur[k])
		b, okB := parseVersion(target[k])
		if okA && okB && compareVersions(b, a) < 0 {
			errs = append(errs, errdefs.Invalid("labels/"+k, "%s would go down from %s to %s", k, truncate(cur[k]), truncate(target[k])))
		}
	}
	curTag := cur["kube_tag"]
	if curTag == "" {
		curTag = req.Cluster.COEVersion
	}
	if curTag == "" {
		curTag = labelDefault("kube_tag")
	}
	a, okA := parseVersion(curTag)
	b, okB := parseVersion(target["kube_tag"])
	if okA && okB && len(a) >= 2 && len(b) >= 2 {
		switch {
		case b[0] != a[0]:
			errs = append(errs, errdefs.Invalid("labels/kube_tag", "the Kubernetes major version cannot change (%s to %s)", truncate(curTag), truncate(target["kube_tag"])))
		case b[1] > a[1]+1:
			errs = append(errs, errdefs.Invalid("labels/kube_tag", "%s to %s skips a Kubernetes minor version; upgrade one minor version at a time", truncate(curTag), truncate(target["kube_tag"])))
		}
	}
	changed := currentImage(req) != req.Upgrade.To.ImageID
	for k := range labels.Merge(cur, target) {
		if versionLabel(k) && cur[k] != target[k] {
			changed = true
		}
	}
	if !changed {
		errs = append(errs, errdefs.Invalid("cluster_template", "nothing would change: the image, kube_tag and the other versions are the same"))
	}
	return errs
}

// UpgradeLabels are the labels a cluster (or group) runs with after an
// upgrade from template from to template to: every label of to, and the
// current labels that did not come from from (the cluster's own
// overrides and additions). A current label equal to from's value came
// from the template and follows it (to's value, or gone). Record them
// as the cluster's labels when the upgrade completes.
func UpgradeLabels(from *template.ClusterTemplate, current labels.Labels, to *template.ClusterTemplate) labels.Labels {
	out := labels.Labels{}
	for k, v := range current {
		if fv, ok := from.Labels[k]; ok && fv == v {
			continue
		}
		out[k] = v
	}
	maps.Copy(out, to.Labels)
	return out
}

// currentLabels are the labels the cluster (or req.Group) runs with.
func currentLabels(req *driver.Request) labels.Labels {
	base := req.Cluster.Labels
	if base == nil {
		base = req.Template.Labels
	}
	if req.Group != nil {
		return labels.Merge(base, req.Group.Labels)
	}
	return base.Clone()
}

// currentImage is the image the nodes to replace run now.
func currentImage(req *driver.Request) string {
	if req.Group != nil && req.Group.ImageID != "" {
		return req.Group.ImageID
	}
	return req.Template.ImageID
}

func serverType(t *template.ClusterTemplate) string {
	if t.ServerType == "" {
		return "vm"
	}
	return t.ServerType
}

func networkDriver(t *template.ClusterTemplate) string {
	if t.NetworkDriver == "" {
		return "flannel"
	}
	return t.NetworkDriver
}

func labelDefault(name string) string {
	for _, s := range labelSpecs {
		if s.Name == name {
			return s.Default
		}
	}
	return ""
}

// versionLabel reports whether a label holds a version (Magnum's rule:
// names ending in _tag or _version).
func versionLabel(k string) bool {
	return strings.HasSuffix(k, "_tag") || strings.HasSuffix(k, "_version")
}

// parseVersion reads v1.2.3, 1.2, 3.5.15-0 or v1.30.4-rc.1 as numbers:
// the dotted release numbers, then the numbers of a pre-release or build
// suffix made only of digits and dots ("-0" counts, "-rc.1" does not). It
// reports false for anything else (such values are not compared).
func parseVersion(v string) ([]int, bool) {
	v = strings.TrimPrefix(v, "v")
	main, suffix, hasSuffix := strings.Cut(v, "-")
	if !hasSuffix {
		main, suffix, hasSuffix = strings.Cut(v, "+")
	}
	nums, ok := dotted(main)
	if !ok || len(nums) < 2 {
		return nil, false
	}
	for len(nums) < 3 {
		nums = append(nums, 0)
	}
	if hasSuffix {
		if extra, ok := dotted(suffix); ok {
			nums = append(nums, extra...)
		}
	}
	return nums, true
}

func dotted(s string) ([]int, bool) {
	if s == "" || len(s) > 64 {
		return nil, false
	}
	var out []int
	for _, p := range strings.Split(s, ".") {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || p == "" || p[0] == '+' {
			return nil, false
		}
		out = append(out, n)
	}
	return out, true
}

// compareVersions compares parsed versions; a missing number is 0.
func compareVersions(a, b []int) int {
	for i := range max(len(a), len(b)) {
		var x, y int
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// UpgradeStack implements heat.UpgradeStackDriver: the existing=true
// update that moves the cluster's stack (req.Group nil) or req.Group's
// stack to req.Upgrade.To. It sends only what changes: the images
// (master_image and minion_image, or the group's minion_image, all from
// the target template), node_env (the nodes' settings rendered with
// UpgradeLabels, so the new kube_tag and other versions) and
// update_max_batch_size (req.Upgrade.MaxBatchSize, 0: 1); the scale-down
// victims of an earlier resize are forgotten.
//
// Why this replaces nodes, in batches, masters first: the parameters feed
// every member of the kube_masters and kube_minions ResourceGroups, whose
// rolling_update policy updates max_batch_size members at a time (pause
// 30 s); each member's server has image_update_policy and
// user_data_update_policy REPLACE, and node_env is part of its user data,
// so a new image or new settings make Heat boot a new server on the same
// port and delete the old one — nothing changes a running node. The
// minions' group depends on the masters', so Heat updates the masters
// first. Stacks created before these templates (without the policies and
// the dependency) need a full template update first.
//
// It applies CheckUpgrade's rules with Rollback (not the direction
// rules: the caller runs ValidateUpgrade before an upgrade, and a
// rollback — back to the previous template — is the same update). req.Nodes must be
// the cluster's node access (trustee, URLs): node_env carries them.
// Rollback of Heat's own update follows req.Rollback.
func (d *Driver) UpgradeStack(req *driver.Request) (heat.UpdateRequest, error) {
	if err := d.CheckUpgrade(req, UpgradeCheck{Rollback: true}); err != nil {
		return heat.UpdateRequest{}, err
	}
	to := req.Upgrade.To
	target := UpgradeLabels(req.Template, currentLabels(req), to)
	batch := req.Upgrade.MaxBatchSize
	if batch == 0 {
		batch = 1
	}
	var params map[string]any
	if req.Group != nil {
		r, err := d.GroupRenderer()
		if err != nil {
			return heat.UpdateRequest{}, err
		}
		up := *req
		g := *req.Group
		g.ImageID = ""
		g.Labels = target
		up.Group = &g
		up.Template = to
		gr, err := d.newGroupRequest(&up)
		if err != nil {
			return heat.UpdateRequest{}, err
		}
		gr.in.MaxBatchSize = batch
		inputs, _, err := gr.inputs(envNodes, nil)
		if err != nil {
			return heat.UpdateRequest{}, err
		}
		params, err = r.Params(inputs, "minion_image", "node_env", "update_max_batch_size")
		if err != nil {
			return heat.UpdateRequest{}, err
		}
	} else {
		r, err := d.Renderer()
		if err != nil {
			return heat.UpdateRequest{}, err
		}
		in := d.input(req)
		in.Template = to
		c := *req.Cluster
		c.Labels = target
		in.Cluster = &c
		in.NodeGroups = make([]*cluster.NodeGroup, 0, len(req.NodeGroups))
		for _, g := range req.NodeGroups {
			if g == nil {
				continue
			}
			cp := *g
			cp.ImageID = "" // every node moves to the target's image
			in.NodeGroups = append(in.NodeGroups, &cp)
		}
		in.MaxBatchSize = batch
		p, err := in.prepare(envNodes)
		if err != nil {
			return heat.UpdateRequest{}, err
		}
		params, err = r.Params(p.inputs, "master_image", "minion_image", "node_env", "update_max_batch_size")
		if err != nil {
			return heat.UpdateRequest{}, err
		}
	}
	return heat.UpdateRequest{
		Existing:        true,
		Parameters:      params,
		ClearParameters: []string{"minions_to_remove"},
		DisableRollback: !req.Rollback,
	}, nil
}
