package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/patch"
)

func TestPatchOps(t *testing.T) {
	for _, tc := range []struct {
		name  string
		op    string
		attrs []string
		want  []patch.Op
		err   string
	}{
		{"replace", "replace", []string{"node_count=3"}, []patch.Op{{Op: "replace", Path: "/node_count", Value: json.RawMessage(`"3"`)}}, ""},
		{"value with =", "add", []string{"labels={'a': 'b=c'}"}, []patch.Op{{Op: "add", Path: "/labels", Value: json.RawMessage(`"{'a': 'b=c'}"`)}}, ""},
		{"leading slash kept once", "replace", []string{"/name=x"}, []patch.Op{{Op: "replace", Path: "/name", Value: json.RawMessage(`"x"`)}}, ""},
		{"remove", "remove", []string{"labels", "http_proxy"}, []patch.Op{{Op: "remove", Path: "/labels"}, {Op: "remove", Path: "/http_proxy"}}, ""},
		{"empty value", "replace", []string{"http_proxy="}, []patch.Op{{Op: "replace", Path: "/http_proxy", Value: json.RawMessage(`""`)}}, ""},
		{"bad op", "move", []string{"a=b"}, nil, `op must be add, replace or remove, not "move"`},
		{"remove with value", "remove", []string{"a=b"}, nil, "remove takes attribute names without values"},
		{"replace without value", "replace", []string{"node_count"}, nil, "replace needs attribute=value"},
		{"no name", "replace", []string{"=3"}, nil, "missing attribute name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := patchOps("cluster-update", tc.op, tc.attrs)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				assert.Equal(t, ExitUsage, exitCode(err))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func FuzzPatchOps(f *testing.F) {
	f.Add("replace", "node_count=3")
	f.Add("add", "labels={'a': True}")
	f.Add("remove", "labels")
	f.Add("replace", "=\x00\xff")
	f.Fuzz(func(t *testing.T, op, attr string) {
		ops, err := patchOps("x", op, []string{attr})
		if err != nil {
			assert.Equal(t, ExitUsage, exitCode(err))
			return
		}
		require.Len(t, ops, 1)
		assert.True(t, strings.HasPrefix(ops[0].Path, "/"))
		if ops[0].Value != nil {
			var s string
			require.NoError(t, json.Unmarshal(ops[0].Value, &s), "the value travels as a JSON string")
		}
	})
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"/home/a/.kube/config": "/home/a/.kube/config",
		"/tmp/my dir/config":   "'/tmp/my dir/config'",
		"/tmp/it's/config":     `'/tmp/it'\''s/config'`,
		"/tmp/$(rm -rf)/x":     "'/tmp/$(rm -rf)/x'",
		"":                     "''",
	} {
		assert.Equal(t, want, shellQuote(in), in)
	}
}

func TestParseInterspersed(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	dir := fs.String("dir", "", "")
	force := fs.Bool("force", false, "")
	pos, err := parseInterspersed(fs, []string{"mycluster", "--dir", "d", "extra", "--force", "--", "-1", "--dir"})
	require.NoError(t, err)
	assert.Equal(t, []string{"mycluster", "extra", "-1", "--dir"}, pos)
	assert.Equal(t, "d", *dir)
	assert.True(t, *force)
}

func TestExitCode(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, ExitOK},
		{usagef("x", "bad"), ExitUsage},
		{errdefs.Invalid("node_count", "negative"), ExitUsage},
		{fmt.Errorf("wrapped: %w", errdefs.NotFound("cluster", "c")), ExitUsage},
		{errdefs.Conflict("cluster", "c", "busy"), ExitFailure},
		{&errdefs.Error{Kind: errdefs.ErrUnsupported}, ExitFailure},
		{errors.New("boom"), ExitFailure},
		{errInterrupted, ExitInterrupted},
	} {
		assert.Equal(t, tc.want, exitCode(tc.err), "%v", tc.err)
	}
}

func TestReportListsEveryProblem(t *testing.T) {
	var b bytes.Buffer
	report(&b, "cluster-template-create", errors.Join(errdefs.Invalid("image_id", "image missing"), errdefs.Invalid("flavor_id", "flavor missing")))
	assert.Equal(t, "magnum: cluster-template-create: 2 problems:\n  - image_id: image missing\n  - flavor_id: flavor missing\n", b.String())
}

func TestLoadOrCreateKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), keyFile)
	k1, err := loadOrCreateKeys(path)
	require.NoError(t, err)
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	k2, err := loadOrCreateKeys(path)
	require.NoError(t, err)
	assert.Equal(t, k1, k2, "the key is reused")
	assert.Len(t, k1.Keys[k1.Current], 32)

	require.NoError(t, os.Chmod(path, 0o644))
	_, err = loadOrCreateKeys(path)
	require.ErrorIs(t, err, errdefs.ErrForbidden)
	assert.Contains(t, err.Error(), "chmod 600")
	assert.NotContains(t, err.Error(), string(k1.Keys[k1.Current]))

	require.NoError(t, os.Chmod(path, 0o600))
	require.NoError(t, os.WriteFile(path, []byte("not a key"), 0o600))
	_, err = loadOrCreateKeys(path)
	require.ErrorIs(t, err, errdefs.ErrInvalid)
}

func TestDefaultStateDir(t *testing.T) {
	env := func(m map[string]string) IO { return IO{Getenv: func(k string) string { return m[k] }} }
	assert.Equal(t, "/x/gomagnum", newGlobals(env(map[string]string{"XDG_STATE_HOME": "/x", "HOME": "/h"})).stateDir)
	assert.Equal(t, "/h/.local/state/gomagnum", newGlobals(env(map[string]string{"XDG_STATE_HOME": "relative", "HOME": "/h"})).stateDir)
	assert.Equal(t, "/s", newGlobals(env(map[string]string{"MAGNUM_STATE_DIR": "/s", "HOME": "/h"})).stateDir)
}

// runMain runs Main in process on a state directory.
func runMain(t *testing.T, stateDir string, interrupt <-chan struct{}, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	vars := map[string]string{"MAGNUM_STATE_DIR": stateDir, "MAGNUM_SIM_STACK_TIME": "100ms"}
	code := Main(context.Background(), args, IO{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return vars[k] }, Interrupt: interrupt})
	return code, out.String(), errb.String()
}

func createTemplate(t *testing.T, dir string) {
	t.Helper()
	code, _, stderr := runMain(t, dir, nil, "cluster-template-create", "--name", "k8s", "--coe", "kubernetes",
		"--image", "fedora-atomic-latest", "--keypair", "testkey", "--external-network", "public", "--flavor", "m1.small",
		"--master-lb-enabled")
	require.Equal(t, 0, code, stderr)
}

func TestCreateWaitJSON(t *testing.T) {
	dir := t.TempDir()
	createTemplate(t, dir)
	code, stdout, stderr := runMain(t, dir, nil, "cluster-create", "--name", "c", "--cluster-template", "k8s",
		"--master-count", "3", "--node-count", "2", "--wait", "--format", "json")
	require.Equal(t, 0, code, stderr)
	var c map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &c), stdout)
	assert.Equal(t, "CREATE_COMPLETE", c["status"])
	assert.Len(t, c["master_addresses"], 3)
	assert.Len(t, c["node_addresses"], 2)
	assert.Contains(t, stderr, "c: CREATE_IN_PROGRESS")
}

// Ctrl-C stops waiting, never the operation: the stack was submitted (its
// ID recorded) before the command returned.
func TestInterruptStopsWaitingOnly(t *testing.T) {
	dir := t.TempDir()
	createTemplate(t, dir)
	interrupt := make(chan struct{})
	time.AfterFunc(300*time.Millisecond, func() { close(interrupt) })
	code, _, stderr := runMain(t, dir, interrupt, "cluster-create", "--name", "c", "--cluster-template", "k8s",
		"--wait", "--sim-stack-time", "1m")
	assert.Equal(t, ExitInterrupted, code, stderr)
	assert.Contains(t, stderr, "stopped waiting (interrupted); the operation goes on")
	assert.Contains(t, stderr, "c: CREATE_IN_PROGRESS")

	code, stdout, stderr := runMain(t, dir, nil, "cluster-show", "c", "--format", "json")
	require.Equal(t, 0, code, stderr)
	var c map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &c))
	assert.NotEmpty(t, c["stack_id"], "the create reached the cloud")
}

func TestParseTaint(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want cluster.Taint
		err  string
	}{
		{"gpu=true:NoSchedule", cluster.Taint{Key: "gpu", Value: "true", Effect: "NoSchedule"}, ""},
		{"dedicated:NoExecute", cluster.Taint{Key: "dedicated", Effect: "NoExecute"}, ""},
		{"example.com/role=a=b:PreferNoSchedule", cluster.Taint{Key: "example.com/role", Value: "a=b", Effect: "PreferNoSchedule"}, ""},
		{"k=v:with:colon:NoSchedule", cluster.Taint{Key: "k", Value: "v:with:colon", Effect: "NoSchedule"}, ""},
		{"gpu", cluster.Taint{}, "want key[=value]:Effect"},
		{"gpu=true:", cluster.Taint{}, "want key[=value]:Effect"},
		{"=true:NoSchedule", cluster.Taint{}, "the key is empty"},
	} {
		got, err := parseTaint("nodegroup-create", tc.in)
		if tc.err != "" {
			require.Error(t, err, tc.in)
			assert.Contains(t, err.Error(), tc.err)
			assert.Equal(t, ExitUsage, exitCode(err))
			continue
		}
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
}
