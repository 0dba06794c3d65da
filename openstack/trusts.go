package openstack

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"

	"github.com/gophercloud/gophercloud/v2"
	gcopenstack "github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/trusts"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/users"

	"github.com/gomagnum/magnum/errdefs"
)

const svcKeystone = "keystone"

// TrusteesConfig says where trustee users live and what their trusts
// delegate.
type TrusteesConfig struct {
	// DomainID is the Keystone domain the trustee users are created in: a
	// domain of their own, administered by the Cloud's user (Magnum's
	// [trust] trustee_domain_id). Required.
	DomainID string
	// Roles are the names of the roles a trust delegates when the request
	// names none (Magnum's [trust] roles). The trustor must hold them on
	// the project. A trust needs at least one.
	Roles []string
}

// Trustees creates and deletes the per-cluster trustee users and the
// trusts through which a cluster's nodes act for the cluster's creator:
// each cluster gets a user of its own in the trustee domain with a random
// password, and a trust from the creator (the trustor) to that user that
// delegates the configured roles on the creator's project, with
// impersonation and no expiry.
//
// Its calls go through the Cloud's retries and attempt bounds (Cloud.Lookup):
// reads, password resets and deletes are retried after transient failures;
// creates are not repeated blindly — after an ambiguous failure the user
// or trust is looked up instead. Errors are *errdefs.Error values whose
// cause is an *HTTPError with Service "keystone". Passwords never appear in
// errors or logs. A Trustees is safe for concurrent use, but Create and
// Delete for the same cluster must not run concurrently.
type Trustees struct {
	cloud *Cloud
	cfg   TrusteesConfig
}

// NewTrustees returns Trustees that manage users in cfg.DomainID through
// admin, which must be allowed to create, update and delete users there
// (and to delete trusts).
func NewTrustees(admin *Cloud, cfg TrusteesConfig) (*Trustees, error) {
	if admin == nil || admin.Provider == nil {
		return nil, &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "cloud", Reason: "not connected (use Connect)"}
	}
	if cfg.DomainID == "" {
		return nil, errdefs.Invalid("trustee_domain_id", "the trustee domain is required")
	}
	if err := checkRef("trustee_domain_id", cfg.DomainID); err != nil {
		return nil, err
	}
	for _, r := range cfg.Roles {
		if r == "" {
			return nil, errdefs.Invalid("roles", "empty role name")
		}
		if err := checkRef("roles", r); err != nil {
			return nil, err
		}
	}
	cfg.Roles = slices.Clone(cfg.Roles)
	return &Trustees{cloud: admin, cfg: cfg}, nil
}

// TrusteeRequest asks for the trustee of one cluster.
type TrusteeRequest struct {
	ClusterID        string // the cluster's UUID; names the user
	ClusterName      string // for the user's description only
	TrustorUserID    string // the cluster's creator
	TrustorProjectID string // the project the trust is scoped to
	// Roles overrides TrusteesConfig.Roles.
	Roles []string
	// Trustor, when set, creates the trust. Keystone lets only the trustor
	// itself create a trust, so against a real cloud this is a Cloud logged
	// in as TrustorUserID (for example from the user's token); nil uses
	// the Trustees' own Cloud, which works when it is the trustor.
	Trustor *Cloud
}

// Trustee is what Create made: the user's ID, name and password, and the
// trust it may use. The password is secret; String leaves it out.
type Trustee struct {
	UserID   string
	Username string
	Password string
	TrustID  string
}

// String names the trustee without its password.
func (t Trustee) String() string { return "trustee " + t.Username + " (" + t.UserID + ")" }

// TrusteeUsername is the name of a cluster's trustee user: the cluster's
// UUID and its project, as Magnum names it, unique in the trustee domain.
func TrusteeUsername(clusterID, projectID string) string { return clusterID + "_" + projectID }

// Create makes the cluster's trustee user and trust and returns their IDs
// and the user's password.
//
// It is idempotent per cluster: the user is found by its name first, so a
// repeated Create (after a crash, or when the password was lost) does not
// leak a second user. An existing user gets a fresh random password — the
// old one cannot be read back — and keeps its ID; a trust it already has
// from the same trustor, on the same project, with impersonation and the
// same roles, is kept, any other of its trusts is deleted. A repeated
// Create therefore returns the same UserID and TrustID with a new Password,
// which invalidates the one handed out before.
func (t *Trustees) Create(ctx context.Context, req TrusteeRequest) (Trustee, error) {
	roles := req.Roles
	if len(roles) == 0 {
		roles = t.cfg.Roles
	}
	if err := checkTrusteeRequest(req, roles); err != nil {
		return Trustee{}, err
	}
	ic, err := identityClient(t.cloud)
	if err != nil {
		return Trustee{}, err
	}
	trustor := t.cloud
	if req.Trustor != nil {
		trustor = req.Trustor
	}
	tc, err := identityClient(trustor)
	if err != nil {
		return Trustee{}, err
	}
	out := Trustee{Username: TrusteeUsername(req.ClusterID, req.TrustorProjectID), Password: rand.Text()}
	user, existed, err := t.ensureUser(ctx, ic, req, out.Username, out.Password)
	if err != nil {
		return Trustee{}, err
	}
	out.UserID = user.ID
	var found []trusts.Trust
	if existed {
		if found, err = t.trustsOf(ctx, tc, user.ID); err != nil {
			return Trustee{}, err
		}
	}
	for _, tr := range found {
		if out.TrustID == "" && trustFits(tr, req, roles) {
			out.TrustID = tr.ID
			continue
		}
		if err := t.deleteTrust(ctx, tc, tr.ID); err != nil {
			return Trustee{}, err
		}
	}
	if out.TrustID == "" {
		if out.TrustID, err = t.createTrust(ctx, tc, user.ID, req, roles); err != nil {
			return Trustee{}, err
		}
	}
	t.log().LogAttrs(ctx, slog.LevelDebug, "trustee ready", slog.String("cluster", req.ClusterID),
		slog.String("user_id", out.UserID), slog.String("trust_id", out.TrustID), slog.Bool("reused", existed))
	return out, nil
}

// Delete removes a cluster's trust and trustee user. Either ID may be empty
// (nothing to remove); what is already gone counts as removed, so Delete
// may be repeated. Keystone deletes a user's trusts with the user, so a
// trust this Cloud may not delete (403) is left to that.
func (t *Trustees) Delete(ctx context.Context, userID, trustID string) error {
	for _, v := range [][2]string{{"trustee_user_id", userID}, {"trust_id", trustID}} {
		if err := checkRef(v[0], v[1]); err != nil {
			return err
		}
	}
	ic, err := identityClient(t.cloud)
	if err != nil {
		return err
	}
	if trustID != "" {
		err := t.deleteTrust(ctx, ic, trustID)
		if err != nil && !(userID != "" && errors.Is(err, errdefs.ErrForbidden)) {
			return err
		}
	}
	if userID == "" {
		return nil
	}
	err = t.cloud.read(ctx, svcKeystone, "delete user", userID, func(ctx context.Context) error {
		return users.Delete(ctx, ic, userID).ExtractErr()
	})
	if err != nil && !isNotFound(err) {
		return keystoneErr(ctx, "trustee user", "delete user", userID, err)
	}
	t.log().LogAttrs(ctx, slog.LevelDebug, "trustee deleted", slog.String("user_id", userID), slog.String("trust_id", trustID))
	return nil
}

// FindUser returns the ID of a cluster's trustee user, found by its name
// (TrusteeUsername) in the trustee domain: errdefs.ErrNotFound if there is
// none. It finds the user of a Create whose caller lost the answer.
func (t *Trustees) FindUser(ctx context.Context, clusterID, projectID string) (string, error) {
	for _, f := range [][2]string{{"cluster_id", clusterID}, {"trustor_project_id", projectID}} {
		if f[1] == "" {
			return "", errdefs.Invalid(f[0], "required to find a trustee")
		}
		if err := checkRef(f[0], f[1]); err != nil {
			return "", err
		}
	}
	ic, err := identityClient(t.cloud)
	if err != nil {
		return "", err
	}
	name := TrusteeUsername(clusterID, projectID)
	u, err := t.findUser(ctx, ic, name)
	if err != nil {
		return "", err
	}
	if u == nil {
		return "", errdefs.NotFound("trustee user", name)
	}
	return u.ID, nil
}

func (t *Trustees) log() *slog.Logger {
	if t.cloud.Lookup.Logger != nil {
		return t.cloud.Lookup.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func checkTrusteeRequest(req TrusteeRequest, roles []string) error {
	for _, f := range [][2]string{{"cluster_id", req.ClusterID}, {"trustor_user_id", req.TrustorUserID}, {"trustor_project_id", req.TrustorProjectID}} {
		if f[1] == "" {
			return errdefs.Invalid(f[0], "required for a trustee")
		}
		if err := checkRef(f[0], f[1]); err != nil {
			return err
		}
	}
	if err := checkRef("cluster_name", req.ClusterName); err != nil {
		return err
	}
	if len(roles) == 0 {
		return errdefs.Invalid("roles", "a trust must delegate at least one role (TrusteesConfig.Roles)")
	}
	for _, r := range roles {
		if r == "" {
			return errdefs.Invalid("roles", "empty role name")
		}
		if err := checkRef("roles", r); err != nil {
			return err
		}
	}
	return nil
}

// identityClient is a Keystone v3 client of c.
func identityClient(c *Cloud) (*gophercloud.ServiceClient, error) {
	if c == nil || c.Provider == nil {
		return nil, &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "cloud", Reason: "not connected (use Connect)"}
	}
	ic, err := gcopenstack.NewIdentityV3(c.Provider, c.Endpoint)
	if err != nil {
		return nil, &errdefs.Error{Kind: errdefs.ErrUnavailable, Resource: "cloud", Reason: "no identity (Keystone v3) endpoint in the catalog", Err: err}
	}
	return ic, nil
}

// once runs a call that must not be repeated blindly, bounded by the
// attempt timeout.
func (c *Cloud) once(ctx context.Context, call func(context.Context) error) error {
	if d := c.Lookup.attemptTimeout(); d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	return call(ctx)
}

// findUser returns the user of that name in the trustee domain, or nil.
func (t *Trustees) findUser(ctx context.Context, ic *gophercloud.ServiceClient, name string) (*users.User, error) {
	var found []users.User
	err := t.cloud.read(ctx, svcKeystone, "list users", name, func(ctx context.Context) error {
		pages, err := users.List(ic, users.ListOpts{Name: name, DomainID: t.cfg.DomainID}).AllPages(ctx)
		if err != nil {
			return err
		}
		found, err = users.ExtractUsers(pages)
		return err
	})
	if err != nil {
		return nil, keystoneErr(ctx, "trustee user", "list users", name, err)
	}
	for i := range found {
		if found[i].Name == name && found[i].DomainID == t.cfg.DomainID {
			return &found[i], nil
		}
	}
	return nil, nil
}

// ensureUser finds or creates the trustee user with password; existed
// reports whether it was there before (its password is then reset).
func (t *Trustees) ensureUser(ctx context.Context, ic *gophercloud.ServiceClient, req TrusteeRequest, name, password string) (u *users.User, existed bool, err error) {
	u, err = t.findUser(ctx, ic, name)
	if err != nil {
		return nil, false, err
	}
	if u == nil {
		var created *users.User
		cerr := t.cloud.once(ctx, func(ctx context.Context) error {
			var err error
			created, err = users.Create(ctx, ic, users.CreateOpts{
				Name: name, DomainID: t.cfg.DomainID, Password: password, Enabled: gophercloud.Enabled,
				Description: fmt.Sprintf("gomagnum trustee of cluster %s (%s)", req.ClusterName, req.ClusterID),
			}).Extract()
			return err
		})
		if cerr == nil {
			return created, false, nil
		}
		if class, _, _ := classify(ctx, cerr); class == classFinal && !isConflict(cerr) || class == classCanceled {
			return nil, false, keystoneErr(ctx, "trustee user", "create user", name, cerr)
		}
		// A concurrent or an ambiguous create: the user may exist now.
		if u, err = t.findUser(ctx, ic, name); err != nil {
			return nil, false, err
		}
		if u == nil {
			return nil, false, keystoneErr(ctx, "trustee user", "create user", name, cerr)
		}
	}
	err = t.cloud.read(ctx, svcKeystone, "reset password", u.ID, func(ctx context.Context) error {
		_, err := users.Update(ctx, ic, u.ID, users.UpdateOpts{Password: password, Enabled: gophercloud.Enabled}).Extract()
		return err
	})
	if err != nil {
		return nil, false, keystoneErr(ctx, "trustee user", "reset password", u.ID, err)
	}
	return u, true, nil
}

// trustsOf lists the trusts whose trustee is userID.
func (t *Trustees) trustsOf(ctx context.Context, tc *gophercloud.ServiceClient, userID string) ([]trusts.Trust, error) {
	var found []trusts.Trust
	err := t.cloud.read(ctx, svcKeystone, "list trusts", userID, func(ctx context.Context) error {
		pages, err := trusts.List(tc, trusts.ListOpts{TrusteeUserID: userID}).AllPages(ctx)
		if err != nil {
			return err
		}
		found, err = trusts.ExtractTrusts(pages)
		return err
	})
	if err != nil {
		return nil, keystoneErr(ctx, "trust", "list trusts", userID, err)
	}
	return slices.DeleteFunc(found, func(tr trusts.Trust) bool { return tr.TrusteeUserID != userID }), nil
}

// trustFits reports whether an existing trust is the one Create would make.
func trustFits(tr trusts.Trust, req TrusteeRequest, roles []string) bool {
	if tr.TrustorUserID != req.TrustorUserID || tr.ProjectID != req.TrustorProjectID || !tr.Impersonation ||
		!tr.DeletedAt.IsZero() || !tr.ExpiresAt.IsZero() || tr.RemainingUses != 0 {
		return false
	}
	have := make([]string, 0, len(tr.Roles))
	for _, r := range tr.Roles {
		have = append(have, r.Name)
	}
	want := slices.Clone(roles)
	slices.Sort(have)
	slices.Sort(want)
	return slices.Equal(slices.Compact(have), slices.Compact(want))
}

// createTrust makes the trust; after an ambiguous failure it adopts a
// trust the trustee got meanwhile.
func (t *Trustees) createTrust(ctx context.Context, tc *gophercloud.ServiceClient, userID string, req TrusteeRequest, roles []string) (string, error) {
	rs := make([]trusts.Role, 0, len(roles))
	for _, r := range roles {
		rs = append(rs, trusts.Role{Name: r})
	}
	var created *trusts.Trust
	cerr := t.cloud.once(ctx, func(ctx context.Context) error {
		var err error
		created, err = trusts.Create(ctx, tc, trusts.CreateOpts{
			TrustorUserID: req.TrustorUserID, TrusteeUserID: userID, ProjectID: req.TrustorProjectID,
			Impersonation: true, Roles: rs,
		}).Extract()
		return err
	})
	if cerr == nil {
		if created == nil || created.ID == "" {
			return "", &errdefs.Error{Kind: errdefs.ErrUnavailable, Resource: "trust", ID: userID, Reason: "create trust: keystone answered without a trust"}
		}
		return created.ID, nil
	}
	if class, _, _ := classify(ctx, cerr); class == classFinal || class == classCanceled {
		return "", keystoneErr(ctx, "trust", "create trust", userID, cerr)
	}
	found, err := t.trustsOf(ctx, tc, userID)
	if err != nil {
		return "", err
	}
	for _, tr := range found {
		if trustFits(tr, req, roles) {
			return tr.ID, nil
		}
	}
	return "", keystoneErr(ctx, "trust", "create trust", userID, cerr)
}

// deleteTrust deletes a trust; one already gone is fine.
func (t *Trustees) deleteTrust(ctx context.Context, c *gophercloud.ServiceClient, id string) error {
	err := t.cloud.read(ctx, svcKeystone, "delete trust", id, func(ctx context.Context) error {
		return trusts.Delete(ctx, c, id).ExtractErr()
	})
	if err != nil && !isNotFound(err) {
		return keystoneErr(ctx, "trust", "delete trust", id, err)
	}
	return nil
}

func isConflict(err error) bool {
	he := httpError(err)
	return he != nil && he.Status == http.StatusConflict
}

// keystoneErr turns a failed identity call into what callers see, with the
// status's kind (a 404 is ErrNotFound here: users and trusts are looked up
// by ID).
func keystoneErr(ctx context.Context, resource, op, id string, err error) error {
	var de *errdefs.Error
	if errors.As(err, &de) {
		return err
	}
	if ctx.Err() != nil {
		return fmt.Errorf("keystone: %s %s: %w", op, id, context.Cause(ctx))
	}
	if he := httpError(err); he != nil {
		he.Service = svcKeystone
		reason := op + ": " + he.Message
		if he.Message == "" {
			reason = op + ": " + http.StatusText(he.Status)
		}
		return &errdefs.Error{Kind: kindFor(he.Status), Resource: resource, ID: id, Reason: reason, Err: he}
	}
	var reauth *gophercloud.ErrUnableToReauthenticate
	var reauthV gophercloud.ErrUnableToReauthenticate
	if errors.As(err, &reauth) || errors.As(err, &reauthV) {
		return &errdefs.Error{Kind: errdefs.ErrForbidden, Resource: resource, ID: id, Reason: op + ": authentication failed", Err: err}
	}
	return &errdefs.Error{Kind: errdefs.ErrUnavailable, Resource: resource, ID: id, Reason: op + ": keystone unreachable", Err: err}
}
