package heattest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// recorder buffers a handler's answer so that an AfterEffect fault can
// replace it after the request took effect.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(status int)      { r.status = status }

// serveHeat serves /v1/{project}/….
func (s *Server) serveHeat(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.EscapedPath(), "/v1/")
	raw := strings.Split(strings.Trim(rest, "/"), "/")
	parts := make([]string, len(raw))
	for i, p := range raw {
		u, err := url.PathUnescape(p)
		if err != nil {
			u = p
		}
		parts[i] = u
	}
	kind := kindOf(r.Method, parts[1:])
	s.count(kind)
	s.log.Debug("heattest request", "method", r.Method, "path", r.URL.Path, "kind", string(kind))
	if !s.validToken(r.Header.Get("X-Auth-Token")) {
		writeKeystoneError(w, http.StatusUnauthorized, "The request you have made requires authentication.")
		return
	}
	if parts[0] != s.opts.ProjectID {
		writeFault(w, http.StatusNotFound, "HTTPNotFound", "The resource could not be found.")
		return
	}
	random := s.drawRandomFault(kind)
	if s.applyFault(w, r, kind, false, random) {
		return
	}
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	s.route(rec, r, kind, parts[1:])
	if s.applyFault(w, r, kind, true, random) {
		return
	}
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.body.Bytes())
}

func (s *Server) route(w http.ResponseWriter, r *http.Request, kind RequestKind, parts []string) {
	switch kind {
	case KindCreate:
		s.handleCreate(w, r)
	case KindList:
		s.handleList(w, r)
	case KindLookup:
		s.handleLookup(w, r, parts)
	case KindGet, KindUpdate, KindPatch, KindDelete, KindResources:
		s.mu.Lock()
		st, aerr := s.stackAt(parts[1], parts[2])
		s.mu.Unlock()
		if aerr != nil {
			writeFault(w, aerr.status, aerr.typ, aerr.msg)
			return
		}
		switch kind {
		case KindGet:
			s.handleShow(w, r, st)
		case KindUpdate, KindPatch:
			s.handleUpdate(w, r, st, kind == KindPatch)
		case KindDelete:
			s.handleDelete(w, st)
		case KindResources:
			s.handleResources(w, r, st)
		}
	default:
		writeFault(w, http.StatusNotFound, "HTTPNotFound", "The resource could not be found.")
	}
}

// stackAt finds the stack of /stacks/{name}/{id}. Called with s.mu held.
func (s *Server) stackAt(name, id string) (*stack, *apiError) {
	st, ok := s.stacks[id]
	if !ok || st.name != name {
		return nil, &apiError{status: 404, typ: "EntityNotFound", msg: fmt.Sprintf("The Stack (%s) could not be found.", name)}
	}
	return st, nil
}

// readBody decodes a create or update body; raw is the JSON value read,
// for the state file.
func readBody(w http.ResponseWriter, r *http.Request) (*stackBody, json.RawMessage, *apiError) {
	var raw json.RawMessage
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<20))
	if err := dec.Decode(&raw); err != nil {
		return nil, nil, badRequest("HTTPBadRequest", "The request body is not valid JSON: %v", err)
	}
	var body stackBody
	if err := json.Unmarshal(raw, &body); err != nil {
		return nil, nil, badRequest("HTTPBadRequest", "The request body is not valid JSON: %v", err)
	}
	return &body, raw, nil
}

// journalFailed is the answer to a change the fake made but could not
// persist.
func journalFailed(err error) *apiError {
	return &apiError{status: http.StatusInternalServerError, typ: "StateNotPersisted", msg: err.Error()}
}

func (s *Server) handleCreate(w http.ResponseWriter, r *http.Request) {
	body, raw, aerr := readBody(w, r)
	if aerr != nil {
		writeFault(w, aerr.status, aerr.typ, aerr.msg)
		return
	}
	sub, checked := s.checkCreate(body)
	s.mu.Lock()
	c := s.beginChange()
	st, aerr := s.create(body, sub, checked)
	var rec *record
	var link, id string
	if st != nil {
		link, id = s.stackLink(st), st.id
		rec = &record{Op: opCreate, Body: raw}
	}
	if err := s.commit(c, rec); err != nil {
		aerr = journalFailed(err)
	}
	s.mu.Unlock()
	if aerr != nil {
		writeFault(w, aerr.status, aerr.typ, aerr.msg)
		return
	}
	w.Header().Set("Location", link)
	writeJSON(w, http.StatusCreated, map[string]any{"stack": map[string]any{
		"id": id, "links": []any{map[string]any{"href": link, "rel": "self"}},
	}})
}

func (s *Server) handleUpdate(w http.ResponseWriter, r *http.Request, st *stack, patch bool) {
	body, raw, aerr := readBody(w, r)
	if aerr != nil {
		writeFault(w, aerr.status, aerr.typ, aerr.msg)
		return
	}
	// Check the submission without the lock, then apply it unless the
	// stack changed meanwhile (then check again over the new state).
	for {
		s.mu.Lock()
		s.observe(st)
		base, serial := st.sub, st.serial
		s.mu.Unlock()
		next, checked := s.checkUpdate(base, body, patch)
		s.mu.Lock()
		c := s.beginChange()
		if c != nil {
			// The change happens at c.at: what the stack is then is what
			// a replay sees.
			s.observe(st)
		}
		if st.serial != serial && !st.deleted {
			_ = s.commit(c, nil)
			s.mu.Unlock()
			continue
		}
		var rec *record
		if st.deleted {
			aerr = &apiError{status: 404, typ: "EntityNotFound", msg: fmt.Sprintf("The Stack (%s) could not be found.", st.name)}
		} else if aerr = s.update(st, body, patch, next, checked); aerr == nil {
			rec = &record{Op: opUpdate, Stack: st.id, Body: raw}
			if patch {
				rec.Op = opPatch
			}
		}
		if err := s.commit(c, rec); err != nil {
			aerr = journalFailed(err)
		}
		s.mu.Unlock()
		break
	}
	if aerr != nil {
		writeFault(w, aerr.status, aerr.typ, aerr.msg)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=UTF-8")
	w.WriteHeader(http.StatusAccepted)
	_, _ = w.Write([]byte("<html><head><title>202 Accepted</title></head><body><h1>202 Accepted</h1>The request is accepted for processing.</body></html>"))
}

func (s *Server) handleDelete(w http.ResponseWriter, st *stack) {
	s.mu.Lock()
	c := s.beginChange()
	s.observe(st)
	deleted := st.deleted
	var rec *record
	if !deleted && st.status() != "DELETE_IN_PROGRESS" {
		s.remove(st)
		rec = &record{Op: opDelete, Stack: st.id}
	}
	err := s.commit(c, rec)
	s.mu.Unlock()
	if deleted {
		writeFault(w, http.StatusNotFound, "EntityNotFound", fmt.Sprintf("The Stack (%s) could not be found.", st.name))
		return
	}
	if err != nil {
		aerr := journalFailed(err)
		writeFault(w, aerr.status, aerr.typ, aerr.msg)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleShow(w http.ResponseWriter, r *http.Request, st *stack) {
	withOutputs := true
	if v := r.URL.Query().Get("resolve_outputs"); v != "" {
		withOutputs = parseBool(v, true)
	}
	s.mu.Lock()
	s.observe(st)
	body := s.detail(st, withOutputs)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"stack": body})
}

func parseBool(v string, def bool) bool {
	switch strings.ToLower(v) {
	case "true", "1", "yes", "on", "t", "y":
		return true
	case "false", "0", "no", "off", "f", "n":
		return false
	}
	return def
}

// handleList serves GET /stacks with Heat's filters: id, name, status
// (repeatable), tags (all of), tags_any, not_tags, not_tags_any.
func (s *Server) handleList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	split := func(key string) []string {
		var out []string
		for _, v := range q[key] {
			for _, t := range strings.Split(v, ",") {
				if t = strings.TrimSpace(t); t != "" {
					out = append(out, t)
				}
			}
		}
		return out
	}
	ids, names, statuses := q["id"], q["name"], q["status"]
	tags, tagsAny, notTags, notTagsAny := split("tags"), split("tags_any"), split("not_tags"), split("not_tags_any")
	s.mu.Lock()
	var matched []*stack
	for _, st := range s.stacks {
		if st.deleted {
			continue
		}
		if len(ids) > 0 && !slices.Contains(ids, st.id) {
			continue
		}
		if len(names) > 0 && !slices.Contains(names, st.name) {
			continue
		}
		if !hasAll(st.tags, tags) || (len(tagsAny) > 0 && !hasAny(st.tags, tagsAny)) ||
			(len(notTags) > 0 && hasAll(st.tags, notTags)) || hasAny(st.tags, notTagsAny) {
			continue
		}
		s.observe(st)
		if st.deleted {
			continue
		}
		if len(statuses) > 0 && !slices.Contains(statuses, st.status()) && !slices.Contains(statuses, st.state) {
			continue
		}
		matched = append(matched, st)
	}
	slices.SortFunc(matched, func(a, b *stack) int {
		if c := b.created.Compare(a.created); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	out := make([]any, 0, len(matched))
	for _, st := range matched {
		out = append(out, s.summary(st))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"stacks": out})
}

func hasAll(have, want []string) bool {
	for _, t := range want {
		if !slices.Contains(have, t) {
			return false
		}
	}
	return true
}

func hasAny(have, want []string) bool {
	for _, t := range want {
		if slices.Contains(have, t) {
			return true
		}
	}
	return false
}

// handleLookup redirects /stacks/{name or id}[/sub] to the stack's URL,
// for every method, as Heat does.
func (s *Server) handleLookup(w http.ResponseWriter, r *http.Request, parts []string) {
	key := parts[1]
	s.mu.Lock()
	st, ok := s.stacks[key]
	if !ok {
		st, ok = s.byName[key]
	}
	var loc string
	if ok {
		loc = s.stackLink(st)
	}
	s.mu.Unlock()
	if !ok {
		writeFault(w, http.StatusNotFound, "EntityNotFound", fmt.Sprintf("The Stack (%s) could not be found.", key))
		return
	}
	if len(parts) > 2 {
		loc += "/" + strings.Join(parts[2:], "/")
	}
	if r.URL.RawQuery != "" {
		loc += "?" + r.URL.RawQuery
	}
	w.Header().Set("Location", loc)
	w.Header().Set("Content-Type", "text/html; charset=UTF-8")
	w.WriteHeader(http.StatusFound)
	_, _ = fmt.Fprintf(w, "<html><head><title>302 Found</title></head><body><h1>302 Found</h1>The resource was found at <a href=%q>%s</a>.</body></html>", loc, loc)
}

// handleResources serves GET /stacks/{name}/{id}/resources with
// nested_depth and the name, type, status and action filters.
func (s *Server) handleResources(w http.ResponseWriter, r *http.Request, st *stack) {
	q := r.URL.Query()
	depth := 0
	if v := q.Get("nested_depth"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeFault(w, http.StatusBadRequest, "HTTPBadRequest", fmt.Sprintf("Only integer is acceptable by 'nested_depth'. %q", v))
			return
		}
		depth = n
	}
	s.mu.Lock()
	s.observe(st)
	var out []any
	if !st.deleted {
		walk(st.root, func(res *resource, d int, parent *resource) {
			if d > depth {
				return
			}
			status, reason := st.resourceStatus(res)
			action, state, _ := strings.Cut(status, "_")
			if f := q["status"]; len(f) > 0 && !slices.Contains(f, state) {
				return
			}
			if f := q["action"]; len(f) > 0 && !slices.Contains(f, action) {
				return
			}
			if f := q["name"]; len(f) > 0 && !slices.Contains(f, res.name) {
				return
			}
			if f := q["type"]; len(f) > 0 && !slices.Contains(f, res.written) {
				return
			}
			out = append(out, s.resourceView(res, status, reason, parent))
		})
	}
	s.mu.Unlock()
	if out == nil {
		out = []any{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"resources": out})
}

// resourceStatus shows resources the running action touches in progress.
func (st *stack) resourceStatus(r *resource) (string, string) {
	if st.pending != nil && r.serial == st.serial {
		return r.action + "_IN_PROGRESS", "state changed"
	}
	return r.status(), r.reason
}

func (s *Server) resourceView(r *resource, status, reason string, parent *resource) map[string]any {
	in := r.inst
	stackURL := s.OrchestrationEndpoint() + "/stacks/" + in.name + "/" + in.id
	links := []any{
		map[string]any{"href": stackURL + "/resources/" + r.name, "rel": "self"},
		map[string]any{"href": stackURL, "rel": "stack"},
	}
	if r.nested != nil {
		links = append(links, map[string]any{"href": s.OrchestrationEndpoint() + "/stacks/" + r.nested.name + "/" + r.nested.id, "rel": "nested"})
	}
	v := map[string]any{
		"resource_name": r.name, "logical_resource_id": r.name, "physical_resource_id": r.physID,
		"resource_type": r.written, "resource_status": status, "resource_status_reason": reason,
		"creation_time": heatTime(r.created), "updated_time": heatTime(r.updated),
		"links": links, "required_by": []any{},
	}
	if parent != nil {
		v["parent_resource"] = parent.name
	}
	return v
}

// ---------------------------------------------------------------- ids

// newUUID returns a random (seeded) version 4 UUID. Called with s.mu held.
func (s *Server) newUUID() string {
	var b [16]byte
	for i := range b {
		b[i] = byte(s.rng.Uint32())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

const lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"

// shortID is the 12-character suffix Heat gives nested stack names.
func (s *Server) shortID() string {
	b := make([]byte, 12)
	for i := range b {
		b[i] = lowerAlnum[s.rng.IntN(len(lowerAlnum))]
	}
	return string(b)
}

// randomString is OS::Heat::RandomString's value.
func (s *Server) randomString(n int) string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = chars[s.rng.IntN(len(chars))]
	}
	return string(b)
}
