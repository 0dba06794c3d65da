package heattest

import (
	"encoding/hex"
	"maps"
	"net/http"
	"slices"
	"sync"
	"time"
)

// KindValidate is the kind of token validations, GET (and HEAD)
// /v3/auth/tokens with X-Subject-Token, for Requests and Fault.
const KindValidate RequestKind = "auth.validate"

// TokenSpec describes a token IssueToken makes: who it names, in which
// project, with which roles, until when. It lets tests of a service that
// validates its callers' tokens (Keystone middleware) make callers of
// their choosing.
type TokenSpec struct {
	// UserID identifies the user; required. UserName defaults to UserID.
	UserID, UserName string
	// ProjectID scopes the token (empty: the fake's project). ProjectName
	// defaults to ProjectID, or the fake's project name.
	ProjectID, ProjectName string
	// Roles are role names on the project (any names: the fake does not
	// check them).
	Roles []string
	// ExpiresAt is when validation starts answering 404. Zero: an hour
	// after issue, by the server's clock.
	ExpiresAt time.Time
}

// issuedTokens keeps what each token was issued with (without its
// catalog), so that GET /v3/auth/tokens can tell it. Its zero value is
// ready.
type issuedTokens struct {
	mu sync.Mutex
	m  map[string]issuedToken
}

type issuedToken struct {
	body    map[string]any // the "token" object, without "catalog"
	expires time.Time
}

// remember records the token object a token was issued with.
func (it *issuedTokens) remember(token string, tok map[string]any, expires time.Time) {
	body := maps.Clone(tok)
	delete(body, "catalog")
	it.mu.Lock()
	defer it.mu.Unlock()
	if it.m == nil {
		it.m = map[string]issuedToken{}
	}
	it.m[token] = issuedToken{body: body, expires: expires}
}

func (it *issuedTokens) lookup(token string) (issuedToken, bool) {
	it.mu.Lock()
	defer it.mu.Unlock()
	t, ok := it.m[token]
	return t, ok
}

// IssueToken makes a token as spec says, as if its user had logged in, and
// returns it. It authenticates to every service of the fake like the
// tokens of Options.Username (so do not give it to code under test that
// must not reach Heat), and GET /v3/auth/tokens validates it.
func (s *Server) IssueToken(spec TokenSpec) string {
	now := s.clock.Now().UTC()
	if spec.ExpiresAt.IsZero() {
		spec.ExpiresAt = now.Add(time.Hour)
	}
	if spec.UserName == "" {
		spec.UserName = spec.UserID
	}
	if spec.ProjectID == "" {
		spec.ProjectID, spec.ProjectName = s.opts.ProjectID, s.opts.ProjectName
	}
	if spec.ProjectName == "" {
		spec.ProjectName = spec.ProjectID
	}
	roles := make([]any, 0, len(spec.Roles))
	for _, r := range slices.Compact(slices.Sorted(slices.Values(spec.Roles))) {
		roles = append(roles, map[string]any{"id": "r-" + r, "name": r})
	}
	s.mu.Lock()
	var b [16]byte
	for i := range b {
		b[i] = byte(s.rng.Uint32())
	}
	token := "gAAAA" + hex.EncodeToString(b[:])
	s.tokens[token] = true
	s.mu.Unlock()
	s.issued.remember(token, map[string]any{
		"methods":    []string{"password"},
		"issued_at":  now.Format(keystoneTime),
		"expires_at": spec.ExpiresAt.UTC().Format(keystoneTime),
		"user": map[string]any{"id": spec.UserID, "name": spec.UserName,
			"domain": map[string]any{"id": "default", "name": "Default"}},
		"project": map[string]any{"id": spec.ProjectID, "name": spec.ProjectName,
			"domain": map[string]any{"id": "default", "name": "Default"}},
		"roles": roles,
	}, spec.ExpiresAt)
	return token
}

// keystoneTime is the layout of Keystone's token times.
const keystoneTime = "2006-01-02T15:04:05.000000Z"

// serveTokenValidate answers GET /v3/auth/tokens: the token named by
// X-Subject-Token, validated with a valid X-Auth-Token (401 otherwise), as
// it was issued (with the catalog unless ?nocatalog); 404 for a token the
// fake did not issue, has expired (ExpireTokens) or is past its expiry.
func (s *Server) serveTokenValidate(w http.ResponseWriter, r *http.Request) {
	s.count(KindValidate)
	if s.applyFault(w, r, KindValidate, false, s.drawRandomFault(KindValidate)) {
		return
	}
	if !s.validToken(r.Header.Get("X-Auth-Token")) {
		writeKeystoneError(w, http.StatusUnauthorized, "The request you have made requires authentication.")
		return
	}
	subject := r.Header.Get("X-Subject-Token")
	t, ok := s.issued.lookup(subject)
	if !ok || !s.validToken(subject) || !s.clock.Now().Before(t.expires) {
		writeKeystoneError(w, http.StatusNotFound, "Could not find token: "+subjectHint(subject)+".")
		return
	}
	body := maps.Clone(t.body)
	if _, no := r.URL.Query()["nocatalog"]; !no {
		body["catalog"] = s.catalog()
	}
	w.Header().Set("X-Subject-Token", subject)
	writeJSON(w, http.StatusOK, map[string]any{"token": body})
}

// subjectHint names a token in an error without echoing all of it.
func subjectHint(tok string) string {
	if len(tok) > 8 {
		return tok[:8] + "…"
	}
	return tok
}
