package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/store"
	"github.com/gomagnum/magnum/store/sqlstore"
)

func TestDemo(t *testing.T) {
	var out bytes.Buffer
	db := filepath.Join(t.TempDir(), "demo.db")
	require.NoError(t, run(context.Background(), &out, db))
	got := out.String()
	for _, want := range []string{
		"created  k8s-atomic coe=kubernetes network_driver=flannel",
		"created  swarm      coe=swarm      network_driver=docker",
		"refused  a bad template (invalid=true):",
		"- image_id: is required",
		"- network_driver: network driver \"weave\" is not supported",
		"patched  k8s-atomic network_driver=calico",
		"revision=2",
		"not found=true",
		"forbidden=true",
		"in use=true",
		"listed   3 templates: k8s-atomic swarm mesos",
		"left     1 template(s)",
	} {
		assert.Contains(t, got, want)
	}
	// The bad template's five problems are all listed.
	assert.Equal(t, 5, strings.Count(got, "\n         - "))

	// What the demo left is on disk: the template still in use.
	st, err := sqlstore.Open(context.Background(), db, sqlstore.Config{})
	require.NoError(t, err)
	defer st.Close()
	left, err := st.ListTemplates(context.Background(), store.TemplateFilter{}, store.Page{})
	require.NoError(t, err)
	require.Len(t, left, 1)
	assert.Equal(t, "mesos", left[0].Name)
}
