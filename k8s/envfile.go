package k8s

import "github.com/gomagnum/magnum/internal/shellenv"

// EnvFile is a shell environment file made in Go: one NAME='value' line
// per variable, every value single-quoted, so that the node scripts read
// user-supplied values as data (`. file` assigns them) and no value can
// run a command or set another variable. It is how settings reach the
// bootstrap scripts; Heat only carries the whole file as one parameter.
// The Heat drivers share the encoding.
type EnvFile = shellenv.File

// ShellQuote quotes s for POSIX shells: inside single quotes nothing is
// special, and a single quote is written as '\” (close, escaped quote,
// reopen). The result is one shell word whose value is exactly s (s must
// not contain NUL).
func ShellQuote(s string) string { return shellenv.Quote(s) }

// ParseEnvFile reads a file in exactly the form EnvFile.Bytes writes:
// comment lines, and NAME= followed by single-quoted segments joined by \'.
// It is the inverse of Bytes, for tests and for tools that inspect a
// rendered stack; anything else is an ErrInvalid error.
func ParseEnvFile(data []byte) (*EnvFile, error) { return shellenv.Parse(data) }
