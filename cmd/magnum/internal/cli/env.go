package cli

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat/heattest"
	"github.com/gomagnum/magnum/openstack"
	"github.com/gomagnum/magnum/openstack/openstacktest"
	"github.com/gomagnum/magnum/policy"
	"github.com/gomagnum/magnum/store"
	"github.com/gomagnum/magnum/store/sqlstore"
)

// Files in the state directory.
const (
	dbFile  = "magnum.db"
	keyFile = "ca-seal.key" // base64 AES-256 key sealing the CA private keys
	keyID   = "local-1"
	simDir  = "sim" // the simulated cloud's own state
	// cliBinary is the name the CLI heart-beats under in service-list.
	cliBinary = "magnum-cli"
)

// env is an opened invocation: the store, the cloud and the Manager.
type env struct {
	g   *globals
	io  IO
	cmd string
	st  *cmdState

	store  *sqlstore.Store
	sim    *openstacktest.Server // nil on a real cloud
	orch   *trackedOrchestrator
	m      *magnum.Manager
	caller policy.Caller
	// progress receives --wait progress lines (nil: stderr).
	progress io.Writer
	// quiet leaves out the simulated-cloud notice.
	quiet   bool
	closers []func() error
}

// open prepares the state directory, the store, the cloud and the Manager.
func (e *env) open(ctx context.Context) error {
	if err := os.MkdirAll(e.g.stateDir, 0o700); err != nil {
		return fmt.Errorf("state directory: %w", err)
	}
	keys, err := loadOrCreateKeys(filepath.Join(e.g.stateDir, keyFile))
	if err != nil {
		return err
	}
	dbPath := filepath.Join(e.g.stateDir, dbFile)
	// The database holds every cluster's records: owner-only, like the key.
	if f, err := os.OpenFile(dbPath, os.O_RDONLY|os.O_CREATE, 0o600); err == nil {
		f.Close()
	}
	st, err := sqlstore.Open(ctx, dbPath, sqlstore.Config{})
	if err != nil {
		return fmt.Errorf("opening the store in %s: %w", e.g.stateDir, err)
	}
	e.store = st
	e.closers = append(e.closers, st.Close)
	cm, err := certs.New(certs.Config{Storage: certs.NewSealedStorage(st.Records("certs"), keys), Policy: magnum.DefaultCertPolicy()})
	if err != nil {
		return err
	}

	var cloud *openstack.Cloud
	nodes := driver.NodeAccess{
		SignURL: orStr(e.io.getenv("MAGNUM_SIGN_URL"), "https://magnum.invalid:9511/v1"),
		Trustee: driver.Trustee{
			UserID:   orStr(e.io.getenv("MAGNUM_TRUSTEE_USER"), "gomagnum-trustee"),
			Password: e.io.getenv("MAGNUM_TRUSTEE_PASSWORD"),
		},
	}
	if e.g.realCloud() {
		cloud, err = openstack.Connect(ctx, openstack.ConnectOptions{Cloud: e.g.osCloud})
		if err != nil {
			return fmt.Errorf("connecting to the cloud: %w", err)
		}
		nodes.AuthURL = cloud.Provider.IdentityEndpoint
	} else {
		if err := e.openSim(simOptions(e.g.stateDir, e.g.simTime)); err != nil {
			return fmt.Errorf("simulated cloud state in %s: %w", e.g.stateDir, err)
		}
		if !e.quiet {
			fmt.Fprintf(e.io.Stderr, "magnum: no cloud configured (--os-cloud, OS_CLOUD, OS_AUTH_URL): using the simulated cloud %q; state in %s\n", "sim", e.g.stateDir)
		}
		cloud, err = e.sim.Connect(ctx)
		if err != nil {
			return fmt.Errorf("simulated cloud: %w", err)
		}
		nodes.AuthURL = e.sim.AuthOptions().IdentityEndpoint
		if nodes.Trustee.Password == "" {
			nodes.Trustee.Password = "simulated-cloud-only"
		}
	}
	orch, err := cloud.Orchestrator(openstack.Config{Logger: e.logger()})
	if err != nil {
		return err
	}
	e.orch = &trackedOrchestrator{Orchestrator: orch}
	roles := e.g.roleList()
	e.caller = policy.Caller{UserID: e.g.user, ProjectID: e.g.project, Roles: roles, Admin: slices.Contains(roles, "admin")}
	m, err := magnum.New(magnum.Config{
		Store:        st,
		Certs:        cm,
		Orchestrator: e.orch,
		Images:       cloud,
		Resources:    cloud,
		Nodes:        nodes,
		Quota:        &store.Quota{},
		Logger:       e.logger(),
	})
	if err != nil {
		return err
	}
	e.m = m
	// The Manager goes first: Close waits for its background steps.
	e.closers = append([]func() error{m.Close}, e.closers...)
	e.heartbeat(ctx)
	return nil
}

// simOptions configures the embedded simulated cloud: stacks take simTime
// per action on the wall clock, and the cloud (stacks and catalog) is kept
// in the state directory, so it goes on across invocations.
func simOptions(stateDir string, simTime time.Duration) openstacktest.Options {
	return openstacktest.Options{
		Heat:     heattest.Options{ActionDuration: simTime},
		StateDir: filepath.Join(stateDir, simDir),
	}
}

// openSim starts the simulated cloud on its state, which one process may
// use at a time: it waits for another magnum command holding it.
func (e *env) openSim(opts openstacktest.Options) error {
	if err := os.MkdirAll(opts.StateDir, 0o700); err != nil {
		return err
	}
	unlock, err := lockFile(filepath.Join(opts.StateDir, "lock"), func() {
		fmt.Fprintln(e.io.Stderr, "magnum: waiting for another magnum command using the simulated cloud...")
	})
	if err != nil {
		return fmt.Errorf("locking the simulated cloud's state: %w", err)
	}
	sim, err := openstacktest.Open(opts)
	if err != nil {
		return errors.Join(err, unlock())
	}
	e.sim = sim
	// Closed after the Manager, then unlocked.
	e.closers = append(e.closers, func() error { sim.Close(); return unlock() })
	if serr := sim.StateError(); serr != nil {
		fmt.Fprintf(e.io.Stderr, "magnum: warning: simulated cloud state: %v\n", serr)
	}
	return nil
}

func (e *env) logger() *slog.Logger {
	if !e.g.debug {
		return nil
	}
	return slog.New(slog.NewTextHandler(e.io.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// ctxFor returns ctx acting as the CLI's caller.
func (e *env) as(ctx context.Context) context.Context { return policy.WithCaller(ctx, e.caller) }

// heartbeat records this CLI host in the service list.
func (e *env) heartbeat(ctx context.Context) {
	host, err := os.Hostname()
	if err != nil {
		host = "localhost"
	}
	_ = e.store.HeartbeatService(ctx, &store.Service{Host: host, Binary: cliBinary}, time.Now().UTC())
}

// close waits for the Manager's background steps and releases everything.
func (e *env) close() error {
	var errs []error
	for _, c := range e.closers {
		errs = append(errs, c())
	}
	e.closers = nil
	return errors.Join(errs...)
}

// loadOrCreateKeys reads the sealing key of the CA private keys, creating
// it (0600) on first use. A key file others may read is refused.
func loadOrCreateKeys(path string) (certs.StaticKeys, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return certs.StaticKeys{}, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return certs.StaticKeys{}, fmt.Errorf("creating the CA sealing key: %w", err)
		}
		_, werr := io.WriteString(f, base64.StdEncoding.EncodeToString(key)+"\n")
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return certs.StaticKeys{}, fmt.Errorf("writing the CA sealing key: %w", werr)
		}
		return certs.StaticKeys{Current: keyID, Keys: map[string][]byte{keyID: key}}, nil
	}
	if err != nil {
		return certs.StaticKeys{}, fmt.Errorf("reading the CA sealing key: %w", err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		return certs.StaticKeys{}, &errdefs.Error{Kind: errdefs.ErrForbidden, Resource: "key file", ID: path,
			Reason: fmt.Sprintf("permissions %04o are too open; run: chmod 600 %s", fi.Mode().Perm(), path)}
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(key) != 32 {
		return certs.StaticKeys{}, &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "key file", ID: path,
			Reason: "not a base64 32-byte key"}
	}
	return certs.StaticKeys{Current: keyID, Keys: map[string][]byte{keyID: key}}, nil
}
