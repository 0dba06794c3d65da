package main

import (
	"bytes"
	"context"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDemo runs the program: a k3s cluster goes through the Manager on the
// fake cloud, from a driver gomagnum does not ship.
func TestDemo(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, []string{"-sync", "5ms"}))
	got := out.String()
	t.Log("\n" + got)
	assert.Contains(t, got, "drivers:  k3s, kubernetes\n")
	assert.Regexp(t, `refused:  .*labels/k3s_channel`, got, "the driver's label rules reach template validation")
	assert.Contains(t, got, "template: k3s coe=k3s distro=ubuntu network_driver=flannel\n", "distro from the image, default network driver from the driver")
	assert.Contains(t, got, "create:   edge masters=1 nodes=2\n")
	ip := `\d+\.\d+\.\d+\.\d+`
	assert.Regexp(t, regexp.MustCompile(`ready:    api_address=https://(`+ip+`):6443 servers=`+ip+` agents=`+ip+`,`+ip+`\n`), got)
	assert.Regexp(t, regexp.MustCompile(`resize:   edge nodes=1 agents=`+ip+`\n`), got)
	assert.Contains(t, got, "deleted:  edge\n")
}

func TestDemoRejectsArguments(t *testing.T) {
	assert.Error(t, run(context.Background(), &bytes.Buffer{}, []string{"extra"}))
	assert.Error(t, run(context.Background(), &bytes.Buffer{}, []string{"-sync", "0s"}))
}
