package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gomagnum/magnum/errdefs"
)

// Exit codes of every command.
const (
	ExitOK          = 0   // the command did what was asked
	ExitFailure     = 1   // the operation failed (cloud, conflict, permission, …)
	ExitUsage       = 2   // bad usage or input: nothing was changed
	ExitInterrupted = 130 // Ctrl-C while waiting; the operation goes on
)

// usageError is wrong usage of a command: unknown flags, missing or extra
// arguments, values that do not parse.
type usageError struct {
	cmd string
	msg string
}

func (e *usageError) Error() string { return e.msg }

func usagef(cmd, format string, args ...any) error {
	return &usageError{cmd: cmd, msg: fmt.Sprintf(format, args...)}
}

// errInterrupted reports that waiting stopped on Ctrl-C.
var errInterrupted = errors.New("stopped waiting (interrupted); the operation goes on in the cloud — check it with cluster-show")

// exitCode maps an error to the command's exit status: what the user typed
// or named wrongly is 2, everything else 1.
func exitCode(err error) int {
	var ue *usageError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ue):
		return ExitUsage
	case errors.Is(err, errInterrupted):
		return ExitInterrupted
	case errors.Is(err, errdefs.ErrInvalid), errors.Is(err, errdefs.ErrNotFound):
		return ExitUsage
	}
	return ExitFailure
}

// report writes err for a person: one line, then every field problem on a
// line of its own when there are several.
func report(w io.Writer, cmd string, err error) {
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(w, "magnum: %s: %s\n", cmdLabel(cmd), ue.msg)
		if ue.cmd != "" {
			fmt.Fprintf(w, "Run 'magnum %s --help' for usage.\n", ue.cmd)
		} else {
			fmt.Fprintln(w, "Run 'magnum --help' for usage.")
		}
		return
	}
	probs := errdefs.Problems(err)
	if len(probs) <= 1 {
		fmt.Fprintf(w, "magnum: %s: %s\n", cmdLabel(cmd), oneLine(err.Error()))
		return
	}
	fmt.Fprintf(w, "magnum: %s: %d problems:\n", cmdLabel(cmd), len(probs))
	for _, p := range probs {
		fmt.Fprintf(w, "  - %s\n", oneLine(p.Error()))
	}
}

func cmdLabel(cmd string) string {
	if cmd == "" {
		return "error"
	}
	return cmd
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", "; ") }
