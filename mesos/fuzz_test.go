package mesos_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/mesos"
)

// FuzzValidateLabels: never panics, every problem is an ErrInvalid about one
// of the three labels, and accepted labels satisfy §3.3.
func FuzzValidateLabels(f *testing.F) {
	f.Add("docker/runtime,posix/cpu", "docker", `{"a":"b"}`)
	f.Add("posix/cpu", "Docker,appc", "")
	f.Add(",,", " , ", "{")
	f.Fuzz(func(t *testing.T, iso, prov, env string) {
		l := labels.Labels{
			"mesos_slave_isolation":              iso,
			"mesos_slave_image_providers":        prov,
			"mesos_slave_executor_env_variables": env,
		}
		err := mesos.ValidateLabels(l)
		if err != nil {
			for _, p := range errdefs.Problems(err) {
				if !strings.HasPrefix(p.Field, "labels/mesos_slave_") {
					t.Fatalf("problem about %q", p.Field)
				}
			}
			if len(errdefs.Problems(err)) == 0 {
				t.Fatalf("error without problems: %v", err)
			}
			return
		}
		var isos []string
		for _, v := range strings.Split(iso, ",") {
			if v = strings.TrimSpace(v); v != "" {
				if !slices.Contains(mesos.Isolations(), v) {
					t.Fatalf("accepted isolation %q", v)
				}
				isos = append(isos, v)
			}
		}
		for _, v := range strings.Split(prov, ",") {
			v = strings.ToLower(strings.TrimSpace(v))
			if v != "" && !slices.Contains(mesos.ImageProviders(), v) {
				t.Fatalf("accepted image provider %q", v)
			}
			if v == "docker" && !slices.Contains(isos, "docker/runtime") {
				t.Fatalf("accepted docker without docker/runtime: %q / %q", prov, iso)
			}
		}
		if env != "" && !json.Valid([]byte(env)) {
			t.Fatalf("accepted env %q", env)
		}
	})
}
