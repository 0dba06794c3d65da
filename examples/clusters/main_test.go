package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/gomagnum/magnum/store"
	"github.com/gomagnum/magnum/store/sqlstore"
)

func TestDemo(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "demo.db")
	kc := filepath.Join(dir, "demo.kubeconfig")
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, []string{"-db", db, "-kubeconfig", kc, "-sync", "10ms"}))
	got := out.String()
	t.Log("\n" + got)

	for _, want := range []string{
		"template: k8s coe=kubernetes distro=fedora-atomic (from the image) network_driver=flannel\n",
		"create:   cluster demo masters=1 nodes=1 keypair=testkey\n",
		"resize:   demo to 3 node(s)\n",
		"stats:    clusters=1 nodes=4 (masters and workers)\n",
		"resize:   demo to 1 node(s)\n",
		"stats:    clusters=1 nodes=2 (masters and workers)\n",
		"delete:   demo\n",
		"gone:     demo; stats: clusters=0 nodes=0\n",
	} {
		assert.Contains(t, got, want)
	}

	// The watched transitions, in order, each printed once.
	var seen []string
	for _, line := range strings.Split(got, "\n") {
		if rest, ok := strings.CutPrefix(line, "  watch:  demo "); ok {
			seen = append(seen, rest)
		}
	}
	assert.Equal(t, []string{
		"(new) -> CREATE_IN_PROGRESS",
		"CREATE_IN_PROGRESS -> CREATE_COMPLETE",
		"CREATE_COMPLETE -> UPDATE_IN_PROGRESS",
		"UPDATE_IN_PROGRESS -> UPDATE_COMPLETE",
		"UPDATE_COMPLETE -> UPDATE_IN_PROGRESS",
		"UPDATE_IN_PROGRESS -> UPDATE_COMPLETE",
		"UPDATE_COMPLETE -> DELETE_IN_PROGRESS",
		"DELETE_IN_PROGRESS -> DELETE_COMPLETE",
	}, seen)

	// Addresses come from the fake Heat's outputs: one API address, one
	// master, and one then three then one worker.
	ip := `\d+\.\d+\.\d+\.\d+`
	api := regexp.MustCompile(`ready:    api_address=(https://` + ip + `:6443)\n`).FindStringSubmatch(got)
	require.NotNil(t, api, "api_address line")
	assert.Regexp(t, `\n          masters=`+ip+` nodes=`+ip+`\n`, got)
	workers := regexp.MustCompile(`\n          nodes=(\S+)\n`).FindAllStringSubmatch(got, -1)
	require.Len(t, workers, 2)
	assert.Len(t, strings.Split(workers[0][1], ","), 3)
	assert.Len(t, strings.Split(workers[1][1], ","), 1)
	assert.Contains(t, got, "config:   kubeconfig for "+api[1]+" (user demo-admin, client cert CN=admin) written\n")

	// The kubeconfig is a private file pointing kubectl at the API address
	// with the cluster CA and a client key pair embedded.
	fi, err := os.Stat(kc)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	raw, err := os.ReadFile(kc)
	require.NoError(t, err)
	var cfg struct {
		CurrentContext string `yaml:"current-context"`
		Clusters       []struct {
			Cluster struct {
				Server string `yaml:"server"`
				CA     string `yaml:"certificate-authority-data"`
			} `yaml:"cluster"`
		} `yaml:"clusters"`
		Users []struct {
			Name string `yaml:"name"`
			User struct {
				Cert string `yaml:"client-certificate-data"`
				Key  string `yaml:"client-key-data"`
			} `yaml:"user"`
		} `yaml:"users"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &cfg))
	assert.NotEmpty(t, cfg.CurrentContext)
	require.Len(t, cfg.Clusters, 1)
	assert.Equal(t, api[1], cfg.Clusters[0].Cluster.Server)
	assert.NotEmpty(t, cfg.Clusters[0].Cluster.CA)
	require.Len(t, cfg.Users, 1)
	assert.Equal(t, "demo-admin", cfg.Users[0].Name)
	assert.NotEmpty(t, cfg.Users[0].User.Cert)
	assert.NotEmpty(t, cfg.Users[0].User.Key)

	// Nothing is left in the store: the cluster record went with its stack,
	// the template stays.
	st, err := sqlstore.Open(context.Background(), db, sqlstore.Config{})
	require.NoError(t, err)
	defer st.Close()
	clusters, err := st.ListClusters(context.Background(), store.ClusterFilter{}, store.Page{})
	require.NoError(t, err)
	assert.Empty(t, clusters)
	tpls, err := st.ListTemplates(context.Background(), store.TemplateFilter{}, store.Page{})
	require.NoError(t, err)
	require.Len(t, tpls, 1)
	assert.Equal(t, "k8s", tpls[0].Name)
}

func TestFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-sync", "0s"},
		{"-timeout", "-1s"},
		{"-polls", "-1"},
		{"extra"},
		{"-nope"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var out bytes.Buffer
			assert.Error(t, run(context.Background(), &out, args))
			assert.Empty(t, out.String(), "nothing runs on bad flags")
		})
	}
}
