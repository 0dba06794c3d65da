package k8s_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/k8s"
)

func TestClientConfig(t *testing.T) {
	ctx := context.Background()
	mgr, err := certs.New(certs.Config{})
	require.NoError(t, err)
	c := &cluster.Cluster{UUID: "3c8b1d2e-6f0a-4b7c-9d5e-1a2b3c4d5e6f", Name: "prod", ProjectID: "p", UserID: "owner",
		APIAddress: "https://172.24.4.10:6443"}
	_, err = mgr.Create(ctx, certs.Cluster{UUID: c.UUID, Name: c.Name, ProjectID: c.ProjectID, UserID: c.UserID})
	require.NoError(t, err)

	cfg, err := k8s.ClientConfigFor(ctx, mgr, c, certs.ClientRequest{Requester: certs.Requester{UserID: "owner", ProjectID: "p"}}, certs.KubeconfigOptions{})
	require.NoError(t, err)
	require.NotNil(t, cfg.Bundle)
	assert.Equal(t, "admin", cfg.Bundle.Client.Certificate.Subject.CommonName)
	assert.Equal(t, []string{"system:masters"}, cfg.Bundle.Client.Certificate.Subject.Organization)
	var kc map[string]any
	require.NoError(t, yaml.Unmarshal(cfg.Kubeconfig, &kc))
	assert.Equal(t, "prod", kc["current-context"])
	server := kc["clusters"].([]any)[0].(map[string]any)["cluster"].(map[string]any)["server"]
	assert.Equal(t, c.APIAddress, server)
	if kubectl, err := exec.LookPath("kubectl"); err == nil {
		f := filepath.Join(t.TempDir(), "config")
		require.NoError(t, os.WriteFile(f, cfg.Kubeconfig, 0o600))
		out, err := exec.Command(kubectl, "--kubeconfig", f, "config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}").CombinedOutput()
		require.NoError(t, err, "%s", out)
		assert.Equal(t, c.APIAddress, string(out), "kubectl reads it")
	}

	// A project member who is not the owner gets no cluster-admin.
	_, err = k8s.ClientConfigFor(ctx, mgr, c, certs.ClientRequest{Requester: certs.Requester{UserID: "other", ProjectID: "p", Roles: []string{"member"}}}, certs.KubeconfigOptions{})
	assert.ErrorIs(t, err, errdefs.ErrForbidden)

	// TLS disabled: plain http, no credentials.
	plain := &cluster.Cluster{UUID: "u2", Name: "dev: \"x\"", APIAddress: "http://172.24.4.11:8080"}
	cfg, err = k8s.ClientConfigFor(ctx, nil, plain, certs.ClientRequest{}, certs.KubeconfigOptions{})
	require.NoError(t, err)
	assert.Nil(t, cfg.Bundle)
	require.NoError(t, yaml.Unmarshal(cfg.Kubeconfig, &kc))
	assert.Equal(t, `dev: "x"`, kc["current-context"], "names are quoted by the encoder")
	assert.Equal(t, "http://172.24.4.11:8080", kc["clusters"].([]any)[0].(map[string]any)["cluster"].(map[string]any)["server"])
	assert.NotContains(t, string(cfg.Kubeconfig), "client-key")

	_, err = k8s.ClientConfigFor(ctx, mgr, &cluster.Cluster{UUID: "x"}, certs.ClientRequest{}, certs.KubeconfigOptions{})
	assert.ErrorIs(t, err, errdefs.ErrConflict, "no API address yet")
}
