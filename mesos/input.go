package mesos

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/internal/nodeinput"
	"github.com/gomagnum/magnum/internal/safetext"
	"github.com/gomagnum/magnum/internal/shellenv"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/template"
)

// Input is what a render reads: the models, the choices of the operation,
// and what the nodes need to reach OpenStack.
type Input struct {
	Template *template.ClusterTemplate
	// Cluster is the cluster being created or changed. Its Labels are the
	// effective labels (the lifecycle merges the template's); when nil the
	// template's labels apply. Hyphenated aliases (rexray-preempt) are
	// read under their canonical names.
	Cluster *cluster.Cluster
	// NodeGroups holds the cluster's default master and worker (slave)
	// groups; without a group of a role, the cluster's MasterCount or
	// NodeCount stands in.
	NodeGroups []*cluster.NodeGroup
	// SlavesToRemove are the slaves to remove first when the slave count
	// shrinks: Nova server ids or group member names ("0", "1", …). See
	// ChooseSlavesToRemove.
	SlavesToRemove []string
	// StackName is the Heat stack name; empty leaves the request's Name
	// for the caller to set.
	StackName string
	Access    Access
}

// Access is how the slaves reach OpenStack for rexray's Cinder volumes:
// Keystone and the cluster's trustee. It is used only when the template's
// volume driver is rexray; then AuthURL and the trustee are required.
type Access struct {
	// AuthURL is the Keystone v3 endpoint.
	AuthURL    string
	RegionName string
	// Trustee are the trustee's credentials; the password reaches the
	// slaves in a hidden Heat parameter of its own.
	Trustee Trustee
	// OpenStackCA is a PEM bundle the nodes trust for AuthURL; empty: the
	// system's roots.
	OpenStackCA []byte
	// InsecureSkipVerify makes rexray skip TLS verification. Avoid.
	InsecureSkipVerify bool
}

// Trustee are a trustee user's credentials, scoped to a trust.
type Trustee struct {
	UserID   string
	Password string
	TrustID  string
}

// String hides the password.
func (t Trustee) String() string { return "trustee " + t.UserID }

// executorRegistrationTimeout is how long slaves wait for an executor to
// register (Magnum's template knob, 5 minutes; docker images take time).
const executorRegistrationTimeout = "5mins"

// groups returns the master and worker groups of the input.
func (in *Input) groups() (master, worker *cluster.NodeGroup) {
	return nodeinput.DefaultGroups(in.Cluster, in.NodeGroups)
}

// effectiveLabels are the cluster's labels, else the template's, with
// aliases under their canonical names (a conflict is an error).
func (in *Input) effectiveLabels() (labels.Labels, error) {
	l := in.Template.Labels
	if in.Cluster.Labels != nil {
		l = in.Cluster.Labels
	}
	out, _, err := Capabilities().CanonicalLabels(l)
	return out, err
}

// masterLB is the cluster's master_lb_enabled, else the template's.
func (in *Input) masterLB() bool {
	if in.Cluster.MasterLBEnabled != nil {
		return *in.Cluster.MasterLBEnabled
	}
	return in.Template.MasterLBEnabled
}

// prepared is an input checked and turned into the renderer's inputs.
type prepared struct {
	inputs   heat.Inputs
	settings *Settings
	timeout  time.Duration
}

// prepare checks the input and computes what the definition reads; with
// withEnv it also makes the nodes' environment files.
func (in *Input) prepare(withEnv bool) (*prepared, error) {
	if in.Template == nil {
		return nil, errdefs.Invalid("clustertemplate", "no template given")
	}
	if in.Cluster == nil {
		return nil, errdefs.Invalid("cluster", "no cluster given")
	}
	// Alias conflicts and the labels' rules are reported together.
	lbls, aliasErr := in.effectiveLabels()
	settings, err := ParseSettings(lbls)
	if err != nil || aliasErr != nil {
		return nil, errors.Join(aliasErr, err)
	}
	var errs []error
	if nd := in.Template.NetworkDriver; nd != "" && nd != "docker" {
		errs = append(errs, errdefs.Invalid("network_driver", "network driver %q is not supported by COE mesos (allowed: docker)", truncate(nd)))
	}
	if vd := in.Template.VolumeDriver; vd != "" && vd != "rexray" {
		errs = append(errs, errdefs.Invalid("volume_driver", "volume driver %q is not supported by COE mesos (allowed: rexray)", truncate(vd)))
	}
	master, worker := in.groups()
	extra := heat.Attrs{
		extraNamePrefix: nodeinput.NamePrefix(in.Cluster.Name, in.Cluster.UUID, "mesos"),
		extraSubnetCIDR: settings.FixedSubnetCIDR.String(),
	}
	if len(in.SlavesToRemove) > 0 {
		for _, n := range in.SlavesToRemove {
			if n == "" || strings.ContainsAny(n, ", ") || safetext.HasControl(n) || len(n) > 255 {
				errs = append(errs, errdefs.Invalid("nodes_to_remove", "%q is not a server id or member name", truncate(n)))
			}
		}
		extra[extraSlavesToRemove] = in.SlavesToRemove
	}
	minutes := in.Cluster.CreateTimeout
	if minutes <= 0 {
		minutes = cluster.DefaultCreateTimeout
	}
	extra[extraWaitTimeout] = minutes * 60
	if withEnv {
		nodeEnv, secretEnv, err := in.envFiles(settings)
		if err != nil {
			errs = append(errs, err)
		} else {
			extra[extraNodeEnv] = nodeEnv
			extra[extraSecretEnv] = secretEnv
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	// Labels with empty values are unset.
	set := make(map[string]string, len(lbls))
	for k, v := range lbls {
		if v != "" {
			set[k] = v
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
			Labels: set,
			Extra:  extra,
		},
		settings: settings,
		timeout:  time.Duration(minutes) * time.Minute,
	}, nil
}

// envFiles makes the nodes' settings (node_env) and secrets (secret_env:
// the trustee's password, only with rexray).
func (in *Input) envFiles(s *Settings) (node, secret string, err error) {
	t, c, a := in.Template, in.Cluster, &in.Access
	rexray := t.VolumeDriver == "rexray"
	if rexray {
		if err := a.check(); err != nil {
			return "", "", err
		}
	}
	var e shellenv.File
	vars := []struct{ name, value string }{
		{"CLUSTER_UUID", c.UUID},
		{"CLUSTER_NAME", c.Name},
		{"VOLUME_DRIVER", t.VolumeDriver},
		{"REXRAY_PREEMPT", strconv.FormatBool(s.RexrayPreempt)},
		{"MESOS_SLAVE_ISOLATION", strings.Join(s.Isolation, ",")},
		{"MESOS_SLAVE_IMAGE_PROVIDERS", strings.Join(s.ImageProviders, ",")},
		{"MESOS_SLAVE_WORK_DIR", s.WorkDir},
		{"MESOS_SLAVE_EXECUTOR_ENV_VARIABLES", s.ExecutorEnv},
		{"EXECUTOR_REGISTRATION_TIMEOUT", executorRegistrationTimeout},
		{"HTTP_PROXY", t.HTTPProxy},
		{"HTTPS_PROXY", t.HTTPSProxy},
		{"NO_PROXY", t.NoProxy},
	}
	if rexray {
		vars = append(vars, []struct{ name, value string }{
			{"AUTH_URL", nodeinput.KeystoneV3(a.AuthURL)},
			{"REGION_NAME", a.RegionName},
			{"TRUSTEE_USER_ID", a.Trustee.UserID},
			{"TRUST_ID", a.Trustee.TrustID},
			{"VERIFY_CA", strconv.FormatBool(!a.InsecureSkipVerify)},
			{"OPENSTACK_CA", string(a.OpenStackCA)},
		}...)
	}
	for _, v := range vars {
		if err := e.Set(v.name, v.value); err != nil {
			return "", "", err
		}
	}
	if !rexray {
		return string(e.Bytes()), "", nil
	}
	var sec shellenv.File
	if err := sec.Set("TRUSTEE_PASSWORD", a.Trustee.Password); err != nil {
		return "", "", err
	}
	return string(e.Bytes()), string(sec.Bytes()), nil
}

// check validates what rexray needs; problems are ErrInvalid errors on
// fields "access.<name>". Errors never quote the password.
func (a *Access) check() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, errdefs.Invalid("access."+field, format, args...))
	}
	if a.AuthURL == "" {
		bad("auth_url", "is required with the rexray volume driver")
	} else if u, err := url.Parse(a.AuthURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || u.RawQuery != "" || u.Fragment != "" || safetext.HasControl(a.AuthURL) || strings.ContainsAny(a.AuthURL, " '\"\\`$") {
		bad("auth_url", "must be an http(s) URL without credentials, query or quotes")
	}
	if a.Trustee.UserID == "" || a.Trustee.Password == "" {
		bad("trustee", "the trustee's user id and password are required with the rexray volume driver")
	}
	for _, s := range []struct{ field, v string }{
		{"trustee.user_id", a.Trustee.UserID}, {"trustee.trust_id", a.Trustee.TrustID}, {"region_name", a.RegionName},
	} {
		if safetext.HasControl(s.v) || len(s.v) > 255 {
			bad(s.field, "must be at most 255 characters without control characters")
		}
	}
	if strings.ContainsFunc(a.Trustee.Password, func(r rune) bool { return r < 0x20 || r == 0x7f }) || !utf8.ValidString(a.Trustee.Password) {
		bad("trustee.password", "must be UTF-8 text without control characters")
	}
	if len(a.OpenStackCA) > 0 && !strings.Contains(string(a.OpenStackCA), "-----BEGIN CERTIFICATE-----") ||
		strings.Contains(string(a.OpenStackCA), "PRIVATE KEY") {
		bad("openstack_ca", "must be PEM certificates")
	}
	return errors.Join(errs...)
}
