package heattest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/heat/heattest"
	"github.com/gomagnum/magnum/openstack"
)

// client is a raw HTTP client of the fake, for the shapes of its answers.
type client struct {
	t     *testing.T
	srv   *heattest.Server
	token string
	http  *http.Client
}

func newClient(t *testing.T, srv *heattest.Server) *client {
	t.Helper()
	ao := srv.AuthOptions()
	body := fmt.Sprintf(`{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":%q,"domain":{"name":"Default"},"password":%q}}},"scope":{"project":{"name":%q,"domain":{"name":"Default"}}}}}`,
		ao.Username, ao.Password, ao.TenantName)
	resp, err := http.Post(srv.IdentityEndpoint()+"auth/tokens", "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	var tok struct {
		Token struct {
			Project struct{ ID string } `json:"project"`
			Catalog []struct {
				Type      string `json:"type"`
				Endpoints []struct {
					Interface, URL string
				} `json:"endpoints"`
			} `json:"catalog"`
		} `json:"token"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&tok))
	assert.Equal(t, srv.ProjectID(), tok.Token.Project.ID)
	found := false
	for _, c := range tok.Token.Catalog {
		for _, e := range c.Endpoints {
			if c.Type == "orchestration" && e.Interface == "public" {
				assert.Equal(t, srv.OrchestrationEndpoint(), e.URL)
				found = true
			}
		}
	}
	assert.True(t, found, "orchestration endpoint in the catalog")
	token := resp.Header.Get("X-Subject-Token")
	require.NotEmpty(t, token)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &client{t: t, srv: srv, token: token, http: noRedirect}
}

func (c *client) do(method, path string, body any) (int, http.Header, map[string]any) {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(c.t, err)
		r = bytes.NewReader(b)
	}
	url := path
	if !strings.HasPrefix(path, "http") {
		url = c.srv.OrchestrationEndpoint() + path
	}
	req, err := http.NewRequest(method, url, r)
	require.NoError(c.t, err)
	req.Header.Set("X-Auth-Token", c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, resp.Header, out
}

const groupTpl = `heat_template_version: 2018-08-31
parameters:
  count: {type: number, default: 2}
  secret: {type: string, default: s3cr3t, hidden: true}
  on: {type: boolean, default: true}
  zones: {type: comma_delimited_list, default: "a,b"}
  to_remove: {type: comma_delimited_list, default: []}
resources:
  net: {type: OS::Neutron::Net, properties: {name: cluster-net}}
  subnet: {type: OS::Neutron::Subnet, properties: {network: {get_resource: net}, cidr: 192.168.50.0/24}}
  group:
    type: OS::Heat::ResourceGroup
    depends_on: [subnet]
    properties:
      count: {get_param: count}
      removal_policies: [{resource_list: {get_param: to_remove}}]
      resource_def:
        type: OS::Nova::Server
        properties:
          name: node-%index%
          networks: [{network: {get_resource: net}}]
outputs:
  names: {value: {get_attr: [group, name]}}
  ips: {value: {get_attr: [group, first_address]}}
  networks: {value: {get_attr: [group, networks]}}
  refs_map: {value: {get_attr: [group, refs_map]}}
  removed: {value: {get_attr: [group, removed_rsrc_list]}}
`

func createBody(name string, params map[string]any, tags string) map[string]any {
	b := map[string]any{"stack_name": name, "template": groupTpl, "disable_rollback": true}
	if params != nil {
		b["parameters"] = params
	}
	if tags != "" {
		b["tags"] = tags
	}
	return b
}

func stackOf(m map[string]any) map[string]any { s, _ := m["stack"].(map[string]any); return s }

func outputsOf(s map[string]any) map[string]any {
	out := map[string]any{}
	l, _ := s["outputs"].([]any)
	for _, o := range l {
		om := o.(map[string]any)
		out[om["output_key"].(string)] = om["output_value"]
	}
	return out
}

func TestRawAPI(t *testing.T) {
	srv := heattest.New(heattest.Options{PollsToComplete: 1})
	defer srv.Close()
	c := newClient(t, srv)

	status, hdr, body := c.do("POST", "/stacks", createBody("raw", map[string]any{"count": 2}, "t1,t2"))
	require.Equal(t, http.StatusCreated, status, body)
	id := stackOf(body)["id"].(string)
	assert.Equal(t, srv.OrchestrationEndpoint()+"/stacks/raw/"+id, hdr.Get("Location"))

	// Lookups redirect, keeping the sub-path and the query, for any method.
	for _, tc := range []struct{ method, path, want string }{
		{"GET", "/stacks/raw?resolve_outputs=False", "/stacks/raw/" + id + "?resolve_outputs=False"},
		{"GET", "/stacks/" + id, "/stacks/raw/" + id},
		{"DELETE", "/stacks/" + id, "/stacks/raw/" + id},
		{"GET", "/stacks/raw/resources?nested_depth=2", "/stacks/raw/" + id + "/resources?nested_depth=2"},
	} {
		status, hdr, _ := c.do(tc.method, tc.path, nil)
		assert.Equal(t, http.StatusFound, status, tc.path)
		assert.Equal(t, srv.OrchestrationEndpoint()+tc.want, hdr.Get("Location"), tc.path)
	}
	status, _, _ = c.do("GET", "/stacks/nope", nil)
	assert.Equal(t, http.StatusNotFound, status)

	status, _, body = c.do("GET", "/stacks/raw/"+id+"?resolve_outputs=False", nil)
	require.Equal(t, http.StatusOK, status)
	s := stackOf(body)
	assert.Equal(t, "CREATE_IN_PROGRESS", s["stack_status"])
	assert.NotContains(t, s, "outputs")
	assert.Equal(t, []any{"t1", "t2"}, s["tags"])
	assert.Equal(t, map[string]any{
		"count": "2", "secret": "******", "on": "True", "zones": "a,b", "to_remove": "",
		"OS::stack_id": id, "OS::stack_name": "raw", "OS::project_id": srv.ProjectID(),
	}, s["parameters"], "Heat shows parameters as strings and hides hidden ones")

	status, _, body = c.do("GET", "/stacks/raw/"+id, nil)
	require.Equal(t, http.StatusOK, status)
	s = stackOf(body)
	assert.Equal(t, "CREATE_COMPLETE", s["stack_status"])
	out := outputsOf(s)
	assert.Equal(t, []any{"node-0", "node-1"}, out["names"])
	for _, ip := range out["ips"].([]any) {
		addr := netip.MustParseAddr(ip.(string))
		assert.True(t, netip.MustParsePrefix("192.168.50.0/24").Contains(addr), "server addresses come from the subnet: %s", addr)
	}
	nets := out["networks"].([]any)[0].(map[string]any)
	assert.Contains(t, nets, "cluster-net", "networks are keyed by network name")

	// Wrong name for the ID, wrong project, no token, unknown path.
	status, _, body = c.do("GET", "/stacks/other/"+id, nil)
	assert.Equal(t, http.StatusNotFound, status)
	assert.Equal(t, "EntityNotFound", body["error"].(map[string]any)["type"])
	status, _, _ = c.do("GET", strings.Replace(srv.OrchestrationEndpoint(), srv.ProjectID(), "someone-else", 1)+"/stacks", nil)
	assert.Equal(t, http.StatusNotFound, status)
	c2 := *c
	c2.token = "bogus"
	status, _, _ = c2.do("GET", "/stacks", nil)
	assert.Equal(t, http.StatusUnauthorized, status)
	before := srv.Requests(heattest.KindOther)
	status, _, _ = c.do("GET", "/build_info", nil)
	assert.Equal(t, http.StatusNotFound, status)
	assert.Equal(t, before+1, srv.Requests(heattest.KindOther))

	// PATCH answers 202; a PUT without tags drops them, as Heat does.
	status, _, _ = c.do("PATCH", "/stacks/raw/"+id, map[string]any{"parameters": map[string]any{"count": 3}})
	assert.Equal(t, http.StatusAccepted, status)
	status, _, body = c.do("GET", "/stacks?tags=t1", nil)
	require.Equal(t, http.StatusOK, status)
	assert.Len(t, body["stacks"], 1, "PATCH keeps the tags")
	status, _, _ = c.do("PUT", "/stacks/raw/"+id, map[string]any{"template": groupTpl, "parameters": map[string]any{"count": 1}})
	assert.Equal(t, http.StatusAccepted, status)
	_, _, body = c.do("GET", "/stacks?tags=t1", nil)
	assert.Empty(t, body["stacks"], "PUT without tags clears them")

	status, _, _ = c.do("DELETE", "/stacks/raw/"+id, nil)
	assert.Equal(t, http.StatusNoContent, status)
	_, _, body = c.do("GET", "/stacks/raw/"+id, nil)
	assert.Equal(t, "DELETE_IN_PROGRESS", stackOf(body)["stack_status"])
	_, _, body = c.do("GET", "/stacks/raw/"+id, nil)
	assert.Equal(t, "DELETE_COMPLETE", stackOf(body)["stack_status"], "a deleted stack is still shown by name and ID")
	status, _, _ = c.do("DELETE", "/stacks/raw/"+id, nil)
	assert.Equal(t, http.StatusNotFound, status)
	_, _, body = c.do("GET", "/stacks", nil)
	assert.Empty(t, body["stacks"], "nor listed")
	status, _, _ = c.do("POST", "/stacks", createBody("raw", nil, ""))
	assert.Equal(t, http.StatusCreated, status, "the name is free again")
}

func TestListFilters(t *testing.T) {
	srv := heattest.New(heattest.Options{})
	defer srv.Close()
	c := newClient(t, srv)
	for name, tags := range map[string]string{"a": "x,y", "b": "x", "c": "z"} {
		status, _, body := c.do("POST", "/stacks", createBody(name, map[string]any{"count": 0}, tags))
		require.Equal(t, http.StatusCreated, status, body)
	}
	names := func(query string) []string {
		_, _, body := c.do("GET", "/stacks"+query, nil)
		var out []string
		for _, s := range body["stacks"].([]any) {
			out = append(out, s.(map[string]any)["stack_name"].(string))
		}
		return out
	}
	assert.ElementsMatch(t, []string{"a"}, names("?tags=x,y"))
	assert.ElementsMatch(t, []string{"a", "b"}, names("?tags=x"))
	assert.ElementsMatch(t, []string{"a", "c"}, names("?tags_any=y,z"))
	assert.ElementsMatch(t, []string{"b", "c"}, names("?not_tags=x,y"))
	assert.ElementsMatch(t, []string{"c"}, names("?not_tags_any=x"))
	assert.ElementsMatch(t, []string{"b"}, names("?name=b"))
	assert.ElementsMatch(t, []string{"a", "b", "c"}, names("?status=CREATE_COMPLETE"))
	assert.Empty(t, names("?status=FAILED"))
}

// orch logs in to srv through gophercloud.
func orch(t testing.TB, srv *heattest.Server) *openstack.Orchestrator {
	t.Helper()
	ao := srv.AuthOptions()
	cloud, err := openstack.Connect(context.Background(), openstack.ConnectOptions{Auth: &ao})
	require.NoError(t, err)
	o, err := cloud.Orchestrator(openstack.Config{Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }})
	require.NoError(t, err)
	return o
}

func groupReq(name string, count int) heat.StackRequest {
	return heat.StackRequest{Name: name, Template: []byte(groupTpl), Parameters: map[string]any{"count": count}, DisableRollback: true}
}

func status(t *testing.T, o heat.Orchestrator, id string) string {
	t.Helper()
	s, err := o.GetStack(context.Background(), id, false)
	require.NoError(t, err)
	return s.Status
}

func TestScheduleFollowsTheClock(t *testing.T) {
	clock := heattest.NewManualClock(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))
	srv := heattest.New(heattest.Options{Clock: clock, ActionDuration: 5 * time.Minute, PollsToComplete: 1})
	defer srv.Close()
	o := orch(t, srv)
	id, err := o.CreateStack(context.Background(), groupReq("clocked", 1))
	require.NoError(t, err)
	for range 3 {
		assert.Equal(t, "CREATE_IN_PROGRESS", status(t, o, id), "reads alone do not finish it")
	}
	clock.Advance(4 * time.Minute)
	assert.Equal(t, "CREATE_IN_PROGRESS", status(t, o, id))
	clock.Advance(time.Minute)
	assert.Equal(t, "CREATE_COMPLETE", status(t, o, id))
	s, err := o.GetStack(context.Background(), id, false)
	require.NoError(t, err)
	assert.Equal(t, time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC), s.CreatedAt)
}

func TestPollsToComplete(t *testing.T) {
	srv := heattest.New(heattest.Options{PollsToComplete: 3})
	defer srv.Close()
	o := orch(t, srv)
	id, err := o.CreateStack(context.Background(), groupReq("polled", 1))
	require.NoError(t, err)
	var seen []string
	for range 5 {
		seen = append(seen, status(t, o, id))
	}
	assert.Equal(t, []string{"CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS", "CREATE_COMPLETE", "CREATE_COMPLETE"}, seen)
}

func TestStackTimeout(t *testing.T) {
	clock := heattest.NewManualClock(time.Time{})
	srv := heattest.New(heattest.Options{Clock: clock, ActionDuration: time.Hour})
	defer srv.Close()
	o := orch(t, srv)
	req := groupReq("slow", 1)
	req.Timeout = time.Minute
	id, err := o.CreateStack(context.Background(), req)
	require.NoError(t, err)
	clock.Advance(90 * time.Second)
	s, err := o.GetStack(context.Background(), id, false)
	require.NoError(t, err)
	assert.Equal(t, "CREATE_FAILED", s.Status)
	assert.Equal(t, "CREATE timed out", s.StatusReason)
}

func TestScaleDownHonoursRemovalPolicies(t *testing.T) {
	srv := heattest.New(heattest.Options{})
	defer srv.Close()
	o := orch(t, srv)
	ctx := context.Background()
	id, err := o.CreateStack(ctx, groupReq("scale", 4))
	require.NoError(t, err)
	outputs := func() map[string]any {
		s, err := openstack.Wait(ctx, o, id, openstack.WaitOptions{Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }, WithOutputs: true})
		require.NoError(t, err)
		return s.Outputs
	}
	before := outputs()
	refs := before["refs_map"].(map[string]any)

	// Remove member "1" by name and member "2" by server ID.
	require.NoError(t, o.UpdateStack(ctx, id, heat.UpdateRequest{Existing: true, Parameters: map[string]any{"count": 2, "to_remove": []string{"1", refs["2"].(string)}}}))
	after := outputs()
	assert.Equal(t, []any{"node-0", "node-3"}, after["names"])
	assert.Equal(t, map[string]any{"0": refs["0"], "3": refs["3"]}, after["refs_map"])
	assert.Equal(t, []any{"1", "2"}, after["removed"])
	ips := before["ips"].([]any)
	assert.Equal(t, []any{ips[0], ips[3]}, after["ips"], "survivors keep their addresses")

	// Growing again skips the removed names; plain shrinking drops the highest.
	require.NoError(t, o.UpdateStack(ctx, id, heat.UpdateRequest{Existing: true, Parameters: map[string]any{"count": 3}}))
	assert.Equal(t, []any{"node-0", "node-3", "node-4"}, outputs()["names"])
	require.NoError(t, o.UpdateStack(ctx, id, heat.UpdateRequest{Existing: true, Parameters: map[string]any{"count": 1}}))
	assert.Equal(t, []any{"node-0"}, outputs()["names"])
}

func TestUpdateRollback(t *testing.T) {
	srv := heattest.New(heattest.Options{})
	defer srv.Close()
	o := orch(t, srv)
	ctx := context.Background()
	id, err := o.CreateStack(ctx, groupReq("rollback", 2))
	require.NoError(t, err)
	require.Equal(t, "CREATE_COMPLETE", status(t, o, id))
	srv.FailResource(heattest.ResourceFault{Type: "OS::Nova::Server", Reason: "out of capacity", Times: 1})
	require.NoError(t, o.UpdateStack(ctx, id, heat.UpdateRequest{Existing: true, Parameters: map[string]any{"count": 3}}))
	s, err := o.GetStack(ctx, id, true)
	require.NoError(t, err)
	assert.Equal(t, "ROLLBACK_IN_PROGRESS", s.Status)
	assert.Contains(t, s.StatusReason, "out of capacity")
	s, err = o.GetStack(ctx, id, true)
	require.NoError(t, err)
	assert.Equal(t, "ROLLBACK_COMPLETE", s.Status)
	assert.Equal(t, []any{"node-0", "node-1"}, s.Outputs["names"], "back to the previous state")
	assert.Equal(t, "2", s.Parameters["count"])

	// Without rollback the failure stays, with the failed member visible.
	require.NoError(t, o.UpdateStack(ctx, id, heat.UpdateRequest{Existing: true, DisableRollback: true, Parameters: map[string]any{"count": 3}}))
	assert.Equal(t, "UPDATE_COMPLETE", status(t, o, id), "the fault fired once only")
}

func TestDeleteFailure(t *testing.T) {
	srv := heattest.New(heattest.Options{})
	defer srv.Close()
	o := orch(t, srv)
	ctx := context.Background()
	id, err := o.CreateStack(ctx, groupReq("sticky", 1))
	require.NoError(t, err)
	srv.FailResource(heattest.ResourceFault{Name: "subnet", OnDelete: true, Reason: "One or more ports have an IP allocation from this subnet."})
	require.NoError(t, o.DeleteStack(ctx, id))
	s, err := o.GetStack(ctx, id, false)
	require.NoError(t, err)
	assert.Equal(t, "DELETE_FAILED", s.Status)
	assert.Equal(t, "Resource DELETE failed: ResourceInError: resources.subnet: One or more ports have an IP allocation from this subnet.", s.StatusReason)
	fs, err := o.FailedResources(ctx, id)
	require.NoError(t, err)
	require.Len(t, fs, 1)
	assert.Equal(t, heat.ResourceFailure{Resource: "subnet", Type: "OS::Neutron::Subnet", Status: "DELETE_FAILED",
		Reason: "ResourceInError: resources.subnet: One or more ports have an IP allocation from this subnet."}, fs[0])

	srv.ClearFaults()
	require.NoError(t, o.DeleteStack(ctx, id))
	_, err = o.GetStack(ctx, id, false)
	assert.ErrorIs(t, err, errdefs.ErrNotFound)
}

func TestResourceListing(t *testing.T) {
	srv := heattest.New(heattest.Options{PollsToComplete: 1})
	defer srv.Close()
	c := newClient(t, srv)
	_, _, body := c.do("POST", "/stacks", createBody("res", map[string]any{"count": 2}, ""))
	id := stackOf(body)["id"].(string)
	list := func(query string) []map[string]any {
		status, _, body := c.do("GET", "/stacks/res/"+id+"/resources"+query, nil)
		require.Equal(t, http.StatusOK, status)
		var out []map[string]any
		for _, r := range body["resources"].([]any) {
			out = append(out, r.(map[string]any))
		}
		return out
	}
	top := list("")
	require.Len(t, top, 3)
	for _, r := range top {
		assert.Equal(t, "CREATE_IN_PROGRESS", r["resource_status"], "in progress while the stack is")
		assert.NotContains(t, r, "parent_resource")
	}
	all := list("?nested_depth=1")
	require.Len(t, all, 5)
	var members []map[string]any
	for _, r := range all {
		if r["parent_resource"] == "group" {
			members = append(members, r)
		}
	}
	require.Len(t, members, 2)
	assert.Equal(t, "OS::Nova::Server", members[0]["resource_type"])
	assert.Equal(t, "CREATE_COMPLETE", members[0]["resource_status"])
	links := members[0]["links"].([]any)
	assert.Contains(t, links[1].(map[string]any)["href"], "/stacks/res-group-", "members live in the group's nested stack")
	assert.Len(t, list("?nested_depth=1&type=OS::Nova::Server"), 2)
	assert.Empty(t, list("?nested_depth=1&status=FAILED"))
	assert.Len(t, list("?name=subnet"), 1)
	status, _, _ := c.do("GET", "/stacks/res/"+id+"/resources?nested_depth=x", nil)
	assert.Equal(t, http.StatusBadRequest, status)
}

func TestRegistryAndParameterDefaults(t *testing.T) {
	srv := heattest.New(heattest.Options{DefaultCIDR: "10.9.8.0/24"})
	defer srv.Close()
	o := orch(t, srv)
	ctx := context.Background()
	member := `heat_template_version: 2018-08-31
parameters:
  flavor: {type: string, default: m1.tiny}
resources:
  port: {type: OS::Neutron::Port, properties: {network: private}}
  server: {type: OS::Nova::Server, properties: {flavor: {get_param: flavor}, networks: [{port: {get_resource: port}}]}}
  fip: {type: Optional::FloatingIP, properties: {port_id: {get_resource: port}, floating_network: public}}
outputs:
  flavor: {value: {get_param: flavor}}
  ip: {value: {get_attr: [server, first_address]}}
  port_ip: {value: {get_attr: [port, fixed_ips, 0, ip_address]}}
  fip: {value: {get_attr: [fip, floating_ip_address]}}
`
	tpl := `heat_template_version: 2018-08-31
resources:
  nodes: {type: OS::Heat::ResourceGroup, properties: {count: 2, resource_def: {type: My::Node}}}
outputs:
  flavors: {value: {get_attr: [nodes, flavor]}}
  ips: {value: {get_attr: [nodes, ip]}}
  port_ips: {value: {get_attr: [nodes, port_ip]}}
  fips: {value: {get_attr: [nodes, fip]}}
`
	env := `resource_registry:
  My::Node: member.yaml
  Optional::FloatingIP: OS::Neutron::FloatingIP
  "OS::Neutron::*": OS::Heat::None
parameter_defaults:
  flavor: m1.large
`
	id, err := o.CreateStack(ctx, heat.StackRequest{Name: "reg", Template: []byte(tpl), Environment: []byte(env), Files: map[string]string{"member.yaml": member}})
	require.NoError(t, err)
	s, err := o.GetStack(ctx, id, true)
	require.NoError(t, err)
	assert.Equal(t, []any{"m1.large", "m1.large"}, s.Outputs["flavors"], "parameter_defaults reach nested templates")
	assert.Equal(t, []any{nil, nil}, s.Outputs["port_ips"], "OS::Neutron::* → OS::Heat::None: attributes are null")
	assert.Equal(t, []any{nil, nil}, s.Outputs["fips"], "the chain Optional → OS::Neutron::FloatingIP → None is followed")
	for _, ip := range s.Outputs["ips"].([]any) {
		assert.True(t, strings.HasPrefix(ip.(string), "10.9.8."), "no subnet of ours: the default range, %v", ip)
	}
}

func TestRequestFaults(t *testing.T) {
	t.Run("stall ends when the server closes", func(t *testing.T) {
		srv := heattest.New(heattest.Options{})
		c := newClient(t, srv)
		srv.InjectFault(heattest.Fault{Kind: heattest.KindList, Stall: true})
		done := make(chan int)
		go func() {
			req, _ := http.NewRequest("GET", srv.OrchestrationEndpoint()+"/stacks", nil)
			req.Header.Set("X-Auth-Token", c.token)
			resp, err := http.DefaultClient.Do(req)
			code := 0
			if err == nil {
				code = resp.StatusCode
				resp.Body.Close()
			}
			done <- code
		}()
		require.Eventually(t, func() bool { return srv.Requests(heattest.KindList) == 1 }, 5*time.Second, time.Millisecond)
		srv.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("the stalled request was not released")
		}
	})
	t.Run("times and status", func(t *testing.T) {
		srv := heattest.New(heattest.Options{})
		defer srv.Close()
		c := newClient(t, srv)
		srv.InjectFault(heattest.Fault{Kind: heattest.KindList, Times: 2, Status: http.StatusBadGateway})
		var got []int
		for range 3 {
			s, _, _ := c.do("GET", "/stacks", nil)
			got = append(got, s)
		}
		assert.Equal(t, []int{502, 502, 200}, got)
	})
	t.Run("after effect", func(t *testing.T) {
		srv := heattest.New(heattest.Options{})
		defer srv.Close()
		c := newClient(t, srv)
		srv.InjectFault(heattest.Fault{Kind: heattest.KindCreate, AfterEffect: true})
		s, _, _ := c.do("POST", "/stacks", createBody("ghost", nil, ""))
		assert.Equal(t, http.StatusServiceUnavailable, s)
		_, _, body := c.do("GET", "/stacks?name=ghost", nil)
		assert.Len(t, body["stacks"], 1, "the stack exists although the client saw a failure")
	})
	t.Run("auth", func(t *testing.T) {
		srv := heattest.New(heattest.Options{})
		defer srv.Close()
		srv.InjectFault(heattest.Fault{Kind: heattest.KindAuth, Status: http.StatusInternalServerError})
		ao := srv.AuthOptions()
		_, err := openstack.Connect(context.Background(), openstack.ConnectOptions{Auth: &ao})
		assert.ErrorIs(t, err, errdefs.ErrUnavailable)
	})
}

func TestPatchMergesFilesAndEnvironment(t *testing.T) {
	srv := heattest.New(heattest.Options{})
	defer srv.Close()
	o := orch(t, srv)
	ctx := context.Background()
	tpl := `heat_template_version: 2018-08-31
parameters:
  word: {type: string, default: plain}
resources:
  v: {type: My::Leaf, properties: {word: {get_param: word}}}
outputs:
  out: {value: {get_attr: [v, out]}}
`
	leaf := func(suffix string) string {
		return "heat_template_version: 2018-08-31\nparameters:\n  word: {type: string}\nresources: {}\noutputs:\n  out: {value: {list_join: ['', [{get_param: word}, '" + suffix + "']]}}\n"
	}
	id, err := o.CreateStack(ctx, heat.StackRequest{Name: "merge", Template: []byte(tpl),
		Environment: []byte("resource_registry:\n  My::Leaf: a.yaml\nparameter_defaults:\n  word: fromenv\n"),
		Files:       map[string]string{"a.yaml": leaf("-a")}})
	require.NoError(t, err)
	out := func() any {
		s, err := o.GetStack(ctx, id, true)
		require.NoError(t, err)
		return s.Outputs["out"]
	}
	assert.Equal(t, "fromenv-a", out())
	// A new file and a registry entry pointing at it; parameter_defaults kept.
	require.NoError(t, o.UpdateStack(ctx, id, heat.UpdateRequest{Existing: true,
		Environment: []byte("resource_registry:\n  My::Leaf: b.yaml\n"), Files: map[string]string{"b.yaml": leaf("-b")}}))
	assert.Equal(t, "fromenv-b", out())
	require.NoError(t, o.UpdateStack(ctx, id, heat.UpdateRequest{Existing: true, Parameters: map[string]any{"word": "given"}}))
	assert.Equal(t, "given-b", out())
}
