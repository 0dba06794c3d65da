package swarm

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/internal/nodeinput"
	"github.com/gomagnum/magnum/internal/safetext"
	"github.com/gomagnum/magnum/internal/shellenv"
	"github.com/gomagnum/magnum/labels"
)

// Software the nodes run, as container images. The swarm image's tag is
// the cluster's coe_version when that is a version, else DefaultSwarmVersion.
const (
	DefaultSwarmVersion = "1.2.9"
	SwarmImage          = "docker.io/library/swarm"
	EtcdImage           = "quay.io/coreos/etcd:v3.4.33" // serves the v2 API swarm's discovery uses
	RexrayImage         = "docker.io/rexray/rexray:0.11.4"
)

// ManagerCommonName is the common name of the certificate the swarm
// managers serve the API with and present to the nodes' engines. It needs
// client and server usage from the cluster CA: with certs.DefaultPolicy,
// list it in TrusteeClientNames, or the managers' bootstrap fails with a
// message saying so.
const ManagerCommonName = "swarm-manager"

// storageDrivers are the docker storage drivers a template may name.
var storageDrivers = []string{"overlay2", "overlay", "devicemapper"}

// defaultStorageDriver is the docker storage driver when the template
// names none.
const defaultStorageDriver = "overlay2"

// effectiveLabels are the cluster's labels, else the template's.
func effectiveLabels(req *driver.Request) labels.Labels {
	if req.Cluster.Labels != nil {
		return req.Cluster.Labels
	}
	return req.Template.Labels
}

// networkDriver is the template's network driver, docker by default.
func networkDriver(req *driver.Request) string {
	if req.Template.NetworkDriver == "" {
		return "docker"
	}
	return req.Template.NetworkDriver
}

// check applies the driver's rules to a request: labels, network, volume
// and storage drivers, 1 to 7 masters (odd, for etcd's quorum; more than
// one needs the master load balancer), nodes to remove that can be Heat
// member names or server ids. Errors are joined ErrInvalid errors.
func check(req *driver.Request) (*Settings, error) {
	if req == nil || req.Template == nil || req.Cluster == nil {
		return nil, errdefs.Invalid("cluster", "a template and a cluster are required")
	}
	var errs []error
	s, err := ParseSettings(effectiveLabels(req))
	if err != nil {
		errs = append(errs, err)
	}
	t := req.Template
	if nd := networkDriver(req); !slices.Contains(Capabilities().NetworkDrivers, nd) {
		errs = append(errs, errdefs.Invalid("network_driver", "%q is not a Swarm network driver (docker, flannel)", truncate(nd)))
	}
	if t.VolumeDriver != "" && t.VolumeDriver != "rexray" {
		errs = append(errs, errdefs.Invalid("volume_driver", "%q is not a Swarm volume driver (rexray)", truncate(t.VolumeDriver)))
	}
	if t.DockerStorageDriver != "" && !slices.Contains(storageDrivers, t.DockerStorageDriver) {
		errs = append(errs, errdefs.Invalid("docker_storage_driver", "%q is not one of %s", truncate(t.DockerStorageDriver), strings.Join(storageDrivers, ", ")))
	}
	if t.InsecureRegistry != "" && !registryHostRE.MatchString(t.InsecureRegistry) {
		errs = append(errs, errdefs.Invalid("insecure_registry", "must be a registry host[:port]"))
	}
	for _, p := range []struct{ field, v string }{{"http_proxy", t.HTTPProxy}, {"https_proxy", t.HTTPSProxy}, {"no_proxy", t.NoProxy}} {
		if safetext.HasControl(p.v) || len(p.v) > 1024 {
			errs = append(errs, errdefs.Invalid(p.field, "must be at most 1024 characters without control characters"))
		}
	}
	master, worker := nodeinput.DefaultGroups(req.Cluster, req.NodeGroups)
	lb := t.MasterLBEnabled
	if req.Cluster.MasterLBEnabled != nil {
		lb = *req.Cluster.MasterLBEnabled
	}
	switch n := master.NodeCount; {
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
	for _, n := range req.NodesToRemove {
		if n == "" || strings.ContainsAny(n, ", ") || safetext.HasControl(n) || len(n) > 255 {
			errs = append(errs, errdefs.Invalid("nodes_to_remove", "%q is not a server id or member name", truncate(n)))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

// prepare computes what the definition reads; with full, it applies every
// rule of check first and also makes the nodes' environment file and CA
// certificates. Without, only the labels are checked: a cluster whose
// counts were reset still resolves its features.
func prepare(req *driver.Request, full bool) (heat.Inputs, time.Duration, error) {
	var s *Settings
	var err error
	if full {
		s, err = check(req)
	} else if req == nil || req.Template == nil || req.Cluster == nil {
		err = errdefs.Invalid("cluster", "a template and a cluster are required")
	} else {
		s, err = ParseSettings(effectiveLabels(req))
	}
	if err != nil {
		return heat.Inputs{}, 0, err
	}
	c := req.Cluster
	master, worker := nodeinput.DefaultGroups(c, req.NodeGroups)
	minutes := c.CreateTimeout
	if minutes <= 0 {
		minutes = cluster.DefaultCreateTimeout
	}
	extra := heat.Attrs{
		extraNamePrefix:  nodeinput.NamePrefix(c.Name, c.UUID, "swarm"),
		extraSubnetCIDR:  s.FixedSubnetCIDR.String(),
		extraFlannelCIDR: s.FlannelNetworkCIDR.String(),
		extraWaitTimeout: minutes * 60,
	}
	if len(req.NodesToRemove) > 0 {
		extra[extraNodesToRemove] = slices.Clone(req.NodesToRemove)
	}
	if full {
		n := req.Nodes
		if err := checkNodeAccess(n); err != nil {
			return heat.Inputs{}, 0, err
		}
		env, err := nodeEnv(req, s)
		if err != nil {
			return heat.Inputs{}, 0, err
		}
		extra[extraNodeEnv] = string(env)
		extra[extraCACert] = string(n.CACerts[string(certs.CAKubernetes)])
		extra[extraEtcdCACert] = string(n.CACerts[string(certs.CAEtcd)])
	}
	// Labels with empty values are unset.
	lbls := map[string]string{}
	for k, v := range effectiveLabels(req) {
		if v != "" {
			lbls[k] = v
		}
	}
	return heat.Inputs{
		Template: heat.TemplateAttrs(req.Template),
		Cluster:  heat.ClusterAttrs(c),
		NodeGroups: map[string]heat.Attributes{
			ngMaster: heat.GroupAttrs(master),
			ngWorker: heat.GroupAttrs(worker),
		},
		Labels: lbls,
		Extra:  extra,
	}, time.Duration(minutes) * time.Minute, nil
}

// swarmVersion is the cluster's coe_version when it is a version, else the
// default.
func swarmVersion(c *cluster.Cluster) string {
	if versionRE.MatchString(c.COEVersion) {
		return c.COEVersion
	}
	return DefaultSwarmVersion
}

var (
	versionRE      = regexp.MustCompile(`^v?[0-9]+\.[0-9]+\.[0-9]+$`)
	registryHostRE = regexp.MustCompile(`^([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$`)
)

// nodeEnv makes the environment file every node reads: single-quoted
// NAME='value' lines (shellenv.File), so values are data to the scripts.
func nodeEnv(req *driver.Request, s *Settings) ([]byte, error) {
	t, c, n := req.Template, req.Cluster, req.Nodes
	storage := t.DockerStorageDriver
	if storage == "" {
		storage = defaultStorageDriver
	}
	apiPort := APIPort
	if t.TLSDisabled {
		apiPort = InsecureAPIPort
	}
	var e shellenv.File
	for _, v := range []struct{ name, value string }{
		{"CLUSTER_UUID", c.UUID},
		{"SWARM_IMAGE", SwarmImage + ":" + swarmVersion(c)},
		{"SWARM_STRATEGY", s.Strategy},
		{"SWARM_API_PORT", strconv.Itoa(apiPort)},
		{"ENGINE_PORT", strconv.Itoa(EnginePort)},
		{"TLS_DISABLED", strconv.FormatBool(t.TLSDisabled)},
		{"ETCD_IMAGE", EtcdImage},
		{"NETWORK_DRIVER", networkDriver(req)},
		{"FLANNEL_NETWORK_CIDR", s.FlannelNetworkCIDR.String()},
		{"FLANNEL_BACKEND", s.FlannelBackend},
		{"FLANNEL_SUBNET_LEN", strconv.Itoa(s.FlannelSubnetLen)},
		{"VOLUME_DRIVER", t.VolumeDriver},
		{"REXRAY_IMAGE", RexrayImage},
		{"REXRAY_PREEMPT", strconv.FormatBool(s.RexrayPreempt)},
		{"AVAILABILITY_ZONE", s.AvailabilityZone},
		{"DOCKER_STORAGE_DRIVER", storage},
		{"HTTP_PROXY", t.HTTPProxy},
		{"HTTPS_PROXY", t.HTTPSProxy},
		{"NO_PROXY", t.NoProxy},
		{"INSECURE_REGISTRY", t.InsecureRegistry},
		{"AUTH_URL", nodeinput.KeystoneV3(n.AuthURL)},
		{"SIGN_URL", strings.TrimRight(n.SignURL, "/")},
		{"REGION_NAME", n.RegionName},
		{"TRUSTEE_USER_ID", n.Trustee.UserID},
		{"TRUSTEE_PASSWORD", n.Trustee.Password},
		{"TRUST_ID", n.Trustee.TrustID},
		{"VERIFY_CA", strconv.FormatBool(!n.InsecureSkipVerify)},
		{"OPENSTACK_CA", string(n.OpenStackCA)},
		{"MANAGER_CN", ManagerCommonName},
	} {
		if err := e.Set(v.name, v.value); err != nil {
			return nil, err
		}
	}
	return e.Bytes(), nil
}

// checkNodeAccess validates what the nodes are given to reach back;
// problems are ErrInvalid errors on fields "bootstrap.<name>". Errors never
// quote secrets.
func checkNodeAccess(n driver.NodeAccess) error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, errdefs.Invalid("bootstrap."+field, format, args...))
	}
	for _, u := range []struct{ field, v string }{{"sign_url", n.SignURL}, {"auth_url", n.AuthURL}} {
		if u.v == "" {
			bad(u.field, "is required")
		} else if !nodeinput.PlainURL(u.v) {
			bad(u.field, "must be an http(s) URL without credentials, query or quotes")
		}
	}
	if n.Trustee.UserID == "" || n.Trustee.Password == "" {
		bad("trustee", "the trustee's user id and password are required")
	}
	for _, s := range []struct{ field, v string }{
		{"trustee.user_id", n.Trustee.UserID}, {"trustee.trust_id", n.Trustee.TrustID}, {"region_name", n.RegionName},
	} {
		if safetext.HasControl(s.v) || len(s.v) > 255 {
			bad(s.field, "must be at most 255 characters without control characters")
		}
	}
	if strings.IndexByte(n.Trustee.Password, 0) >= 0 {
		bad("trustee.password", "must not contain NUL bytes")
	}
	for _, c := range []struct {
		field string
		pem   []byte
	}{
		{"ca_cert", n.CACerts[string(certs.CAKubernetes)]},
		{"etcd_ca_cert", n.CACerts[string(certs.CAEtcd)]},
		{"openstack_ca", n.OpenStackCA},
	} {
		if !certificatesOnly(c.pem) {
			bad(c.field, "must be PEM certificates and nothing else")
		}
	}
	return errors.Join(errs...)
}

// certificatesOnly accepts nothing, or PEM CERTIFICATE blocks that parse
// and nothing else, so no private key reaches Heat by mistake.
func certificatesOnly(data []byte) bool {
	if len(data) == 0 {
		return true
	}
	rest, n := data, 0
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return false
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return false
		}
		n++
	}
	return n > 0 && strings.TrimSpace(string(rest)) == ""
}
