package openstack

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"os"

	"github.com/gophercloud/gophercloud/v2"
	gcopenstack "github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/config"
	"github.com/gophercloud/gophercloud/v2/openstack/config/clouds"

	"github.com/gomagnum/magnum/errdefs"
)

// ConnectOptions says where the credentials come from. The zero value
// behaves like the openstack CLI: if OS_CLOUD is set, that entry of
// clouds.yaml (OS_CLIENT_CONFIG_FILE, else ./clouds.yaml,
// ~/.config/openstack/clouds.yaml, /etc/openstack/clouds.yaml); otherwise
// the OS_* variables of an openrc file.
type ConnectOptions struct {
	// Cloud names the clouds.yaml entry; "" means $OS_CLOUD.
	Cloud string
	// CloudsFile is the clouds.yaml path; "" means $OS_CLIENT_CONFIG_FILE or
	// the standard locations.
	CloudsFile string
	// Auth, when set, is used as is instead of clouds.yaml or the
	// environment (for example heattest.Server.AuthOptions()).
	Auth *gophercloud.AuthOptions
	// Region overrides the region of clouds.yaml or $OS_REGION_NAME.
	Region string
	// HTTPClient, when set, carries every request (proxies, timeouts, test
	// transports). The CA and client certificates of clouds.yaml are applied
	// to a copy of its *http.Transport; a custom RoundTripper is left as is.
	HTTPClient *http.Client
}

// Cloud is an authenticated connection to an OpenStack cloud: a gophercloud
// provider client (which logs in again when its token expires) and the
// endpoint options that pick services from the Keystone catalog.
//
// Besides the orchestrator it answers questions about the project's
// resources before anything is created: see [Cloud.OSDistro] and
// [Cloud.CheckResources]. A Cloud is safe for concurrent use.
type Cloud struct {
	Provider *gophercloud.ProviderClient
	Endpoint gophercloud.EndpointOpts
	// Lookup tunes the read-only calls the Cloud makes itself to Glance,
	// Nova and Neutron: their retries (Retry, Sleep, Rand), the bound on
	// each attempt (AttemptTimeout) and debug logging (Logger). The zero
	// value is ready to use; the orchestrator takes its own Config.
	Lookup Config
}

// Connect authenticates against Keystone v3. Credentials never appear in
// the errors it returns: a rejected login is ErrForbidden, an unreachable
// Keystone ErrUnavailable, unusable configuration ErrInvalid.
func Connect(ctx context.Context, opts ConnectOptions) (*Cloud, error) {
	ao, eo, tlsConfig, err := authOptions(opts)
	if err != nil {
		return nil, &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "cloud", ID: opts.Cloud, Reason: "reading credentials", Err: err}
	}
	if opts.Region != "" {
		eo.Region = opts.Region
	}
	// A long-running program outlives its token: let gophercloud log in again.
	ao.AllowReauth = true
	pc, err := config.NewProviderClient(ctx, ao, config.WithHTTPClient(httpClient(opts.HTTPClient, tlsConfig)))
	if err != nil {
		return nil, connectErr(ctx, err)
	}
	return &Cloud{Provider: pc, Endpoint: eo}, nil
}

// Orchestrator returns the Heat orchestrator of this cloud, found in the
// catalog as service type "orchestration".
func (c *Cloud) Orchestrator(cfg Config) (*Orchestrator, error) {
	sc, err := gcopenstack.NewOrchestrationV1(c.Provider, c.Endpoint)
	if err != nil {
		return nil, &errdefs.Error{Kind: errdefs.ErrUnavailable, Resource: "cloud", Reason: "no orchestration (Heat) endpoint in the catalog", Err: err}
	}
	return NewOrchestrator(sc, cfg), nil
}

// authOptions picks the credential source: explicit, clouds.yaml or the
// environment.
func authOptions(opts ConnectOptions) (gophercloud.AuthOptions, gophercloud.EndpointOpts, *tls.Config, error) {
	if opts.Auth != nil {
		return *opts.Auth, gophercloud.EndpointOpts{Region: os.Getenv("OS_REGION_NAME")}, nil, nil
	}
	cloud := opts.Cloud
	if cloud == "" {
		cloud = os.Getenv("OS_CLOUD")
	}
	if cloud != "" {
		popts := []clouds.ParseOption{clouds.WithCloudName(cloud)}
		if opts.CloudsFile != "" {
			popts = append(popts, clouds.WithLocations(opts.CloudsFile))
		}
		return clouds.Parse(popts...)
	}
	if opts.CloudsFile != "" {
		return gophercloud.AuthOptions{}, gophercloud.EndpointOpts{}, nil, errors.New("a clouds file needs a cloud name (ConnectOptions.Cloud or OS_CLOUD)")
	}
	ao, err := gcopenstack.AuthOptionsFromEnv()
	if err != nil {
		return ao, gophercloud.EndpointOpts{}, nil, err
	}
	return ao, gophercloud.EndpointOpts{Region: os.Getenv("OS_REGION_NAME")}, nil, nil
}

// httpClient applies clouds.yaml's TLS settings to the caller's client.
func httpClient(base *http.Client, tlsConfig *tls.Config) http.Client {
	var hc http.Client
	if base != nil {
		hc = *base
	}
	if tlsConfig == nil {
		return hc
	}
	switch t := hc.Transport.(type) {
	case nil:
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = tlsConfig
		hc.Transport = tr
	case *http.Transport:
		tr := t.Clone()
		tr.TLSClientConfig = tlsConfig
		hc.Transport = tr
	}
	return hc
}

// connectErr classifies a failed login without echoing the request.
func connectErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return wrapErr(ctx, "connect", "", err)
	}
	if he := httpError(err); he != nil {
		kind := kindFor(he.Status)
		reason := "keystone rejected the login"
		if kind == errdefs.ErrUnavailable {
			reason = "keystone failed"
		}
		return &errdefs.Error{Kind: kind, Resource: "cloud", Reason: reason, Err: he}
	}
	var missing gophercloud.ErrMissingInput
	if errors.As(err, &missing) {
		return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "cloud", Reason: "incomplete credentials", Err: err}
	}
	return &errdefs.Error{Kind: errdefs.ErrUnavailable, Resource: "cloud", Reason: "keystone unreachable", Err: err}
}
