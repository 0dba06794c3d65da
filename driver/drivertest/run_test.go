package drivertest_test

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/driver/drivertest"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/k8s"
	"github.com/gomagnum/magnum/template"
)

// helperEnv selects the failing run TestHelperRun performs in a child
// process; the parent reads what the suite reported.
const helperEnv = "DRIVERTEST_HELPER"

func k8sOptions() drivertest.Options {
	return drivertest.Options{Good: []drivertest.Case{{Name: "default", Workers: 2, Template: &template.ClusterTemplate{
		Name: "k", COE: k8s.COE, ImageID: "fedora-atomic-latest", ClusterDistro: "fedora-atomic",
		KeyPairID: "testkey", ExternalNetworkID: "public", FlavorID: "m1.small",
	}}}}
}

// lcMutant is a ClusterDriver with one lifecycle behaviour broken.
type lcMutant struct {
	driver.ClusterDriver
	creates, deletes int
	dupCreate        bool
	noReadBack       bool
	goneIsError      bool
}

func (m *lcMutant) Create(ctx context.Context, req *driver.Request) (string, error) {
	m.creates++
	if m.dupCreate && m.creates > 1 {
		r := *req
		r.Name += "-again"
		return m.ClusterDriver.Create(ctx, &r)
	}
	return m.ClusterDriver.Create(ctx, req)
}

func (m *lcMutant) Finish(ctx context.Context, req *driver.Request) error {
	err := m.ClusterDriver.Finish(ctx, req)
	if m.noReadBack {
		req.Cluster.NodeCount = 0
	}
	return err
}

func (m *lcMutant) Delete(ctx context.Context, req *driver.Request) error {
	m.deletes++
	if m.goneIsError && m.deletes > 1 {
		return errdefs.NotFound("stack", req.Name)
	}
	return m.ClusterDriver.Delete(ctx, req)
}

func mutantCloud(m *lcMutant) func(t *testing.T, d driver.Driver) driver.ClusterDriver {
	return func(t *testing.T, d driver.Driver) driver.ClusterDriver {
		m.ClusterDriver = drivertest.FakeCloud(t, d.(heat.StackDriver))
		return m
	}
}

// TestHelperRun is not a test of its own: run by TestRunReports in a child
// process, it runs the suite on a driver that must fail it.
func TestHelperRun(t *testing.T) {
	o := k8sOptions()
	var d driver.Driver = k8s.NewFedoraAtomic()
	switch os.Getenv(helperEnv) {
	case "":
		t.Skip("run by TestRunReports")
	case "declare-only":
		d = &infoDriver{info: goodInfo()}
		o.Good[0].Template.COE, o.Good[0].Template.ClusterDistro, o.Good[0].Template.NetworkDriver = "toy", "toyos", ""
	case "duplicate-create":
		o.Cloud = mutantCloud(&lcMutant{dupCreate: true})
	case "no-read-back":
		o.Cloud = mutantCloud(&lcMutant{noReadBack: true})
	case "gone-is-error":
		o.Cloud = mutantCloud(&lcMutant{goneIsError: true})
	}
	drivertest.Run(t, d, o)
}

// TestRunReports runs the suite on drivers that must fail it, each in a
// child process, and checks that it fails and says why.
func TestRunReports(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child test processes")
	}
	for _, tc := range []struct {
		helper string
		want   []string
	}{
		{"declare-only", []string{
			"--- FAIL: TestHelperRun/builds-clusters",
			"toy_v1 (*drivertest_test.infoDriver) cannot build clusters",
			"--- FAIL: TestHelperRun/lifecycle",
			"--- PASS: TestHelperRun/info",
			"--- PASS: TestHelperRun/good/default",
		}},
		{"duplicate-create", []string{"a repeated Create made", "clusters would be duplicated"}},
		{"no-read-back", []string{"Finish mapped the outputs wrongly", "read back from the backend"}},
		{"gone-is-error", []string{"Delete of a cluster already gone must succeed"}},
	} {
		t.Run(tc.helper, func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestHelperRun$", "-test.v")
			cmd.Env = append(os.Environ(), helperEnv+"="+tc.helper)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, "the suite must fail:\n%s", out)
			for _, w := range tc.want {
				assert.Contains(t, string(out), w)
			}
		})
	}
}
