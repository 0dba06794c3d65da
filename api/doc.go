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
// Quotas (1.6+) are served as in Magnum, with a "Node" resource beside
// "Cluster". Not served yet (501 with a message saying so): the upgrade
// action, CA rotation, and node group create, update and delete. Node
// groups can be listed and shown.
package api
