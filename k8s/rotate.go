package k8s

import (
	"errors"
	"strconv"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
)

// The Driver delivers rotated CAs with a rolling stack update.
var _ heat.CARotationStackDriver = (*Driver)(nil)

// RotateCAStack implements heat.CARotationStackDriver: the existing=true
// update that hands the nodes of the cluster's stack (req.Group nil) or
// of req.Group's stack the new CA certificates of req.Nodes.CACerts
// (ca_cert, etcd_ca_cert, front_proxy_ca_cert; all three are required)
// and, on the cluster's stack, a new service-account key pair (master_env,
// made here with NewServiceAccountKey; minions have none).
//
// How the nodes take them: the certificates are part of every server's
// user data, whose update policy is REPLACE, so the update is a rolling
// replacement of every node — masters first (kube_minions depends on
// kube_masters), update_max_batch_size at a time — and each new node
// fetches fresh certificates through the CSR flow, signed by the new CAs.
// Our nodes run no agent that could apply new files in place, and a
// certificate that changes under running components would need every
// component restarted anyway; a rotation counter parameter is not needed
// because new CA certificates always change the user data. Nodes trust
// only the new CAs (req.PreviousCACerts are not sent): once the update
// completes, certificates of the old CAs are refused everywhere. While
// it runs, old and new nodes do not trust each other (old kubelets
// reconnect when they are replaced); a failed update leaves a mix, and
// repeating the rotation (or the same update) converges. Like an
// upgrade, it needs an etcd volume when masters are replaced
// (labels/etcd_volume_size). Each call makes a new service-account key,
// so a repeated call replaces the nodes again.
//
// TLS-disabled clusters have no CAs: ErrInvalid on tls_disabled.
func (d *Driver) RotateCAStack(req *driver.Request) (heat.UpdateRequest, error) {
	if req == nil || req.Template == nil || req.Cluster == nil {
		return heat.UpdateRequest{}, errdefs.Invalid("cluster", "the cluster and its template are required")
	}
	if req.Template.TLSDisabled {
		return heat.UpdateRequest{}, errdefs.Invalid("tls_disabled", "the cluster runs without TLS and has no certificate authorities to rotate")
	}
	var errs []error
	ca := req.Nodes.CACerts
	params := map[string]any{}
	for _, c := range []struct {
		param string
		typ   certs.CAType
	}{{"ca_cert", certs.CAKubernetes}, {"etcd_ca_cert", certs.CAEtcd}, {"front_proxy_ca_cert", certs.CAFrontProxy}} {
		pem := ca[string(c.typ)]
		if len(pem) == 0 {
			errs = append(errs, errdefs.Invalid("ca_cert_type", "the new %s CA certificate is missing", c.typ))
			continue
		}
		if err := checkCertificatesPEM(pem); err != nil {
			errs = append(errs, errdefs.Invalid("ca_cert_type", "the new %s CA: %v", c.typ, err))
			continue
		}
		params[c.param] = string(pem)
	}
	if req.Group == nil {
		if n, _ := strconv.Atoi(currentLabels(req)["etcd_volume_size"]); n < 1 {
			errs = append(errs, errdefs.Invalid("labels/etcd_volume_size", "a CA rotation replaces the masters, and without an etcd volume their etcd data would be lost"))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return heat.UpdateRequest{}, err
	}
	if req.Group == nil {
		key, err := NewServiceAccountKey(nil)
		if err != nil {
			return heat.UpdateRequest{}, err
		}
		var env EnvFile
		err = env.Set("SERVICE_ACCOUNT_KEY", string(key))
		clear(key)
		if err != nil {
			return heat.UpdateRequest{}, err
		}
		params["master_env"] = string(env.Bytes())
	}
	return heat.UpdateRequest{Existing: true, Parameters: params, DisableRollback: !req.Rollback}, nil
}
