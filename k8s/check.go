package k8s

import (
	"errors"

	"github.com/gomagnum/magnum/errdefs"
)

// CheckCluster applies the Kubernetes drivers' rules for a cluster before
// it is created or resized (RenderCluster renders any combination; the
// lifecycle calls this first): the labels are valid for the template's
// network driver, there are 1 to 7 masters, more than one master needs the
// master load balancer (Magnum: "master_count must be 1 when
// master_lb_enabled is False"), and an even number of masters is refused
// because etcd would lose quorum as easily as with one master less.
func CheckCluster(in Input) error {
	if in.Template == nil || in.Cluster == nil {
		return errdefs.Invalid("cluster", "a template and a cluster are required")
	}
	var errs []error
	s, err := ParseSettings(in.effectiveLabels())
	if err != nil {
		errs = append(errs, err)
	} else {
		nd := in.Template.NetworkDriver
		if nd == "" {
			nd = "flannel"
		}
		if err := s.CheckNetwork(nd); err != nil {
			errs = append(errs, err)
		}
	}
	master, worker := in.groups()
	n := master.NodeCount
	lb := in.Template.MasterLBEnabled
	if in.Cluster.MasterLBEnabled != nil {
		lb = *in.Cluster.MasterLBEnabled
	}
	switch {
	case n < 1 || n > 7:
		errs = append(errs, errdefs.Invalid("master_count", "must be from 1 to 7"))
	case n > 1 && !lb:
		errs = append(errs, errdefs.Invalid("master_count", "must be 1 when master_lb_enabled is False"))
	case n%2 == 0:
		errs = append(errs, errdefs.Invalid("master_count", "must be odd, so that etcd keeps a quorum"))
	}
	if worker.NodeCount < 0 {
		errs = append(errs, errdefs.Invalid("node_count", "must be at least 0"))
	}
	return errors.Join(errs...)
}
