package heattest

import (
	"encoding/json"
	"os"
	"testing"
)

// FuzzCreate feeds untrusted stack submissions (template, environment,
// parameters, a nested file) to the fake's create, show and update paths:
// whatever comes in, the fake answers and does not panic.
func FuzzCreate(f *testing.F) {
	intrinsics, err := os.ReadFile("testdata/conformance/intrinsics.yaml")
	if err != nil {
		f.Fatal(err)
	}
	leaf, err := os.ReadFile("testdata/conformance/leaf.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(intrinsics), "", `{}`, string(leaf))
	f.Add("heat_template_version: 2018-08-31\nresources:\n  g: {type: OS::Heat::ResourceGroup, properties: {count: 3, resource_def: {type: leaf.yaml, properties: {word: '%index%'}}}}\n",
		"parameter_defaults: {}\n", `{}`, string(leaf))
	f.Add("heat_template_version: 2018-08-31\nparameters:\n  n: {type: number}\nresources:\n  s: {type: OS::Nova::Server, properties: {networks: [{network: x}]}}\n",
		"resource_registry:\n  \"OS::Nova::*\": OS::Heat::None\n", `{"n": 2}`, "")
	f.Add("{", "{", "{", "{")
	srv := New(Options{Seed: 1})
	defer srv.Close()
	n := 0
	f.Fuzz(func(t *testing.T, tpl, env, params, nested string) {
		var p map[string]any
		_ = json.Unmarshal([]byte(params), &p)
		body := &stackBody{
			StackName: "fuzz", Template: mustJSON(tpl), Environment: mustJSON(env),
			Parameters: p, Files: map[string]string{"leaf.yaml": nested},
		}
		srv.mu.Lock()
		defer srv.mu.Unlock()
		n++
		body.StackName = "fuzz" + itoa(n)
		sub, checked := srv.checkCreate(body)
		st, aerr := srv.create(body, sub, checked)
		if aerr != nil {
			if aerr.status != 400 && aerr.status != 409 {
				t.Fatalf("status %d for a bad submission: %s", aerr.status, aerr.msg)
			}
			return
		}
		srv.observe(st)
		_ = srv.detail(st, true)
		upd := &stackBody{Parameters: p}
		next, checked := srv.checkUpdate(st.sub, upd, true)
		_ = srv.update(st, upd, true, next, checked)
		srv.observe(st)
		_ = srv.detail(st, true)
		srv.remove(st)
		srv.observe(st)
	})
}

func mustJSON(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
