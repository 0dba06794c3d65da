// Package cli is the magnum command line: global options, the commands with
// Magnum's names and flags, and the environment they run in (state
// directory, store, sealed CA keys, the cloud or the simulated one).
//
// Main runs one invocation and returns its exit code, so tests may drive it
// in process; cmd/magnum is a thin main around it.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"time"
)

// IO is what an invocation reads and writes besides its arguments.
type IO struct {
	Stdout, Stderr io.Writer
	// Getenv reads the environment (nil: no variables are set).
	Getenv func(string) string
	// Interrupt, when set, is closed to stop a --wait as Ctrl-C does. Nil:
	// os.Interrupt is watched while waiting.
	Interrupt <-chan struct{}
}

func (o IO) getenv(k string) string {
	if o.Getenv == nil {
		return ""
	}
	return o.Getenv(k)
}

// command is one subcommand.
type command struct {
	name     string
	args     string // synopsis of the positional arguments
	summary  string
	details  string                 // longer help, may be empty
	flags    func(fs *flag.FlagSet) // registers the command's own flags
	run      func(ctx context.Context, e *env, args []string) error
	noEnv    bool // runs without opening the state (demo)
	nargsMin int
	nargsMax int // -1: any
}

// commands lists every command; built per invocation so flag variables are
// never shared between runs.
func commands(st *cmdState) []*command {
	var cs []*command
	cs = append(cs, templateCommands(st)...)
	cs = append(cs, clusterCommands(st)...)
	cs = append(cs, nodeGroupCommands(st)...)
	cs = append(cs, upgradeCommand(st))
	cs = append(cs, certCommands(st)...)
	cs = append(cs, serviceCommands(st)...)
	cs = append(cs, quotaCommands()...)
	cs = append(cs, demoCommand(st))
	cs = append(cs, serveCommand())
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	return cs
}

// cmdState holds the flag values of the command being run.
type cmdState struct {
	tpl     templateFlags
	cl      clusterFlags
	upd     updateFlags
	resize  resizeFlags
	ng      nodeGroupFlags
	upg     upgradeFlags
	cert    certFlags
	cfg     configFlags
	stats   statsFlags
	demo    demoFlags
	wait    bool
	listPag listFlags
}

// Main runs one invocation of magnum with args (without the program name)
// and returns the process exit code.
func Main(ctx context.Context, args []string, sys IO) int {
	if sys.Stdout == nil {
		sys.Stdout = os.Stdout
	}
	if sys.Stderr == nil {
		sys.Stderr = os.Stderr
	}
	g := newGlobals(sys)
	root := flag.NewFlagSet("magnum", flag.ContinueOnError)
	root.SetOutput(sys.Stderr)
	root.Usage = func() {}
	g.register(root)
	st := &cmdState{}
	cmds := commands(st)
	if err := root.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printMainHelp(sys.Stdout, cmds)
			return ExitOK
		}
		report(sys.Stderr, "", usagef("", "%v", err))
		return ExitUsage
	}
	rest := root.Args()
	if len(rest) == 0 {
		printMainHelp(sys.Stderr, cmds)
		return ExitUsage
	}
	name := rest[0]
	if name == "help" {
		if len(rest) == 1 {
			printMainHelp(sys.Stdout, cmds)
			return ExitOK
		}
		name, rest = rest[1], []string{rest[1], "--help"}
	}
	var cmd *command
	for _, c := range cmds {
		if c.name == name {
			cmd = c
		}
	}
	if cmd == nil {
		report(sys.Stderr, "", usagef("", "unknown command %q", name))
		return ExitUsage
	}
	fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	g.register(fs)
	if cmd.flags != nil {
		cmd.flags(fs)
	}
	pos, err := parseInterspersed(fs, rest[1:])
	if errors.Is(err, flag.ErrHelp) {
		printCommandHelp(sys.Stdout, cmd, fs)
		return ExitOK
	}
	if err != nil {
		report(sys.Stderr, cmd.name, usagef(cmd.name, "%v", err))
		return ExitUsage
	}
	if len(pos) < cmd.nargsMin || (cmd.nargsMax >= 0 && len(pos) > cmd.nargsMax) {
		report(sys.Stderr, cmd.name, usagef(cmd.name, "%s", argCountMessage(cmd, pos)))
		return ExitUsage
	}
	if err := g.check(cmd.name); err != nil {
		report(sys.Stderr, cmd.name, err)
		return ExitUsage
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	e := &env{g: g, io: sys, cmd: cmd.name, st: st}
	if !cmd.noEnv {
		if err := e.open(ctx); err != nil {
			report(sys.Stderr, cmd.name, err)
			return exitCode(err)
		}
	}
	err = cmd.run(ctx, e, pos)
	if cerr := e.close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		report(sys.Stderr, cmd.name, err)
		return exitCode(err)
	}
	return ExitOK
}

// parseInterspersed parses fs over args where flags and positional
// arguments may mix ("cluster-config mycluster --dir d"); everything after
// a lone "--" is positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos, tail []string
	for i, a := range args {
		if a == "--" {
			args, tail = args[:i], args[i+1:]
			break
		}
	}
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	return append(pos, tail...), nil
}

func argCountMessage(cmd *command, pos []string) string {
	switch {
	case cmd.nargsMax == 0:
		return fmt.Sprintf("takes no arguments, got %q", strings.Join(pos, " "))
	case len(pos) < cmd.nargsMin:
		return fmt.Sprintf("missing argument(s): usage: magnum %s %s", cmd.name, cmd.args)
	default:
		return fmt.Sprintf("too many arguments (%q): usage: magnum %s %s", strings.Join(pos, " "), cmd.name, cmd.args)
	}
}

func printMainHelp(w io.Writer, cmds []*command) {
	fmt.Fprint(w, `magnum — gomagnum's command line, with OpenStack Magnum's commands.

Usage: magnum [global options] <command> [options] [arguments]

Without a configured cloud (--os-cloud, OS_CLOUD or OS_AUTH_URL) commands
run on the embedded simulated cloud. Try: magnum demo

Commands:
`)
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-26s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Global options (also accepted after the command):
`)
	fs := flag.NewFlagSet("magnum", flag.ContinueOnError)
	newGlobals(IO{}).register(fs)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fmt.Fprint(w, `
Exit codes: 0 success, 1 the operation failed, 2 bad usage or input (nothing
changed), 130 interrupted while waiting (the operation goes on).
Run 'magnum <command> --help' for a command's options.
`)
}

func printCommandHelp(w io.Writer, cmd *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: magnum %s [options] %s\n\n%s\n", cmd.name, cmd.args, cmd.summary)
	if cmd.details != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(cmd.details))
	}
	global := map[string]bool{}
	gfs := flag.NewFlagSet("g", flag.ContinueOnError)
	newGlobals(IO{}).register(gfs)
	gfs.VisitAll(func(f *flag.Flag) { global[f.Name] = true })
	own := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	fs.VisitAll(func(f *flag.Flag) {
		if !global[f.Name] {
			own.Var(f.Value, f.Name, f.Usage)
			own.Lookup(f.Name).DefValue = f.DefValue
		}
	})
	n := 0
	own.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprint(w, "\nOptions:\n")
		own.SetOutput(w)
		own.PrintDefaults()
	}
	fmt.Fprint(w, "\nGlobal options are listed by 'magnum --help'.\n")
}

// interruptContext returns a context cancelled by Ctrl-C (or IO.Interrupt).
func (e *env) interruptContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if e.io.Interrupt != nil {
		ctx, cancel := context.WithCancel(ctx)
		go func() {
			select {
			case <-e.io.Interrupt:
				cancel()
			case <-ctx.Done():
			}
		}()
		return ctx, cancel
	}
	return signal.NotifyContext(ctx, os.Interrupt)
}

// since formats an elapsed time for progress lines.
func since(start time.Time) string {
	return time.Since(start).Round(100 * time.Millisecond).String()
}
