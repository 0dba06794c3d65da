// Package k8s is the Kubernetes driver: Kubernetes clusters on Fedora Atomic
// or CoreOS servers, built through Heat.
//
// # Drivers and capabilities
//
// NewFedoraAtomic and NewCoreOS serve (vm, fedora-atomic, kubernetes) and
// (vm, coreos, kubernetes). Capabilities declares flannel (default) and
// calico, the cinder volume driver, vm and bm, a required external network,
// and the label rules of ValidateLabels. Labels lists the labels the
// drivers interpret with their defaults; ParseSettings gives their
// effective values; other labels are kept and have no effect
// (UnknownLabels names them, for the lifecycle's "skipped" view).
//
//	reg, _ := driver.NewRegistry(k8s.NewFedoraAtomic(), k8s.NewCoreOS())
//	caps, _ := reg.Capabilities(k8s.COE) // flannel (default), calico; cinder
//
// # Heat stacks
//
// The lifecycle calls, per cluster:
//
//   - CheckCluster(Input) before a create or resize: the labels for the
//     network driver, 1–7 masters, odd, more than one only with the master
//     load balancer;
//   - Driver.RenderCluster(Input) → the heat.StackRequest to create (it has
//     passed heat's structural check) and the heat.Features it was rendered
//     with;
//   - Driver.ScaleUpdate(Input, rollback) → an existing=true update that
//     changes only the node counts and minions_to_remove;
//   - Driver.Features(Input) → the features again, for a stack rendered
//     earlier;
//   - Driver.ApplyOutputs(stack, features, cluster, groups) → api_address
//     (https://IP:6443, or http://IP:8080 with TLS disabled), master and
//     node addresses (public with floating IPs, else private) and node
//     counts read back from the stack's parameters.
//
// Templates (templates/ and scripts/ of Templates, embedded) are our own.
// Go text/template makes structural choices only, from the definition's
// features (Definition: distro, master_lb, floating_ip, lb_floating_ip,
// lb_monitor, docker_volume, etcd_volume, network, tls_disabled,
// network_driver); the environment maps optional resource types per
// variant (network created or reused, load balancers or none, floating
// IPs, docker and etcd volumes). Every user value is a Heat parameter.
// Master ports are allocated before the masters, so etcd forms from their
// addresses: no public discovery service unless the cluster has a
// discovery_url.
//
// # Node groups, upgrades and CA rotation
//
// The Driver is also a heat.NodeGroupStackDriver, heat.UpgradeStackDriver
// and heat.CARotationStackDriver:
//
//   - ValidateNodeGroup / RenderNodeGroupStack / ScaleNodeGroupStack /
//     ApplyNodeGroupOutputs: a further worker group is a stack of its own
//     (templates/nodegroup.yaml: a ResourceGroup of the cluster's minion
//     template) joined to the cluster stack's outputs fixed_network_id,
//     fixed_subnet_id, minion_security_group_id and api_private_address
//     (ParseClusterJoin). Node labels and taints (CheckNodeLabels,
//     CheckNodeTaints: Magnum's rules) are Heat parameters that the nodes
//     check again before kubelet gets them as --node-labels and
//     --register-with-taints.
//   - ValidateUpgrade (CheckUpgrade; UpgradeCheck.Rollback for a return to
//     the previous template) / UpgradeStack: an existing=true update of the
//     images, the node settings (UpgradeLabels) and update_max_batch_size.
//     Servers are replaced, never changed in place (image and user data
//     update policies REPLACE), in rolling batches, masters first
//     (kube_minions depends on kube_masters). Masters keep etcd's data
//     only on an etcd volume, so replacing them requires one.
//   - RotateCAStack: an existing=true update with the new CA certificates
//     and a new service-account key: a rolling replacement of every node,
//     each getting new certificates through the CSR flow.
//
// # Node bootstrap
//
// Settings reach the nodes as data: an EnvFile (NAME='value' lines quoted
// in Go by ShellQuote) passed as the hidden parameter node_env (master_env
// holds the service account key, masters only), and one file per value Heat
// knows (addresses, names, volume ids) that the scripts check against
// patterns. The scripts (scripts/*.sh, shellcheck-clean) set up containerd,
// etcd and the control plane as static pods, kubelet and kube-proxy, the
// pod network (flannel or calico) and CoreDNS, and signal the node's Heat
// wait condition. Bootstrap carries what they need; it never holds a CA
// key.
//
// Nodes get certificates through a CSR flow, Magnum's wire format:
//
//   - a Keystone v3 token: POST <AuthURL>/auth/tokens as the trustee (user
//     id and password), scoped to the trust when there is one;
//   - a CA certificate (when the stack did not carry it): GET
//     <SignURL>/certificates/<cluster uuid>?ca_cert_type=kubernetes|etcd|front-proxy
//     with X-Auth-Token, answered {"pem": "..."};
//   - a signature: POST <SignURL>/certificates with X-Auth-Token and
//     {"cluster_uuid": …, "csr": "<PEM>", "ca_cert_type": …}, answered
//     {"pem": "..."} — certs.Manager.SignCSR with Requester{Trustee: true}
//     behind it.
//
// Nodes ask for: system:node:<name> in system:nodes (kubelet, with its
// names and addresses), system:kube-proxy, "kubernetes" with the API
// server's names (server usage), etcd server and peer certificates and
// kube-apiserver-etcd-client from the etcd CA. With certs.DefaultPolicy
// that is enough for a working cluster; list "kubernetes" in
// DefaultPolicy.TrusteeClientNames for kubectl logs/exec (the API server's
// client certificate toward kubelets) and set TrusteeFrontProxy for the
// aggregation layer — without them the bootstrap logs a warning and goes
// on. No node ever gets system:masters: the controller manager, the
// scheduler and the first master's add-on installer use tokens made on
// the master that never leave it.
//
// # Health, scale-down and client configuration
//
// HealthMonitor.Check polls /healthz and the node list with the admin
// client certificate (certs.Manager.ClientKeyPair) over TLS: HEALTHY only
// when the API answers "ok" and every node is Ready, UNKNOWN when the API
// is not reachable from outside (APIReachable) or does not answer, reasons
// per node. HealthPolled says when not to poll (magnum-auto-healer reports
// itself).
//
// ChooseNodesToRemove turns a shrinking minion count into
// Input.NodesToRemove: explicit requests by server id, member name or node
// name, else nodes without workloads first when an APIClient (a
// WorkloadSource) can tell. Minions reads the members from the stack.
//
// ClientConfigFor makes a kubeconfig (and PEM files) with a fresh client
// certificate through certs.Manager's bundle code; TLS-disabled clusters
// get a plain http:// kubeconfig.
package k8s
