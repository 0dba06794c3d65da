package mesos_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/mesos"
)

type problem struct{ field, reason string }

const (
	isolation = "labels/mesos_slave_isolation"
	providers = "labels/mesos_slave_image_providers"
	envVars   = "labels/mesos_slave_executor_env_variables"
)

var (
	allIsolations = strings.Join(mesos.Isolations(), ", ")
	needRuntime   = problem{isolation, "must include docker/runtime when mesos_slave_image_providers includes docker"}
)

func TestValidateLabels(t *testing.T) {
	tests := []struct {
		name   string
		labels labels.Labels
		want   []problem // none: valid
	}{
		{"nil", nil, nil},
		{"unrelated labels", labels.Labels{"swarm_strategy": "bogus", "x": "y"}, nil},

		// mesos_slave_isolation: comma list of the known isolations.
		{"one isolation", labels.Labels{"mesos_slave_isolation": "posix/cpu"}, nil},
		{"every isolation", labels.Labels{"mesos_slave_isolation": strings.Join(mesos.Isolations(), ",")}, nil},
		{"spaces around items", labels.Labels{"mesos_slave_isolation": " posix/cpu , posix/mem "}, nil},
		{"empty isolation", labels.Labels{"mesos_slave_isolation": ""}, nil},
		{"unknown isolation", labels.Labels{"mesos_slave_isolation": "posix/cpu,gpu/nvidia"},
			[]problem{{isolation, `unknown isolation "gpu/nvidia" (allowed: ` + allIsolations + ")"}}},
		{"isolation is case-sensitive", labels.Labels{"mesos_slave_isolation": "Posix/CPU"},
			[]problem{{isolation, `unknown isolation "Posix/CPU" (allowed: ` + allIsolations + ")"}}},
		{"white space does not separate isolations", labels.Labels{"mesos_slave_isolation": "posix/cpu posix/mem"},
			[]problem{{isolation, `unknown isolation "posix/cpu posix/mem" (allowed: ` + allIsolations + ")"}}},

		// mesos_slave_image_providers: comma list of docker/appc, any case.
		{"appc", labels.Labels{"mesos_slave_image_providers": "appc"}, nil},
		{"docker with docker/runtime", labels.Labels{
			"mesos_slave_image_providers": "docker", "mesos_slave_isolation": "docker/runtime,posix/cpu"}, nil},
		{"providers are case-insensitive", labels.Labels{
			"mesos_slave_image_providers": "Docker, APPC", "mesos_slave_isolation": "docker/runtime"}, nil},
		{"unknown provider", labels.Labels{"mesos_slave_image_providers": "appc,rkt"},
			[]problem{{providers, `unknown image provider "rkt" (allowed: docker, appc)`}}},
		{"docker without any isolation", labels.Labels{"mesos_slave_image_providers": "docker"},
			[]problem{needRuntime}},
		{"DOCKER without docker/runtime", labels.Labels{
			"mesos_slave_image_providers": "appc,DOCKER", "mesos_slave_isolation": "posix/cpu"},
			[]problem{needRuntime}},
		{"docker/runtime must be a whole item", labels.Labels{
			"mesos_slave_image_providers": "docker", "mesos_slave_isolation": "posix/cpu,docker/runtimex"},
			[]problem{{isolation, `unknown isolation "docker/runtimex" (allowed: ` + allIsolations + ")"}, needRuntime}},

		// mesos_slave_executor_env_variables: JSON.
		{"env object", labels.Labels{"mesos_slave_executor_env_variables": `{"PATH": "/bin", "N": 1}`}, nil},
		{"env any JSON", labels.Labels{"mesos_slave_executor_env_variables": `[]`}, nil},
		{"env empty means unset", labels.Labels{"mesos_slave_executor_env_variables": ""}, nil},
		{"env not JSON", labels.Labels{"mesos_slave_executor_env_variables": `{PATH: /bin}`},
			[]problem{{envVars, "must be a JSON document"}}},
		{"env truncated", labels.Labels{"mesos_slave_executor_env_variables": `{"a": "b"`},
			[]problem{{envVars, "must be a JSON document"}}},

		{"every problem at once", labels.Labels{
			"mesos_slave_isolation":              "posix/cpu,bogus",
			"mesos_slave_image_providers":        "docker,oci",
			"mesos_slave_executor_env_variables": "nope",
		}, []problem{
			{isolation, `unknown isolation "bogus" (allowed: ` + allIsolations + ")"},
			{providers, `unknown image provider "oci" (allowed: docker, appc)`},
			needRuntime,
			{envVars, "must be a JSON document"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := mesos.ValidateLabels(tt.labels)
			if tt.want == nil {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, errdefs.ErrInvalid)
			var got []problem
			for _, p := range errdefs.Problems(err) {
				assert.ErrorIs(t, p, errdefs.ErrInvalid)
				got = append(got, problem{p.Field, p.Reason})
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestAllowedValues(t *testing.T) {
	// §3.3.
	assert.Equal(t, []string{"filesystem/posix", "filesystem/linux", "filesystem/shared", "posix/cpu",
		"posix/mem", "posix/disk", "cgroups/cpu", "cgroups/mem", "docker/runtime", "namespaces/pid"}, mesos.Isolations())
	assert.Equal(t, []string{"docker", "appc"}, mesos.ImageProviders())
}

func TestCapabilities(t *testing.T) {
	c := mesos.Capabilities()
	// §3.1: docker only (and default); rexray; vm and bm.
	assert.Equal(t, "mesos", c.COE)
	assert.Equal(t, []string{"docker"}, c.NetworkDrivers)
	assert.Equal(t, "docker", c.DefaultNetworkDriver)
	assert.Equal(t, []string{"rexray"}, c.VolumeDrivers)
	assert.Equal(t, []string{"vm", "bm"}, c.ServerTypes)
	assert.Equal(t, []string{"external_network_id"}, c.RequiredFields)
	require.NotNil(t, c.ValidateLabels)
	assert.Error(t, c.ValidateLabels(labels.Labels{"mesos_slave_isolation": "x"}), "the label rules are wired in")
}

func TestDriver(t *testing.T) {
	var d driver.Driver = mesos.New()
	info := d.Info()
	assert.Equal(t, "mesos_ubuntu_v1", info.Name)
	assert.Equal(t, []driver.Tuple{{ServerType: "vm", OSDistro: "ubuntu", COE: "mesos"}}, info.Tuples)
	_, err := driver.NewRegistry(d)
	require.NoError(t, err)
}
