// Package swarm is the Docker Swarm driver (Magnum's swarm_fedora_atomic_v1,
// COE "swarm"): classic Swarm clusters on Fedora Atomic servers, built
// through Heat.
//
// [Driver] is a heat.StackDriver — heat.Backend.Driver runs it — and a
// driver.HealthChecker. It validates the labels of [Labels]
// (flannel_network_cidr, flannel_backend, flannel_network_subnetlen,
// rexray_preempt, swarm_strategy, …; other labels are kept and ignored),
// the network (docker or flannel) and volume (rexray) drivers, and 1 to 7
// managers (odd, more than one only behind the master load balancer).
//
//	d := swarm.New()
//	backend := heat.NewBackend(orchestrator, heat.BackendConfig{})
//	reg, err := driver.NewRegistry(backend.Driver(d))
//
// # Stack
//
// The templates under templates/ are the driver's own: a private network
// (or the given one), security groups (22, the API port, etcd 2379-2380
// from the cluster subnet, the nodes' engines for the managers), Octavia
// load balancers for the Docker API and for etcd when master_lb_enabled,
// floating IPs on or off, managers and nodes as OS::Heat::ResourceGroups
// with optional Cinder docker volumes, and Heat wait conditions the servers
// signal. Go templating makes only structural choices (heat.Renderer
// features); every user-supplied value — names, labels, proxies, the
// trustee's credentials — travels as a Heat parameter, the nodes' settings
// as one shell-quoted environment file (the encoding k8s.EnvFile documents).
//
// Outputs map back as Magnum's do: api_address tcp://IP:2376
// (tcp://IP:2375 with TLS disabled; the load balancer's address with one),
// master and node addresses (public with floating IPs), and node counts
// read from the stack parameters.
//
// # Nodes and certificates
//
// The boot scripts under scripts/ read the environment file and what Heat
// wrote about the server, make every key on the server, and get
// certificates through the certificate API (POST <SignURL>/certificates
// with the trustee's Keystone token, as package k8s documents). Managers
// run etcd (certificates of the cluster's etcd CA; its v2 API serves
// swarm's discovery) and the swarm manager, which serves the Docker API
// and connects to the nodes' engines with one certificate of CN
// [ManagerCommonName] from the cluster CA, with client and server usage.
// certs.DefaultPolicy gives the trustee client usage only for the names in
// TrusteeClientNames: programs that run TLS Swarm clusters list
// ManagerCommonName there, or the managers' bootstrap fails saying so.
// Nodes run the Docker engine on port 2375 (TLS with a server certificate
// of the cluster CA, verifying the managers' client certificate), the
// swarm agent, flanneld with the flannel network driver (the first manager
// publishes its configuration), and REX-Ray with the rexray volume driver.
//
// # Client configuration and health
//
// [ClientConfigFor] issues a client certificate through a [BundleIssuer]
// (*certs.Manager) and gives the Docker CLI environment
// (DOCKER_HOST, DOCKER_CERT_PATH, DOCKER_TLS_VERIFY); TLS-disabled clusters
// get the plain address. [HealthMonitor] polls /_ping and /info on the API
// with the client certificate, the server verified against the cluster CA,
// and reports "<node>.Ready" per node the managers list.
package swarm
