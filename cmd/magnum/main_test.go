package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// binary is the magnum command built once for the tests of this file.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "magnum-cli-test-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "magnum")
	gobin, err := exec.LookPath("go") // go test puts its own go first in PATH
	if err != nil {
		panic(err)
	}
	if out, err := exec.Command(gobin, "build", "-o", binary, ".").CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		panic("go build: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is one run of the binary.
type result struct {
	code           int
	stdout, stderr string
}

// magnumCLI runs the binary with a state directory, a short simulated
// stack time and no cloud configured.
type magnumCLI struct {
	t         *testing.T
	stateDir  string
	workDir   string
	stackTime string
}

func newCLI(t *testing.T) *magnumCLI {
	return &magnumCLI{t: t, stateDir: t.TempDir(), workDir: t.TempDir(), stackTime: "150ms"}
}

func (c *magnumCLI) run(args ...string) result {
	c.t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = c.workDir
	cmd.Env = []string{
		"HOME=" + c.workDir,
		"MAGNUM_STATE_DIR=" + c.stateDir,
		"MAGNUM_SIM_STACK_TIME=" + c.stackTime,
		"PATH=" + os.Getenv("PATH"),
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	c.t.Logf("magnum %s: %s", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else {
		require.NoError(c.t, err)
	}
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// ok runs args and requires exit 0.
func (c *magnumCLI) ok(args ...string) result {
	c.t.Helper()
	r := c.run(args...)
	require.Equal(c.t, 0, r.code, "magnum %s\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.stdout, r.stderr)
	return r
}

// jsonOf runs args with --format json and decodes stdout into v.
func (c *magnumCLI) jsonOf(v any, args ...string) {
	c.t.Helper()
	r := c.ok(append(args, "--format", "json")...)
	require.NoError(c.t, json.Unmarshal([]byte(r.stdout), v), r.stdout)
}

func TestDemo(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	r := c.ok("demo", "--stack-time", "100ms")
	out := r.stdout
	for _, want := range []string{
		"1/7", "template k8s-demo: coe=kubernetes", "master_lb_enabled=true",
		"demo: CREATE_COMPLETE", "masters (3):", "nodes (2):",
		"kubeconfig (mode 0600", "signed by the cluster CA",
		`got subject "CN=system:node:demo-node-0,O=system:nodes"`,
		"demo: UPDATE_COMPLETE", "nodes (4):", "demo: deleted", "cluster and template gone.",
	} {
		assert.Contains(t, out, want)
	}
	// The demo uses its own temporary state, never the user's.
	entries, err := os.ReadDir(c.stateDir)
	require.NoError(t, err)
	assert.Empty(t, entries)
}

// The commands of Magnum's documentation, in order, each a separate
// process sharing one state directory.
func TestIssueFlowAcrossInvocations(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.stackTime = "1s"
	r := c.ok("cluster-template-create", "--name", "mesos-cluster-template", "--image", "ubuntu-mesos",
		"--keypair", "testkey", "--external-network", "public", "--dns-nameserver", "8.8.8.8",
		"--master-flavor", "m1.magnum", "--docker-volume-size", "4", "--tls-disabled", "--flavor", "m1.magnum",
		"--coe", "mesos", "--volume-driver", "rexray", "--labels", "rexray-preempt=true")
	assert.Contains(t, r.stdout, `{"rexray_preempt":"true"}`, "the seed's spelling, stored under the driver's name")
	assert.Contains(t, r.stderr, "using the simulated cloud", "says once that no cloud is configured")
	assert.Equal(t, 1, strings.Count(r.stderr, "\n"), r.stderr)

	c.ok("cluster-template-create", "--name", "mytemplate", "--coe", "kubernetes", "--image", "fedora-atomic-latest",
		"--keypair", "testkey", "--external-network", "public", "--flavor", "m1.small", "--master-flavor", "m1.medium",
		"--master-lb-enabled", "--labels", "kube_tag=v1.30.1", "--labels", "flannel_backend=vxlan")

	// Without --wait the command returns once the stack is submitted; the
	// simulated stack goes on in the state directory by wall-clock time, and
	// each later command syncs before it reads.
	r = c.ok("cluster-create", "--name", "mycluster", "--cluster-template", "mytemplate",
		"--node-count", "8", "--master-count", "3")
	assert.Regexp(t, `^Request to create cluster mycluster \([0-9a-f-]{36}\) has been accepted.\n$`, r.stdout)

	var list []map[string]any
	c.jsonOf(&list, "cluster-list")
	require.Len(t, list, 1)
	assert.Equal(t, "mycluster", list[0]["name"])
	// Usually still in progress (the stack takes 1s); a loaded machine may
	// be slower than the stack.
	assert.Contains(t, []any{"CREATE_IN_PROGRESS", "CREATE_COMPLETE"}, list[0]["status"])
	assert.EqualValues(t, 8, list[0]["node_count"])
	assert.EqualValues(t, 3, list[0]["master_count"])

	var shown map[string]any
	deadline := time.Now().Add(15 * time.Second)
	for {
		c.jsonOf(&shown, "cluster-show", "mycluster")
		if shown["status"] != "CREATE_IN_PROGRESS" || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if shown["status"] != "CREATE_COMPLETE" {
		r := c.run("cluster-show", "mycluster", "--debug")
		t.Fatalf("not created: %v\n%s\n%s", shown["status_reason"], r.stdout, r.stderr)
	}
	assert.Len(t, shown["master_addresses"], 3)
	assert.Len(t, shown["node_addresses"], 8)
	assert.NotEmpty(t, shown["api_address"])
	assert.Equal(t, map[string]any{"flannel_backend": "vxlan", "kube_tag": "v1.30.1"}, shown["labels"])
	r = c.ok("cluster-list")
	assert.Contains(t, r.stdout, "| mycluster |")
	assert.Contains(t, r.stdout, "| CREATE_COMPLETE |")

	r = c.ok("cluster-update", "mycluster", "replace", "node_count=2", "--wait")
	assert.Contains(t, r.stderr, "mycluster: UPDATE_IN_PROGRESS")
	assert.Contains(t, r.stderr, "mycluster: UPDATE_COMPLETE")
	var after map[string]any
	c.jsonOf(&after, "cluster-show", "mycluster")
	assert.EqualValues(t, 2, after["node_count"])
	assert.Len(t, after["node_addresses"], 2)

	// The CA lives in SQLite, sealed by the key file: another process reads it.
	var info os.FileInfo
	var err error
	r = c.ok("ca-show", "--cluster", "mycluster")
	assert.True(t, strings.HasPrefix(r.stdout, "-----BEGIN CERTIFICATE-----"), r.stdout)
	info, err = os.Stat(filepath.Join(c.stateDir, "ca-seal.key"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	csrFile := filepath.Join(c.workDir, "node.csr")
	require.NoError(t, os.WriteFile(csrFile, nodeCSR(t, "system:node:mycluster-node-0"), 0o600))
	r = c.ok("ca-sign", "--cluster", "mycluster", "--csr", csrFile)
	block, _ := pem.Decode([]byte(r.stdout))
	require.NotNil(t, block, r.stdout)
	cert, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	assert.Equal(t, "system:node:mycluster-node-0", cert.Subject.CommonName)
	require.NoError(t, os.WriteFile(csrFile, []byte("not a CSR"), 0o600))
	r = c.run("ca-sign", "--cluster", "mycluster", "--csr", csrFile)
	assert.Equal(t, 2, r.code, r.stderr)
	assert.Empty(t, r.stdout)

	r = c.ok("cluster-config", "mycluster", "--dir", "kube")
	kc := filepath.Join(c.workDir, "kube", "config")
	assert.Equal(t, "export KUBECONFIG="+kc+"\n", r.stdout)
	info, err = os.Stat(kc)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	r = c.run("cluster-config", "mycluster", "--dir", "kube")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "exists; use --force")
	c.ok("cluster-config", "mycluster", "--dir", "kube", "--force", "--output-certs")
	for _, f := range []string{"ca.pem", "cert.pem", "key.pem"} {
		assert.FileExists(t, filepath.Join(c.workDir, "kube", f))
	}

	var stats map[string]int
	c.jsonOf(&stats, "stats-list")
	assert.Equal(t, 1, stats["clusters"])
	assert.Equal(t, 5, stats["nodes"], "2 workers and 3 masters")
	c.jsonOf(&stats, "stats-list", "--project-id", "someone-else")
	assert.Equal(t, 0, stats["clusters"])

	r = c.ok("service-list")
	assert.Contains(t, r.stdout, "magnum-cli")
	assert.Contains(t, r.stdout, "| up ")

	r = c.ok("cluster-delete", "mycluster", "--wait")
	assert.Contains(t, r.stderr, "mycluster: deleted")
	c.jsonOf(&list, "cluster-list")
	assert.Empty(t, list)

	r = c.ok("cluster-template-delete", "mytemplate")
	assert.Contains(t, r.stdout, "mytemplate deleted")
	c.jsonOf(&list, "cluster-template-list")
	require.Len(t, list, 1)
	assert.Equal(t, "mesos-cluster-template", list[0]["name"])
}

// TestSwarmAndMesosClusters builds a cluster of each of the other COEs and
// gets the Swarm one's Docker configuration.
func TestSwarmAndMesosClusters(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.stackTime = "100ms"
	c.ok("cluster-template-create", "--name", "swarm", "--coe", "swarm", "--image", "fedora-atomic-latest",
		"--keypair", "testkey", "--external-network", "public", "--flavor", "m1.small", "--labels", "swarm_strategy=binpack")
	c.ok("cluster-template-create", "--name", "mesos", "--coe", "mesos", "--image", "ubuntu-mesos",
		"--keypair", "testkey", "--external-network", "public", "--flavor", "m1.magnum", "--tls-disabled")
	r := c.ok("cluster-create", "--name", "sw", "--cluster-template", "swarm", "--node-count", "2", "--wait")
	assert.Contains(t, r.stderr, "sw: CREATE_COMPLETE")
	r = c.ok("cluster-create", "--name", "me", "--cluster-template", "mesos", "--wait")
	assert.Contains(t, r.stderr, "me: CREATE_COMPLETE")
	var shown map[string]any
	c.jsonOf(&shown, "cluster-show", "sw")
	assert.Regexp(t, `^tcp://[0-9.]+:2376$`, shown["api_address"])
	c.jsonOf(&shown, "cluster-show", "me")
	assert.Regexp(t, `^http://[0-9.]+:8080$`, shown["api_address"])

	r = c.ok("cluster-config", "sw", "--dir", "docker")
	dir := filepath.Join(c.workDir, "docker")
	assert.Contains(t, r.stdout, "export DOCKER_HOST=tcp://")
	assert.Contains(t, r.stdout, "export DOCKER_CERT_PATH="+dir+"\n")
	assert.Contains(t, r.stdout, "export DOCKER_TLS_VERIFY=1\n")
	for _, f := range []string{"ca.pem", "cert.pem", "key.pem"} {
		assert.FileExists(t, filepath.Join(dir, f))
	}
	assert.NoFileExists(t, filepath.Join(dir, "config"), "no kubeconfig for Docker")
	r = c.run("cluster-config", "sw", "--dir", "docker")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "exists; use --force")
	r = c.run("cluster-config", "me", "--dir", "mesos")
	assert.NotEqual(t, 0, r.code, "Mesos has no client configuration")
}

func TestBadInputChangesNothing(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.ok("cluster-template-create", "--name", "k8s", "--coe", "kubernetes", "--image", "fedora-atomic-latest",
		"--keypair", "testkey", "--external-network", "public", "--flavor", "m1.small")
	c.ok("cluster-create", "--name", "c1", "--cluster-template", "k8s", "--wait")

	snapshot := func() string {
		var clusters, templates []map[string]any
		c.jsonOf(&clusters, "cluster-list")
		c.jsonOf(&templates, "cluster-template-list")
		for _, cl := range clusters { // sync may move a cluster on; records must not change otherwise
			delete(cl, "status")
			delete(cl, "status_reason")
			delete(cl, "faults")
			delete(cl, "updated_at")
			delete(cl, "revision")
		}
		data, err := json.Marshal([]any{clusters, templates})
		require.NoError(t, err)
		return string(data)
	}
	before := snapshot()

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown template", []string{"cluster-create", "--name", "c2", "--cluster-template", "nope"}, `cluster template "nope" not found`},
		{"invalid label", []string{"cluster-create", "--name", "c2", "--cluster-template", "k8s", "--labels", "novalue"}, `labels must be KEY=VALUE pairs, not "novalue"`},
		{"empty label name", []string{"cluster-template-create", "--name", "t2", "--coe", "kubernetes", "--image", "fedora-atomic-latest", "--external-network", "public", "--labels", "=x"}, `label "=x" has an empty name`},
		{"negative node count", []string{"cluster-create", "--name", "c2", "--cluster-template", "k8s", "--node-count", "-1"}, "--node-count must be at least 0, not -1"},
		{"negative node count in a patch", []string{"cluster-update", "c1", "replace", "node_count=-3"}, "node_count: must be at least 0, got -3"},
		{"negative resize", []string{"cluster-resize", "c1", "--", "-2"}, "node_count: must be at least 0, not -2"},
		{"patch of a read-only field", []string{"cluster-update", "c1", "replace", "name=other"}, "cannot change cluster property name"},
		{"patch of an internal template field", []string{"cluster-template-update", "k8s", "replace", "uuid=x"}, "/uuid is an internal attribute"},
		{"bad patch op", []string{"cluster-update", "c1", "frob", "node_count=2"}, `op must be add, replace or remove, not "frob"`},
		{"unknown cluster", []string{"cluster-show", "nosuch"}, "cluster nosuch: not found"},
		{"unknown image", []string{"cluster-template-create", "--name", "t3", "--coe", "kubernetes", "--image", "nope", "--external-network", "public"}, `image "nope" not found`},
		{"unknown flag", []string{"cluster-list", "--bogus"}, "flag provided but not defined: -bogus"},
		{"bad format", []string{"cluster-list", "--format", "yaml"}, "--format must be table or json"},
		{"missing argument", []string{"cluster-show"}, "missing argument(s)"},
		{"unknown command", []string{"cluster-frobnicate"}, `unknown command "cluster-frobnicate"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.run(tc.args...)
			assert.Equal(t, 2, r.code, "stderr: %s", r.stderr)
			assert.Contains(t, r.stderr, tc.want)
			assert.Empty(t, r.stdout)
		})
	}
	assert.Equal(t, before, snapshot(), "bad input changed the state")
}

func TestHelp(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	r := c.ok("--help")
	assert.Contains(t, r.stdout, "Usage: magnum [global options] <command>")
	var names []string
	section := r.stdout[strings.Index(r.stdout, "Commands:\n")+len("Commands:\n"):]
	for _, line := range strings.Split(section[:strings.Index(section, "\n\n")], "\n") {
		names = append(names, strings.Fields(line)[0])
	}
	require.Contains(t, names, "cluster-create")
	require.Contains(t, names, "demo")
	require.GreaterOrEqual(t, len(names), 20)
	for _, n := range names {
		r := c.ok(n, "--help")
		assert.Contains(t, r.stdout, "Usage: magnum "+n, n)
	}
	r = c.ok("help", "cluster-template-create")
	assert.Contains(t, r.stdout, "--master-lb-enabled")
	assert.Contains(t, r.stdout, "labels k=v[,k=v] (repeatable)")

	// The day-2 commands with Magnum's flags (and gomagnum's node labels,
	// taints and rollback).
	for n, flags := range map[string][]string{
		"nodegroup-create": {"-node-count", "-min-nodes", "-max-nodes", "-flavor", "-image", "-docker-volume-size",
			"-labels", "-merge-labels", "-role", "-node-label", "-node-taint", "-wait"},
		"nodegroup-list":   {"-role"},
		"nodegroup-delete": {"-wait"},
		"cluster-resize":   {"-nodegroup", "-nodes-to-remove", "-wait"},
		"cluster-upgrade":  {"-max-batch-size", "-nodegroup", "-rollback", "-wait"},
		"ca-rotate":        {"-cluster", "-wait"},
	} {
		r := c.ok(n, "--help")
		for _, f := range flags {
			assert.Regexp(t, `(?m)^  `+f+`( |$)`, r.stdout, "%s %s", n, f)
		}
	}
	r = c.ok("help", "nodegroup-update")
	assert.Contains(t, r.stdout, "<cluster> <nodegroup> <op> <attribute=value>")
	for _, n := range names {
		assert.NotContains(t, c.ok(n, "--help").stdout, "not supported yet", n)
	}
	r = c.run()
	assert.Equal(t, 2, r.code)
}

// The simulated cloud's state is used by one process at a time: a second
// command waits for the first, and both succeed.
func TestConcurrentCommandsTakeTurns(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.stackTime = "1s"
	c.ok("cluster-template-create", "--name", "k8s", "--coe", "kubernetes", "--image", "fedora-atomic-latest",
		"--keypair", "testkey", "--external-network", "public", "--flavor", "m1.small")
	done := make(chan result, 1)
	go func() { done <- c.run("cluster-create", "--name", "c1", "--cluster-template", "k8s", "--wait") }()
	time.Sleep(300 * time.Millisecond)
	r := c.ok("cluster-list", "--format", "json")
	first := <-done
	require.Equal(t, 0, first.code, first.stderr)
	assert.Contains(t, r.stderr, "waiting for another magnum command using the simulated cloud")
	assert.Contains(t, r.stdout, `"status": "CREATE_COMPLETE"`, "the list ran after the create settled")
}

// nodeCSR makes a PEM certificate request for cn with a fresh P-256 key.
func nodeCSR(t *testing.T, cn string) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: cn, Organization: []string{"system:nodes"}},
	}, key)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}
