package safetext_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	"github.com/gomagnum/magnum/internal/safetext"
)

func TestHasControl(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"", false},
		{"plain text, with ünïcode", false},
		{"tab\there", true},
		{"new\nline", true},
		{"del\x7f", true},
		{"c1 \u0085 control", true},
		{"bad \xff utf-8", true},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, safetext.HasControl(tt.in), "%q", tt.in)
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 40, "short"},
		{"exactly-five", 12, "exactly-five"},
		{"abcdef", 3, "abc…"},
		{"aé", 2, "a…"}, // é is two bytes: the cut moves back to a rune start
		{"\xff\xfe", 5, "\xff\xfe"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, safetext.Truncate(tt.in, tt.n), "%q/%d", tt.in, tt.n)
	}
}

func TestClean(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"ok", 10, "ok"},
		{"a\nb\tc", 10, "a b c"},
		{"bad\xffbyte", 20, "bad?byte"},
		{strings.Repeat("x", 12), 10, strings.Repeat("x", 10) + "…"},
		{"xxxxxxxxxé", 10, "xxxxxxxxx…"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, safetext.Clean(tt.in, tt.max), "%q/%d", tt.in, tt.max)
	}
}

func FuzzClean(f *testing.F) {
	f.Add("reason\x00with\xffjunk", 8)
	f.Add("", 0)
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 0 || max > 1<<16 {
			return
		}
		got := safetext.Clean(s, max)
		if !utf8.ValidString(got) || safetext.HasControl(got) {
			t.Fatalf("Clean(%q) = %q is not clean", s, got)
		}
		if len(got) > max+len("…") {
			t.Fatalf("Clean(%q, %d) is %d bytes", s, max, len(got))
		}
		tr := safetext.Truncate(s, max)
		if len(s) > max && len(tr) > max+len("…") {
			t.Fatalf("Truncate(%q, %d) is %d bytes", s, max, len(tr))
		}
	})
}

func ExampleClean() {
	fmt.Println(safetext.Clean("node\tdown\x00: disk full", 12))
	// Output: node down : …
}
