// Command magnum is gomagnum's command line, with OpenStack Magnum's command
// names and flags, built on magnum.Manager.
//
// # Try it
//
//	go run ./cmd/magnum demo
//
// walks a Kubernetes cluster's life (template, 3 masters + 2 nodes, show,
// kubeconfig, CSR signing, scale to 4, delete) on the embedded simulated
// cloud, in one process and a temporary directory.
//
// # Usage
//
//	magnum [global options] <command> [options] [arguments]
//
//	magnum cluster-template-create --name mytemplate --coe kubernetes \
//	    --image fedora-atomic-latest --keypair testkey --external-network public \
//	    --flavor m1.small --master-flavor m1.medium --master-lb-enabled
//	magnum cluster-create --name mycluster --cluster-template mytemplate \
//	    --node-count 2 --master-count 3 --wait
//	magnum cluster-list
//	magnum cluster-show mycluster
//	magnum cluster-update mycluster replace node_count=3 --wait
//	magnum cluster-resize mycluster 4 --wait
//	magnum nodegroup-create mycluster gpu --node-count 2 --max-nodes 4 --flavor m1.large \
//	    --node-label accel=gpu --node-taint gpu=true:NoSchedule --wait
//	magnum nodegroup-list mycluster
//	magnum nodegroup-show mycluster gpu
//	magnum cluster-resize mycluster 3 --nodegroup gpu --wait
//	magnum nodegroup-update mycluster gpu replace max_node_count=6
//	magnum nodegroup-delete mycluster gpu --wait
//	magnum cluster-upgrade mycluster k8s-v1.31 --max-batch-size 2 --wait
//	magnum cluster-upgrade mycluster --rollback --wait   # after a failed upgrade
//	magnum ca-rotate --cluster mycluster --wait
//	magnum ca-show --cluster mycluster
//	magnum ca-sign --cluster mycluster --csr node.csr
//	magnum cluster-config mycluster --dir ~/.kube/mycluster   # prints: export KUBECONFIG=...
//	magnum stats-list
//	magnum service-list
//	magnum cluster-delete mycluster --wait
//	magnum cluster-template-delete mytemplate
//	magnum serve --listen 127.0.0.1:9511   # the REST API, see below
//
// Every command takes --help; `magnum --help` lists them all. Tables are the
// default output, --format json is for scripts. Exit codes: 0 success,
// 1 the operation failed, 2 bad usage or input (nothing was changed), 130
// Ctrl-C while waiting (the operation goes on).
//
// # The REST API: magnum serve
//
//	magnum serve [--listen 127.0.0.1:9511] [--auth keystone|static] [--token T]
//
// serves Magnum's v1 REST API (package api) over the same state directory
// and cloud as the other commands, with the Manager's sync running in the
// background, until Ctrl-C or SIGTERM (requests in flight finish and the
// cloud steps already started are sent first). --auth keystone (the default
// with a real cloud) validates each X-Auth-Token with the cloud's Keystone
// and acts as the token's user, project and roles (on the simulated cloud,
// tokens of its Keystone, whose URL serve prints: user admin, password
// heattest, project heattest). --auth static (the
// default on the simulated cloud) accepts one token, --token or
// MAGNUM_SERVE_TOKEN or a random one, acting as --user/--project/--roles,
// and prints it with the variables for the openstack CLI:
//
//	export OS_AUTH_TYPE=admin_token
//	export OS_ENDPOINT=http://127.0.0.1:9511/v1
//	export OS_TOKEN=<token>
//	unset OS_CLOUD OS_AUTH_URL
//
// keystoneauth's admin_token plugin sends the token to that endpoint with
// no Keystone and no catalog; OS_ENDPOINT must end in /v1, as Magnum's
// catalog entry does. python-magnumclient asks for microversion "latest"
// by itself (no OS_CONTAINER_INFRA_API_VERSION needed). With those
// variables these commands of python3-openstackclient 6.0 and
// python3-magnumclient 4.0 work against serve on the simulated cloud
// (scripts/coe-cli-test.sh runs them in CI):
//
//	openstack coe cluster template create k8s --coe kubernetes \
//	    --image fedora-atomic-latest --keypair testkey --external-network public \
//	    --flavor m1.small --master-flavor m1.medium --master-lb-enabled
//	openstack coe cluster template list|show|delete
//	openstack coe cluster create c1 --cluster-template k8s --master-count 3 --node-count 2
//	openstack coe cluster list
//	openstack coe cluster show c1
//	openstack coe cluster resize c1 4
//	openstack coe ca show c1
//	openstack coe cluster config c1 --dir ~/.kube/c1   # CA + a CSR the API signs
//	openstack coe stats list <project>
//	openstack coe cluster delete c1
//
// While serve runs it owns the state directory: on the simulated cloud the
// other magnum commands on the same --state-dir wait for it to stop (the
// flock below). On a real cloud they may run beside it, sharing the store; there set
// MAGNUM_SIGN_URL to serve's public URL (ending in /v1), the address
// cluster nodes send their CSRs to.
//
// # Clouds and state
//
// With --os-cloud (or OS_CLOUD and clouds.yaml) or the OS_* variables of an
// openrc file, commands run against that OpenStack cloud through
// openstack.Connect. Otherwise they run on the embedded simulated cloud
// (package openstacktest: Keystone, Heat, Glance, Nova and Neutron on
// loopback, with the seed images fedora-atomic-latest, coreos and
// ubuntu-mesos, flavors m1.small, m1.medium and m1.magnum, keypair testkey
// and networks public and private) and say so on one line of stderr. Each
// simulated stack action takes --sim-stack-time (MAGNUM_SIM_STACK_TIME,
// default 3s). The simulated cloud keeps its stacks and catalog in the state
// directory (sim/), so a stack created by one command goes on by wall-clock
// time and the next command sees its progress. One command at a time uses
// it: a second one waits for the first (flock; not on Windows).
//
// State lives in --state-dir (MAGNUM_STATE_DIR, default
// $XDG_STATE_HOME/gomagnum, else ~/.local/state/gomagnum): sim/, the
// simulated cloud's journal; magnum.db, the
// SQLite store of templates, clusters and their certificate authorities, and
// ca-seal.key (mode 0600, refused when others may read it), the AES-256 key
// sealing the CA private keys inside the database. Losing the key loses the
// CAs.
//
// There is no daemon (serve aside): every command first runs the Manager's status sync
// (magnum.Manager.SyncOnce) until it changes nothing, so cluster-show tells
// the cloud's latest state. --wait follows an operation with plain progress
// lines on stderr until it settles.
//
// The CLI acts as --user (MAGNUM_USER, default "admin") in --project
// (MAGNUM_PROJECT, default "admin") with --roles (MAGNUM_ROLES, default
// "admin"; the admin role grants admin rights such as service-list and
// public templates): the owner of a local state directory administers it.
// Pass e.g. --user alice --project team-a --roles member to act as a tenant.
// Projects are not quota-limited by the CLI unless an admin sets quotas with
// quotas-create --project-id P --resource Cluster|Node --hard-limit N
// (quotas-list, -show, -update and -delete as in Magnum).
//
// On a real cloud, cluster nodes reach back with MAGNUM_SIGN_URL (the
// certificate API), Keystone's URL and MAGNUM_TRUSTEE_USER /
// MAGNUM_TRUSTEE_PASSWORD.
package main
