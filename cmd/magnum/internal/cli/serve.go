package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	osv3 "github.com/gophercloud/gophercloud/v2/openstack"

	"github.com/gomagnum/magnum/api"
	"github.com/gomagnum/magnum/openstack"
)

// Authentication modes of serve.
const (
	authKeystone = "keystone"
	authStatic   = "static"
)

// serveShutdownGrace bounds how long serve waits for requests in flight
// and for the Manager's background cloud steps when it is stopped.
const serveShutdownGrace = 15 * time.Second

type serveFlags struct {
	listen    string
	auth      string
	token     string
	publicURL string
	timeout   time.Duration
	// checkProjects is --check-projects; nil: on with Keystone on a real
	// cloud.
	checkProjects *bool
}

const serveDetails = `Serves Magnum's v1 REST API (package api) over this state directory and
cloud — the simulated one or the configured real cloud — so that Magnum
clients (openstack coe, gophercloud, Terraform) can drive it. The Manager's
status sync runs in the background while it serves. Stop it with Ctrl-C or
SIGTERM: requests in flight finish and the cloud steps already started are
sent before it exits.

Authentication (--auth):
  keystone  validates each request's X-Auth-Token with the cloud's Keystone
            and acts as the token's user, project and roles (default with a
            real cloud; on the simulated cloud its own Keystone is used).
  static    accepts one token (--token, env MAGNUM_SERVE_TOKEN; a random one
            when empty) and acts as --user/--project/--roles (default on the
            simulated cloud). It prints the token and the OS_* variables that
            point the openstack CLI at the server.

With --auth keystone on a real cloud, quota creates look the project up in
Keystone as Magnum does (GET /v3/projects/{id} with the CLI's cloud
credentials, which need the right to read projects, e.g. the admin role):
an unknown project is 404, a Keystone that cannot be asked 503.
--check-projects=false turns that off (any project ID is taken, as with
--auth static, where there is no Keystone to ask); --check-projects turns
it on for the simulated cloud's Keystone too.

While serve runs it owns the state directory: on the simulated cloud other
magnum commands on the same --state-dir wait for it to stop (flock). On a
real cloud they may run beside it (the store is shared), but a cluster
operation is best made through the API then.`

func serveCommand() *command {
	f := &serveFlags{}
	return &command{
		name: "serve", summary: "Serve Magnum's v1 REST API over this state and cloud until stopped.",
		details: serveDetails,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&f.listen, "listen", "127.0.0.1:9511", "address to listen on (port 0: any free port, printed)")
			fs.StringVar(&f.auth, "auth", "", "authentication: keystone or static (default keystone with a real cloud, static on the simulated one)")
			fs.StringVar(&f.token, "token", "", "the token --auth static accepts (env MAGNUM_SERVE_TOKEN; default a random one, printed)")
			fs.StringVar(&f.publicURL, "public-url", "", "base URL clients reach the API at, used in links (default: from each request)")
			fs.DurationVar(&f.timeout, "request-timeout", time.Minute, "bound on the work of one request (0: none)")
			fs.Var(optBool{target: &f.checkProjects, value: true}, "check-projects",
				"quota creates check the project exists in Keystone (default: on with --auth keystone on a real cloud)")
		},
		nargsMax: 0,
		run: func(ctx context.Context, e *env, _ []string) error {
			return runServe(ctx, e, f)
		},
	}
}

func runServe(ctx context.Context, e *env, f *serveFlags) error {
	if f.auth == "" {
		f.auth = authStatic
		if e.g.realCloud() {
			f.auth = authKeystone
		}
	}
	if f.token == "" {
		f.token = e.io.getenv("MAGNUM_SERVE_TOKEN")
	}
	if f.timeout < 0 {
		return usagef(e.cmd, "--request-timeout must not be negative")
	}
	if f.publicURL != "" && !strings.HasPrefix(f.publicURL, "http://") && !strings.HasPrefix(f.publicURL, "https://") {
		return usagef(e.cmd, "--public-url must be an http:// or https:// URL, not %q", f.publicURL)
	}
	var (
		auth           api.Authenticator
		identityURI    string
		printToken     bool
		checksProjects bool
	)
	switch f.auth {
	case authStatic:
		if f.token == "" {
			tok, err := randomToken()
			if err != nil {
				return err
			}
			f.token = tok
		}
		if strings.ContainsAny(f.token, " \t\r\n") {
			return usagef(e.cmd, "--token must not contain white space")
		}
		if f.checkProjects != nil && *f.checkProjects {
			return usagef(e.cmd, "--check-projects needs --auth keystone")
		}
		auth = api.Static{f.token: e.caller}
		printToken = true
	case authKeystone:
		if f.token != "" {
			return usagef(e.cmd, "--token is for --auth static")
		}
		identity, err := e.identityClient(ctx)
		if err != nil {
			return err
		}
		ks, err := api.NewKeystone(api.KeystoneConfig{Identity: identity, CacheTTL: 30 * time.Second})
		if err != nil {
			return err
		}
		auth, identityURI = ks, identity.IdentityEndpoint
		check := e.g.realCloud()
		if f.checkProjects != nil {
			check = *f.checkProjects
		}
		if check {
			auth = api.WithProjects(ks, api.KeystoneProjects{Identity: identity})
			checksProjects = true
		}
	default:
		return usagef(e.cmd, "--auth must be keystone or static, not %q", f.auth)
	}

	h, err := api.New(api.Config{
		Manager:        e.m,
		Authenticator:  auth,
		Logger:         e.logger(),
		PublicURL:      strings.TrimSuffix(f.publicURL, "/"),
		RequestTimeout: f.timeout,
		IdentityURI:    identityURI,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", f.listen, err)
	}
	base := f.publicURL
	if base == "" {
		base = "http://" + ln.Addr().String()
	}
	base = strings.TrimSuffix(base, "/")

	stop, cancelStop := e.stopContext(ctx)
	defer cancelStop()

	// The Manager's sync, health polls and heartbeat run until serve stops.
	runCtx, cancelRun := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = e.m.Run(runCtx)
	}()

	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	w := e.io.Stdout
	fmt.Fprintf(w, "magnum: serving the Magnum v1 API on %s/v1 (auth %s); stop with Ctrl-C\n", base, f.auth)
	if identityURI != "" {
		fmt.Fprintf(w, "magnum: validating X-Auth-Token with Keystone at %s\n", identityURI)
	}
	if checksProjects {
		fmt.Fprintln(w, "magnum: quota creates check the project in Keystone")
	}
	if printToken {
		fmt.Fprintf(w, "magnum: token %s acts as user %q in project %q with roles %q\n", f.token, e.caller.UserID, e.caller.ProjectID, strings.Join(e.caller.Roles, ","))
		fmt.Fprintln(w, "# for the openstack CLI (python-magnumclient):")
		for _, l := range openstackEnvLines(base, f.token) {
			fmt.Fprintln(w, l)
		}
	}

	var serveErr error
	select {
	case <-stop.Done():
	case serveErr = <-served:
		serveErr = fmt.Errorf("serving: %w", serveErr)
	}
	fmt.Fprintln(e.io.Stderr, "magnum: serve: stopping")
	grace, cancelGrace := context.WithTimeout(context.WithoutCancel(ctx), serveShutdownGrace)
	defer cancelGrace()
	shutErr := srv.Shutdown(grace)
	if errors.Is(shutErr, context.DeadlineExceeded) {
		shutErr = errors.Join(shutErr, srv.Close())
	}
	cancelRun()
	wg.Wait()
	// Cloud steps the requests started (stack creates, updates, deletes)
	// are sent now rather than repeated by a later sync.
	drainErr := e.m.Drain(grace)
	if errors.Is(shutErr, context.DeadlineExceeded) || errors.Is(drainErr, context.DeadlineExceeded) {
		fmt.Fprintln(e.io.Stderr, "magnum: serve: stopped before everything finished; the next command's sync resumes it")
		return nil
	}
	return errors.Join(serveErr, shutErr, drainErr)
}

// openstackEnvLines are the variables that point the openstack CLI (and
// python-magnumclient) at a server accepting token: keystoneauth's
// admin_token plugin sends the token as X-Auth-Token to the endpoint given,
// with no Keystone and no catalog.
func openstackEnvLines(base, token string) []string {
	return []string{
		"export OS_AUTH_TYPE=admin_token",
		"export OS_ENDPOINT=" + base + "/v1",
		"export OS_TOKEN=" + token,
		"unset OS_CLOUD OS_AUTH_URL",
	}
}

// stopContext ends on Ctrl-C, SIGTERM or IO.Interrupt.
func (e *env) stopContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if e.io.Interrupt != nil {
		return e.interruptContext(ctx)
	}
	return signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
}

// identityClient is a Keystone v3 client of the cloud the commands run on,
// authenticated as the CLI's cloud user (whose token validates the users').
func (e *env) identityClient(ctx context.Context) (*gophercloud.ServiceClient, error) {
	var (
		cloud *openstack.Cloud
		err   error
	)
	if e.sim != nil {
		cloud, err = e.sim.Connect(ctx)
	} else {
		cloud, err = openstack.Connect(ctx, openstack.ConnectOptions{Cloud: e.g.osCloud})
	}
	if err != nil {
		return nil, fmt.Errorf("connecting to Keystone: %w", err)
	}
	identity, err := osv3.NewIdentityV3(cloud.Provider, cloud.Endpoint)
	if err != nil {
		return nil, fmt.Errorf("the cloud's catalog has no Keystone v3 endpoint: %w", err)
	}
	return identity, nil
}

// randomToken makes a static token: 32 hex digits from crypto/rand.
func randomToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}
