// Package heat is how gomagnum's drivers reach OpenStack Heat.
//
// It has three parts:
//
//   - the HOT model and structural check (ParseTemplate, ParseEnvironment,
//     Check): a rendered stack is parsed back and every reference in it —
//     get_param, get_resource, get_attr, depends_on, conditions, nested
//     templates, get_file targets, resource_registry files, the outputs a
//     driver maps, the parameters it passes — is resolved before anything is
//     sent to Heat; heattest (the fake Heat) applies the same rules;
//   - the renderer and definitions (Renderer, Definition): a driver's
//     embedded templates plus declarative parameter, output and environment
//     mappings turn a cluster into one StackRequest; text templating makes
//     only structural choices from typed values, and every user-supplied
//     value travels as a Heat parameter;
//   - the Orchestrator interface, implemented on gophercloud by package
//     openstack and faked by heat/heattest.
package heat
