package drivertest

import (
	"slices"
	"strings"
	"testing"

	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/openstack/openstacktest"
)

// Run runs the conformance suite on d as subtests of t:
//
//   - info: CheckInfo (declaration, capabilities, registration);
//   - builds-clusters: the driver can build clusters (Lacks is empty);
//   - good/<case>, bad/<case>: template and cluster validation;
//   - render/<case>: for a heat.StackDriver, every good case and
//     combination rendered, structurally checked (heat.Check), with user
//     values kept out of template text, a scale update that fits the stack,
//     StackFeatures agreeing with the render, and no panic on bad outputs;
//   - lifecycle: create (repeated: adopted) → observe → Finish with
//     outputs mapped → live checks → resize up and down → delete → gone,
//     through driver.ClusterDriver on Options.Cloud or the fake cloud;
//   - faults: on the fake cloud, a create whose servers fail settles
//     CREATE_FAILED and Faults gives the cloud's reason;
//   - client-config, health: skipped with a note until package driver
//     defines optional interfaces for them.
func Run(t *testing.T, d driver.Driver, opts Options) {
	t.Helper()
	if d == nil {
		t.Fatal("drivertest: nil driver")
	}
	t.Run("info", func(t *testing.T) {
		if err := CheckInfo(d, opts.Alongside...); err != nil {
			t.Errorf("%s:\n%v", d.Info().Name, err)
		}
	})
	reg, err := driver.NewRegistry(append(slices.Clone(opts.Alongside), d)...)
	if err != nil {
		t.Fatalf("drivertest: the registry refuses %s, nothing else can be checked: %v", d.Info().Name, err)
	}
	b, err := newBuilder(reg, opts.Nodes)
	if err != nil {
		t.Fatalf("drivertest: %v", err)
	}
	lacks := Lacks(d)
	t.Run("builds-clusters", func(t *testing.T) {
		for _, l := range lacks {
			t.Error(l)
		}
	})
	if len(opts.Good) == 0 {
		t.Error("drivertest: Options.Good is empty; give at least one template the driver accepts")
	}
	for _, c := range opts.Good {
		t.Run("good/"+c.Name, func(t *testing.T) {
			if err := checkGood(d, reg, b, c); err != nil {
				t.Error(err)
			}
		})
	}
	for _, c := range opts.Bad {
		t.Run("bad/"+c.Name, func(t *testing.T) {
			if err := checkBad(d, reg, b, c); err != nil {
				t.Error(err)
			}
		})
	}
	sd, isStack := d.(heat.StackDriver)
	for _, c := range append(slices.Clone(opts.Good), opts.Combinations...) {
		t.Run("render/"+c.Name, func(t *testing.T) {
			if !isStack {
				t.Skip("not a heat.StackDriver: no stack to render")
			}
			if err := checkRender(t.Context(), sd, b, c, opts.RequiredOutputs); err != nil {
				t.Error(err)
			}
		})
	}

	lc := opts.Lifecycle
	if lc == nil && len(opts.Good) > 0 {
		lc = &opts.Good[0]
	}
	// The cloud lives as long as the whole run, so both the lifecycle and
	// the failure check use it.
	var cd driver.ClusterDriver
	var fake *openstacktest.Server
	if len(lacks) == 0 {
		switch c, ok := d.(driver.ClusterDriver); {
		case opts.Cloud != nil:
			cd = opts.Cloud(t, d)
		case ok:
			cd = c
		default:
			cd, fake = fakeCloud(t, sd)
		}
	}
	setup := func(t *testing.T) bool {
		switch {
		case len(lacks) > 0:
			t.Errorf("cannot run: %s", strings.Join(lacks, "; "))
		case lc == nil:
			t.Error("no case to run")
		case cd == nil:
			t.Error("Options.Cloud returned no driver")
		default:
			return true
		}
		return false
	}
	t.Run("lifecycle", func(t *testing.T) {
		if setup(t) {
			(&lifecycle{cd: cd, b: b, opts: opts}).run(t, *lc)
		}
	})
	t.Run("faults", func(t *testing.T) {
		if opts.SkipFaults {
			t.Skip("Options.SkipFaults")
		}
		if !setup(t) {
			return
		}
		if fake == nil {
			t.Skip("the failure check needs the fake cloud (Options.Cloud is set, or the driver runs its own backend)")
		}
		(&lifecycle{cd: cd, b: b, opts: opts}).runFaults(t, fake, *lc)
	})
	t.Run("client-config", func(t *testing.T) {
		t.Skip("package driver defines no optional client-configuration interface yet; use Options.Live for driver-specific checks")
	})
	t.Run("health", func(t *testing.T) {
		t.Skip("package driver defines no optional health-monitor interface yet; use Options.Live for driver-specific checks")
	})
}
