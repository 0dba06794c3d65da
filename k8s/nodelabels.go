package k8s

import (
	"errors"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/labels"
)

// Kubernetes label syntax: an optional DNS subdomain prefix and a name of
// at most 63 characters; values of at most 63 characters of the same set
// (or empty).
var (
	labelNameRE   = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$`)
	labelPrefixRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$`)
)

// kubeletLabels are the labels in the kubernetes.io and k8s.io namespaces
// a kubelet may set on its own node (the NodeRestriction admission plugin
// refuses the others); kubeletLabelNamespaces are whole namespaces it may
// use.
var (
	kubeletLabels = []string{
		"kubernetes.io/hostname", "kubernetes.io/arch", "kubernetes.io/os",
		"beta.kubernetes.io/arch", "beta.kubernetes.io/os", "beta.kubernetes.io/instance-type",
		"node.kubernetes.io/instance-type",
		"failure-domain.beta.kubernetes.io/region", "failure-domain.beta.kubernetes.io/zone",
		"topology.kubernetes.io/region", "topology.kubernetes.io/zone",
	}
	kubeletLabelNamespaces = []string{"kubelet.kubernetes.io", "node.kubernetes.io"}
)

// reservedNodeLabel is the label the nodes set themselves.
const reservedNodeLabel = "magnum.openstack.org/role"

// Taint effects Kubernetes knows.
var taintEffects = []string{"NoSchedule", "PreferNoSchedule", "NoExecute"}

// checkLabelKey checks a label (or taint) key's syntax.
func checkLabelKey(k string) error {
	prefix, name, found := strings.Cut(k, "/")
	if !found {
		prefix, name = "", k
	}
	switch {
	case found && (len(prefix) > 253 || !labelPrefixRE.MatchString(prefix)):
		return errors.New("the prefix before '/' must be a DNS subdomain")
	case !labelNameRE.MatchString(name):
		return errors.New("the name must be 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit")
	}
	return nil
}

// checkLabelValue checks a label (or taint) value's syntax.
func checkLabelValue(v string) error {
	if v != "" && !labelNameRE.MatchString(v) {
		return errors.New("the value must be empty or 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit")
	}
	return nil
}

// inKubernetesNamespace reports whether a key's prefix is kubernetes.io,
// k8s.io or a subdomain of either.
func inKubernetesNamespace(prefix string) bool {
	for _, ns := range []string{"kubernetes.io", "k8s.io"} {
		if prefix == ns || strings.HasSuffix(prefix, "."+ns) {
			return true
		}
	}
	return false
}

// kubeletMaySet reports whether a kubelet may set a label of the
// kubernetes.io/k8s.io namespaces on its node.
func kubeletMaySet(key string) bool {
	if slices.Contains(kubeletLabels, key) {
		return true
	}
	prefix, _, _ := strings.Cut(key, "/")
	for _, ns := range kubeletLabelNamespaces {
		if prefix == ns || strings.HasSuffix(prefix, "."+ns) {
			return true
		}
	}
	return false
}

// CheckNodeLabels applies Magnum's rules to a node group's node labels:
// Kubernetes label syntax, and no key in the kubernetes.io or k8s.io
// namespaces unless the kubelet may set it on its own node
// (kubernetes.io/arch, topology.kubernetes.io/zone, node.kubernetes.io/…,
// …). magnum.openstack.org/role is the nodes' own. Errors are ErrInvalid
// on field node_labels.
func CheckNodeLabels(l labels.Labels) error {
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(l)) {
		v := l[k]
		if err := checkLabelKey(k); err != nil {
			errs = append(errs, errdefs.Invalid("node_labels", "key %q: %v", truncate(k), err))
			continue
		}
		if err := checkLabelValue(v); err != nil {
			errs = append(errs, errdefs.Invalid("node_labels", "label %q: %v", k, err))
		}
		prefix, _, found := strings.Cut(k, "/")
		if found && inKubernetesNamespace(prefix) && !kubeletMaySet(k) {
			errs = append(errs, errdefs.Invalid("node_labels", "label %q is in a Kubernetes namespace the kubelet may not set", k))
		}
		if k == reservedNodeLabel {
			errs = append(errs, errdefs.Invalid("node_labels", "label %q is set by the nodes themselves", k))
		}
	}
	return errors.Join(errs...)
}

// CheckNodeTaints applies the rules to a node group's taints: a key in
// label syntax, a value in label value syntax, an effect of NoSchedule,
// PreferNoSchedule or NoExecute, and no key and effect twice. Errors are
// ErrInvalid on field node_taints.
func CheckNodeTaints(taints []cluster.Taint) error {
	var errs []error
	seen := map[string]bool{}
	for i, t := range taints {
		if err := checkLabelKey(t.Key); err != nil {
			errs = append(errs, errdefs.Invalid("node_taints", "taint %d key %q: %v", i, truncate(t.Key), err))
		}
		if err := checkLabelValue(t.Value); err != nil {
			errs = append(errs, errdefs.Invalid("node_taints", "taint %d (%s): %v", i, truncate(t.Key), err))
		}
		if !slices.Contains(taintEffects, t.Effect) {
			errs = append(errs, errdefs.Invalid("node_taints", "taint %d (%s): effect %q is not NoSchedule, PreferNoSchedule or NoExecute", i, truncate(t.Key), truncate(t.Effect)))
		}
		id := t.Key + ":" + t.Effect
		if seen[id] {
			errs = append(errs, errdefs.Invalid("node_taints", "taint %s:%s is given twice", truncate(t.Key), truncate(t.Effect)))
		}
		seen[id] = true
	}
	return errors.Join(errs...)
}

// kubeletNodeLabels is the value of kubelet's --node-labels for checked
// labels: key=value pairs sorted by key, comma-separated.
func kubeletNodeLabels(l labels.Labels) string {
	parts := make([]string, 0, len(l))
	for _, k := range slices.Sorted(maps.Keys(l)) {
		parts = append(parts, k+"="+l[k])
	}
	return strings.Join(parts, ",")
}

// kubeletTaints is the value of kubelet's --register-with-taints for
// checked taints: key[=value]:Effect, comma-separated, in the given order.
func kubeletTaints(taints []cluster.Taint) string {
	parts := make([]string, 0, len(taints))
	for _, t := range taints {
		s := t.Key
		if t.Value != "" {
			s += "=" + t.Value
		}
		parts = append(parts, s+":"+t.Effect)
	}
	return strings.Join(parts, ",")
}
