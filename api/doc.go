// Package api serves Magnum's v1 REST API as an http.Handler over a
// magnum.Manager, so that existing Magnum clients (gophercloud's
// containerinfra package, python-magnumclient, Terraform's provider) can
// drive gomagnum from any Go program that mounts the handler.
//
// The handler negotiates microversions through the OpenStack-API-Version
// header (container-infra 1.1 to MaxVersion, "latest" allowed, 406 outside),
// answers every failure with Magnum's error body
// ({"errors":[{"request_id","code","status","title","detail","links"}]}),
// pages lists with marker/limit/sort_key/sort_dir and a "next" link, and
// tags each response with an X-Openstack-Request-Id that its logs carry too.
//
// Who is asking is decided by an Authenticator: Keystone validates
// X-Auth-Token with Keystone v3; Static maps fixed tokens to callers for
// tests and demos. The Manager's policy then decides what they may do.
//
//	h, err := api.New(api.Config{
//		Manager:       mgr,
//		Authenticator: api.Static{"secret-token": {UserID: "alice", ProjectID: "demo"}},
//	})
//	if err != nil { ... }
//	http.ListenAndServe("127.0.0.1:9511", h)
//
// Day-2 operations are served as in Magnum: node groups (1.9+; create
// answers 202 with the group and its Location, PATCH changes only
// min_node_count and max_node_count (and from 1.14 node_labels and
// node_taints), DELETE is 204, counts that would break
// min ≤ node_count ≤ max are 409), actions/resize with "nodegroup" naming
// any worker group (1.7+), actions/upgrade (1.8+; 202 with {"uuid"}) and CA
// rotation by PATCH /v1/certificates/{cluster} (1.5+; 202 with {"uuid"},
// 400 for TLS-disabled clusters). Magnum has no way back from an upgrade;
// gomagnum's upgrade body also takes "rollback": true, which returns a
// cluster whose upgrade failed to the template it ran before
// (cluster_template may then be left out):
//
//	POST /v1/clusters/prod/actions/upgrade
//	{"cluster_template": "k8s-1.31", "max_batch_size": 2}
//	POST /v1/clusters/prod/actions/upgrade
//	{"rollback": true}
//
// Microversions 1.11–1.14 follow Magnum too: 1.11 removed the bay and
// baymodel aliases, which gomagnum never served (/v1/bays is 404 at every
// version); 1.12 adds PATCH /v1/credentials/{cluster}, a synchronous
// credential rotation by the cluster's driver (202 with {"uuid"}; 400 when
// the driver has no such ability, as the built-in Heat drivers do not);
// 1.13 shows a cluster's stack_id as cluster_id (same value); 1.14 shows
// and takes node groups' node_labels and node_taints (in create and PATCH),
// which below 1.14 are unknown attributes (400):
//
//	POST /v1/clusters/prod/nodegroups
//	OpenStack-API-Version: container-infra 1.14
//	{"name": "gpu", "node_labels": {"accelerator": "a100"},
//	 "node_taints": [{"key": "gpu", "value": "true", "effect": "NoSchedule"}]}
//
// Quotas (1.6+) are served as in Magnum, with a "Node" resource beside
// "Cluster".
package api
