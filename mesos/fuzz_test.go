package mesos_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
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

// FuzzParseState: a master's state is untrusted input; parsing never
// panics and errors are ErrInvalid.
func FuzzParseState(f *testing.F) {
	f.Add([]byte(`{"pid": "master@10.0.0.1:5050", "leader": "master@10.0.0.1:5050", "slaves": [{"hostname": "h", "active": true}]}`))
	f.Add([]byte(`{"deactivated_slaves": -1}`))
	f.Add([]byte(`{"slaves": [null, 1]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := mesos.ParseState(data)
		if err != nil {
			if !errors.Is(err, errdefs.ErrInvalid) {
				t.Fatalf("error of another kind: %v", err)
			}
			return
		}
		if s.ActivatedSlaves < 0 || s.DeactivatedSlaves < 0 {
			t.Fatalf("negative counts accepted")
		}
		_ = s.Leading()
	})
}

// FuzzParseTasks: Marathon's answer is untrusted input.
func FuzzParseTasks(f *testing.F) {
	f.Add([]byte(`{"tasks": [{"host": "10.0.0.5", "state": "TASK_RUNNING"}, {"host": "10.0.0.5"}]}`))
	f.Add([]byte(`{"tasks": [{"host": "", "state": "TASK_KILLED"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := mesos.ParseTasks(data)
		if err != nil {
			if !errors.Is(err, errdefs.ErrInvalid) {
				t.Fatalf("error of another kind: %v", err)
			}
			return
		}
		for host, n := range m {
			if host == "" || n <= 0 {
				t.Fatalf("count %d for host %q", n, host)
			}
		}
	})
}

// FuzzApplyOutputs: stack outputs come from Heat (and whatever the nodes
// made of them); mapping never panics, addresses that are mapped are
// addresses, and the API address is Marathon's URL.
func FuzzApplyOutputs(f *testing.F) {
	f.Add(`"172.24.4.10"`, `["172.24.4.11", null]`, `["10.0.0.5"]`, `{"0": "srv-0"}`, "3", true)
	f.Add(`["10.0.0.1", "10.0.0.2"]`, `"10.0.0.3,10.0.0.4"`, `[["10.0.0.5"]]`, `[]`, "x", false)
	f.Add(`{"a": 1}`, `7`, `null`, `"x"`, "-1", true)
	d := mesos.New()
	f.Fuzz(func(t *testing.T, api, masters, slaves, members, count string, fip bool) {
		out := map[string]any{}
		for name, raw := range map[string]string{"api_address": api, "mesos_master": masters, "mesos_master_private": masters,
			"mesos_slaves": slaves, "mesos_slaves_private": slaves, "mesos_slave_members": members, "mesos_slave_ids": slaves} {
			var v any
			if json.Unmarshal([]byte(raw), &v) == nil {
				out[name] = v
			}
		}
		s := &heat.Stack{ID: "s", Outputs: out, Parameters: map[string]string{"number_of_slaves": count, "number_of_masters": count}}
		in := fuzzInput(fip)
		features, err := d.Features(in)
		if err != nil {
			t.Fatal(err)
		}
		_ = d.ApplyOutputs(s, features, in.Cluster, in.NodeGroups)
		if a := in.Cluster.APIAddress; a != "" && !strings.HasPrefix(a, "http://") || strings.ContainsAny(in.Cluster.APIAddress, " \n") {
			t.Fatalf("api_address %q", a)
		}
		for _, a := range append(slices.Clone(in.Cluster.MasterAddresses), in.Cluster.NodeAddresses...) {
			if a == "" || strings.ContainsAny(a, " ,\n") {
				t.Fatalf("address %q", a)
			}
		}
		if _, err := mesos.Slaves(s); err != nil && !errors.Is(err, errdefs.ErrInvalid) {
			t.Fatalf("Slaves: error of another kind: %v", err)
		}
	})
}
