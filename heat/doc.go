// Package heat is how gomagnum's drivers reach OpenStack Heat.
//
// # Definitions and the renderer
//
// A driver describes its stack declaratively with a Definition: the
// top-level template of its embedded file system; Features, the structural
// choices (master load balancer on/off, network created or reused, …),
// computed from the inputs as bools, enums of identifiers or small ints;
// Registry rules that pick resource_registry entries by feature values;
// ParamMappings that fill Heat parameters from cluster template, cluster,
// node group, label, driver-computed (Extra), feature or constant sources,
// with fallbacks, required flags and conversion to Heat's types; and
// OutputMappings that turn stack outputs back into attributes through
// formatters (AddressList, URL("https", 6443), Integer, …).
//
// NewRenderer(fsys, def) then Render(inputs) produces a StackRequest.
// Files named X.tmpl.yaml are Go text/templates (sprig's hermetic
// functions, missingkey=error) sent as X.yaml; their only data is the
// resolved Features, so user-supplied values cannot reach template text —
// they travel as Heat parameters. Nested templates and get_file targets
// are found by following the rendered templates' references and sent in
// Files under the names the templates use. Each structural variant is
// rendered and checked once and cached; a render then only computes and
// checks parameters. Drivers adapt their models to Attributes (Attrs, a
// map, or AttrFunc); the package does not import them.
//
//	r, err := heat.NewRenderer(templatesFS, def)
//	out, err := r.Render(heat.Inputs{Template: …, Cluster: …, NodeGroups: …, Labels: …, Extra: …})
//	req := out.Request // set Name, Tags, Timeout; send with an Orchestrator
//	…
//	vals, err := def.ApplyOutputs(stack, out.Features) // cluster / node group attribute values
//
// SampleDefinition, SampleTemplates and SampleInputs are a complete small
// Kubernetes-like example, used by the tests here, by heattest and by the
// real-Heat tests.
//
// # The HOT model and the structural check
//
// ParseTemplate and ParseEnvironment parse HOT documents into a model
// (Template: parameters with types and constraints, resources with their
// dependencies and group members, outputs, conditions). Check verifies a
// whole StackRequest before it is sent: template versions Heat 19 accepts,
// sections and keys, every get_param, get_resource, get_attr, depends_on
// and condition reference, nested templates and get_file targets present in
// Files, properties matching nested parameters, outputs the driver maps,
// parameters declared and of the right type. Every problem is reported at
// once as an *errdefs.Error of kind errdefs.ErrInvalid with the file and
// the path, e.g.
//
//	cluster.yaml: resources.kube_masters.properties.x.get_param: get_param "foo" is not a declared parameter
//
// heat/heattest (the fake Heat) applies the same rules to what it receives.
//
// # Orchestrator
//
// Orchestrator is the narrow part of Heat that drivers use; package
// openstack implements it on gophercloud and heat/heattest fakes it.
package heat
