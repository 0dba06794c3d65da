package shellenv_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/internal/shellenv"
)

// nasty are values that would break naive quoting in shell or YAML.
var nasty = []string{
	"", "plain", "it's", "''", `'\''`, `"double"`, "$(reboot)", "`id`", "${PATH}", "$HOME",
	"a\nb", "line\n'\n$(x)\n", "\\", "\\'", "tab\there", "; rm -rf / #", "&& echo pwned",
	"* ? [a-z]", "~root", "!event", "key: value", "- item", "{a: b}", "[1, 2]", "&anchor *alias",
	"# comment", "| block", "> folded", "%TAG", "@at", "--- doc", "ünïcödé ✓", "\r\n", "\x01\x1f\x7f",
	"NAME='x'\nOTHER='y'", "trailing\\", "'; echo pwned; '",
}

func TestShellQuote(t *testing.T) {
	assert.Equal(t, "''", shellenv.Quote(""))
	assert.Equal(t, "'abc'", shellenv.Quote("abc"))
	assert.Equal(t, `'it'\''s'`, shellenv.Quote("it's"))
}

func TestEnvFileRoundTrip(t *testing.T) {
	var e shellenv.File
	for i, v := range nasty {
		require.NoError(t, e.Set(envName(i), v))
	}
	require.NoError(t, e.Set(envName(0), "replaced"), "setting again replaces")
	parsed, err := shellenv.Parse(e.Bytes())
	require.NoError(t, err)
	assert.Equal(t, e.Names(), parsed.Names(), "order is kept")
	for i, v := range nasty {
		got, ok := parsed.Get(envName(i))
		require.True(t, ok)
		if i == 0 {
			v = "replaced"
		}
		assert.Equal(t, v, got)
	}
}

func envName(i int) string { return "V" + string(rune('0'+i/10)) + string(rune('0'+i%10)) }

// TestEnvFileBash sources an env file with bash, as the node scripts do,
// and checks every variable holds exactly its value and nothing ran.
func TestEnvFileBash(t *testing.T) {
	bash := requireBash(t)
	var e shellenv.File
	for i, v := range nasty {
		require.NoError(t, e.Set(envName(i), v))
	}
	for i, v := range nasty {
		assert.Equal(t, v, sourceAndPrint(t, bash, e.Bytes(), envName(i)), "value %q", v)
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

// sourceAndPrint writes env to a file, sources it with bash -e (a marker
// file shows whether anything ran) and prints one variable.
func sourceAndPrint(t testing.TB, bash string, env []byte, name string) string {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "node.env")
	require.NoError(t, os.WriteFile(file, env, 0o600))
	cmd := exec.Command(bash, "-euc", `cd "$1" && . ./node.env && printf '%s' "${!2}"`, "bash", dir, name)
	cmd.Env = []string{"PATH=/nonexistent"} // any command the file ran would fail
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "sourcing created no file")
	return string(out)
}

func TestEnvFileRejects(t *testing.T) {
	var e shellenv.File
	for _, name := range []string{"", "lower", "1ABC", "A-B", "A B", "A=B", strings.Repeat("A", 65)} {
		assert.ErrorIs(t, e.Set(name, "v"), errdefs.ErrInvalid, "%q", name)
	}
	assert.ErrorIs(t, e.Set("NUL", "a\x00b"), errdefs.ErrInvalid)
	for _, doc := range []string{
		"A=b\n", "A='b'", "A='b\n", "a='b'\n", "A='b' \n", "A='b'\nA='c'\n", "# no newline", "A='b'\\\n",
	} {
		_, err := shellenv.Parse([]byte(doc))
		assert.ErrorIs(t, err, errdefs.ErrInvalid, "%q", doc)
	}
}

// FuzzEnvFile proves the quoting: any value without NUL survives the round
// trip through the file, in Go and (for short values) through bash.
func FuzzEnvFile(f *testing.F) {
	for _, v := range nasty {
		f.Add(v)
	}
	bash, _ := exec.LookPath("bash")
	f.Fuzz(func(t *testing.T, v string) {
		var e shellenv.File
		err := e.Set("VALUE", v)
		if strings.IndexByte(v, 0) >= 0 {
			require.ErrorIs(t, err, errdefs.ErrInvalid)
			return
		}
		require.NoError(t, err)
		require.NoError(t, e.Set("AFTER", "sentinel"))
		data := e.Bytes()
		parsed, err := shellenv.Parse(data)
		require.NoError(t, err)
		got, _ := parsed.Get("VALUE")
		assert.Equal(t, v, got)
		after, _ := parsed.Get("AFTER")
		assert.Equal(t, "sentinel", after, "the value cannot end its line early")
		assert.Equal(t, []string{"VALUE", "AFTER"}, parsed.Names(), "no extra variable")
		if bash != "" && len(v) <= 512 && utf8.ValidString(v) {
			assert.Equal(t, v, sourceAndPrint(t, bash, data, "VALUE"))
			assert.Equal(t, "sentinel", sourceAndPrint(t, bash, data, "AFTER"))
		}
	})
}
