package safetext

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// HasControl reports whether s is not valid UTF-8 or holds a control
// character (unicode.IsControl).
func HasControl(s string) bool {
	return !utf8.ValidString(s) || strings.IndexFunc(s, unicode.IsControl) >= 0
}

// Truncate shortens s to at most n bytes, cut at a rune boundary, with
// "…" appended when it cut something. s is returned as it is when it is
// short enough; it is not otherwise cleaned.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return cut(s, n)
}

// Clean makes s safe to store and show: invalid UTF-8 as '?', control
// characters as spaces, at most max bytes (cut at a rune boundary, with
// "…" appended).
func Clean(s string, max int) string {
	s = strings.ToValidUTF8(s, "?")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if len(s) > max {
		s = cut(s, max)
	}
	return s
}

// cut keeps the runes of s that start before byte n and appends "…";
// len(s) > n.
func cut(s string, n int) string {
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}
