package cli

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/template"
)

// templateFlags are cluster-template-create's options.
type templateFlags struct {
	name, coe, image, keypair, extNet, dns, flavor, masterFlavor string
	storageDriver, networkDriver, volumeDriver                   string
	httpProxy, httpsProxy, noProxy, serverType                   string
	fixedNetwork, fixedSubnet, insecureRegistry, tags            string
	dockerVolumeSize                                             optInt
	labels                                                       multiFlag
	public, tlsDisabled, registryEnabled, masterLB, hidden       bool
	floatingIP                                                   *bool
}

func templateCommands(st *cmdState) []*command {
	f := &st.tpl
	return []*command{
		{
			name: "cluster-template-create", summary: "Create a cluster template.",
			details: `Example (Kubernetes on the simulated cloud's seed catalog):
  magnum cluster-template-create --name mytemplate --coe kubernetes \
    --image fedora-atomic-latest --keypair testkey --external-network public \
    --flavor m1.small --master-flavor m1.medium --master-lb-enabled`,
			flags: func(fs *flag.FlagSet) {
				fs.StringVar(&f.name, "name", "", "name of the template")
				fs.StringVar(&f.coe, "coe", "", "container orchestration engine: kubernetes, swarm or mesos (required)")
				fs.StringVar(&f.image, "image", "", "Glance image name or ID; its os_distro picks the driver (required)")
				fs.StringVar(&f.keypair, "keypair", "", "Nova keypair of the nodes")
				fs.StringVar(&f.extNet, "external-network", "", "external network name or ID (required)")
				fs.StringVar(&f.dns, "dns-nameserver", "", "DNS nameserver(s) of the cluster network, comma-separated")
				fs.StringVar(&f.flavor, "flavor", "", "Nova flavor of the worker nodes")
				fs.StringVar(&f.masterFlavor, "master-flavor", "", "Nova flavor of the masters")
				fs.Var(&f.dockerVolumeSize, "docker-volume-size", "size in GB of the Docker volume of each node")
				fs.StringVar(&f.storageDriver, "docker-storage-driver", "", "Docker storage driver (e.g. overlay2, devicemapper)")
				fs.StringVar(&f.networkDriver, "network-driver", "", "network driver (e.g. flannel, calico)")
				fs.StringVar(&f.volumeDriver, "volume-driver", "", "volume driver (e.g. cinder, rexray)")
				fs.StringVar(&f.httpProxy, "http-proxy", "", "HTTP proxy of the nodes")
				fs.StringVar(&f.httpsProxy, "https-proxy", "", "HTTPS proxy of the nodes")
				fs.StringVar(&f.noProxy, "no-proxy", "", "hosts the nodes reach without the proxy")
				fs.Var(&f.labels, "labels", "labels k=v[,k=v] (repeatable)")
				fs.BoolVar(&f.public, "public", false, "make the template visible to every project (admin)")
				fs.BoolVar(&f.hidden, "hidden", false, "hide the template from lists (admin)")
				fs.StringVar(&f.serverType, "server-type", "", "vm (default) or bm")
				fs.BoolVar(&f.tlsDisabled, "tls-disabled", false, "disable TLS in the cluster")
				fs.BoolVar(&f.registryEnabled, "registry-enabled", false, "run a Docker registry in the cluster")
				fs.StringVar(&f.insecureRegistry, "insecure-registry", "", "URL of an insecure Docker registry")
				fs.BoolVar(&f.masterLB, "master-lb-enabled", false, "put a load balancer in front of the masters (needed for several masters)")
				fs.StringVar(&f.fixedNetwork, "fixed-network", "", "existing private network name or ID")
				fs.StringVar(&f.fixedSubnet, "fixed-subnet", "", "existing private subnet name or ID")
				fs.Var(optBool{&f.floatingIP, true}, "floating-ip-enabled", "give the nodes floating IPs (the default)")
				fs.Var(optBool{&f.floatingIP, false}, "floating-ip-disabled", "give the nodes no floating IPs")
				fs.StringVar(&f.tags, "tags", "", "tags of the template")
			},
			nargsMax: 0,
			run:      runTemplateCreate,
		},
		{
			name: "cluster-template-list", summary: "List the cluster templates.", nargsMax: 0,
			flags: st.listPag.register,
			run:   runTemplateList,
		},
		{
			name: "cluster-template-show", args: "<template>", summary: "Show a cluster template (by name or UUID).",
			nargsMin: 1, nargsMax: 1, run: runTemplateShow,
		},
		{
			name: "cluster-template-update", args: "<template> <op> <attribute=value> [<attribute=value> ...]",
			summary: "Update a cluster template: op is add, replace or remove (remove takes attribute names).",
			details: `Examples:
  magnum cluster-template-update mytemplate replace docker_volume_size=10
  magnum cluster-template-update mytemplate add labels="{'kube_tag': 'v1.30.1'}"
  magnum cluster-template-update mytemplate remove http_proxy`,
			nargsMin: 3, nargsMax: -1, run: runTemplateUpdate,
		},
		{
			name: "cluster-template-delete", args: "<template> [<template> ...]", summary: "Delete cluster templates.",
			nargsMin: 1, nargsMax: -1, run: runTemplateDelete,
		},
	}
}

func runTemplateCreate(ctx context.Context, e *env, _ []string) error {
	f := &e.st.tpl
	l, err := f.labels.labels()
	if err != nil {
		return err
	}
	t := &template.ClusterTemplate{
		Name: f.name, COE: f.coe, ImageID: f.image, KeyPairID: f.keypair, ExternalNetworkID: f.extNet,
		DNSNameServer: f.dns, FlavorID: f.flavor, MasterFlavorID: f.masterFlavor,
		DockerVolumeSize: f.dockerVolumeSize.v, DockerStorageDriver: f.storageDriver,
		NetworkDriver: f.networkDriver, VolumeDriver: f.volumeDriver,
		HTTPProxy: f.httpProxy, HTTPSProxy: f.httpsProxy, NoProxy: f.noProxy,
		Labels: l, Public: f.public, Hidden: f.hidden, ServerType: f.serverType, TLSDisabled: f.tlsDisabled,
		RegistryEnabled: f.registryEnabled, InsecureRegistry: f.insecureRegistry, MasterLBEnabled: f.masterLB,
		FixedNetwork: f.fixedNetwork, FixedSubnet: f.fixedSubnet, FloatingIPEnabled: f.floatingIP, Tags: f.tags,
	}
	if f.dockerVolumeSize.set && f.dockerVolumeSize.v <= 0 {
		return usagef(e.cmd, "--docker-volume-size must be a positive number of GB, not %d", f.dockerVolumeSize.v)
	}
	created, err := e.m.CreateClusterTemplate(e.as(ctx), t)
	if err != nil {
		return err
	}
	return e.printRecord(created)
}

// listFlags page a list.
type listFlags struct {
	limit           int
	marker, sortKey string
	sortDir         string
}

func (l *listFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&l.limit, "limit", 0, "at most this many (0: all)")
	fs.StringVar(&l.marker, "marker", "", "start after this UUID")
	fs.StringVar(&l.sortKey, "sort-key", "", "field to sort by (default: creation order)")
	fs.StringVar(&l.sortDir, "sort-dir", "", "asc or desc")
}

func (l *listFlags) options() magnum.ListOptions {
	var o magnum.ListOptions
	o.Limit, o.Marker, o.SortKey, o.SortDir = l.limit, l.marker, l.sortKey, l.sortDir
	return o
}

func runTemplateList(ctx context.Context, e *env, _ []string) error {
	ts, err := e.m.ListClusterTemplates(e.as(ctx), e.st.listPag.options())
	if err != nil {
		return err
	}
	rows := make([][]string, 0, len(ts))
	for _, t := range ts {
		rows = append(rows, []string{t.UUID, t.Name, t.COE, fmt.Sprint(t.Public)})
	}
	if ts == nil {
		ts = []*template.ClusterTemplate{}
	}
	return e.printList(ts, []string{"uuid", "name", "coe", "public"}, rows)
}

func runTemplateShow(ctx context.Context, e *env, args []string) error {
	t, err := e.m.GetClusterTemplate(e.as(ctx), args[0])
	if err != nil {
		return err
	}
	return e.printRecord(t)
}

func runTemplateUpdate(ctx context.Context, e *env, args []string) error {
	ops, err := patchOps(e.cmd, args[1], args[2:])
	if err != nil {
		return err
	}
	t, err := e.m.UpdateClusterTemplate(e.as(ctx), args[0], ops)
	if err != nil {
		return err
	}
	return e.printRecord(t)
}

func runTemplateDelete(ctx context.Context, e *env, args []string) error {
	var failed []string
	for _, id := range args {
		if err := e.m.DeleteClusterTemplate(e.as(ctx), id); err != nil {
			if len(args) == 1 {
				return err
			}
			report(e.io.Stderr, e.cmd, err)
			failed = append(failed, id)
			continue
		}
		fmt.Fprintf(e.io.Stdout, "Cluster template %s deleted.\n", id)
	}
	if len(failed) > 0 {
		return fmt.Errorf("could not delete %s", strings.Join(failed, ", "))
	}
	return nil
}
