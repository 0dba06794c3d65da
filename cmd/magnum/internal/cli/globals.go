package cli

import (
	"flag"
	"path/filepath"
	"strings"
	"time"
)

// Defaults of the caller the CLI acts as when --user/--project are not
// given: a local administrator, as the owner of a single-user state
// directory is.
const (
	defaultUser    = "admin"
	defaultProject = "admin"
	defaultRoles   = "admin"
)

// globals are the options every command accepts.
type globals struct {
	stateDir string
	osCloud  string
	format   string
	user     string
	project  string
	roles    string
	debug    bool
	simTime  time.Duration // simulated stack action time
	poll     time.Duration // --wait poll interval (0: by cloud)
	osAuth   bool          // OS_AUTH_URL is set
}

func newGlobals(io IO) *globals {
	g := &globals{
		stateDir: io.getenv("MAGNUM_STATE_DIR"),
		osCloud:  io.getenv("OS_CLOUD"),
		format:   "table",
		user:     orStr(io.getenv("MAGNUM_USER"), defaultUser),
		project:  orStr(io.getenv("MAGNUM_PROJECT"), defaultProject),
		roles:    orStr(io.getenv("MAGNUM_ROLES"), defaultRoles),
		simTime:  3 * time.Second,
		osAuth:   io.getenv("OS_AUTH_URL") != "",
	}
	if g.stateDir == "" {
		g.stateDir = defaultStateDir(io)
	}
	if d, err := time.ParseDuration(io.getenv("MAGNUM_SIM_STACK_TIME")); err == nil && d >= 0 {
		g.simTime = d
	}
	return g
}

// defaultStateDir is $XDG_STATE_HOME/gomagnum, else
// ~/.local/state/gomagnum.
func defaultStateDir(io IO) string {
	if x := io.getenv("XDG_STATE_HOME"); filepath.IsAbs(x) {
		return filepath.Join(x, "gomagnum")
	}
	if h := io.getenv("HOME"); h != "" {
		return filepath.Join(h, ".local", "state", "gomagnum")
	}
	return ""
}

func (g *globals) register(fs *flag.FlagSet) {
	fs.StringVar(&g.stateDir, "state-dir", g.stateDir, "directory of the local state: SQLite store and CA sealing key (env MAGNUM_STATE_DIR; default $XDG_STATE_HOME/gomagnum or ~/.local/state/gomagnum)")
	fs.StringVar(&g.osCloud, "os-cloud", g.osCloud, "clouds.yaml entry of a real OpenStack cloud (env OS_CLOUD; OS_* openrc variables work too); none: the embedded simulated cloud")
	fs.StringVar(&g.format, "format", g.format, "output format: table or json")
	fs.StringVar(&g.user, "user", g.user, "user ID the commands act as (env MAGNUM_USER)")
	fs.StringVar(&g.project, "project", g.project, "project ID the commands act in (env MAGNUM_PROJECT)")
	fs.StringVar(&g.roles, "roles", g.roles, "comma-separated roles of the caller; \"admin\" grants admin rights (env MAGNUM_ROLES)")
	fs.BoolVar(&g.debug, "debug", false, "log the SDK's debug records on stderr")
	fs.DurationVar(&g.simTime, "sim-stack-time", g.simTime, "simulated cloud only: how long each stack action takes (env MAGNUM_SIM_STACK_TIME)")
	fs.DurationVar(&g.poll, "poll-interval", 0, "how often --wait looks at the cloud (default 250ms on the simulated cloud, 5s on a real one)")
}

func (g *globals) check(cmd string) error {
	switch g.format {
	case "table", "json":
	default:
		return usagef(cmd, "--format must be table or json, not %q", g.format)
	}
	if g.stateDir == "" {
		return usagef(cmd, "no state directory: set --state-dir, MAGNUM_STATE_DIR or HOME")
	}
	if strings.TrimSpace(g.user) == "" || strings.TrimSpace(g.project) == "" {
		return usagef(cmd, "--user and --project must not be empty")
	}
	if g.simTime < 0 || g.poll < 0 {
		return usagef(cmd, "--sim-stack-time and --poll-interval must not be negative")
	}
	return nil
}

// realCloud tells whether a real cloud is configured.
func (g *globals) realCloud() bool { return g.osCloud != "" || g.osAuth }

func (g *globals) roleList() []string {
	var out []string
	for _, r := range strings.Split(g.roles, ",") {
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, r)
		}
	}
	return out
}

func orStr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
