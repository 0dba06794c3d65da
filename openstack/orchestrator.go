package openstack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gophercloud/gophercloud/v2"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
)

// Config tunes an Orchestrator. The zero value is ready to use.
type Config struct {
	// Retry bounds the retries of idempotent calls.
	Retry RetryPolicy
	// AttemptTimeout bounds one HTTP attempt, so that a Heat API that
	// stalls is retried (idempotent calls) or looked up (creates) instead of
	// hanging until the caller's deadline. 0 means 2 minutes; a negative
	// value leaves attempts bounded by the caller's context only.
	AttemptTimeout time.Duration
	// NestedDepth is how deep FailedResources looks into nested stacks; 0
	// means 5 (a cluster stack, its resource groups, their members and the
	// templates those nest).
	NestedDepth int
	// ListChunk is the most stack IDs ListStacks puts in one request, to
	// stay under URL length limits of proxies in front of Heat; 0 means 100.
	ListChunk int
	// Logger receives debug records about retries; nil discards them.
	Logger *slog.Logger
	// Sleep waits between retries; nil waits on a timer, returning early
	// with the context's error. Tests inject a recorder.
	Sleep func(ctx context.Context, d time.Duration) error
	// Rand returns a number in [0, 1) for backoff jitter; nil uses
	// math/rand/v2.
	Rand func() float64
}

func (c Config) attemptTimeout() time.Duration {
	if c.AttemptTimeout == 0 {
		return 2 * time.Minute
	}
	return c.AttemptTimeout
}

func (c Config) nestedDepth() int {
	if c.NestedDepth <= 0 {
		return 5
	}
	return c.NestedDepth
}

func (c Config) listChunk() int {
	if c.ListChunk <= 0 {
		return 100
	}
	return c.ListChunk
}

// maxNames bounds the ID → name cache; it is cleared when full.
const maxNames = 8192

// maxResponse bounds a Heat answer the orchestrator reads (64 MiB: the
// outputs of a large cluster are far smaller).
const maxResponse = 64 << 20

// Orchestrator is heat.Orchestrator on Heat's REST API through a
// gophercloud orchestration client. It is safe for concurrent use.
//
// Heat addresses a stack as /stacks/{name}/{id}; a URL with the ID alone is
// answered with a redirect that Go's HTTP client follows only for GET (a
// redirected DELETE would silently become a GET). The orchestrator therefore
// learns each stack's name (from create, get and list answers, or one GET)
// and keeps it in a bounded cache; stack names never change in Heat.
type Orchestrator struct {
	client *gophercloud.ServiceClient
	cfg    Config
	log    *slog.Logger
	sleep  func(context.Context, time.Duration) error
	rand   func() float64

	mu    sync.Mutex
	names map[string]string // stack ID → stack name
}

var _ heat.Orchestrator = (*Orchestrator)(nil)

// NewOrchestrator returns an Orchestrator that talks to Heat through client,
// an orchestration v1 service client (see [Cloud.Orchestrator] or
// gophercloud's openstack.NewOrchestrationV1). Leave the provider client's
// RetryFunc unset: the orchestrator decides itself which calls are safe to
// repeat.
func NewOrchestrator(client *gophercloud.ServiceClient, cfg Config) *Orchestrator {
	o := &Orchestrator{client: client, cfg: cfg, names: map[string]string{}}
	o.log = cfg.Logger
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	o.sleep = cfg.Sleep
	if o.sleep == nil {
		o.sleep = sleepCtx
	}
	o.rand = cfg.Rand
	if o.rand == nil {
		o.rand = defaultRand
	}
	return o
}

// ---------------------------------------------------------------- create

// CreateStack submits the stack. It never repeats a create blindly: when an
// attempt fails without a clear answer (a 5xx, a broken connection, an
// attempt timeout) Heat may have created the stack anyway, so the
// orchestrator first lists stacks by name. If one exists and carries all of
// req.Tags, its ID is returned; if none exists the create is repeated,
// within the retry policy (a repeat that meets "already exists" looks again).
// Heat's stack names are unique per project, so at most one stack results.
// A stack of that name without our tags is an ErrConflict.
func (o *Orchestrator) CreateStack(ctx context.Context, req heat.StackRequest) (string, error) {
	body, err := createBody(req)
	if err != nil {
		return "", err
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return "", &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "stack", ID: req.Name, Field: "parameters", Reason: "not representable as JSON", Err: err}
	}
	ambiguous := false // an earlier attempt may have created the stack
	for n := 1; ; n++ {
		var resp createResponse
		err := o.attempt(ctx, http.MethodPost, o.client.ServiceURL("stacks"), raw, &resp, http.StatusCreated, http.StatusAccepted)
		if err == nil {
			if resp.Stack.ID == "" {
				return "", &errdefs.Error{Kind: errdefs.ErrUnavailable, Resource: "stack", ID: req.Name, Reason: "create stack: Heat answered without a stack id"}
			}
			o.remember(resp.Stack.ID, req.Name)
			return resp.Stack.ID, nil
		}
		class, he, hint := classify(ctx, err)
		switch {
		case class == classCanceled:
			return "", wrapErr(ctx, "create stack", req.Name, err)
		case class == classFinal && he.Status == http.StatusConflict && ambiguous:
			// "already exists" after an attempt whose outcome we did not
			// learn: most likely that attempt's stack.
			if id, found, lerr := o.findCreated(ctx, req); found || lerr != nil {
				return id, lerr
			}
			return "", wrapErr(ctx, "create stack", req.Name, err)
		case class == classFinal:
			return "", wrapErr(ctx, "create stack", req.Name, err)
		case class == classTransient:
			ambiguous = true
			o.log.LogAttrs(ctx, slog.LevelWarn, "heat create failed ambiguously; looking the stack up by name",
				slog.String("stack", req.Name), slog.Int("attempt", n), slog.String("error", err.Error()))
			id, found, lerr := o.findCreated(ctx, req)
			if found || lerr != nil {
				if lerr != nil && !found {
					return "", &errdefs.Error{Kind: errdefs.ErrUnavailable, Resource: "stack", ID: req.Name,
						Reason: "create stack: outcome unknown (Heat failed, then the lookup by name failed); reconcile by name or tag",
						Err:    errors.Join(err, lerr)}
				}
				return id, lerr
			}
		}
		if n >= o.cfg.Retry.attempts() {
			return "", wrapErr(ctx, "create stack", req.Name, err)
		}
		d := o.cfg.Retry.backoff(n, hint, o.rand)
		o.log.LogAttrs(ctx, slog.LevelDebug, "retrying heat create", slog.String("stack", req.Name),
			slog.Int("attempt", n), slog.Duration("wait", d))
		if serr := o.sleep(ctx, d); serr != nil {
			return "", wrapErr(ctx, "create stack", req.Name, serr)
		}
	}
}

// createBody checks a StackRequest and builds Heat's body from it.
func createBody(req heat.StackRequest) (stackBody, error) {
	invalid := func(field, format string, args ...any) error {
		e := errdefs.Invalid(field, format, args...)
		e.Resource, e.ID = "stack", req.Name
		return e
	}
	if req.Name == "" {
		return stackBody{}, invalid("name", "a stack needs a name")
	}
	if len(bytes.TrimSpace(req.Template)) == 0 {
		return stackBody{}, invalid("template", "a stack needs a template")
	}
	if req.Timeout < 0 {
		return stackBody{}, invalid("timeout", "must not be negative")
	}
	tags, err := joinTags(req.Tags)
	if err != nil {
		e := invalid("tags", "%v", err)
		return stackBody{}, e
	}
	dr := req.DisableRollback
	b := stackBody{
		StackName:       req.Name,
		Template:        string(req.Template),
		Files:           req.Files,
		Environment:     string(req.Environment),
		Parameters:      req.Parameters,
		TimeoutMins:     timeoutMins(req.Timeout),
		DisableRollback: &dr,
	}
	if tags != "" {
		b.Tags = &tags
	}
	return b, nil
}

// joinTags makes Heat's comma-separated tag string. Heat splits it on
// commas, so a tag must not contain one.
func joinTags(tags []string) (string, error) {
	for _, t := range tags {
		if t == "" {
			return "", errors.New("a tag must not be empty")
		}
		if strings.Contains(t, ",") {
			return "", fmt.Errorf("tag %q contains a comma, which Heat uses to separate tags", t)
		}
	}
	return strings.Join(tags, ","), nil
}

// findCreated looks for the stack a create may have made. found reports a
// stack of that name; err is set when it lacks req.Tags or the lookup failed.
func (o *Orchestrator) findCreated(ctx context.Context, req heat.StackRequest) (id string, found bool, err error) {
	q := url.Values{"name": {req.Name}}
	stacks, err := o.list(ctx, q)
	if err != nil {
		return "", false, err
	}
	for _, s := range stacks {
		if s.Name != req.Name {
			continue
		}
		for _, t := range req.Tags {
			if !slices.Contains(s.Tags, t) {
				return "", true, errdefs.Conflict("stack", req.Name,
					"a stack with this name already exists (%s) without tag %q", s.ID, t)
			}
		}
		o.log.LogAttrs(ctx, slog.LevelInfo, "heat create: found the stack an earlier attempt created",
			slog.String("stack", req.Name), slog.String("id", s.ID))
		return s.ID, true, nil
	}
	return "", false, nil
}

// ---------------------------------------------------------------- update

// UpdateStack changes a stack. With req.Existing it sends Heat's PATCH:
// only the given parameters change, the stored template, files and
// environment stay unless new ones are given. Otherwise it sends PUT, which
// replaces template, files, environment and parameters; because Heat drops
// a stack's tags on a PUT that does not repeat them, the orchestrator reads
// the stack first and sends its tags back.
//
// An update is repeated only when the request never reached Heat: after an
// ambiguous failure a repeat could apply a second, different change.
func (o *Orchestrator) UpdateStack(ctx context.Context, id string, req heat.UpdateRequest) error {
	if err := checkID(id); err != nil {
		return err
	}
	if req.Timeout < 0 {
		return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "stack", ID: id, Field: "timeout", Reason: "must not be negative"}
	}
	dr := req.DisableRollback
	body := stackBody{
		Template:        string(req.Template),
		Files:           req.Files,
		Environment:     string(req.Environment),
		Parameters:      req.Parameters,
		TimeoutMins:     timeoutMins(req.Timeout),
		DisableRollback: &dr,
	}
	var name, method string
	if req.Existing {
		method = http.MethodPatch
		body.ClearParameters = req.ClearParameters
		n, err := o.nameOf(ctx, id)
		if err != nil {
			return err
		}
		name = n
	} else {
		method = http.MethodPut
		if len(bytes.TrimSpace(req.Template)) == 0 {
			return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "stack", ID: id, Field: "template", Reason: "a full update needs a template (use Existing to change parameters only)"}
		}
		if len(req.ClearParameters) > 0 {
			return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "stack", ID: id, Field: "clear_parameters", Reason: "only an Existing update can clear parameters"}
		}
		s, err := o.show(ctx, id, false)
		if err != nil {
			return err
		}
		name = s.Name
		tags := strings.Join(s.Tags, ",")
		body.Tags = &tags
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "stack", ID: id, Field: "parameters", Reason: "not representable as JSON", Err: err}
	}
	u := o.stackURL(name, id)
	for n := 1; ; n++ {
		err := o.attempt(ctx, method, u, raw, nil, http.StatusAccepted, http.StatusOK, http.StatusNoContent)
		if err == nil {
			return nil
		}
		class, _, hint := classify(ctx, err)
		if class != classNotSent || n >= o.cfg.Retry.attempts() {
			return wrapErr(ctx, "update stack", id, err)
		}
		if serr := o.sleep(ctx, o.cfg.Retry.backoff(n, hint, o.rand)); serr != nil {
			return wrapErr(ctx, "update stack", id, serr)
		}
	}
}

// ---------------------------------------------------------------- delete

// DeleteStack starts deleting a stack. A missing (or already deleted)
// stack is ErrNotFound. Deletes are retried on transient failures; a
// retry that finds the stack gone counts as success, since the failed
// attempt must have started the delete.
func (o *Orchestrator) DeleteStack(ctx context.Context, id string) error {
	if err := checkID(id); err != nil {
		return err
	}
	name, err := o.nameOf(ctx, id)
	if err != nil {
		return err
	}
	u := o.stackURL(name, id)
	retried := false
	err = o.retry(ctx, "delete stack", id, func(ctx context.Context) error {
		err := o.attempt(ctx, http.MethodDelete, u, nil, nil, http.StatusNoContent, http.StatusAccepted)
		if retried {
			if he := httpError(err); he != nil && he.Status == http.StatusNotFound {
				return nil
			}
		}
		retried = true
		return err
	})
	return wrapErr(ctx, "delete stack", id, err)
}

// ---------------------------------------------------------------- read

// GetStack returns a stack. A deleted stack (DELETE_COMPLETE, which Heat
// still shows for a while) is reported as ErrNotFound, like one Heat no
// longer knows: callers need not handle both.
func (o *Orchestrator) GetStack(ctx context.Context, id string, withOutputs bool) (*heat.Stack, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	ws, err := o.show(ctx, id, withOutputs)
	if err != nil {
		return nil, err
	}
	s, err := ws.toStack(withOutputs, func(key, msg string) {
		o.log.LogAttrs(ctx, slog.LevelDebug, "heat output not resolved", slog.String("stack", id),
			slog.String("output", key), slog.String("error", msg))
	})
	if err != nil {
		return nil, &errdefs.Error{Kind: errdefs.ErrUnavailable, Resource: "stack", ID: id, Reason: "get stack: unreadable outputs", Err: err}
	}
	return &s, nil
}

// show GETs a stack, by name and ID when the name is known, else by ID
// (Heat redirects to the named URL; Go follows GET redirects).
func (o *Orchestrator) show(ctx context.Context, id string, withOutputs bool) (wireStack, error) {
	name, known := o.cachedName(id)
	var u string
	if known {
		u = o.stackURL(name, id)
	} else {
		u = o.client.ServiceURL("stacks", url.PathEscape(id))
	}
	if !withOutputs {
		u += "?resolve_outputs=False"
	}
	var resp showResponse
	err := o.retry(ctx, "get stack", id, func(ctx context.Context) error {
		return o.attempt(ctx, http.MethodGet, u, nil, &resp, http.StatusOK)
	})
	if err != nil {
		return wireStack{}, wrapErr(ctx, "get stack", id, err)
	}
	ws := resp.Stack
	if ws.ID != id {
		return wireStack{}, &errdefs.Error{Kind: errdefs.ErrUnavailable, Resource: "stack", ID: id, Reason: fmt.Sprintf("get stack: Heat answered with stack %q", ws.ID)}
	}
	if ws.Status == "DELETE_COMPLETE" {
		o.forget(id)
		return wireStack{}, &errdefs.Error{Kind: errdefs.ErrNotFound, Resource: "stack", ID: id, Reason: "stack deleted"}
	}
	o.remember(ws.ID, ws.Name)
	return ws, nil
}

// ListStacks returns the stacks that carry all f.Tags and, if f.IDs is
// set, have one of those IDs — in one request (more only when f.IDs has
// more than Config.ListChunk entries). Deleted stacks are not listed.
func (o *Orchestrator) ListStacks(ctx context.Context, f heat.ListFilter) ([]heat.Stack, error) {
	tags, err := joinTags(f.Tags)
	if err != nil {
		return nil, &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "stack", Field: "tags", Reason: err.Error()}
	}
	base := url.Values{}
	if tags != "" {
		base.Set("tags", tags)
	}
	for _, st := range f.States {
		if st == "" || strings.ContainsAny(st, ",&=?#") {
			return nil, &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "stack", Field: "states", Reason: fmt.Sprintf("%q is not a stack state", st)}
		}
		base.Add("status", st)
	}
	ids := dedupe(f.IDs)
	chunks := [][]string{nil}
	if len(ids) > 0 {
		chunks = slices.Collect(slices.Chunk(ids, o.cfg.listChunk()))
	}
	var out []heat.Stack
	for _, chunk := range chunks {
		q := url.Values{}
		for k, v := range base {
			q[k] = v
		}
		if len(chunk) > 0 {
			q["id"] = chunk
		}
		ws, err := o.list(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, w := range ws {
			s, _ := w.toStack(false, nil)
			out = append(out, s)
		}
	}
	return out, nil
}

func dedupe(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// list runs GET /stacks with a query, with retries.
func (o *Orchestrator) list(ctx context.Context, q url.Values) ([]wireStack, error) {
	u := o.client.ServiceURL("stacks")
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var resp listResponse
	err := o.retry(ctx, "list stacks", "", func(ctx context.Context) error {
		resp = listResponse{}
		return o.attempt(ctx, http.MethodGet, u, nil, &resp, http.StatusOK)
	})
	if err != nil {
		return nil, wrapErr(ctx, "list stacks", "", err)
	}
	for _, s := range resp.Stacks {
		o.remember(s.ID, s.Name)
	}
	return resp.Stacks, nil
}

// FailedResources lists the failed resources of a stack and of its nested
// stacks (down to Config.NestedDepth), each named by its dotted path from
// the top stack, e.g. "kube_masters.0.kube-master", sorted by path.
func (o *Orchestrator) FailedResources(ctx context.Context, id string) ([]heat.ResourceFailure, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	name, err := o.nameOf(ctx, id)
	if err != nil {
		return nil, err
	}
	q := url.Values{"nested_depth": {fmt.Sprint(o.cfg.nestedDepth())}, "status": {"FAILED"}}
	u := o.stackURL(name, id) + "/resources?" + q.Encode()
	var resp resourcesResponse
	err = o.retry(ctx, "list failed resources", id, func(ctx context.Context) error {
		resp = resourcesResponse{}
		return o.attempt(ctx, http.MethodGet, u, nil, &resp, http.StatusOK)
	})
	if err != nil {
		return nil, wrapErr(ctx, "list failed resources", id, err)
	}
	return failurePaths(id, resp.Resources), nil
}

// failurePaths names each resource by its path from the top stack. A
// resource's stack is the ID in its "stack" link; a nested stack's path is
// the path of the resource whose physical ID it is. Where that parent is
// not in the list (Heat listed only failed resources), parent_resource
// gives the last step.
func failurePaths(top string, rs []wireResource) []heat.ResourceFailure {
	owner := make(map[string]int, len(rs)) // nested stack ID → index of its resource
	for i, r := range rs {
		if nested := r.link("nested"); nested != "" {
			owner[nested] = i
		} else if r.PhysicalID != "" {
			owner[r.PhysicalID] = i
		}
	}
	memo := make(map[int]string, len(rs))
	var path func(i int, depth int) string
	path = func(i int, depth int) string {
		if p, ok := memo[i]; ok {
			return p
		}
		r := rs[i]
		p := r.Name
		stack := r.link("stack")
		switch j, ok := owner[stack]; {
		case stack == "" || stack == top:
		case ok && j != i && depth < len(rs):
			p = path(j, depth+1) + "." + r.Name
		case r.ParentResource != "":
			p = r.ParentResource + "." + r.Name
		}
		memo[i] = p
		return p
	}
	out := make([]heat.ResourceFailure, 0, len(rs))
	for i, r := range rs {
		if !strings.HasSuffix(r.Status, "_FAILED") {
			continue
		}
		out = append(out, heat.ResourceFailure{Resource: path(i, 0), Type: r.Type, Status: r.Status, Reason: r.Reason})
	}
	slices.SortFunc(out, func(a, b heat.ResourceFailure) int { return strings.Compare(a.Resource, b.Resource) })
	return out
}

// ---------------------------------------------------------------- plumbing

func checkID(id string) error {
	if strings.TrimSpace(id) == "" {
		return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "stack", Field: "id", Reason: "a stack ID is required"}
	}
	return nil
}

func (o *Orchestrator) stackURL(name, id string) string {
	return o.client.ServiceURL("stacks", url.PathEscape(name), url.PathEscape(id))
}

// nameOf returns a stack's name, from the cache or one GET.
func (o *Orchestrator) nameOf(ctx context.Context, id string) (string, error) {
	if name, ok := o.cachedName(id); ok {
		return name, nil
	}
	ws, err := o.show(ctx, id, false)
	if err != nil {
		return "", err
	}
	return ws.Name, nil
}

func (o *Orchestrator) cachedName(id string) (string, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	name, ok := o.names[id]
	return name, ok
}

func (o *Orchestrator) remember(id, name string) {
	if id == "" || name == "" {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, ok := o.names[id]; !ok && len(o.names) >= maxNames {
		clear(o.names)
	}
	o.names[id] = name
}

func (o *Orchestrator) forget(id string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.names, id)
}

// retry runs an idempotent call until it succeeds, fails for good, the
// policy's attempts are spent or ctx ends. It returns the last raw error.
func (o *Orchestrator) retry(ctx context.Context, op, id string, call func(context.Context) error) error {
	return retryIdempotent(ctx, o.cfg.Retry, o.sleep, o.rand, o.log, "heat", op, id, call)
}

// attempt performs one HTTP request within Config.AttemptTimeout. body is
// sent as JSON; the answer, when out is not nil, is decoded into out with
// encoding/json's usual types (numbers as float64).
func (o *Orchestrator) attempt(ctx context.Context, method, u string, body []byte, out any, ok ...int) error {
	if t := o.cfg.attemptTimeout(); t > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t)
		defer cancel()
	}
	opts := &gophercloud.RequestOpts{OkCodes: ok, KeepResponseBody: true, MoreHeaders: map[string]string{}}
	if body != nil {
		opts.RawBody = bytes.NewReader(body)
		opts.MoreHeaders["Content-Type"] = "application/json"
	}
	resp, err := o.client.Request(ctx, method, u, opts)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponse))
		return err
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxResponse)).Decode(out); err != nil {
		return fmt.Errorf("reading Heat's answer to %s: %w", method, err)
	}
	return nil
}
