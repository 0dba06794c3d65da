package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lockedBuffer is a bytes.Buffer safe to read while serve writes to it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var serveURLLine = regexp.MustCompile(`serving the Magnum v1 API on (http://\S+)/v1 `)

// startServe runs `magnum serve` in process on dir and returns its base URL
// and a stop function returning the exit code and stderr.
func startServe(t *testing.T, dir string, args ...string) (string, *lockedBuffer, func() (int, string)) {
	t.Helper()
	vars := map[string]string{"MAGNUM_STATE_DIR": dir, "MAGNUM_SIM_STACK_TIME": "100ms"}
	return startServeEnv(t, func(k string) string { return vars[k] }, args...)
}

// startServeEnv is startServe with the environment getenv.
func startServeEnv(t *testing.T, getenv func(string) string, args ...string) (string, *lockedBuffer, func() (int, string)) {
	t.Helper()
	var out, errb lockedBuffer
	interrupt := make(chan struct{})
	done := make(chan int, 1)
	go func() {
		done <- Main(context.Background(), append([]string{"serve", "--listen", "127.0.0.1:0"}, args...),
			IO{Stdout: &out, Stderr: &errb, Getenv: getenv, Interrupt: interrupt})
	}()
	var base string
	require.Eventually(t, func() bool {
		select {
		case code := <-done:
			done <- code
			return true
		default:
		}
		if m := serveURLLine.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
			return true
		}
		return false
	}, 30*time.Second, 20*time.Millisecond)
	require.NotEmpty(t, base, "serve did not start: %s", errb.String())
	var once sync.Once
	code := -1
	stop := func() (int, string) {
		once.Do(func() {
			close(interrupt)
			select {
			case code = <-done:
			case <-time.After(30 * time.Second):
				t.Error("serve did not stop within 30s")
			}
		})
		return code, errb.String()
	}
	t.Cleanup(func() { stop() })
	return base, &out, stop
}

func apiCall(t *testing.T, method, url, token string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("OpenStack-API-Version", "container-infra latest")
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if len(data) > 0 {
		require.NoError(t, json.Unmarshal(data, &out), string(data))
	}
	return resp.StatusCode, out
}

// TestServeStaticLifecycle: serve answers with the static token only,
// creates a cluster that its background sync completes, prints the OS_*
// lines for the openstack CLI, stops cleanly on interrupt and leaves the
// state to the next command.
func TestServeStaticLifecycle(t *testing.T) {
	dir := t.TempDir()
	base, out, stop := startServe(t, dir, "--auth", "static", "--token", "tok-1", "--user", "alice", "--project", "team-a", "--roles", "member")

	lines := out.String()
	assert.Contains(t, lines, "export OS_AUTH_TYPE=admin_token\n")
	assert.Contains(t, lines, "export OS_ENDPOINT="+base+"/v1\n")
	assert.Contains(t, lines, "export OS_TOKEN=tok-1\n")
	assert.Contains(t, lines, `acts as user "alice" in project "team-a" with roles "member"`)

	code, _ := apiCall(t, "GET", base+"/v1/clusters", "", nil)
	assert.Equal(t, http.StatusUnauthorized, code)
	code, _ = apiCall(t, "GET", base+"/v1/clusters", "wrong", nil)
	assert.Equal(t, http.StatusUnauthorized, code)

	code, tpl := apiCall(t, "POST", base+"/v1/clustertemplates", "tok-1", map[string]any{
		"name": "k8s", "coe": "kubernetes", "image_id": "fedora-atomic-latest", "keypair_id": "testkey",
		"external_network_id": "public", "flavor_id": "m1.small", "master_lb_enabled": true,
	})
	require.Equal(t, http.StatusCreated, code, tpl)
	code, cl := apiCall(t, "POST", base+"/v1/clusters", "tok-1", map[string]any{
		"name": "c", "cluster_template_id": "k8s", "master_count": 1, "node_count": 2,
	})
	require.Equal(t, http.StatusAccepted, code, cl)
	uuid, _ := cl["uuid"].(string)
	require.NotEmpty(t, uuid)

	var status string
	require.Eventually(t, func() bool {
		_, c := apiCall(t, "GET", base+"/v1/clusters/"+uuid, "tok-1", nil)
		status, _ = c["status"].(string)
		return status == "CREATE_COMPLETE" || strings.HasSuffix(status, "_FAILED")
	}, 60*time.Second, 100*time.Millisecond)
	require.Equal(t, "CREATE_COMPLETE", status)
	_, c := apiCall(t, "GET", base+"/v1/clusters/"+uuid, "tok-1", nil)
	assert.Equal(t, "team-a", c["project_id"], "the static token acts in --project")

	exit, stderr := stop()
	require.Equal(t, ExitOK, exit, stderr)
	assert.Contains(t, stderr, "serve: stopping")
	_, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), time.Second)
	assert.Error(t, err, "the listener is closed")

	// The state directory is free again and holds what the API made.
	code2, stdout, stderr2 := runMain(t, dir, nil, "cluster-show", "c", "--format", "json", "--project", "team-a")
	require.Equal(t, ExitOK, code2, stderr2)
	var shown map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &shown), stdout)
	assert.Equal(t, uuid, shown["uuid"])
	assert.Equal(t, "CREATE_COMPLETE", shown["status"])
}

// TestServeRandomToken: without --token, static auth makes one up and
// prints it; it is the only token accepted.
func TestServeRandomToken(t *testing.T) {
	base, out, stop := startServe(t, t.TempDir())
	m := regexp.MustCompile(`(?m)^export OS_TOKEN=([0-9a-f]{32})$`).FindStringSubmatch(out.String())
	require.NotNil(t, m, out.String())
	code, _ := apiCall(t, "GET", base+"/v1/clustertemplates", m[1], nil)
	assert.Equal(t, http.StatusOK, code)
	code, _ = apiCall(t, "GET", base+"/v1/clustertemplates", "", nil)
	assert.Equal(t, http.StatusUnauthorized, code)
	exit, stderr := stop()
	assert.Equal(t, ExitOK, exit, stderr)
}

// TestServeKeystoneOnSim: --auth keystone on the simulated cloud validates
// tokens with the simulated Keystone and acts as the token's user and
// project.
func TestServeKeystoneOnSim(t *testing.T) {
	base, out, stop := startServe(t, t.TempDir(), "--auth", "keystone")
	m := regexp.MustCompile(`validating X-Auth-Token with Keystone at (http://\S+)`).FindStringSubmatch(out.String())
	require.NotNil(t, m, out.String())
	assert.NotContains(t, out.String(), "OS_TOKEN", "no static token with Keystone")

	// Log in to the simulated Keystone as its user (heattest's defaults).
	login := map[string]any{"auth": map[string]any{
		"identity": map[string]any{"methods": []string{"password"}, "password": map[string]any{"user": map[string]any{
			"name": "admin", "password": "heattest", "domain": map[string]any{"name": "Default"}}}},
		"scope": map[string]any{"project": map[string]any{"name": "heattest", "domain": map[string]any{"name": "Default"}}},
	}}
	b, err := json.Marshal(login)
	require.NoError(t, err)
	resp, err := http.Post(strings.TrimSuffix(m[1], "/")+"/auth/tokens", "application/json", bytes.NewReader(b))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	tok := resp.Header.Get("X-Subject-Token")
	require.NotEmpty(t, tok)

	code, tpl := apiCall(t, "POST", base+"/v1/clustertemplates", tok, map[string]any{
		"name": "k8s", "coe": "kubernetes", "image_id": "fedora-atomic-latest", "keypair_id": "testkey",
		"external_network_id": "public", "flavor_id": "m1.small",
	})
	require.Equal(t, http.StatusCreated, code, tpl)
	assert.Equal(t, "u-admin", tpl["user_id"], "the token's user")
	assert.NotEmpty(t, tpl["project_id"])
	code, _ = apiCall(t, "GET", base+"/v1/clustertemplates", "not-a-keystone-token", nil)
	assert.Equal(t, http.StatusUnauthorized, code)
	code, _ = apiCall(t, "GET", base+"/v1/mservices", tok, nil)
	assert.Equal(t, http.StatusForbidden, code, "the simulated user has no admin role")
	exit, stderr := stop()
	assert.Equal(t, ExitOK, exit, stderr)
}

func TestServeUsage(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	for _, tc := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"bad auth", []string{"--auth", "ldap"}, ExitUsage, "--auth must be keystone or static"},
		{"token with keystone", []string{"--auth", "keystone", "--token", "x"}, ExitUsage, "--token is for --auth static"},
		{"project check without keystone", []string{"--auth", "static", "--check-projects"}, ExitUsage, "--check-projects needs --auth keystone"},
		{"bad project check", []string{"--check-projects=maybe"}, ExitUsage, "check-projects"},
		{"token with space", []string{"--token", "a b"}, ExitUsage, "white space"},
		{"bad public url", []string{"--public-url", "ftp://x"}, ExitUsage, "--public-url"},
		{"negative timeout", []string{"--request-timeout", "-1s"}, ExitUsage, "--request-timeout"},
		{"arguments", []string{"extra"}, ExitUsage, "takes no arguments"},
		{"port in use", []string{"--listen", busy.Addr().String()}, ExitFailure, "listening on"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runMain(t, t.TempDir(), nil, append([]string{"serve"}, tc.args...)...)
			assert.Equal(t, tc.code, code, stderr)
			assert.Contains(t, stderr, tc.msg)
		})
	}
}

// TestServeCheckProjectsSwitch: on the simulated cloud the Keystone
// project check is off unless asked for; --check-projects=false keeps it
// off.
func TestServeCheckProjectsSwitch(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		on   bool
	}{
		{"default", []string{"--auth", "keystone"}, false},
		{"on", []string{"--auth", "keystone", "--check-projects"}, true},
		{"off", []string{"--auth", "keystone", "--check-projects=false"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, out, stop := startServe(t, t.TempDir(), tc.args...)
			assert.Equal(t, tc.on, strings.Contains(out.String(), "quota creates check the project in Keystone"), out.String())
			exit, stderr := stop()
			assert.Equal(t, ExitOK, exit, stderr)
		})
	}
}
