package sqlstore

import (
	"fmt"

	"github.com/gomagnum/magnum/errdefs"
)

// Resource names in errors, as the memory store uses them.
const (
	resTemplate  = "clustertemplate"
	resCluster   = "cluster"
	resNodeGroup = "nodegroup"
)

func errNoUUID(resource string) error {
	return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: resource, Field: "uuid", Reason: "a record needs a UUID"}
}

func errTaken(resource, uuid string) error {
	return errdefs.Conflict(resource, uuid, "a %s with this UUID already exists", resource)
}

func errStale(resource, uuid string, given, stored int64) error {
	return errdefs.Conflict(resource, uuid, "revision %d is stale: the record is at revision %d", given, stored)
}

// checkDeleteRevision reports a conflict unless given is 0 (skip) or equals
// stored.
func checkDeleteRevision(resource, uuid string, given, stored int64) error {
	if given != 0 && given != stored {
		return errStale(resource, uuid, given, stored)
	}
	return nil
}

func errInUse(uuid string, clusters int) error {
	return &errdefs.Error{Kind: errdefs.ErrInUse, Resource: resTemplate, ID: uuid,
		Reason: fmt.Sprintf("the template is referenced by %d cluster(s)", clusters)}
}

func errNoTemplate(uuid string) error {
	return &errdefs.Error{Kind: errdefs.ErrNotFound, Resource: resTemplate, ID: uuid, Field: "cluster_template_id",
		Reason: "the cluster's template does not exist"}
}

func errNameTaken(clusterUUID, name string) error {
	return errdefs.Conflict(resNodeGroup, name, "cluster %s already has a node group named %q", clusterUUID, name)
}

func errMoveGroup(uuid string) error {
	return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: resNodeGroup, ID: uuid, Field: "cluster_id",
		Reason: "a node group cannot move to another cluster"}
}

func errNoCluster(uuid string) error {
	return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: resNodeGroup, Field: "cluster_id",
		Reason: "a node group needs its cluster's UUID", ID: uuid}
}

// errChanged reports a row that changed between the revision check and the
// write, which the write lock should make impossible.
func errChanged(resource, uuid string) error {
	return errdefs.Conflict(resource, uuid, "the record changed during the update; read it again")
}
