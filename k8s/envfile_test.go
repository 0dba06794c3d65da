package k8s_test

import (
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/k8s"
)

// nasty are values that would break naive quoting in shell or YAML.
var nasty = []string{
	"", "plain", "it's", "''", `'\''`, `"double"`, "$(reboot)", "`id`", "${PATH}", "$HOME",
	"a\nb", "line\n'\n$(x)\n", "\\", "\\'", "tab\there", "; rm -rf / #", "&& echo pwned",
	"* ? [a-z]", "~root", "!event", "key: value", "- item", "{a: b}", "[1, 2]", "&anchor *alias",
	"# comment", "| block", "> folded", "%TAG", "@at", "--- doc", "ünïcödé ✓", "\r\n", "\x01\x1f\x7f",
	"NAME='x'\nOTHER='y'", "trailing\\", "'; echo pwned; '",
}

// TestEnvFile checks k8s's names for the shared encoding (tested in full
// in internal/shellenv).
func TestEnvFile(t *testing.T) {
	assert.Equal(t, `'it'\''s'`, k8s.ShellQuote("it's"))
	var e k8s.EnvFile
	for _, v := range nasty {
		require.NoError(t, e.Set("VALUE", v))
		parsed, err := k8s.ParseEnvFile(e.Bytes())
		require.NoError(t, err)
		got, ok := parsed.Get("VALUE")
		require.True(t, ok)
		assert.Equal(t, v, got)
	}
}

func requireBash(t testing.TB) string {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	return bash
}
