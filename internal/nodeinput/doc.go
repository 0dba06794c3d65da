// Package nodeinput holds what the Heat drivers (k8s, swarm, mesos) derive
// from a cluster for its nodes, and the checks on what reaches the nodes:
// the default master and worker groups a render reads (DefaultGroups), the
// DNS-safe prefix of server names (NamePrefix), URLs that may be written
// into a node's environment (PlainURL) and the Keystone v3 endpoint
// (KeystoneV3).
//
//	master, worker := nodeinput.DefaultGroups(c, groups)
//	prefix := nodeinput.NamePrefix(c.Name, c.UUID, "k8s") // "prod-cluster-3c8b1d2e"
//	if !nodeinput.PlainURL(authURL) { … }
package nodeinput
