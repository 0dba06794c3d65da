package heat

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/gomagnum/magnum/errdefs"
)

// requireInvalid fails unless err is nil or an ErrInvalid made of
// *errdefs.Error problems, each naming its file.
func requireInvalid(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if !errors.Is(err, errdefs.ErrInvalid) {
		t.Fatalf("error is not ErrInvalid: %v", err)
	}
	probs := errdefs.Problems(err)
	if len(probs) == 0 {
		t.Fatalf("error without problems: %v", err)
	}
	for _, p := range probs {
		if p.ID == "" {
			t.Fatalf("problem without a file: %v", p)
		}
	}
}

func FuzzParseTemplate(f *testing.F) {
	f.Add([]byte(goodTemplate))
	f.Add([]byte(checkTop))
	f.Add([]byte(checkNode))
	f.Add([]byte("heat_template_version: queens\nresources: {a: &x {type: T, properties: {p: *x}}}"))
	f.Add([]byte("a: &a [*a]"))
	f.Add([]byte(`{"heat_template_version": "2016-10-14", "conditions": {"c": {"not": "c"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tpl, err := ParseTemplate("f.yaml", data)
		requireInvalid(t, err)
		if err != nil {
			if tpl != nil {
				t.Fatal("a template with an error")
			}
			return
		}
		for name, r := range tpl.Resources {
			if r.Name != name {
				t.Fatalf("resource %q named %q", name, r.Name)
			}
			for _, dep := range r.Requires {
				if tpl.Resources[dep] == nil {
					t.Fatalf("%s requires undeclared %q", name, dep)
				}
			}
		}
		if _, ok := hotVersions[tpl.Version]; !ok {
			t.Fatalf("accepted version %q", tpl.Version)
		}
		// A template that parses can be checked on its own without panics.
		requireInvalid(t, Check(StackRequest{Template: data}, nil))
	})
}

func FuzzParseEnvironment(f *testing.F) {
	f.Add([]byte(checkEnv))
	f.Add([]byte("resource_registry: {resources: {r: {T: x.yaml, hooks: pre-create}}, 'A::*': 'B::*'}"))
	f.Add([]byte("parameters: [1]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := ParseEnvironment("env.yaml", data)
		requireInvalid(t, err)
		if err != nil {
			return
		}
		for typ := range env.ResourceRegistry {
			env.ResolveType("r", typ) // must terminate, whatever the chains
		}
		req := checkRequest()
		req.Environment = data
		requireInvalid(t, CheckNamed("top.yaml", req, nil))
	})
}

func FuzzParameterConvert(f *testing.F) {
	for _, s := range []string{`"3"`, `3.5`, `"a, b"`, `["a", 1, true]`, `{"a": 1}`, `"{\"a\": 1}"`, `"yes"`, `null`, `"NaN"`, `"1e999"`} {
		for _, typ := range []string{"string", "number", "boolean", "comma_delimited_list", "json"} {
			f.Add(typ, s)
		}
	}
	f.Fuzz(func(t *testing.T, typ, raw string) {
		var v any
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			v = raw
		}
		p := &Parameter{Name: "p", Type: typ, Constraints: []Constraint{{Length: &Bounds{Max: ptr(5.0)}}}}
		out, err := p.Convert(v)
		if err != nil {
			return
		}
		switch typ {
		case "string":
			_, ok := out.(string)
			assertTrue(t, ok, "string gave %T", out)
		case "number":
			switch out.(type) {
			case int, float64:
			default:
				t.Fatalf("number gave %T", out)
			}
		case "boolean":
			_, ok := out.(bool)
			assertTrue(t, ok, "boolean gave %T", out)
		case "comma_delimited_list":
			_, ok := out.([]string)
			assertTrue(t, ok, "list gave %T", out)
		case "json":
			switch out.(type) {
			case map[string]any, []any:
			default:
				t.Fatalf("json gave %T", out)
			}
		}
		// Converting a converted value gives the same value.
		again, err := p.Convert(out)
		if err != nil {
			t.Fatalf("converted value does not convert again: %v", err)
		}
		a, _ := json.Marshal(out)
		b, _ := json.Marshal(again)
		assertTrue(t, string(a) == string(b), "not idempotent: %s vs %s", a, b)
		_, _ = p.Validate(v)
	})
}

func ptr[T any](v T) *T { return &v }

func assertTrue(t *testing.T, ok bool, format string, args ...any) {
	t.Helper()
	if !ok {
		t.Fatalf(format, args...)
	}
}
