// Package heattest is a fake OpenStack Heat for tests: an httptest server
// that speaks the part of Heat's REST API gomagnum uses, with a Keystone v3
// token endpoint in front, so that gophercloud authenticates and calls it
// exactly as it would a real cloud.
//
// The fake parses what it receives with the structural check of package heat
// (heat.Check), instantiates the resources — nested templates from the files
// map, resource_registry mappings, OS::Heat::ResourceGroup with count,
// %index% and removal_policies — and computes outputs by evaluating the HOT
// intrinsic functions over simulated resources: servers and ports get
// addresses from their subnet's CIDR (Options.DefaultCIDR otherwise),
// floating IPs come from Options.FloatingCIDR, load balancers get a VIP.
// Stacks move from *_IN_PROGRESS to *_COMPLETE (or *_FAILED, or through
// ROLLBACK_* when rollback is enabled) as they are read, after
// Options.PollsToComplete reads and Options.ActionDuration on Options.Clock,
// so tests decide when things finish and never sleep.
//
// Faults are injected per request kind (Fault: a 5xx N times, a stall until
// the client gives up, or a failure after the change took effect) and per
// resource (ResourceFault: the resource fails with a reason, on create or on
// delete). Server.InjectRandomFaults fails a share of requests at random
// instead (RandomFaults: a rate, the kinds, how many stall or come after the
// effect), for soak tests under a flaky Heat; InjectedFaults counts what was
// injected. Requests are counted by kind (Requests, RequestCounts) so tests
// and benchmarks can assert what an operation costs.
//
//	srv := heattest.New(heattest.Options{PollsToComplete: 1})
//	defer srv.Close()
//	ao := srv.AuthOptions()
//	cloud, err := openstack.Connect(ctx, openstack.ConnectOptions{Auth: &ao})
//	…
//	srv.FailResource(heattest.ResourceFault{Type: "OS::Nova::Server", Reason: "No valid host was found."})
//
// Options.Services mounts other fake APIs on the same listener behind the
// same Keystone and lists them in its catalog; openstack/openstacktest uses
// it to add Glance, Nova and Neutron.
//
// Options.StateFile keeps the stacks in a file between processes, for a
// simulated cloud that outlives one (a CLI that starts the fake, runs a
// command and exits). Every change the fake accepts — a create, update,
// patch or delete with its request body, FailResource, ClearFaults — is
// appended as one fsync'd JSON line with its time and the random state it
// began from. A server opened on the file replays the lines in order, each
// at its own time, so stack IDs, names, addresses, random strings and
// outputs come out identical; then its Clock takes over, so that with
// ActionDuration an action begun in one process has finished in a later
// one once the time has passed. Reads are not recorded: during replay
// actions finish on time alone, and PollsToComplete counts the reads of
// the current process. A torn last line (a process killed mid-write) is
// dropped and reported by StateError; Open returns the errors of a file
// that cannot be used at all. Tokens, request faults and counters do not
// persist; clients log in again. One process at a time may use a file.
//
//	srv, err := heattest.Open(heattest.Options{StateFile: "/var/tmp/sim/heat.jsonl", ActionDuration: 30 * time.Second})
//
// What it does not do: events, stack actions (suspend, check, cancel),
// template_url or environment_files, validate, AWS (CFN) templates,
// AutoScalingGroup members, signals. Unknown resource types are rejected as
// Heat rejects types it has no plugin for.
package heattest
