package magnum

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/patch"
	"github.com/gomagnum/magnum/policy"
	"github.com/gomagnum/magnum/store"
	"github.com/gomagnum/magnum/template"
)

const resTemplate = "clustertemplate"

// patchRetries bounds how often a patch is re-applied to a fresh copy when
// another writer changed the record in between.
const patchRetries = 5

// CreateClusterTemplate validates and stores a new template owned by the
// caller's project. Read-only fields of t (uuid, project_id, user_id,
// timestamps, revision) are ignored; a missing name is generated. With an
// ImageInspector configured, cluster_distro is the image's os_distro
// whatever t says. Every validation problem is reported at once, and nothing
// is stored unless all pass. t itself is not modified.
func (m *Manager) CreateClusterTemplate(ctx context.Context, t *template.ClusterTemplate) (*template.ClusterTemplate, error) {
	c, err := m.caller(ctx)
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, errdefs.Invalid("clustertemplate", "no template given")
	}
	nt := t.Clone()
	nt.UUID, nt.ProjectID, nt.UserID, nt.Revision, nt.UpdatedAt = m.newUUID(), c.ProjectID, c.UserID, 0, nil
	nt.CreatedAt = m.nowUTC()
	if nt.Name == "" {
		nt.Name = m.newName("template")
	}
	target := policy.Target{ProjectID: nt.ProjectID, UserID: nt.UserID, Public: nt.Public, Hidden: nt.Hidden}
	if err := m.authorize(ctx, c, policy.TemplateCreate, target, resTemplate, nt.Name); err != nil {
		return nil, err
	}
	if nt.Public || nt.Hidden {
		if err := m.authorize(ctx, c, policy.TemplatePublish, target, resTemplate, nt.Name); err != nil {
			return nil, err
		}
	}
	if err := m.resolveDistro(ctx, nt); err != nil {
		return nil, err
	}
	template.ApplyDefaults(nt, m.drivers)
	if err := m.checkTemplate(nt); err != nil {
		return nil, err
	}
	if err := m.store.CreateTemplate(ctx, nt); err != nil {
		return nil, err
	}
	m.log.InfoContext(ctx, "cluster template created", "uuid", nt.UUID, "name", nt.Name, "project", nt.ProjectID)
	return nt, nil
}

// resolveDistro sets cluster_distro from the image when an ImageInspector
// is configured.
func (m *Manager) resolveDistro(ctx context.Context, t *template.ClusterTemplate) error {
	if m.images == nil || t.ImageID == "" {
		return nil
	}
	distro, err := m.images.OSDistro(ctx, t.ImageID)
	switch {
	case errors.Is(err, errdefs.ErrNotFound):
		// Magnum answers 400 for a missing image: it is bad input.
		return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: resTemplate, Field: "image_id",
			Reason: fmt.Sprintf("image %q not found", t.ImageID), Err: err}
	case err != nil:
		return fmt.Errorf("looking up image %q: %w", t.ImageID, err)
	case distro == "":
		return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: resTemplate, Field: "image_id",
			Reason: fmt.Sprintf("image %q has no os_distro property", t.ImageID)}
	}
	t.ClusterDistro = distro
	return nil
}

// checkTemplate validates a template and checks that a driver serves it.
func (m *Manager) checkTemplate(t *template.ClusterTemplate) error {
	err := template.Validate(t, m.drivers)
	if t.ClusterDistro == "" {
		err = errors.Join(err, errdefs.Invalid("cluster_distro", "is required: the image's os_distro selects the driver"))
	} else if err == nil {
		_, err = m.drivers.Lookup(driver.Tuple{ServerType: t.ServerType, OSDistro: t.ClusterDistro, COE: t.COE})
	}
	if err == nil {
		t.Labels = m.canonicalLabels(t.COE, t.Labels, "template "+t.Name)
	}
	return errdefs.WithResource(err, resTemplate, t.Name)
}

// canonicalLabels renames the labels a COE accepts under other spellings
// (Capabilities.LabelAliases, e.g. Mesos' rexray-preempt) to their
// canonical names, so that what is stored and shown is what the driver
// reads. Validation has already refused conflicting spellings.
func (m *Manager) canonicalLabels(coe string, l labels.Labels, what string) labels.Labels {
	caps, ok := m.drivers.Capabilities(coe)
	if !ok {
		return l
	}
	out, renamed, err := caps.CanonicalLabels(l)
	if err != nil {
		return l
	}
	for alias, name := range renamed {
		m.log.Info("label renamed to the driver's name", "of", what, "label", alias, "as", name)
	}
	return out
}

// templateFilter is what the caller may see: its own templates and public
// ones that are not hidden; admins see everything.
func templateFilter(c policy.Caller) store.TemplateFilter {
	if c.Admin {
		return store.TemplateFilter{}
	}
	return store.TemplateFilter{ProjectID: c.ProjectID, IncludePublic: true}
}

// GetClusterTemplate returns the template with the given UUID or name among
// those the caller may see. A name shared by several is errdefs.ErrConflict.
func (m *Manager) GetClusterTemplate(ctx context.Context, ident string) (*template.ClusterTemplate, error) {
	c, err := m.caller(ctx)
	if err != nil {
		return nil, err
	}
	t, err := m.store.FindTemplate(ctx, templateFilter(c), ident)
	if err != nil {
		return nil, err
	}
	if err := m.authorize(ctx, c, policy.TemplateGet, templateTarget(t), resTemplate, ident); err != nil {
		return nil, err
	}
	return t, nil
}

func templateTarget(t *template.ClusterTemplate) policy.Target {
	return policy.Target{ProjectID: t.ProjectID, UserID: t.UserID, Public: t.Public, Hidden: t.Hidden}
}

// ListOptions selects a page of a list.
type ListOptions struct {
	store.Page
}

// ListClusterTemplates returns a page of the templates the caller may see:
// its project's and the public, non-hidden ones; admins see all.
func (m *Manager) ListClusterTemplates(ctx context.Context, opts ListOptions) ([]*template.ClusterTemplate, error) {
	c, err := m.caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := m.authorize(ctx, c, policy.TemplateList, policy.Target{ProjectID: c.ProjectID}, resTemplate, ""); err != nil {
		return nil, err
	}
	return m.store.ListTemplates(ctx, templateFilter(c), opts.Page)
}

// UpdateClusterTemplate applies a JSON patch (Magnum's rules: see package
// patch) to the template and stores the result if it validates. Changing
// public or hidden needs the publish policy. While clusters use the
// template, only name, tags and hidden may change, and public may only
// become true. If another writer changes the template meanwhile, the patch
// is applied again to the new version.
func (m *Manager) UpdateClusterTemplate(ctx context.Context, ident string, ops []patch.Op) (*template.ClusterTemplate, error) {
	c, err := m.caller(ctx)
	if err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		t, err := m.updateTemplateOnce(ctx, c, ident, ops)
		var stale *staleWrite
		if !errors.As(err, &stale) {
			return t, err
		}
		if attempt >= patchRetries || ctx.Err() != nil {
			return nil, stale.err
		}
	}
}

// staleWrite marks a write refused because another writer got there first;
// the operation may be repeated on a fresh copy.
type staleWrite struct{ err error }

func (s *staleWrite) Error() string { return s.err.Error() }
func (s *staleWrite) Unwrap() error { return s.err }

func (m *Manager) updateTemplateOnce(ctx context.Context, c policy.Caller, ident string, ops []patch.Op) (*template.ClusterTemplate, error) {
	old, err := m.store.FindTemplate(ctx, templateFilter(c), ident)
	if err != nil {
		return nil, err
	}
	if err := m.authorize(ctx, c, policy.TemplateUpdate, templateTarget(old), resTemplate, ident); err != nil {
		return nil, err
	}
	nt := old.Clone()
	changed, err := patch.Apply(nt, ops, patch.TemplateRules())
	if err != nil {
		return nil, errdefs.WithResource(err, resTemplate, ident)
	}
	if len(changed) == 0 {
		return old, nil
	}
	if slices.Contains(changed, "public") || slices.Contains(changed, "hidden") {
		if err := m.authorize(ctx, c, policy.TemplatePublish, templateTarget(nt), resTemplate, ident); err != nil {
			return nil, err
		}
	}
	if slices.Contains(changed, "image_id") || slices.Contains(changed, "cluster_distro") {
		// With an image service the distro is always the image's.
		if err := m.resolveDistro(ctx, nt); err != nil {
			return nil, err
		}
	}
	if err := m.checkTemplate(nt); err != nil {
		return nil, err
	}
	if err := m.checkInUseChange(ctx, old, nt, changed); err != nil {
		return nil, err
	}
	now := m.nowUTC()
	nt.UpdatedAt = &now
	if err := m.store.UpdateTemplate(ctx, nt); err != nil {
		if errors.Is(err, errdefs.ErrConflict) {
			return nil, &staleWrite{err}
		}
		return nil, err
	}
	m.log.InfoContext(ctx, "cluster template updated", "uuid", nt.UUID, "fields", changed)
	return nt, nil
}

// checkInUseChange enforces what may change on a template clusters use.
func (m *Manager) checkInUseChange(ctx context.Context, old, nt *template.ClusterTemplate, changed []string) error {
	n, err := m.store.CountClusters(ctx, store.ClusterFilter{TemplateID: old.UUID})
	if err != nil || n == 0 {
		return err
	}
	for _, f := range changed {
		switch {
		case f == "name", f == "tags", f == "hidden":
		case f == "public" && nt.Public:
		default:
			return &errdefs.Error{Kind: errdefs.ErrInUse, Resource: resTemplate, ID: old.UUID, Field: f,
				Reason: fmt.Sprintf("is referenced by %d cluster(s); only name, tags, hidden and public=true may change", n)}
		}
	}
	return nil
}

// DeleteClusterTemplate removes a template. It fails with errdefs.ErrInUse
// while any cluster uses it.
func (m *Manager) DeleteClusterTemplate(ctx context.Context, ident string) error {
	c, err := m.caller(ctx)
	if err != nil {
		return err
	}
	t, err := m.store.FindTemplate(ctx, templateFilter(c), ident)
	if err != nil {
		return err
	}
	if err := m.authorize(ctx, c, policy.TemplateDelete, templateTarget(t), resTemplate, ident); err != nil {
		return err
	}
	if err := m.store.DeleteTemplate(ctx, t.UUID, t.Revision); err != nil {
		return err
	}
	m.log.InfoContext(ctx, "cluster template deleted", "uuid", t.UUID, "name", t.Name)
	return nil
}
