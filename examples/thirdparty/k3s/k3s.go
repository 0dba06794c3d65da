// Package k3s is an example of a third-party driver: a k3s cluster (one
// server, any number of agents) on Heat, written against gomagnum's public
// driver and heat APIs only. Its templates are embedded; it implements
// heat.StackDriver, so a heat.Backend runs its lifecycle. A program serves
// it by registering it into the driver.Registry it gives magnum.Config:
//
//	reg, err := driver.NewRegistry(k8s.NewFedoraAtomic(), k3s.New())
//	m, err := magnum.New(magnum.Config{Drivers: reg, Orchestrator: orch, …})
package k3s

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/template"
)

//go:embed templates
var templates embed.FS

// COE is the name of the k3s COE.
const COE = "k3s"

// APIPort is the port of the k3s API on the server.
const APIPort = 6443

// Channels are the values of the k3s_channel label (default "stable").
func Channels() []string { return []string{"stable", "latest", "testing"} }

// Capabilities are what the k3s driver accepts: virtual machines, flannel
// networking (k3s's own), no volume driver, an external network, and the
// k3s_channel label.
func Capabilities() template.Capabilities {
	return template.Capabilities{
		COE:                  COE,
		ServerTypes:          []string{"vm"},
		NetworkDrivers:       []string{"flannel"},
		DefaultNetworkDriver: "flannel",
		RequiredFields:       []string{"external_network_id"},
		ValidateLabels:       ValidateLabels,
	}
}

// ValidateLabels checks the labels the driver reads: k3s_channel.
func ValidateLabels(l labels.Labels) error {
	if v, ok := l["k3s_channel"]; ok && !slices.Contains(Channels(), v) {
		return errdefs.Invalid("labels/k3s_channel", "must be one of %s", strings.Join(Channels(), ", "))
	}
	return nil
}

// Driver is the k3s driver for Ubuntu virtual machines. It holds no state
// and is safe for concurrent use.
type Driver struct{}

// New returns the driver.
func New() *Driver { return &Driver{} }

var _ heat.StackDriver = (*Driver)(nil)

// Info implements driver.Driver.
func (*Driver) Info() driver.Info {
	return driver.Info{
		Name:         "k3s_ubuntu_v1",
		Tuples:       []driver.Tuple{{ServerType: "vm", OSDistro: "ubuntu", COE: COE}},
		Capabilities: Capabilities(),
	}
}

// Validate implements heat.StackDriver: the labels, exactly one master
// (k3s's embedded datastore runs on one server) and no negative workers.
func (*Driver) Validate(req *driver.Request) error {
	if req == nil || req.Template == nil || req.Cluster == nil {
		return errdefs.Invalid("cluster", "a template and a cluster are required")
	}
	var errs []error
	if err := ValidateLabels(req.Cluster.Labels); err != nil {
		errs = append(errs, err)
	}
	m, w := groups(req.NodeGroups)
	if m == nil || w == nil {
		return errors.Join(append(errs, errdefs.Invalid("nodegroups", "the default master and worker groups are required"))...)
	}
	if m.NodeCount != 1 {
		errs = append(errs, errdefs.Invalid("master_count", "must be 1: k3s with its embedded datastore runs one server"))
	}
	if w.NodeCount < 0 {
		errs = append(errs, errdefs.Invalid("node_count", "must be at least 0"))
	}
	return errors.Join(errs...)
}

// RenderStack implements heat.StackDriver. The templates are sent as they
// are; everything the user chose travels in Parameters.
func (d *Driver) RenderStack(req *driver.Request) (heat.StackRequest, heat.Features, error) {
	if err := d.Validate(req); err != nil {
		return heat.StackRequest{}, nil, err
	}
	top, err := fs.ReadFile(templates, "templates/cluster.yaml")
	if err != nil {
		return heat.StackRequest{}, nil, err
	}
	files := map[string]string{}
	for _, name := range []string{"node.yaml", "boot.sh"} {
		b, err := fs.ReadFile(templates, "templates/"+name)
		if err != nil {
			return heat.StackRequest{}, nil, err
		}
		files[name] = string(b)
	}
	t, c := req.Template, req.Cluster
	m, w := groups(req.NodeGroups)
	params := map[string]any{
		"cluster_uuid":      c.UUID,
		"image":             first(m.ImageID, t.ImageID),
		"key_name":          first(c.KeyPair, t.KeyPairID),
		"server_flavor":     first(m.FlavorID, c.MasterFlavorID, t.MasterFlavorID, c.FlavorID, t.FlavorID),
		"agent_flavor":      first(w.FlavorID, c.FlavorID, t.FlavorID),
		"external_network":  t.ExternalNetworkID,
		"number_of_servers": m.NodeCount,
		"number_of_agents":  w.NodeCount,
		"channel":           first(c.Labels["k3s_channel"], "stable"),
	}
	if t.DNSNameServer != "" {
		params["dns_nameserver"] = t.DNSNameServer
	}
	timeout := req.Timeout
	if timeout == 0 && c.CreateTimeout > 0 {
		timeout = time.Duration(c.CreateTimeout) * time.Minute
	}
	return heat.StackRequest{
		Name: req.Name, Template: top, Files: files, Parameters: params,
		Tags: []string{c.UUID}, Timeout: timeout, DisableRollback: true,
	}, heat.Features{}, nil
}

// ScaleStack implements heat.StackDriver: only the node counts and the
// agents to remove change; the stack keeps its template.
func (d *Driver) ScaleStack(req *driver.Request) (heat.UpdateRequest, error) {
	if err := d.Validate(req); err != nil {
		return heat.UpdateRequest{}, err
	}
	m, w := groups(req.NodeGroups)
	upd := heat.UpdateRequest{Existing: true, DisableRollback: !req.Rollback, Parameters: map[string]any{
		"number_of_servers": m.NodeCount, "number_of_agents": w.NodeCount,
	}}
	if len(req.NodesToRemove) > 0 {
		upd.Parameters["agents_to_remove"] = strings.Join(req.NodesToRemove, ",")
	} else {
		upd.ClearParameters = []string{"agents_to_remove"}
	}
	return upd, nil
}

// StackFeatures implements heat.StackDriver: the stack has no structural
// variants.
func (*Driver) StackFeatures(*driver.Request) (heat.Features, error) { return heat.Features{}, nil }

// ApplyOutputs implements heat.StackDriver: the API address
// (https://IP:6443), server and agent addresses, and the node counts read
// back from the stack parameters. Missing outputs leave attributes alone;
// malformed ones are errors, and the others are still applied.
func (*Driver) ApplyOutputs(s *heat.Stack, _ heat.Features, c *cluster.Cluster, ngs []*cluster.NodeGroup) error {
	if s == nil || c == nil {
		return errdefs.Invalid("stack", "a stack and a cluster are required")
	}
	m, w := groups(ngs)
	var errs []error
	if v, ok := s.Outputs["api_address"]; ok && v != nil {
		if ip, isText := v.(string); isText && ip != "" {
			c.APIAddress = fmt.Sprintf("https://%s:%d", ip, APIPort)
		} else {
			errs = append(errs, fmt.Errorf("k3s: output api_address: unexpected %T", v))
		}
	}
	for _, o := range []struct {
		output  string
		cluster *[]string
		group   *cluster.NodeGroup
	}{{"server_addresses", &c.MasterAddresses, m}, {"agent_addresses", &c.NodeAddresses, w}} {
		v, ok := s.Outputs[o.output]
		if !ok || v == nil {
			continue
		}
		l, err := addresses(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("k3s: output %s: %w", o.output, err))
			continue
		}
		*o.cluster = l
		if o.group != nil {
			o.group.NodeAddresses = slices.Clone(l)
		}
	}
	for _, p := range []struct {
		param string
		count *int
		group *cluster.NodeGroup
	}{{"number_of_servers", &c.MasterCount, m}, {"number_of_agents", &c.NodeCount, w}} {
		v, ok := s.Parameters[p.param]
		if !ok {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			errs = append(errs, fmt.Errorf("k3s: stack parameter %s: %q is not a count", p.param, v))
			continue
		}
		*p.count = n
		if p.group != nil {
			p.group.NodeCount = n
		}
	}
	return errors.Join(errs...)
}

// addresses reads a list output of IP addresses.
func addresses(v any) ([]string, error) {
	l, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("want a list, got %T", v)
	}
	out := make([]string, 0, len(l))
	for _, x := range l {
		s, ok := x.(string)
		if !ok || s == "" {
			return nil, fmt.Errorf("want addresses, got %v", x)
		}
		out = append(out, s)
	}
	return out, nil
}

// groups returns the default master and worker groups (nil if missing).
func groups(ngs []*cluster.NodeGroup) (master, worker *cluster.NodeGroup) {
	for _, g := range ngs {
		switch {
		case g == nil || !g.IsDefault:
		case g.IsMaster() && master == nil:
			master = g
		case !g.IsMaster() && worker == nil:
			worker = g
		}
	}
	return master, worker
}

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
