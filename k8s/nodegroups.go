package k8s

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/internal/nodeinput"
	"github.com/gomagnum/magnum/internal/safetext"
	"github.com/gomagnum/magnum/labels"
)

// The Driver builds further worker node groups as stacks of their own.
var _ heat.NodeGroupStackDriver = (*Driver)(nil)

// Extra values of a node group's stack.
const (
	extraFixedNetwork = "fixed_network"
	extraFixedSubnet  = "fixed_subnet"
	extraMinionSG     = "minion_security_group"
	extraAPIPrivate   = "api_private_address"
	extraNodeLabels   = "node_labels"
	extraNodeTaints   = "node_taints"
)

// The cluster stack's outputs a node group's stack joins.
const (
	outFixedNetwork = "fixed_network_id"
	outFixedSubnet  = "fixed_subnet_id"
	outMinionSG     = "minion_security_group_id"
	outAPIPrivate   = "api_private_address"
)

// groupDefinition is the Heat definition of a worker node group's stack
// (templates/nodegroup.yaml): minions of the cluster's minion template on
// the cluster's network. Features: distro, floating_ip, docker_volume.
func groupDefinition(distro string) heat.Definition {
	worker := func(attr string) heat.Source { return heat.NodeGroupAttr(ngWorker, attr) }
	return heat.Definition{
		Name:     "k8s_" + distro + "_v1_nodegroup",
		Template: "templates/nodegroup.yaml",
		Features: []heat.Feature{
			heat.EnumFeature("distro", []string{distroFedoraAtomic, distroCoreOS}, distro),
			heat.FloatingIPFeature(),
			heat.DockerVolumeFeature(ngWorker),
		},
		Registry: slices.Concat(
			heat.OptionalRules("floating_ip", map[string]string{typeFloatingIP: "OS::Neutron::FloatingIP"}),
			heat.OptionalRules("docker_volume", map[string]string{
				typeDockerVolume:     "OS::Cinder::Volume",
				typeDockerAttachment: "OS::Cinder::VolumeAttachment",
			}),
		),
		Params: []heat.ParamMapping{
			heat.RequiredParam("cluster_uuid", heat.String, heat.ClusterAttr("uuid")),
			heat.RequiredParam("name_prefix", heat.String, heat.Extra(extraNamePrefix)),
			heat.Param("ssh_key_name", heat.String, heat.ClusterAttr("keypair"), heat.TemplateAttr("keypair_id")),
			heat.RequiredParam("external_network", heat.String, heat.TemplateAttr("external_network_id")),
			heat.RequiredParam("fixed_network", heat.String, heat.Extra(extraFixedNetwork)),
			heat.RequiredParam("fixed_subnet", heat.String, heat.Extra(extraFixedSubnet)),
			heat.RequiredParam("minion_security_group", heat.String, heat.Extra(extraMinionSG)),
			heat.RequiredParam("api_private_address", heat.String, heat.Extra(extraAPIPrivate)),
			heat.RequiredParam("minion_image", heat.String, worker("image_id"), heat.TemplateAttr("image_id")),
			heat.Param("minion_flavor", heat.String, worker("flavor_id"), heat.ClusterAttr("flavor_id"), heat.TemplateAttr("flavor_id")),
			heat.RequiredParam("number_of_minions", heat.Number, worker("node_count")),
			heat.Param("minions_to_remove", heat.CommaDelimitedList, heat.Extra(extraNodesToRemove)),
			heat.Param("docker_volume_size", heat.Number, worker("docker_volume_size"), heat.ClusterAttr("docker_volume_size"), heat.TemplateAttr("docker_volume_size")),
			heat.Param("docker_volume_type", heat.String, heat.Label("docker_volume_type")),
			heat.Param("availability_zone", heat.String, heat.Label("availability_zone")),
			heat.Param("nodes_affinity_policy", heat.String, heat.Label("nodes_affinity_policy")),
			heat.RequiredParam("pods_network_cidr", heat.String, heat.Extra(extraPodsCIDR)),
			heat.Param("update_max_batch_size", heat.Number, heat.Extra(extraBatchSize)),
			heat.Param("wait_condition_timeout", heat.Number, heat.Extra(extraWaitTimeout)),
			heat.RequiredParam("node_env", heat.String, heat.Extra(extraNodeEnv)),
			heat.Param("ca_cert", heat.String, heat.Extra(extraCACert)),
			heat.Param("etcd_ca_cert", heat.String, heat.Extra(extraEtcdCACert)),
			heat.Param("front_proxy_ca_cert", heat.String, heat.Extra(extraFrontProxyCA)),
			heat.Param("node_labels", heat.String, heat.Extra(extraNodeLabels)),
			heat.Param("node_taints", heat.String, heat.Extra(extraNodeTaints)),
		},
		Outputs: []heat.OutputMapping{
			heat.MapOutput("node_addresses", worker("node_addresses"), heat.AddressList),
			heat.MapOutput("kube_minions", heat.Source{}, nil),
			heat.MapOutput("kube_minions_private", heat.Source{}, nil),
			heat.MapOutput("kube_minion_ids", heat.Source{}, nil),
			heat.MapOutput("kube_minion_members", heat.Source{}, nil),
			heat.MapOutput("kube_minion_names", heat.Source{}, nil),
			heat.MapParam("number_of_minions", worker("node_count"), heat.Integer),
		},
	}
}

// GroupRenderer returns the renderer of node group stacks, built once.
func (d *Driver) GroupRenderer() (*heat.Renderer, error) {
	d.groupOnce.Do(func() {
		d.groupRenderer, d.groupErr = heat.NewRenderer(Templates(), groupDefinition(d.distro))
	})
	return d.groupRenderer, d.groupErr
}

// ClusterJoin is what a node group's stack takes from the cluster's stack
// outputs: the private network and subnet, the minions' security group
// and the API address inside the network.
type ClusterJoin struct {
	FixedNetwork, FixedSubnet, MinionSecurityGroup string
	APIPrivateAddress                              string
}

// ParseClusterJoin reads a ClusterJoin from a cluster stack fetched with
// outputs. The outputs are untrusted: every one must be a string of at
// most 255 characters without control characters, the API address an IP
// address. Errors are ErrInvalid naming the output; a stack made before
// these outputs existed is ErrInvalid too (update its template first).
func ParseClusterJoin(s *heat.Stack) (ClusterJoin, error) {
	if s == nil {
		return ClusterJoin{}, errdefs.Invalid("stack", "the cluster's stack is required")
	}
	var errs []error
	get := func(key string) string {
		raw, ok := s.Outputs[key]
		if !ok || raw == nil {
			errs = append(errs, errdefs.Invalid("stack.outputs."+key, "the cluster's stack has no output %s", key))
			return ""
		}
		v, ok := raw.(string)
		if !ok || v == "" || len(v) > 255 || safetext.HasControl(v) {
			errs = append(errs, errdefs.Invalid("stack.outputs."+key, "output %s is not an id", key))
			return ""
		}
		return v
	}
	j := ClusterJoin{
		FixedNetwork:        get(outFixedNetwork),
		FixedSubnet:         get(outFixedSubnet),
		MinionSecurityGroup: get(outMinionSG),
		APIPrivateAddress:   get(outAPIPrivate),
	}
	if j.APIPrivateAddress != "" {
		if _, err := netip.ParseAddr(j.APIPrivateAddress); err != nil {
			errs = append(errs, errdefs.Invalid("stack.outputs."+outAPIPrivate, "output %s is not an IP address", outAPIPrivate))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return ClusterJoin{}, err
	}
	return j, nil
}

// groupLabels are a group's effective labels: the cluster's, overlaid by
// the group's own.
func groupLabels(c *cluster.Cluster, t labels.Labels, g *cluster.NodeGroup) labels.Labels {
	base := c.Labels
	if base == nil {
		base = t
	}
	return labels.Merge(base, g.Labels)
}

// groupNamePrefix is the DNS-safe prefix of a group's server names: the
// cluster's prefix, "ng" and the first six hex digits of the group's
// UUID, so nodes of different groups never share a name.
func groupNamePrefix(c *cluster.Cluster, g *cluster.NodeGroup) string {
	var id strings.Builder
	for _, r := range strings.ToLower(g.UUID) {
		if id.Len() == 6 {
			break
		}
		if r >= 'a' && r <= 'f' || r >= '0' && r <= '9' {
			id.WriteRune(r)
		}
	}
	return nodeinput.NamePrefix(c.Name, c.UUID, "k8s") + "-ng" + id.String()
}

// groupRequest is a node group call's input.
type groupRequest struct {
	in    Input // the group's labels are the cluster's labels here
	group *cluster.NodeGroup
}

// newGroupRequest adapts a lifecycle request about req.Group.
func (d *Driver) newGroupRequest(req *driver.Request) (*groupRequest, error) {
	if req == nil || req.Group == nil {
		return nil, errdefs.Invalid("nodegroup", "the request names no node group")
	}
	if req.Template == nil {
		return nil, errdefs.Invalid("clustertemplate", "no template given")
	}
	if req.Cluster == nil {
		return nil, errdefs.Invalid("cluster", "no cluster given")
	}
	in := d.input(req)
	c := *req.Cluster
	c.Labels = groupLabels(req.Cluster, req.Template.Labels, req.Group)
	in.Cluster = &c
	in.NodeGroups = nil
	return &groupRequest{in: in, group: req.Group}, nil
}

// inputs computes the group definition's inputs: env says which node
// settings, join (nil: none) the cluster stack's values.
func (gr *groupRequest) inputs(env envMode, join *ClusterJoin) (heat.Inputs, time.Duration, error) {
	g := *gr.group
	in := gr.in
	in.NodeGroups = []*cluster.NodeGroup{&g}
	p, err := in.prepare(env)
	if err != nil {
		return heat.Inputs{}, 0, err
	}
	inputs := p.inputs
	inputs.NodeGroups = map[string]heat.Attributes{ngWorker: heat.GroupAttrs(&g)}
	extra := inputs.Extra
	delete(extra, extraMasterEnv)
	extra[extraNamePrefix] = groupNamePrefix(in.Cluster, &g)
	extra[extraNodeLabels] = kubeletNodeLabels(g.NodeLabels)
	extra[extraNodeTaints] = kubeletTaints(g.NodeTaints)
	if join != nil {
		extra[extraFixedNetwork] = join.FixedNetwork
		extra[extraFixedSubnet] = join.FixedSubnet
		extra[extraMinionSG] = join.MinionSecurityGroup
		extra[extraAPIPrivate] = join.APIPrivateAddress
	}
	return inputs, p.timeout, nil
}

// ValidateNodeGroup implements heat.NodeGroupStackDriver: the rules for a
// further node group, before anything happens. The role must not be
// master (Magnum reserves it); node labels and taints follow
// CheckNodeLabels and CheckNodeTaints; 0 ≤ min_node_count ≤ node_count ≤
// max_node_count (when set); docker_volume_size is not negative; the
// group has an image (its own, else the template's); its labels (the
// cluster's overlaid by its own) are valid for the template's network
// driver; nodes to remove are server ids or member names. Errors are
// ErrInvalid naming their field.
func (d *Driver) ValidateNodeGroup(req *driver.Request) error {
	gr, err := d.newGroupRequest(req)
	if err != nil {
		return err
	}
	g := gr.group
	var errs []error
	if g.Role == cluster.RoleMaster {
		errs = append(errs, errdefs.Invalid("role", "the master role is reserved for the default master group"))
	}
	if g.NodeCount < 0 {
		errs = append(errs, errdefs.Invalid("node_count", "must be at least 0"))
	}
	if g.MinNodeCount < 0 {
		errs = append(errs, errdefs.Invalid("min_node_count", "must be at least 0"))
	}
	if g.NodeCount < g.MinNodeCount {
		errs = append(errs, errdefs.Invalid("node_count", "%d is below min_node_count %d", g.NodeCount, g.MinNodeCount))
	}
	if g.MaxNodeCount != nil {
		switch {
		case *g.MaxNodeCount < g.MinNodeCount:
			errs = append(errs, errdefs.Invalid("max_node_count", "%d is below min_node_count %d", *g.MaxNodeCount, g.MinNodeCount))
		case g.NodeCount > *g.MaxNodeCount:
			errs = append(errs, errdefs.Invalid("node_count", "%d is above max_node_count %d", g.NodeCount, *g.MaxNodeCount))
		}
	}
	if g.DockerVolumeSize < 0 {
		errs = append(errs, errdefs.Invalid("docker_volume_size", "must be at least 1 when set"))
	}
	if g.ImageID == "" && req.Template.ImageID == "" {
		errs = append(errs, errdefs.Invalid("image_id", "neither the node group nor its cluster template names an image"))
	}
	for _, v := range []struct{ field, value string }{{"image_id", g.ImageID}, {"flavor_id", g.FlavorID}} {
		if safetext.HasControl(v.value) || len(v.value) > 255 {
			errs = append(errs, errdefs.Invalid(v.field, "must be at most 255 characters without control characters"))
		}
	}
	if err := CheckNodeLabels(g.NodeLabels); err != nil {
		errs = append(errs, err)
	}
	if err := CheckNodeTaints(g.NodeTaints); err != nil {
		errs = append(errs, err)
	}
	if s, err := ParseSettings(gr.in.Cluster.Labels); err != nil {
		errs = append(errs, err)
	} else {
		nd := req.Template.NetworkDriver
		if nd == "" {
			nd = "flannel"
		}
		if err := s.CheckNetwork(nd); err != nil {
			errs = append(errs, err)
		}
	}
	if err := checkNodesToRemove(req.NodesToRemove); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// RenderNodeGroupStack implements heat.NodeGroupStackDriver: the stack of
// req.Group, a ResourceGroup of the cluster's minion template joined to
// the cluster (ParseClusterJoin of clusterStack: network, subnet, minion
// security group, API address), with the group's image, flavor, docker
// volume size, node count, node labels and taints (Heat parameters, which
// the nodes check again before handing them to kubelet), the cluster's
// trustee and CA certificates (req.Nodes) and the same rolling update
// policy as the cluster's minions. Tags: the cluster's and the group's
// UUIDs; rollback disabled; the cluster's create timeout. The caller sets
// Name (heat.Backend uses req.Name). Minions need no service account key.
func (d *Driver) RenderNodeGroupStack(req *driver.Request, clusterStack *heat.Stack) (heat.StackRequest, error) {
	if err := d.ValidateNodeGroup(req); err != nil {
		return heat.StackRequest{}, err
	}
	join, err := ParseClusterJoin(clusterStack)
	if err != nil {
		return heat.StackRequest{}, err
	}
	r, err := d.GroupRenderer()
	if err != nil {
		return heat.StackRequest{}, err
	}
	gr, err := d.newGroupRequest(req)
	if err != nil {
		return heat.StackRequest{}, err
	}
	inputs, timeout, err := gr.inputs(envNodes, &join)
	if err != nil {
		return heat.StackRequest{}, err
	}
	b := gr.in.Bootstrap
	extra := inputs.Extra
	extra[extraCACert] = string(b.CACert)
	extra[extraEtcdCACert] = string(b.EtcdCACert)
	extra[extraFrontProxyCA] = string(b.FrontProxyCACert)
	out, err := r.Render(inputs)
	if err != nil {
		return heat.StackRequest{}, err
	}
	return out.CreateRequest(req.Name, timeout, req.Cluster.UUID, req.Group.UUID), nil
}

// ScaleNodeGroupStack implements heat.NodeGroupStackDriver: an
// existing=true update of the group's stack changing only
// number_of_minions and minions_to_remove (req.NodesToRemove, removed
// first; cleared when there are none), so no other node is touched.
// Rollback follows req.Rollback.
func (d *Driver) ScaleNodeGroupStack(req *driver.Request) (heat.UpdateRequest, error) {
	if err := d.ValidateNodeGroup(req); err != nil {
		return heat.UpdateRequest{}, err
	}
	r, err := d.GroupRenderer()
	if err != nil {
		return heat.UpdateRequest{}, err
	}
	gr, err := d.newGroupRequest(req)
	if err != nil {
		return heat.UpdateRequest{}, err
	}
	inputs, _, err := gr.inputs(envNone, nil)
	if err != nil {
		return heat.UpdateRequest{}, err
	}
	params, err := r.Params(inputs, "number_of_minions", "minions_to_remove")
	if err != nil {
		return heat.UpdateRequest{}, err
	}
	return heat.ScaleUpdate(params, "minions_to_remove", req.Rollback), nil
}

// ApplyNodeGroupOutputs implements heat.NodeGroupStackDriver: the group's
// node addresses (output node_addresses: public with floating IPs, else
// private) and its node count (read back from the stack's
// number_of_minions parameter) go to g. Outputs are untrusted: a missing
// one leaves its attribute alone, a malformed one is an ErrInvalid error
// (the others are still applied).
func (d *Driver) ApplyNodeGroupOutputs(s *heat.Stack, g *cluster.NodeGroup) error {
	if s == nil || g == nil {
		return errdefs.Invalid("stack", "a stack and a node group are required")
	}
	def := groupDefinition(d.distro)
	vals, err := def.ApplyOutputs(s, heat.Features{})
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}
	for name, v := range vals.NodeGroups[ngWorker] {
		switch name {
		case "node_count":
			n, ok := v.(int)
			if !ok || n < 0 {
				errs = append(errs, errdefs.Invalid("stack.parameters.number_of_minions", "not a node count"))
				continue
			}
			g.NodeCount = n
		case "node_addresses":
			l, ok := v.([]string)
			if !ok {
				errs = append(errs, errdefs.Invalid("stack.outputs.node_addresses", "not a list of addresses"))
				continue
			}
			g.NodeAddresses = l
		}
	}
	return errors.Join(errs...)
}
