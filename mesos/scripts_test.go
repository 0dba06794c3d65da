package mesos_test

import (
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/mesos"
)

// heatSignals is the wait condition endpoint a booting node signals.
type heatSignals struct {
	srv     *httptest.Server
	mu      sync.Mutex
	signals []map[string]any
}

const testWaitToken = "wait-token-123"

func newHeatSignals(t *testing.T) *heatSignals {
	h := &heatSignals{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/heat/signal" || r.Header.Get("X-Auth-Token") != testWaitToken {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		body, _ := io.ReadAll(r.Body)
		var sig map[string]any
		if err := json.Unmarshal(body, &sig); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		h.signals = append(h.signals, sig)
		h.mu.Unlock()
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *heatSignals) all() []map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.signals)
}

// Fake system commands log their arguments to $GOMAGNUM_TEST_LOG.
const fakeCommand = `#!/bin/sh
printf '%s' "$(basename "$0")" >>"$GOMAGNUM_TEST_LOG"
printf ' %s' "$@" >>"$GOMAGNUM_TEST_LOG"
printf '\n' >>"$GOMAGNUM_TEST_LOG"
`

// nodeSpec is what Heat would have written about a node.
type nodeSpec struct {
	role, name, index, privateIP, publicIP, masters, dockerVolume string
}

type node struct {
	root, log string
	out       []byte
	err       error
}

func (n *node) path(p string) string { return filepath.Join(n.root, p) }

func (n *node) read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(n.path(p))
	require.NoError(t, err, "%s", p)
	return string(b)
}

func (n *node) exists(p string) bool {
	_, err := os.Stat(n.path(p))
	return err == nil
}

func (n *node) commands(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(n.log)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// boot renders the cluster and runs bootstrap.sh for one node under bash
// in a temporary root with stubbed system commands, as cloud-init would
// after writing the node's files.
func boot(t *testing.T, h *heatSignals, in mesos.Input, spec nodeSpec) *node {
	t.Helper()
	bash := requireBash(t)
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	req, _, err := mesos.New().RenderCluster(in)
	require.NoError(t, err)
	n := &node{root: t.TempDir()}
	n.log = filepath.Join(n.root, "test-commands.log")
	write := func(p, content string, mode os.FileMode) {
		require.NoError(t, os.MkdirAll(filepath.Dir(n.path(p)), 0o755))
		require.NoError(t, os.WriteFile(n.path(p), []byte(content), mode))
	}
	param := func(k string) string { s, _ := req.Parameters[k].(string); return s }
	write("etc/gomagnum/node.env", param("node_env"), 0o600)
	if spec.role == "slave" {
		write("etc/gomagnum/secret.env", param("secret_env"), 0o600)
	}
	for k, v := range map[string]string{
		"role": spec.role, "node_name": spec.name, "node_index": spec.index, "private_ip": spec.privateIP,
		"public_ip": spec.publicIP, "master_addresses": spec.masters, "docker_volume": spec.dockerVolume,
		"wait_endpoint": h.srv.URL + "/heat/signal", "wait_token": testWaitToken,
	} {
		write("etc/gomagnum/stack/"+k, v, 0o644)
	}
	require.NoError(t, fs.WalkDir(mesos.Templates(), "scripts", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(mesos.Templates(), p)
		if err != nil {
			return err
		}
		write("opt/gomagnum/"+p, string(b), 0o700)
		return nil
	}))
	if spec.dockerVolume != "" {
		write("dev/disk/by-id/virtio-"+spec.dockerVolume[:20], "", 0o600)
	}
	stubs := filepath.Join(n.root, "test-stubs")
	for _, c := range []string{"systemctl", "mount", "mkfs.xfs"} {
		write("test-stubs/"+c, fakeCommand, 0o755)
	}
	// A new volume has no file system yet.
	write("test-stubs/blkid", fakeCommand+"exit 2\n", 0o755)
	cmd := exec.Command(bash, n.path("opt/gomagnum/scripts/bootstrap.sh"))
	cmd.Env = []string{
		"PATH=" + stubs + ":" + os.Getenv("PATH"),
		"HOME=" + n.root, "TMPDIR=" + t.TempDir(),
		"GOMAGNUM_ROOT=" + n.root, "GOMAGNUM_TEST_LOG=" + n.log,
		"VOLUME_WAIT_TRIES=1", "CURL_RETRIES=0", "SERVICE_WAIT_TRIES=0",
	}
	n.out, n.err = cmd.CombinedOutput()
	return n
}

func requireSuccess(t *testing.T, h *heatSignals, n *node, name string) {
	t.Helper()
	require.NoError(t, n.err, "bootstrap output:\n%s", n.out)
	sigs := h.all()
	require.Len(t, sigs, 1)
	assert.Equal(t, "SUCCESS", sigs[0]["status"])
	assert.Equal(t, name, sigs[0]["id"])
}

const threeMasters = "10.0.0.11,10.0.0.12,10.0.0.13"

func TestBootstrapMaster(t *testing.T) {
	h := newHeatSignals(t)
	in := input(t, variant{MasterLB: true, FloatingIP: true, Masters: 3, Workers: 2})
	in.Cluster.Name = `prod 'x' $(reboot)`
	in.Template.HTTPProxy = "http://proxy.example.com:3128"
	n := boot(t, h, in, nodeSpec{role: "master", name: "prod-3c8b1d2e-master-1", index: "1",
		privateIP: "10.0.0.12", publicIP: "172.24.4.12", masters: threeMasters})
	requireSuccess(t, h, n, "prod-3c8b1d2e-master-1")

	assert.Equal(t, "2\n", n.read(t, "etc/zookeeper/conf/myid"), "ZooKeeper ids start at 1")
	zoo := n.read(t, "etc/zookeeper/conf/zoo.cfg")
	for _, l := range []string{"clientPort=2181", "server.1=10.0.0.11:2888:3888", "server.2=10.0.0.12:2888:3888", "server.3=10.0.0.13:2888:3888"} {
		assert.Contains(t, zoo, l+"\n")
	}
	zk := "zk://10.0.0.11:2181,10.0.0.12:2181,10.0.0.13:2181/"
	assert.Equal(t, zk+"mesos\n", n.read(t, "etc/mesos/zk"))
	assert.Equal(t, "2\n", n.read(t, "etc/mesos-master/quorum"), "a majority of three")
	assert.Equal(t, "10.0.0.12\n", n.read(t, "etc/mesos-master/ip"))
	assert.Equal(t, "172.24.4.12\n", n.read(t, "etc/mesos-master/hostname"))
	assert.Equal(t, in.Cluster.Name+"\n", n.read(t, "etc/mesos-master/cluster"), "the name is data")
	assert.Equal(t, zk+"mesos\n", n.read(t, "etc/marathon/conf/master"))
	assert.Equal(t, zk+"marathon\n", n.read(t, "etc/marathon/conf/zk"))
	assert.Equal(t, "8080\n", n.read(t, "etc/marathon/conf/http_port"))
	assert.Equal(t, "[Service]\nEnvironment=\"HTTP_PROXY=http://proxy.example.com:3128\"\n",
		n.read(t, "etc/systemd/system/marathon.service.d/gomagnum-proxy.conf"))
	assert.False(t, n.exists("etc/mesos-slave/ip"), "no slave configuration on masters")
	assert.Equal(t, []string{
		"systemctl disable --now mesos-slave",
		"systemctl daemon-reload",
		"systemctl enable zookeeper mesos-master marathon",
		"systemctl restart zookeeper mesos-master marathon",
	}, n.commands(t))
	assert.True(t, n.exists("var/lib/gomagnum/bootstrap.done"))

	// A second run does nothing.
	require.NoError(t, os.Remove(n.log))
	cmd := exec.Command(requireBash(t), n.path("opt/gomagnum/scripts/bootstrap.sh"))
	cmd.Env = []string{"PATH=" + filepath.Join(n.root, "test-stubs") + ":" + os.Getenv("PATH"), "GOMAGNUM_ROOT=" + n.root, "GOMAGNUM_TEST_LOG=" + n.log}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Nil(t, n.commands(t))
}

func TestBootstrapSlave(t *testing.T) {
	h := newHeatSignals(t)
	in := input(t, variant{FloatingIP: true, DockerVolume: true, Rexray: true, Masters: 1, Workers: 2})
	env := `{"LD_LIBRARY_PATH": "/opt/lib", "Q": "it's \"$(quoted)\""}`
	in.Cluster.Labels = labels.Labels{
		"rexray-preempt":                     "true",
		"mesos_slave_isolation":              "docker/runtime,filesystem/linux",
		"mesos_slave_image_providers":        "Docker,appc",
		"mesos_slave_work_dir":               "/srv/mesos",
		"mesos_slave_executor_env_variables": env,
	}
	in.Access.Trustee.Password = `p'w"d $(reboot) ` + "`id` \\ ü"
	in.Template.NoProxy = "localhost,10.0.0.0/8"
	in.Template.HTTPSProxy = "https://proxy.example.com:3129"
	vol := "8b2c3d4e-5f60-4718-9a2b-3c4d5e6f7a8b"
	n := boot(t, h, in, nodeSpec{role: "slave", name: "prod-3c8b1d2e-slave-0", index: "0",
		privateIP: "10.0.0.21", publicIP: "172.24.4.21", masters: "10.0.0.11", dockerVolume: vol})
	requireSuccess(t, h, n, "prod-3c8b1d2e-slave-0")

	assert.Equal(t, "zk://10.0.0.11:2181/mesos\n", n.read(t, "etc/mesos/zk"))
	d := "etc/mesos-slave/"
	assert.Equal(t, "10.0.0.21\n", n.read(t, d+"ip"))
	assert.Equal(t, "10.0.0.21\n", n.read(t, d+"hostname"), "Marathon reports tasks by this host name")
	assert.Equal(t, "docker,mesos\n", n.read(t, d+"containerizers"))
	assert.Equal(t, "5mins\n", n.read(t, d+"executor_registration_timeout"))
	assert.Equal(t, "docker/runtime,filesystem/linux\n", n.read(t, d+"isolation"))
	assert.Equal(t, "docker,appc\n", n.read(t, d+"image_providers"))
	assert.Equal(t, "/srv/mesos\n", n.read(t, d+"work_dir"))
	assert.True(t, n.exists("srv/mesos"))
	assert.Equal(t, "file:///etc/mesos/executor_environment_variables.json\n", n.read(t, d+"executor_environment_variables"))
	assert.JSONEq(t, env, n.read(t, "etc/mesos/executor_environment_variables.json"))

	var rexray struct {
		Libstorage struct {
			Service     string `json:"service"`
			Integration struct {
				Volume struct {
					Operations struct {
						Mount struct {
							Preempt bool `json:"preempt"`
						} `json:"mount"`
					} `json:"operations"`
				} `json:"volume"`
			} `json:"integration"`
		} `json:"libstorage"`
		Cinder map[string]any `json:"cinder"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(n.read(t, "etc/rexray/config.yml")), &rexray))
	assert.True(t, rexray.Libstorage.Integration.Volume.Operations.Mount.Preempt, "rexray-preempt=true reached rexray")
	assert.Equal(t, "cinder", rexray.Libstorage.Service)
	assert.Equal(t, map[string]any{"authURL": "https://keystone.example.com:5000/v3", "userID": "trustee-1",
		"password": in.Access.Trustee.Password, "trustID": "trust-9", "regionName": "RegionOne", "insecure": false}, rexray.Cinder)
	info, err := os.Stat(n.path("etc/rexray/config.yml"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "it holds the password")

	dev := "/dev/disk/by-id/virtio-" + vol[:20]
	assert.Equal(t, dev+" /var/lib/docker xfs defaults 0 0\n", n.read(t, "etc/fstab"))
	assert.Equal(t, "[Service]\nEnvironment=\"HTTPS_PROXY=https://proxy.example.com:3129\"\nEnvironment=\"NO_PROXY=localhost,10.0.0.0/8\"\n",
		n.read(t, "etc/systemd/system/docker.service.d/gomagnum-proxy.conf"))
	assert.True(t, n.exists("etc/systemd/system/mesos-slave.service.d/gomagnum-proxy.conf"))
	assert.Equal(t, []string{
		"blkid " + n.root + dev,
		"mkfs.xfs -q " + n.root + dev,
		"mount /var/lib/docker",
		"systemctl disable --now zookeeper mesos-master marathon",
		"systemctl daemon-reload",
		"systemctl enable docker rexray mesos-slave",
		"systemctl restart docker rexray mesos-slave",
	}, n.commands(t))
	assert.False(t, n.exists("etc/zookeeper/conf/myid"), "no master configuration on slaves")
}

func TestBootstrapSlaveWithoutRexray(t *testing.T) {
	h := newHeatSignals(t)
	in := input(t, variant{Workers: 1})
	n := boot(t, h, in, nodeSpec{role: "slave", name: "prod-3c8b1d2e-slave-0", index: "0", privateIP: "10.0.0.21", masters: "10.0.0.11"})
	requireSuccess(t, h, n, "prod-3c8b1d2e-slave-0")
	assert.False(t, n.exists("etc/rexray/config.yml"))
	assert.False(t, n.exists("etc/mesos-slave/isolation"), "Mesos' defaults without the label")
	assert.False(t, n.exists("etc/mesos-slave/executor_environment_variables"))
	assert.False(t, n.exists("etc/systemd/system/docker.service.d/gomagnum-proxy.conf"), "no proxies, no drop-in")
	assert.Equal(t, "/var/lib/mesos\n", n.read(t, "etc/mesos-slave/work_dir"))
	assert.Equal(t, "", n.read(t, "etc/gomagnum/secret.env"), "no credentials reach the node")
	assert.Contains(t, n.commands(t), "systemctl enable docker mesos-slave")
}

// TestBootstrapRejectsBadStackValues: what Heat wrote is checked before
// use, and a failure is signalled with the step.
func TestBootstrapRejectsBadStackValues(t *testing.T) {
	in := input(t, variant{Workers: 1})
	for name, spec := range map[string]nodeSpec{
		"private ip":    {role: "slave", name: "s-0", index: "0", privateIP: "10.0.0.5; reboot", masters: "10.0.0.11"},
		"octet":         {role: "slave", name: "s-0", index: "0", privateIP: "10.0.0.256", masters: "10.0.0.11"},
		"masters":       {role: "slave", name: "s-0", index: "0", privateIP: "10.0.0.5", masters: "10.0.0.11,$(id)"},
		"no masters":    {role: "master", name: "m-0", index: "0", privateIP: "10.0.0.5", masters: ""},
		"role":          {role: "worker", name: "s-0", index: "0", privateIP: "10.0.0.5", masters: "10.0.0.11"},
		"index too big": {role: "master", name: "m-3", index: "3", privateIP: "10.0.0.5", masters: "10.0.0.5"},
	} {
		t.Run(name, func(t *testing.T) {
			h := newHeatSignals(t)
			n := boot(t, h, in, spec)
			require.Error(t, n.err, "%s", n.out)
			sigs := h.all()
			require.Len(t, sigs, 1, "%s", n.out)
			assert.Equal(t, "FAILURE", sigs[0]["status"])
			assert.Contains(t, sigs[0]["reason"], "failed at step")
			assert.NotContains(t, n.commands(t), "systemctl daemon-reload", "nothing was started")
		})
	}
}

// TestJSONQuoting runs lib.sh's json_str over hostile values and decodes
// the result (it quotes values for rexray's YAML and Heat's signal).
func TestJSONQuoting(t *testing.T) {
	bash := requireBash(t)
	lib, err := fs.ReadFile(mesos.Templates(), "scripts/lib.sh")
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "lib.sh"), lib, 0o600))
	for _, v := range nasty {
		out, err := exec.Command(bash, "-c", `. "$1"; json_str "$2"`, "bash", filepath.Join(dir, "lib.sh"), v).Output()
		require.NoError(t, err, "%q", v)
		var got string
		require.NoError(t, json.Unmarshal(out, &got), "%q → %s", v, out)
		assert.Equal(t, v, got)
		var y string
		require.NoError(t, yaml.Unmarshal(out, &y), "YAML reads it too: %s", out)
		assert.Equal(t, v, y)
	}
	err = exec.Command(bash, "-c", `. "$1"; x=$(json_str "$2")`, "bash", filepath.Join(dir, "lib.sh"), "a\x01b").Run()
	assert.Error(t, err, "control characters are refused")
}
