package certs

import (
	"strings"

	"github.com/gomagnum/magnum/errdefs"
)

// CAType names one of a cluster's certificate authorities, as Magnum's
// ca_cert_type parameter does.
type CAType string

// The three CAs every cluster has.
const (
	CAKubernetes CAType = "kubernetes"  // the cluster CA: API server, kubelets, clients
	CAEtcd       CAType = "etcd"        // etcd servers, peers and clients
	CAFrontProxy CAType = "front-proxy" // the aggregation layer's front proxy client
)

// CATypes returns the CA types in a fixed order.
func CATypes() []CAType { return []CAType{CAKubernetes, CAEtcd, CAFrontProxy} }

// ParseCAType accepts Magnum's spellings: "" and "kubernetes" for the cluster
// CA, "etcd", and "front-proxy" or "front_proxy". Anything else is
// errdefs.ErrInvalid.
func ParseCAType(s string) (CAType, error) {
	switch strings.ToLower(s) {
	case "", "kubernetes":
		return CAKubernetes, nil
	case "etcd":
		return CAEtcd, nil
	case "front-proxy", "front_proxy":
		return CAFrontProxy, nil
	}
	return "", errdefs.Invalid("ca_cert_type", "unknown CA type %q (want kubernetes, etcd or front-proxy)", s)
}

func (t CAType) valid() bool {
	switch t {
	case CAKubernetes, CAEtcd, CAFrontProxy:
		return true
	}
	return false
}
