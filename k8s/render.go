package k8s

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/internal/nodeinput"
	"github.com/gomagnum/magnum/internal/safetext"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/template"
)

// Input is what a render reads: the models, the choices of the operation,
// and the bootstrap data the nodes need.
type Input struct {
	Template *template.ClusterTemplate
	// Cluster is the cluster being created or changed. Its Labels are the
	// effective labels (the lifecycle merges the template's); when nil the
	// template's labels apply.
	Cluster *cluster.Cluster
	// NodeGroups holds the cluster's default master and worker groups
	// (role "master" and "worker"; the default one of each role is used).
	// Without a group of a role, the cluster's MasterCount or NodeCount
	// stands in.
	NodeGroups []*cluster.NodeGroup
	// NodesToRemove are the minions to remove first when the worker count
	// shrinks: Nova server ids or group member names ("0", "1", …). See
	// ChooseNodesToRemove.
	NodesToRemove []string
	// MaxBatchSize is how many nodes a rolling update replaces at once
	// (0: 1).
	MaxBatchSize int
	// FixedSubnetCIDR is the CIDR of the cluster's subnet when the
	// lifecycle resolved a given subnet; empty means the fixed_subnet_cidr
	// label (the CIDR of a subnet the stack creates). Masters accept etcd
	// traffic (the etcd load balancer's) from this range.
	FixedSubnetCIDR string
	// StackName is the Heat stack name; empty leaves the request's Name
	// for the caller to set.
	StackName string
	Bootstrap Bootstrap
}

// Bootstrap is what nodes need to join the cluster. It holds no private
// key of a CA: nodes make their own keys and get them signed through the
// certificate API at SignURL, authenticated as the cluster's trustee.
type Bootstrap struct {
	// CACert, EtcdCACert and FrontProxyCACert are the PEM certificates of
	// the cluster's CAs. An empty one is fetched by the nodes from
	// SignURL. Anything but CERTIFICATE blocks is refused.
	CACert, EtcdCACert, FrontProxyCACert []byte
	// SignURL is the base URL of the certificate API (Magnum's magnum_url,
	// e.g. https://magnum.example.com:9511/v1): nodes GET
	// <SignURL>/certificates/<cluster uuid>?ca_cert_type=<type> for a CA and
	// POST <SignURL>/certificates to get a CSR signed (see the package
	// documentation for the wire format). Required.
	SignURL string
	// AuthURL is the Keystone v3 endpoint nodes get tokens from. Required.
	AuthURL string
	// RegionName is the OpenStack region (for the cloud provider).
	RegionName string
	// Trustee are the credentials of the cluster's trustee user, scoped by
	// the trust. They reach the nodes in a hidden Heat parameter. Required.
	Trustee Trustee
	// OpenStackCA is a PEM bundle the nodes trust for AuthURL and SignURL;
	// empty means the system's roots.
	OpenStackCA []byte
	// InsecureSkipVerify makes nodes skip TLS verification of AuthURL and
	// SignURL (Magnum's verify_ca=false). Avoid.
	InsecureSkipVerify bool
	// Downloads are where nodes fetch what the image does not have; zero
	// fields take the public defaults (see Downloads).
	Downloads Downloads
	// ServiceAccountKey is the PEM private key with which the API servers
	// sign and verify service account tokens; all masters share it. Make
	// one per cluster with NewServiceAccountKey and keep it. It reaches
	// the masters only, in a hidden Heat parameter. Required.
	ServiceAccountKey []byte
}

// Downloads are the URLs nodes fetch software from. Empty fields take the
// public defaults; set them to mirrors for clusters without internet
// access.
type Downloads struct {
	// KubeRelease is the base of the Kubernetes binaries: nodes fetch
	// <KubeRelease>/<kube_tag>/bin/linux/amd64/{kubelet,kubectl} and check
	// each against the digest in the same URL + ".sha256".
	// Default: https://dl.k8s.io/release.
	KubeRelease string
	// CNIPlugins is the tarball of the CNI plugins; its sha256 digest is at
	// the same URL + ".sha256". Default: containernetworking/plugins v1.5.1.
	CNIPlugins string
	// FlannelManifest, CalicoManifest and DashboardManifest are the
	// manifests the first master applies. Defaults: the upstream release
	// manifests of the flannel_tag and calico_tag labels, and the
	// Kubernetes dashboard v2.7.0.
	FlannelManifest, CalicoManifest, DashboardManifest string
}

// Default download locations.
const (
	DefaultKubeRelease       = "https://dl.k8s.io/release"
	DefaultCNIPlugins        = "https://github.com/containernetworking/plugins/releases/download/v1.5.1/cni-plugins-linux-amd64-v1.5.1.tgz"
	DefaultDashboardManifest = "https://raw.githubusercontent.com/kubernetes/dashboard/v2.7.0/aio/deploy/recommended.yaml"
)

// resolve fills the defaults for the settings' versions.
func (d Downloads) resolve(s *Settings) Downloads {
	or := func(v, def string) string {
		if v == "" {
			return def
		}
		return v
	}
	return Downloads{
		KubeRelease:       strings.TrimRight(or(d.KubeRelease, DefaultKubeRelease), "/"),
		CNIPlugins:        or(d.CNIPlugins, DefaultCNIPlugins),
		FlannelManifest:   or(d.FlannelManifest, "https://github.com/flannel-io/flannel/releases/download/"+s.FlannelTag+"/kube-flannel.yml"),
		CalicoManifest:    or(d.CalicoManifest, "https://raw.githubusercontent.com/projectcalico/calico/"+s.CalicoTag+"/manifests/calico.yaml"),
		DashboardManifest: or(d.DashboardManifest, DefaultDashboardManifest),
	}
}

// Trustee are a trustee user's credentials, scoped to a trust.
type Trustee struct {
	UserID   string
	Password string
	TrustID  string
}

// defaultCreateTimeout is Magnum's stack timeout (minutes).
const defaultCreateTimeout = cluster.DefaultCreateTimeout

// groups returns the master and worker groups of the input.
func (in *Input) groups() (master, worker *cluster.NodeGroup) {
	return nodeinput.DefaultGroups(in.Cluster, in.NodeGroups)
}

// effectiveLabels are the cluster's labels, else the template's.
func (in *Input) effectiveLabels() labels.Labels {
	if in.Cluster.Labels != nil {
		return in.Cluster.Labels
	}
	return in.Template.Labels
}

// prepared is an input checked and turned into the renderer's inputs.
type prepared struct {
	inputs   heat.Inputs
	settings *Settings
	timeout  time.Duration
}

// envMode says which node settings prepare computes.
type envMode int

const (
	envNone  envMode = iota // none: an update that keeps the stack's settings
	envNodes                // node_env only (an upgrade); no service account key needed
	envAll                  // node_env, master_env and the CA certificates (a create)
)

// prepare checks the input and computes what the definition reads.
func (in *Input) prepare(env envMode) (*prepared, error) {
	if in.Template == nil {
		return nil, errdefs.Invalid("clustertemplate", "no template given")
	}
	if in.Cluster == nil {
		return nil, errdefs.Invalid("cluster", "no cluster given")
	}
	settings, err := ParseSettings(in.effectiveLabels())
	if err != nil {
		return nil, err
	}
	networkDriver := in.Template.NetworkDriver
	if networkDriver == "" {
		networkDriver = "flannel"
	}
	var errs []error
	if err := settings.CheckNetwork(networkDriver); err != nil {
		errs = append(errs, err)
	}
	master, worker := in.groups()
	extra := heat.Attrs{
		extraNamePrefix: nodeinput.NamePrefix(in.Cluster.Name, in.Cluster.UUID, "k8s"),
		extraPodsCIDR:   settings.PodNetworkCIDR(networkDriver).String(),
	}
	subnetCIDR := settings.FixedSubnetCIDR.String()
	if in.FixedSubnetCIDR != "" {
		p, err := netip.ParsePrefix(in.FixedSubnetCIDR)
		if err != nil {
			errs = append(errs, errdefs.Invalid("fixed_subnet_cidr", "%q is not a CIDR", truncate(in.FixedSubnetCIDR)))
		}
		subnetCIDR = p.Masked().String()
	}
	extra[extraSubnetCIDR] = subnetCIDR
	if len(in.NodesToRemove) > 0 {
		if err := checkNodesToRemove(in.NodesToRemove); err != nil {
			errs = append(errs, err)
		}
		extra[extraNodesToRemove] = in.NodesToRemove
	}
	if in.MaxBatchSize < 0 {
		errs = append(errs, errdefs.Invalid("max_batch_size", "must be at least 1"))
	}
	if in.MaxBatchSize > 0 {
		extra[extraBatchSize] = in.MaxBatchSize
	}
	minutes := in.Cluster.CreateTimeout
	if minutes <= 0 {
		minutes = defaultCreateTimeout
	}
	extra[extraWaitTimeout] = minutes * 60
	if env != envNone {
		if err := in.Bootstrap.checkFor(env == envAll); err != nil {
			errs = append(errs, err)
		} else {
			nodeEnv, masterEnv, err := in.envFiles(settings, networkDriver)
			if err != nil {
				errs = append(errs, err)
			} else {
				extra[extraNodeEnv] = string(nodeEnv)
				if env == envAll {
					extra[extraMasterEnv] = string(masterEnv)
				}
			}
		}
	}
	if env == envAll {
		extra[extraCACert] = string(in.Bootstrap.CACert)
		extra[extraEtcdCACert] = string(in.Bootstrap.EtcdCACert)
		extra[extraFrontProxyCA] = string(in.Bootstrap.FrontProxyCACert)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	// Labels with empty values are unset.
	lbls := make(map[string]string, len(in.effectiveLabels()))
	for k, v := range in.effectiveLabels() {
		if v != "" {
			lbls[k] = v
		}
	}
	return &prepared{
		inputs: heat.Inputs{
			Template: heat.TemplateAttrs(in.Template),
			Cluster:  heat.ClusterAttrs(in.Cluster),
			NodeGroups: map[string]heat.Attributes{
				ngMaster: heat.GroupAttrs(master),
				ngWorker: heat.GroupAttrs(worker),
			},
			Labels: lbls,
			Extra:  extra,
		},
		settings: settings,
		timeout:  time.Duration(minutes) * time.Minute,
	}, nil
}

// checkNodesToRemove accepts server ids and member names: no commas,
// spaces or control characters (they travel in a comma-delimited list).
func checkNodesToRemove(list []string) error {
	var errs []error
	for _, n := range list {
		if n == "" || strings.ContainsAny(n, ", ") || safetext.HasControl(n) || len(n) > 255 {
			errs = append(errs, errdefs.Invalid("nodes_to_remove", "%q is not a server id or member name", truncate(n)))
		}
	}
	return errors.Join(errs...)
}

// checkFor validates the bootstrap data; problems are ErrInvalid errors on
// fields "bootstrap.<name>". The service account key is required when
// withKey is set (it is checked whenever it is given). Errors never quote
// secrets.
func (b *Bootstrap) checkFor(withKey bool) error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, errdefs.Invalid("bootstrap."+field, format, args...))
	}
	for _, u := range []struct {
		field, v string
		required bool
	}{
		{"sign_url", b.SignURL, true}, {"auth_url", b.AuthURL, true},
		{"downloads.kube_release", b.Downloads.KubeRelease, false}, {"downloads.cni_plugins", b.Downloads.CNIPlugins, false},
		{"downloads.flannel_manifest", b.Downloads.FlannelManifest, false}, {"downloads.calico_manifest", b.Downloads.CalicoManifest, false},
		{"downloads.dashboard_manifest", b.Downloads.DashboardManifest, false},
	} {
		if u.v == "" {
			if u.required {
				bad(u.field, "is required")
			}
			continue
		}
		if !nodeinput.PlainURL(u.v) {
			bad(u.field, "must be an http(s) URL without credentials, query or quotes")
		}
	}
	if b.Trustee.UserID == "" || b.Trustee.Password == "" {
		bad("trustee", "the trustee's user id and password are required")
	}
	for _, s := range []struct{ field, v string }{
		{"trustee.user_id", b.Trustee.UserID}, {"trustee.trust_id", b.Trustee.TrustID}, {"region_name", b.RegionName},
	} {
		if safetext.HasControl(s.v) || len(s.v) > 255 {
			bad(s.field, "must be at most 255 characters without control characters")
		}
	}
	if strings.IndexByte(b.Trustee.Password, 0) >= 0 || !utf8.ValidString(b.Trustee.Password) {
		bad("trustee.password", "must be UTF-8 text without NUL bytes")
	}
	for _, c := range []struct {
		field string
		pem   []byte
	}{{"ca_cert", b.CACert}, {"etcd_ca_cert", b.EtcdCACert}, {"front_proxy_ca_cert", b.FrontProxyCACert}, {"openstack_ca", b.OpenStackCA}} {
		if err := checkCertificatesPEM(c.pem); err != nil {
			bad(c.field, "%v", err)
		}
	}
	if withKey || len(b.ServiceAccountKey) > 0 {
		if err := checkPrivateKeyPEM(b.ServiceAccountKey); err != nil {
			bad("service_account_key", "%v", err)
		}
	}
	return errors.Join(errs...)
}

// checkCertificatesPEM accepts nothing or PEM CERTIFICATE blocks only, so
// that no private key can be handed to Heat by mistake.
func checkCertificatesPEM(data []byte) error {
	if len(data) == 0 {
		return nil
	}
	rest := data
	n := 0
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if strings.Contains(block.Type, "PRIVATE KEY") {
			return errors.New("holds a private key; only certificates may reach the nodes")
		}
		if block.Type != "CERTIFICATE" {
			return fmt.Errorf("holds a %q block; only certificates may reach the nodes", truncate(block.Type))
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return errors.New("holds a certificate that does not parse")
		}
		n++
	}
	if n == 0 || strings.TrimSpace(string(rest)) != "" {
		return errors.New("must be PEM certificates and nothing else")
	}
	return nil
}

// checkPrivateKeyPEM accepts one PEM private key (PKCS #8, EC or PKCS #1).
// Errors never quote the input.
func checkPrivateKeyPEM(data []byte) error {
	if len(data) == 0 {
		return errors.New("is required (see NewServiceAccountKey)")
	}
	block, rest := pem.Decode(data)
	if block == nil || strings.TrimSpace(string(rest)) != "" {
		return errors.New("must be one PEM private key")
	}
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		_, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		_, err = x509.ParseECPrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		_, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		return errors.New("must be a PEM private key")
	}
	if err != nil {
		return errors.New("is not a valid private key")
	}
	return nil
}

// kubeTag is the Kubernetes version: the kube_tag label when given, else
// the cluster's coe_version when it is a version, else the default.
func (in *Input) kubeTag(s *Settings) string {
	if in.effectiveLabels()["kube_tag"] == "" && checkKubeTag(in.Cluster.COEVersion) == nil {
		return in.Cluster.COEVersion
	}
	return s.KubeTag
}

// envFiles makes the node and master environment files.
func (in *Input) envFiles(s *Settings, networkDriver string) (node, master []byte, err error) {
	t, c, b := in.Template, in.Cluster, &in.Bootstrap
	dl := b.Downloads.resolve(s)
	if t.InsecureRegistry != "" && !registryHostRE.MatchString(t.InsecureRegistry) {
		return nil, nil, errdefs.Invalid("insecure_registry", "must be a registry host[:port]")
	}
	if c.DiscoveryURL != "" && !nodeinput.PlainURL(c.DiscoveryURL) {
		return nil, nil, errdefs.Invalid("discovery_url", "must be an http(s) URL without credentials, query or quotes")
	}
	svc := s.ServiceClusterIPRange
	apiPort := securePort
	if t.TLSDisabled {
		apiPort = insecurePort
	}
	var e EnvFile
	vars := []struct{ name, value string }{
		{"CLUSTER_UUID", c.UUID},
		{"KUBE_TAG", in.kubeTag(s)},
		{"KUBE_API_PORT", strconv.Itoa(apiPort)},
		{"TLS_DISABLED", strconv.FormatBool(t.TLSDisabled)},
		{"ETCD_TAG", s.EtcdTag},
		{"ETCD_DISCOVERY_URL", c.DiscoveryURL},
		{"COREDNS_TAG", s.CoreDNSTag},
		{"FLANNEL_TAG", s.FlannelTag},
		{"CALICO_TAG", s.CalicoTag},
		{"CONTAINER_INFRA_PREFIX", s.ContainerInfraPrefix},
		{"CONTAINER_RUNTIME", s.ContainerRuntime},
		{"CGROUP_DRIVER", s.CgroupDriver},
		{"NETWORK_DRIVER", networkDriver},
		{"FLANNEL_BACKEND", s.FlannelBackend},
		{"POD_NETWORK_CIDR", s.PodNetworkCIDR(networkDriver).String()},
		{"POD_SUBNET_LEN", strconv.Itoa(s.FlannelSubnetLen)},
		{"SERVICE_CLUSTER_IP_RANGE", svc.String()},
		{"KUBE_SERVICE_IP", nthAddr(svc, 1)},
		{"CLUSTER_DNS_IP", nthAddr(svc, 10)},
		{"CLUSTER_DOMAIN", s.ClusterDomain},
		{"ADMISSION_PLUGINS", strings.Join(s.AdmissionPlugins, ",")},
		{"DASHBOARD_ENABLED", strconv.FormatBool(s.DashboardEnabled)},
		{"HTTP_PROXY", t.HTTPProxy},
		{"HTTPS_PROXY", t.HTTPSProxy},
		{"NO_PROXY", t.NoProxy},
		{"INSECURE_REGISTRY", t.InsecureRegistry},
		{"AUTH_URL", nodeinput.KeystoneV3(b.AuthURL)},
		{"SIGN_URL", strings.TrimRight(b.SignURL, "/")},
		{"REGION_NAME", b.RegionName},
		{"TRUSTEE_USER_ID", b.Trustee.UserID},
		{"TRUSTEE_PASSWORD", b.Trustee.Password},
		{"TRUST_ID", b.Trustee.TrustID},
		{"VERIFY_CA", strconv.FormatBool(!b.InsecureSkipVerify)},
		{"OPENSTACK_CA", string(b.OpenStackCA)},
		{"KUBE_RELEASE_URL", dl.KubeRelease},
		{"CNI_PLUGINS_URL", dl.CNIPlugins},
		{"FLANNEL_MANIFEST_URL", dl.FlannelManifest},
		{"CALICO_MANIFEST_URL", dl.CalicoManifest},
		{"DASHBOARD_MANIFEST_URL", dl.DashboardManifest},
	}
	for _, v := range vars {
		if err := e.Set(v.name, v.value); err != nil {
			return nil, nil, err
		}
	}
	var m EnvFile
	if err := m.Set("SERVICE_ACCOUNT_KEY", string(b.ServiceAccountKey)); err != nil {
		return nil, nil, err
	}
	return e.Bytes(), m.Bytes(), nil
}

// registryHostRE is a registry host[:port] (name, IPv4 or [IPv6]).
var registryHostRE = regexp.MustCompile(`^([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$`)

// nthAddr is the n-th address of a network (Kubernetes gives the first to
// the API service; Magnum's DNS service is the tenth).
func nthAddr(p netip.Prefix, n int) string {
	a := p.Masked().Addr()
	for range n {
		a = a.Next()
	}
	return a.String()
}
