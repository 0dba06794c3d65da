package openstack

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/flavors"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/keypairs"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/external"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
	"github.com/gophercloud/gophercloud/v2/pagination"

	"github.com/gomagnum/magnum/errdefs"
)

// Resources names the cloud resources a cluster template or cluster refers
// to, each by name or ID. Empty fields are not checked: whether a field is
// required is the template's business, not the cloud's.
type Resources struct {
	Image           string // Glance image (template image_id)
	Flavor          string // Nova flavor of the nodes (flavor_id)
	MasterFlavor    string // Nova flavor of the masters (master_flavor_id)
	Keypair         string // Nova keypair name (keypair_id, or a cluster's keypair)
	ExternalNetwork string // Neutron network with router:external (external_network_id)
	FixedNetwork    string // Neutron network of the nodes (fixed_network)
	FixedSubnet     string // Neutron subnet of the nodes (fixed_subnet)
	// KeypairField is the field errors about Keypair name; "" means
	// "keypair_id" (a template's field; a cluster's is "keypair").
	KeypairField string
}

// Resolved is what the checks learnt: the IDs behind the names given, and
// the facts a driver needs. Fields of resources not asked for are empty.
type Resolved struct {
	ImageID           string
	OSDistro          string // the image's os_distro property; it picks the driver
	FlavorID          string
	MasterFlavorID    string
	Keypair           string // the keypair's name, as Nova knows it
	ExternalNetworkID string
	FixedNetworkID    string
	FixedNetworkName  string
	FixedSubnetID     string
	FixedSubnetCIDR   string
}

// OSDistro returns the os_distro property of the Glance image named or
// identified by image, "" when the image has none. A missing image is
// errdefs.ErrNotFound, several images of that name errdefs.ErrConflict, a
// cloud that cannot answer errdefs.ErrUnavailable. It implements
// magnum.ImageInspector.
func (c *Cloud) OSDistro(ctx context.Context, image string) (string, error) {
	if image == "" {
		return "", errdefs.Invalid("image_id", "required")
	}
	if err := checkRef("image_id", image); err != nil {
		return "", err
	}
	img, err := c.findImage(ctx, image)
	if err != nil {
		return "", err
	}
	return osDistro(img), nil
}

// CheckResources verifies, before anything is created, that every resource
// r names exists and is usable: the image exists, is active and carries
// os_distro; the flavors and the keypair exist; the external network exists
// and is router:external; the fixed network and subnet exist, and the
// subnet belongs to the network when both are given. Names that match
// several resources are ambiguous.
//
// Every problem is reported at once, joined (errdefs.Problems lists them),
// each an *errdefs.Error naming its field: ErrInvalid for what is missing or
// unusable (Magnum's 400 ImageNotFound, FlavorNotFound,
// ExternalNetworkNotFound…), ErrConflict for an ambiguous name (409),
// ErrUnavailable or ErrForbidden when the cloud could not answer. When ctx
// ends the context's error is returned alone.
func (c *Cloud) CheckResources(ctx context.Context, r Resources) error {
	_, err := c.ResolveResources(ctx, r)
	return err
}

// ResolveResources does what CheckResources does and returns what it
// learnt. On error the Resolved value holds what could be resolved.
func (c *Cloud) ResolveResources(ctx context.Context, r Resources) (Resolved, error) {
	keypairField := r.KeypairField
	if keypairField == "" {
		keypairField = "keypair_id"
	}
	var (
		out  Resolved
		mu   sync.Mutex
		wg   sync.WaitGroup
		errs = make([]error, 7) // one slot per check, in a fixed order
		// subnet membership needs both answers
		fixedNet    *networks.Network
		fixedSubnet *subnets.Subnet
	)
	check := func(slot int, field, ref string, fn func(ctx context.Context) error) {
		if ref == "" {
			return
		}
		if err := checkRef(field, ref); err != nil {
			errs[slot] = err
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(ctx); err != nil {
				errs[slot] = fieldErr(field, err)
			}
		}()
	}
	check(0, "image_id", r.Image, func(ctx context.Context) error {
		img, err := c.findImage(ctx, r.Image)
		if err != nil {
			return err
		}
		mu.Lock()
		out.ImageID, out.OSDistro = img.ID, osDistro(img)
		mu.Unlock()
		switch {
		case img.Status != images.ImageStatusActive:
			return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "image", ID: r.Image,
				Reason: fmt.Sprintf("image is %s, not active", img.Status)}
		case osDistro(img) == "":
			return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "image", ID: r.Image,
				Reason: "image has no os_distro property: set it (e.g. fedora-atomic) to pick a driver"}
		}
		return nil
	})
	check(1, "flavor_id", r.Flavor, func(ctx context.Context) error {
		f, err := c.findFlavor(ctx, r.Flavor)
		mu.Lock()
		out.FlavorID = f.ID
		mu.Unlock()
		return err
	})
	sameFlavor := r.MasterFlavor == r.Flavor // the usual template: one lookup serves both
	masterFlavor := r.MasterFlavor
	if sameFlavor {
		masterFlavor = ""
	}
	check(2, "master_flavor_id", masterFlavor, func(ctx context.Context) error {
		f, err := c.findFlavor(ctx, r.MasterFlavor)
		mu.Lock()
		out.MasterFlavorID = f.ID
		mu.Unlock()
		return err
	})
	check(3, keypairField, r.Keypair, func(ctx context.Context) error {
		k, err := c.findKeypair(ctx, r.Keypair)
		mu.Lock()
		out.Keypair = k.Name
		mu.Unlock()
		return err
	})
	check(4, "external_network_id", r.ExternalNetwork, func(ctx context.Context) error {
		n, err := c.findNetwork(ctx, r.ExternalNetwork)
		if err != nil {
			return err
		}
		mu.Lock()
		out.ExternalNetworkID = n.ID
		mu.Unlock()
		if !n.External {
			return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "network", ID: r.ExternalNetwork,
				Reason: "not an external network (router:external is false)"}
		}
		return nil
	})
	check(5, "fixed_network", r.FixedNetwork, func(ctx context.Context) error {
		n, err := c.findNetwork(ctx, r.FixedNetwork)
		if err != nil {
			return err
		}
		mu.Lock()
		out.FixedNetworkID, out.FixedNetworkName = n.ID, n.Name
		fixedNet = &n.Network
		mu.Unlock()
		return nil
	})
	check(6, "fixed_subnet", r.FixedSubnet, func(ctx context.Context) error {
		s, err := c.findSubnet(ctx, r.FixedSubnet)
		if err != nil {
			return err
		}
		mu.Lock()
		out.FixedSubnetID, out.FixedSubnetCIDR = s.ID, s.CIDR
		fixedSubnet = &s
		mu.Unlock()
		return nil
	})
	wg.Wait()
	if ctx.Err() != nil {
		return out, fmt.Errorf("checking cloud resources: %w", context.Cause(ctx))
	}
	if sameFlavor && r.MasterFlavor != "" {
		out.MasterFlavorID = out.FlavorID
		if errs[1] != nil {
			errs[2] = renameField(errs[1], "master_flavor_id")
		}
	}
	if fixedNet != nil && fixedSubnet != nil && fixedSubnet.NetworkID != fixedNet.ID {
		errs = append(errs, &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "subnet", ID: r.FixedSubnet, Field: "fixed_subnet",
			Reason: fmt.Sprintf("subnet belongs to network %s, not to fixed_network %s", fixedSubnet.NetworkID, fixedNet.ID)})
	}
	return out, errors.Join(errs...)
}

// fieldErr names the field a lookup failure is about. A resource that is
// not there is invalid input to the caller (Magnum's 400), not a 404.
func fieldErr(field string, err error) error {
	var de *errdefs.Error
	if !errors.As(err, &de) {
		return &errdefs.Error{Kind: errdefs.ErrUnavailable, Field: field, Reason: "lookup failed", Err: err}
	}
	out := *de
	out.Field = field
	if errors.Is(de.Kind, errdefs.ErrNotFound) {
		out.Kind = errdefs.ErrInvalid
		out.Reason = de.Resource + " not found"
	}
	return &out
}

// renameField copies a problem about one field to another.
func renameField(err error, field string) error {
	var de *errdefs.Error
	if !errors.As(err, &de) {
		return err
	}
	out := *de
	out.Field = field
	return &out
}

// ---------------------------------------------------------------- Glance

func osDistro(img images.Image) string {
	s, _ := img.Properties["os_distro"].(string)
	return s
}

func (c *Cloud) findImage(ctx context.Context, ref string) (images.Image, error) {
	sc, err := c.serviceClient(svcGlance)
	if err != nil {
		return images.Image{}, err
	}
	return find(ctx, c, finder[images.Image]{
		svc: svcGlance, resource: "image", mayBeID: isUUID,
		byID: func(ctx context.Context, ref string) (images.Image, error) {
			img, err := images.Get(ctx, sc, ref).Extract()
			if err != nil {
				return images.Image{}, err
			}
			return *img, nil
		},
		byName: func(ctx context.Context, ref string) ([]images.Image, error) {
			return listAll(ctx, images.List(sc, images.ListOpts{Name: ref}), images.ExtractImages)
		},
		id:   func(i images.Image) string { return i.ID },
		name: func(i images.Image) string { return i.Name },
	}, ref)
}

// ---------------------------------------------------------------- Nova

func (c *Cloud) findFlavor(ctx context.Context, ref string) (flavors.Flavor, error) {
	sc, err := c.serviceClient(svcNova)
	if err != nil {
		return flavors.Flavor{}, err
	}
	return find(ctx, c, finder[flavors.Flavor]{
		svc: svcNova, resource: "flavor",
		// Flavor IDs are free-form ("1", "m1.small", a UUID): always ask.
		byID: func(ctx context.Context, ref string) (flavors.Flavor, error) {
			f, err := flavors.Get(ctx, sc, url.PathEscape(ref)).Extract()
			if err != nil {
				return flavors.Flavor{}, err
			}
			return *f, nil
		},
		// Nova cannot filter flavors by name.
		byName: func(ctx context.Context, _ string) ([]flavors.Flavor, error) {
			return listAll(ctx, flavors.ListDetail(sc, flavors.ListOpts{}), flavors.ExtractFlavors)
		},
		id:   func(f flavors.Flavor) string { return f.ID },
		name: func(f flavors.Flavor) string { return f.Name },
	}, ref)
}

func (c *Cloud) findKeypair(ctx context.Context, ref string) (keypairs.KeyPair, error) {
	sc, err := c.serviceClient(svcNova)
	if err != nil {
		return keypairs.KeyPair{}, err
	}
	// A keypair is known by its name alone, unique per user.
	return find(ctx, c, finder[keypairs.KeyPair]{
		svc: svcNova, resource: "keypair",
		byID: func(ctx context.Context, ref string) (keypairs.KeyPair, error) {
			k, err := keypairs.Get(ctx, sc, url.PathEscape(ref), nil).Extract()
			if err != nil {
				return keypairs.KeyPair{}, err
			}
			return *k, nil
		},
		id: func(k keypairs.KeyPair) string { return k.Name },
	}, ref)
}

// ---------------------------------------------------------------- Neutron

// network is a Neutron network with the external-net extension.
type network struct {
	networks.Network
	external.NetworkExternalExt
}

func (c *Cloud) findNetwork(ctx context.Context, ref string) (network, error) {
	sc, err := c.serviceClient(svcNeutron)
	if err != nil {
		return network{}, err
	}
	return find(ctx, c, finder[network]{
		svc: svcNeutron, resource: "network", mayBeID: isUUID,
		byID: func(ctx context.Context, ref string) (network, error) {
			var n network
			err := networks.Get(ctx, sc, ref).ExtractInto(&n)
			return n, err
		},
		byName: func(ctx context.Context, ref string) ([]network, error) {
			return listAll(ctx, networks.List(sc, networks.ListOpts{Name: ref}), func(p pagination.Page) ([]network, error) {
				var ns []network
				err := networks.ExtractNetworksInto(p, &ns)
				return ns, err
			})
		},
		id:   func(n network) string { return n.ID },
		name: func(n network) string { return n.Name },
	}, ref)
}

func (c *Cloud) findSubnet(ctx context.Context, ref string) (subnets.Subnet, error) {
	sc, err := c.serviceClient(svcNeutron)
	if err != nil {
		return subnets.Subnet{}, err
	}
	return find(ctx, c, finder[subnets.Subnet]{
		svc: svcNeutron, resource: "subnet", mayBeID: isUUID,
		byID: func(ctx context.Context, ref string) (subnets.Subnet, error) {
			s, err := subnets.Get(ctx, sc, ref).Extract()
			if err != nil {
				return subnets.Subnet{}, err
			}
			return *s, nil
		},
		byName: func(ctx context.Context, ref string) ([]subnets.Subnet, error) {
			return listAll(ctx, subnets.List(sc, subnets.ListOpts{Name: ref}), subnets.ExtractSubnets)
		},
		id:   func(s subnets.Subnet) string { return s.ID },
		name: func(s subnets.Subnet) string { return s.Name },
	}, ref)
}

// listAll follows a pager for at most maxPages pages.
func listAll[T any](ctx context.Context, p pagination.Pager, extract func(pagination.Page) ([]T, error)) ([]T, error) {
	var out []T
	pages := 0
	err := p.EachPage(ctx, func(_ context.Context, page pagination.Page) (bool, error) {
		items, err := extract(page)
		if err != nil {
			return false, err
		}
		out = append(out, items...)
		pages++
		return pages < maxPages, nil
	})
	return out, err
}
