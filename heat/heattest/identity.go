package heattest

import (
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// The kinds of Keystone identity calls, for Requests and Fault: users and
// trusts, reads (GET) and writes (POST, PATCH, DELETE) apart, so that a
// fault can hit a trust create without hitting the user calls before it.
const (
	KindUserRead   RequestKind = "user.read"   // GET /v3/users[/{id}]
	KindUserWrite  RequestKind = "user.write"  // POST /v3/users, PATCH and DELETE /v3/users/{id}
	KindTrustRead  RequestKind = "trust.read"  // GET /v3/OS-TRUST/trusts[/{id}]
	KindTrustWrite RequestKind = "trust.write" // POST /v3/OS-TRUST/trusts, DELETE …/{id}
)

// TrusteeDomainID and TrusteeDomainName are a second Keystone domain every
// fake has, besides "default", for per-cluster trustee users.
const (
	TrusteeDomainID   = "5a1e7d0b3c9f4e2a8d6b1c0f7e3a9d24"
	TrusteeDomainName = "magnum"
)

// trustRole resolves a role the fake's admin user holds on its project, by
// ID or by name: the only roles a trust may delegate.
func trustRole(id, name string) (roleID, roleName string, ok bool) {
	for _, r := range [...][2]string{{"r-member", "member"}, {"r-owner", "heat_stack_owner"}, {"r-reader", "reader"}} {
		if (id != "" && r[0] == id) || (id == "" && r[1] == name) {
			return r[0], r[1], true
		}
	}
	return "", "", false
}

// rolesJSON lists roles by ID and name.
func rolesJSON(names []string) []any {
	out := make([]any, 0, len(names))
	for _, name := range names {
		if id, _, ok := trustRole("", name); ok {
			out = append(out, map[string]any{"id": id, "name": name})
		}
	}
	return out
}

// IdentityUser is a user of the fake Keystone's identity API. Password is
// kept only to check logins; snapshots leave it empty.
type IdentityUser struct {
	ID               string
	Name             string
	DomainID         string
	DefaultProjectID string
	Description      string
	Enabled          bool
	password         string
}

// IdentityTrust is a Keystone trust: the trustor delegates Roles on
// ProjectID to the trustee.
type IdentityTrust struct {
	ID            string
	TrustorUserID string
	TrusteeUserID string
	ProjectID     string
	Impersonation bool
	Roles         []string // role names
	ExpiresAt     time.Time
}

// identity is the fake Keystone's users and trusts, and which tokens were
// issued through a trust (they may not manage users or trusts). Its zero
// value is ready: lock it with lock(), which makes the maps.
type identity struct {
	mu          sync.Mutex
	users       map[string]*IdentityUser
	trusts      map[string]*IdentityTrust
	trustTokens map[string]string // token → trust ID
}

// domainName names the fake's domains: "default" and the trustee domain.
func domainName(id string) (string, bool) {
	switch id {
	case "default":
		return "Default", true
	case TrusteeDomainID:
		return TrusteeDomainName, true
	}
	return "", false
}

// lock takes the mutex and makes the maps on first use.
func (id *identity) lock() {
	id.mu.Lock()
	if id.users == nil {
		id.users = map[string]*IdentityUser{}
		id.trusts = map[string]*IdentityTrust{}
		id.trustTokens = map[string]string{}
	}
}

func (id *identity) unlock() { id.mu.Unlock() }

// Users returns a snapshot of the identity API's users (not the admin user
// of Options), sorted by name, without passwords.
func (s *Server) Users() []IdentityUser {
	s.identity.lock()
	defer s.identity.unlock()
	out := make([]IdentityUser, 0, len(s.identity.users))
	for _, u := range s.identity.users {
		c := *u
		c.password = ""
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Trusts returns a snapshot of the trusts, sorted by ID.
func (s *Server) Trusts() []IdentityTrust {
	s.identity.lock()
	defer s.identity.unlock()
	out := make([]IdentityTrust, 0, len(s.identity.trusts))
	for _, t := range s.identity.trusts {
		c := *t
		c.Roles = slices.Clone(t.Roles)
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// AdminUserID is the user ID the fake's token for Options.Username carries,
// the trustor of trusts the admin creates.
func (s *Server) AdminUserID() string { return "u-" + s.opts.Username }

// identityRoutes mounts the users and trusts API on mux.
func (s *Server) identityRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v3/users", s.identityCall(s.serveUserList))
	mux.HandleFunc("POST /v3/users", s.identityCall(s.serveUserCreate))
	mux.HandleFunc("GET /v3/users/{id}", s.identityCall(s.serveUserGet))
	mux.HandleFunc("PATCH /v3/users/{id}", s.identityCall(s.serveUserUpdate))
	mux.HandleFunc("DELETE /v3/users/{id}", s.identityCall(s.serveUserDelete))
	mux.HandleFunc("GET /v3/OS-TRUST/trusts", s.identityCall(s.serveTrustList))
	mux.HandleFunc("POST /v3/OS-TRUST/trusts", s.identityCall(s.serveTrustCreate))
	mux.HandleFunc("GET /v3/OS-TRUST/trusts/{id}", s.identityCall(s.serveTrustGet))
	mux.HandleFunc("DELETE /v3/OS-TRUST/trusts/{id}", s.identityCall(s.serveTrustDelete))
}

// identityCall counts, authenticates and applies faults: only the admin's
// tokens manage users and trusts (a trust-scoped token gets 403).
func (s *Server) identityCall(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		kind := KindUserWrite
		switch trust := strings.HasPrefix(r.URL.Path, "/v3/OS-TRUST/"); {
		case trust && r.Method == http.MethodGet:
			kind = KindTrustRead
		case trust:
			kind = KindTrustWrite
		case r.Method == http.MethodGet:
			kind = KindUserRead
		}
		s.count(kind)
		s.log.Debug("heattest request", "method", r.Method, "path", r.URL.Path, "kind", string(kind))
		token := r.Header.Get("X-Auth-Token")
		if !s.validToken(token) {
			writeKeystoneError(w, http.StatusUnauthorized, "The request you have made requires authentication.")
			return
		}
		s.identity.lock()
		_, viaTrust := s.identity.trustTokens[token]
		s.identity.unlock()
		if viaTrust {
			writeKeystoneError(w, http.StatusForbidden, "You are not authorized to perform the requested action.")
			return
		}
		random := s.drawRandomFault(kind)
		if s.applyFault(w, r, kind, false, random) {
			return
		}
		rec := &recorder{header: http.Header{}, status: http.StatusOK}
		h(rec, r)
		if s.applyFault(w, r, kind, true, random) {
			return
		}
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.status)
		_, _ = w.Write(rec.body.Bytes())
	}
}

// newIdentityID draws a Keystone-shaped ID (32 hex digits).
func (s *Server) newIdentityID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b [16]byte
	for i := range b {
		b[i] = byte(s.rng.Uint32())
	}
	return hex.EncodeToString(b[:])
}

func userJSON(u *IdentityUser) map[string]any {
	m := map[string]any{
		"id": u.ID, "name": u.Name, "domain_id": u.DomainID, "enabled": u.Enabled,
		"password_expires_at": nil, "options": map[string]any{},
		"links": map[string]any{"self": "/v3/users/" + u.ID},
	}
	if u.DefaultProjectID != "" {
		m["default_project_id"] = u.DefaultProjectID
	}
	if u.Description != "" {
		m["description"] = u.Description
	}
	return m
}

func (s *Server) serveUserList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.identity.lock()
	var out []any
	ids := make([]string, 0, len(s.identity.users))
	for id := range s.identity.users {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		u := s.identity.users[id]
		if (q.Has("name") && q.Get("name") != u.Name) || (q.Has("domain_id") && q.Get("domain_id") != u.DomainID) {
			continue
		}
		out = append(out, userJSON(u))
	}
	s.identity.unlock()
	if out == nil {
		out = []any{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": out, "links": map[string]any{"self": r.URL.String(), "next": nil, "previous": nil}})
}

// userBody is the part of a user create or update the fake reads.
type userBody struct {
	User struct {
		Name             *string `json:"name"`
		DomainID         *string `json:"domain_id"`
		Password         *string `json:"password"`
		Enabled          *bool   `json:"enabled"`
		Description      *string `json:"description"`
		DefaultProjectID *string `json:"default_project_id"`
	} `json:"user"`
}

func decodeIdentity(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(v); err != nil {
		writeKeystoneError(w, http.StatusBadRequest, "Expecting to find valid JSON in request body.")
		return false
	}
	return true
}

func (s *Server) serveUserCreate(w http.ResponseWriter, r *http.Request) {
	var b userBody
	if !decodeIdentity(w, r, &b) {
		return
	}
	in := b.User
	if in.Name == nil || *in.Name == "" || len(*in.Name) > 255 {
		writeKeystoneError(w, http.StatusBadRequest, "Invalid input for field 'name'.")
		return
	}
	u := &IdentityUser{Name: *in.Name, DomainID: "default", Enabled: true}
	if in.DomainID != nil {
		u.DomainID = *in.DomainID
	}
	if in.Password != nil {
		u.password = *in.Password
	}
	if in.Enabled != nil {
		u.Enabled = *in.Enabled
	}
	if in.Description != nil {
		u.Description = *in.Description
	}
	if in.DefaultProjectID != nil {
		u.DefaultProjectID = *in.DefaultProjectID
	}
	u.ID = s.newIdentityID()
	s.identity.lock()
	defer s.identity.unlock()
	if _, ok := domainName(u.DomainID); !ok {
		writeKeystoneError(w, http.StatusBadRequest, "Could not find domain: "+u.DomainID+".")
		return
	}
	for _, o := range s.identity.users {
		if o.Name == u.Name && o.DomainID == u.DomainID {
			writeKeystoneError(w, http.StatusConflict, "Conflict occurred attempting to store user - Duplicate entry found with name "+u.Name+" at domain ID "+u.DomainID+".")
			return
		}
	}
	s.identity.users[u.ID] = u
	writeJSON(w, http.StatusCreated, map[string]any{"user": userJSON(u)})
}

func (s *Server) serveUserGet(w http.ResponseWriter, r *http.Request) {
	s.identity.lock()
	defer s.identity.unlock()
	u, ok := s.identity.users[r.PathValue("id")]
	if !ok {
		writeKeystoneError(w, http.StatusNotFound, "Could not find user: "+r.PathValue("id")+".")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": userJSON(u)})
}

func (s *Server) serveUserUpdate(w http.ResponseWriter, r *http.Request) {
	var b userBody
	if !decodeIdentity(w, r, &b) {
		return
	}
	in := b.User
	s.identity.lock()
	defer s.identity.unlock()
	u, ok := s.identity.users[r.PathValue("id")]
	if !ok {
		writeKeystoneError(w, http.StatusNotFound, "Could not find user: "+r.PathValue("id")+".")
		return
	}
	if in.DomainID != nil && *in.DomainID != u.DomainID {
		writeKeystoneError(w, http.StatusBadRequest, "Cannot change Domain ID.")
		return
	}
	if in.Name != nil {
		for _, o := range s.identity.users {
			if o != u && o.Name == *in.Name && o.DomainID == u.DomainID {
				writeKeystoneError(w, http.StatusConflict, "Conflict occurred attempting to store user - Duplicate entry.")
				return
			}
		}
		u.Name = *in.Name
	}
	if in.Password != nil {
		u.password = *in.Password
	}
	if in.Enabled != nil {
		u.Enabled = *in.Enabled
	}
	if in.Description != nil {
		u.Description = *in.Description
	}
	if in.DefaultProjectID != nil {
		u.DefaultProjectID = *in.DefaultProjectID
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": userJSON(u)})
}

// serveUserDelete removes the user and, as Keystone does, the trusts in
// which it is trustor or trustee.
func (s *Server) serveUserDelete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.identity.lock()
	defer s.identity.unlock()
	if _, ok := s.identity.users[id]; !ok {
		writeKeystoneError(w, http.StatusNotFound, "Could not find user: "+id+".")
		return
	}
	delete(s.identity.users, id)
	for tid, t := range s.identity.trusts {
		if t.TrusteeUserID == id || t.TrustorUserID == id {
			delete(s.identity.trusts, tid)
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

func trustJSON(t *IdentityTrust) map[string]any {
	roles := rolesJSON(t.Roles)
	var expires any
	if !t.ExpiresAt.IsZero() {
		expires = t.ExpiresAt.UTC().Format("2006-01-02T15:04:05.000000Z")
	}
	return map[string]any{
		"id": t.ID, "trustor_user_id": t.TrustorUserID, "trustee_user_id": t.TrusteeUserID,
		"project_id": t.ProjectID, "impersonation": t.Impersonation, "roles": roles,
		"expires_at": expires, "remaining_uses": nil, "allow_redelegation": false, "redelegation_count": 0,
		"links": map[string]any{"self": "/v3/OS-TRUST/trusts/" + t.ID},
	}
}

func (s *Server) serveTrustList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.identity.lock()
	ids := make([]string, 0, len(s.identity.trusts))
	for id := range s.identity.trusts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := []any{}
	for _, id := range ids {
		t := s.identity.trusts[id]
		if (q.Has("trustor_user_id") && q.Get("trustor_user_id") != t.TrustorUserID) ||
			(q.Has("trustee_user_id") && q.Get("trustee_user_id") != t.TrusteeUserID) {
			continue
		}
		out = append(out, trustJSON(t))
	}
	s.identity.unlock()
	writeJSON(w, http.StatusOK, map[string]any{"trusts": out, "links": map[string]any{"self": r.URL.String(), "next": nil, "previous": nil}})
}

// trustBody is the part of a trust create the fake reads.
type trustBody struct {
	Trust struct {
		TrustorUserID string `json:"trustor_user_id"`
		TrusteeUserID string `json:"trustee_user_id"`
		ProjectID     string `json:"project_id"`
		Impersonation *bool  `json:"impersonation"`
		ExpiresAt     string `json:"expires_at"`
		Roles         []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"roles"`
	} `json:"trust"`
}

// serveTrustCreate makes a trust. The trustee must be a user of the
// identity API; the trustor and the project are taken as given (the fake
// knows no other users or projects, and callers of a Manager test are
// arbitrary IDs), and so are the trustor's roles among member,
// heat_stack_owner and reader.
func (s *Server) serveTrustCreate(w http.ResponseWriter, r *http.Request) {
	var b trustBody
	if !decodeIdentity(w, r, &b) {
		return
	}
	in := b.Trust
	if in.TrustorUserID == "" || in.TrusteeUserID == "" || in.Impersonation == nil {
		writeKeystoneError(w, http.StatusBadRequest, "trustor_user_id, trustee_user_id and impersonation are required.")
		return
	}
	t := &IdentityTrust{TrustorUserID: in.TrustorUserID, TrusteeUserID: in.TrusteeUserID, ProjectID: in.ProjectID, Impersonation: *in.Impersonation}
	if in.ExpiresAt != "" {
		at, err := time.Parse(time.RFC3339Nano, in.ExpiresAt)
		if err != nil {
			writeKeystoneError(w, http.StatusBadRequest, "Invalid expires_at.")
			return
		}
		t.ExpiresAt = at
	}
	if len(in.Roles) > 0 && t.ProjectID == "" {
		writeKeystoneError(w, http.StatusBadRequest, "Redelegation of roles requires a project.")
		return
	}
	for _, role := range in.Roles {
		_, name, ok := trustRole(role.ID, role.Name)
		if !ok {
			writeKeystoneError(w, http.StatusNotFound, "Could not find role: "+role.ID+role.Name+".")
			return
		}
		if !slices.Contains(t.Roles, name) {
			t.Roles = append(t.Roles, name)
		}
	}
	t.ID = s.newIdentityID()
	s.identity.lock()
	defer s.identity.unlock()
	if _, ok := s.identity.users[t.TrusteeUserID]; !ok {
		writeKeystoneError(w, http.StatusNotFound, "Could not find user: "+t.TrusteeUserID+".")
		return
	}
	s.identity.trusts[t.ID] = t
	writeJSON(w, http.StatusCreated, map[string]any{"trust": trustJSON(t)})
}

func (s *Server) serveTrustGet(w http.ResponseWriter, r *http.Request) {
	s.identity.lock()
	defer s.identity.unlock()
	t, ok := s.identity.trusts[r.PathValue("id")]
	if !ok {
		writeKeystoneError(w, http.StatusNotFound, "Could not find trust: "+r.PathValue("id")+".")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"trust": trustJSON(t)})
}

func (s *Server) serveTrustDelete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.identity.lock()
	defer s.identity.unlock()
	if _, ok := s.identity.trusts[id]; !ok {
		writeKeystoneError(w, http.StatusNotFound, "Could not find trust: "+id+".")
		return
	}
	delete(s.identity.trusts, id)
	w.WriteHeader(http.StatusNoContent)
}

// domainIs reports whether the domain with id is named name.
func domainIs(id, name string) bool {
	n, ok := domainName(id)
	return ok && strings.EqualFold(n, name)
}

// trustScope is the scope of a trust-scoped login.
type trustScope struct {
	Trust struct {
		ID string `json:"id"`
	} `json:"OS-TRUST:trust"`
}

// serveTrustToken answers a password login of an identity-API user scoped
// to a trust it is the trustee of, and reports whether it did. With
// impersonation the token's user is the trustor, as in Keystone. Logins of
// such users without a trust scope are not served (false).
func (s *Server) serveTrustToken(w http.ResponseWriter, req tokenRequest) bool {
	if !slices.Contains(req.Auth.Identity.Methods, "password") {
		return false
	}
	var scope trustScope
	if len(req.Auth.Scope) == 0 || json.Unmarshal(req.Auth.Scope, &scope) != nil || scope.Trust.ID == "" {
		return false
	}
	pu := req.Auth.Identity.Password.User
	s.identity.lock()
	var user *IdentityUser
	for _, u := range s.identity.users {
		if (pu.ID != "" && u.ID == pu.ID) ||
			(pu.ID == "" && u.Name == pu.Name && (u.DomainID == pu.Domain.ID || domainIs(u.DomainID, pu.Domain.Name))) {
			user = u
			break
		}
	}
	if user == nil || !user.Enabled || user.password == "" || user.password != pu.Password {
		s.identity.unlock()
		return false
	}
	t, ok := s.identity.trusts[scope.Trust.ID]
	now := s.clock.Now()
	if !ok || t.TrusteeUserID != user.ID || (!t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt)) {
		s.identity.unlock()
		writeKeystoneError(w, http.StatusForbidden, "The trust is not valid for this user.")
		return true
	}
	trust := *t
	trust.Roles = slices.Clone(t.Roles)
	userName, domainID := user.Name, user.DomainID
	s.identity.unlock()

	token := "gAAAA" + s.newIdentityID()
	s.mu.Lock()
	s.tokens[token] = true
	s.mu.Unlock()
	s.identity.lock()
	s.identity.trustTokens[token] = trust.ID
	s.identity.unlock()

	tokenUser := map[string]any{"id": user.ID, "name": userName, "domain": map[string]any{"id": domainID}}
	if trust.Impersonation {
		name := trust.TrustorUserID // the fake knows no other user's name
		if name == s.AdminUserID() {
			name = s.opts.Username
		}
		tokenUser = map[string]any{"id": trust.TrustorUserID, "name": name, "domain": map[string]any{"id": "default", "name": "Default"}}
	}
	roles := rolesJSON(trust.Roles)
	now = now.UTC()
	tok := map[string]any{
		"methods":    []string{"password"},
		"issued_at":  now.Format("2006-01-02T15:04:05.000000Z"),
		"expires_at": now.Add(time.Hour).Format("2006-01-02T15:04:05.000000Z"),
		"user":       tokenUser,
		"project": map[string]any{"id": s.opts.ProjectID, "name": s.opts.ProjectName,
			"domain": map[string]any{"id": "default", "name": "Default"}},
		"roles":   roles,
		"catalog": s.catalog(),
		"OS-TRUST:trust": map[string]any{"id": trust.ID, "impersonation": trust.Impersonation,
			"trustee_user": map[string]any{"id": trust.TrusteeUserID}, "trustor_user": map[string]any{"id": trust.TrustorUserID}},
	}
	s.issued.remember(token, tok, now.Add(time.Hour))
	body := map[string]any{"token": tok}
	w.Header().Set("X-Subject-Token", token)
	writeJSON(w, http.StatusCreated, body)
	return true
}
