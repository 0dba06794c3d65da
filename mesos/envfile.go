package mesos

import (
	"strings"

	"github.com/gomagnum/magnum/errdefs"
)

// envFile is a shell environment file made in Go: NAME='value' lines,
// every value single-quoted, so the node scripts read settings as data
// (sourcing the file only assigns them) and no value can run a command or
// set another variable. Heat carries the whole file as one parameter and
// cloud-init writes it on the nodes.
//
// (The same encoding as k8s.EnvFile; both should move to a shared package.)
type envFile struct {
	b     strings.Builder
	names map[string]bool
}

// set appends a variable. Names are upper-case shell identifiers; values
// are any text without NUL bytes. A name set twice is a programming error.
func (e *envFile) set(name, value string) error {
	if !validEnvName(name) || e.names[name] {
		return errdefs.Invalid("env", "%q is not a new upper-case shell variable name", name)
	}
	if strings.IndexByte(value, 0) >= 0 {
		return errdefs.Invalid(strings.ToLower(name), "must not contain NUL bytes")
	}
	if e.names == nil {
		e.names = map[string]bool{}
		e.b.WriteString("# Written by gomagnum. Every value is single-quoted data.\n")
	}
	e.names[name] = true
	e.b.WriteString(name)
	e.b.WriteByte('=')
	e.b.WriteString(shellQuote(value))
	e.b.WriteByte('\n')
	return nil
}

func (e *envFile) String() string { return e.b.String() }

// shellQuote quotes s as one POSIX shell word whose value is exactly s.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func validEnvName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'A' && c <= 'Z' || c == '_' || c >= '0' && c <= '9' && i > 0) {
			return false
		}
	}
	return true
}
