package shellenv

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/internal/safetext"
)

// File is a shell environment file made in Go: one NAME='value' line
// per variable, every value single-quoted, so that the node scripts read
// user-supplied values as data (`. file` assigns them) and no value can
// run a command or set another variable. It is how settings reach the
// bootstrap scripts; Heat only carries the whole file as one parameter.
type File struct {
	names  []string
	values map[string]string
}

// Set adds or replaces a variable. Names are upper-case shell identifiers
// ([A-Z_][A-Z0-9_]*); values are any text without NUL bytes, which a shell
// variable cannot hold.
func (e *File) Set(name, value string) error {
	if !validEnvName(name) {
		return errdefs.Invalid("env", "%q is not an upper-case shell variable name", safetext.Truncate(name, 40))
	}
	if strings.IndexByte(value, 0) >= 0 {
		return errdefs.Invalid(strings.ToLower(name), "must not contain NUL bytes")
	}
	if e.values == nil {
		e.values = map[string]string{}
	}
	if _, dup := e.values[name]; !dup {
		e.names = append(e.names, name)
	}
	e.values[name] = value
	return nil
}

// Get returns a variable's value.
func (e *File) Get(name string) (string, bool) {
	v, ok := e.values[name]
	return v, ok
}

// Names lists the variables in the order they were first set.
func (e *File) Names() []string { return append([]string(nil), e.names...) }

// Bytes encodes the file: a comment line, then NAME='value' lines in the
// order the variables were first set.
func (e *File) Bytes() []byte {
	var b bytes.Buffer
	b.WriteString("# Written by gomagnum. Every value is single-quoted data.\n")
	for _, n := range e.names {
		b.WriteString(n)
		b.WriteByte('=')
		b.WriteString(Quote(e.values[n]))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// Quote quotes s for POSIX shells: inside single quotes nothing is
// special, and a single quote is written as '\” (close, escaped quote,
// reopen). The result is one shell word whose value is exactly s (s must
// not contain NUL).
func Quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func validEnvName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'A' && c <= 'Z', c == '_':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// Parse reads a file in exactly the form File.Bytes writes:
// comment lines, and NAME= followed by single-quoted segments joined by \'.
// It is the inverse of Bytes, for tests and for tools that inspect a
// rendered stack; anything else is an ErrInvalid error.
func Parse(data []byte) (*File, error) {
	e := &File{}
	s := string(data)
	line := 1
	for len(s) > 0 {
		if s[0] == '#' {
			i := strings.IndexByte(s, '\n')
			if i < 0 {
				return nil, errdefs.Invalid("env", "line %d: comment without a newline", line)
			}
			s = s[i+1:]
			line++
			continue
		}
		eq := strings.IndexByte(s, '=')
		if eq < 0 || !validEnvName(s[:eq]) {
			return nil, errdefs.Invalid("env", "line %d: expected NAME=", line)
		}
		name := s[:eq]
		s = s[eq+1:]
		var val strings.Builder
		for {
			if len(s) == 0 || s[0] != '\'' {
				return nil, errdefs.Invalid("env", "line %d: %s: expected a single-quoted value", line, name)
			}
			end := strings.IndexByte(s[1:], '\'')
			if end < 0 {
				return nil, errdefs.Invalid("env", "line %d: %s: unterminated quote", line, name)
			}
			seg := s[1 : 1+end]
			val.WriteString(seg)
			line += strings.Count(seg, "\n")
			s = s[end+2:]
			if strings.HasPrefix(s, `\''`) {
				val.WriteByte('\'')
				s = s[2:] // leave the reopening quote
				continue
			}
			break
		}
		if len(s) == 0 || s[0] != '\n' {
			return nil, errdefs.Invalid("env", "line %d: %s: expected a newline after the value", line, name)
		}
		s = s[1:]
		line++
		if _, dup := e.values[name]; dup {
			return nil, errdefs.Invalid("env", "line %d: %s is set twice", line, name)
		}
		if err := e.Set(name, val.String()); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
	}
	return e, nil
}
