package heattest

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gophercloud/gophercloud/v2"

	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/internal/journal"
)

// Options configure a Server. The zero value gives a fake whose stacks
// finish at the first read after each request, on the real clock.
type Options struct {
	// ProjectID, ProjectName, Username, Password and Region are what the
	// fake Keystone accepts and reports; empty fields get defaults
	// ("heattest" project, user "admin", password "heattest", RegionOne).
	ProjectID   string
	ProjectName string
	Username    string
	Password    string
	Region      string

	// Clock drives timestamps and ActionDuration; nil means the real clock.
	Clock Clock
	// PollsToComplete is how many reads (show, list, resource list) of a
	// stack still report an action in progress before it finishes; 0 means
	// the first read after a create, update or delete shows the result.
	PollsToComplete int
	// ActionDuration is how long (on Clock) an action takes at least; both
	// conditions must hold for it to finish.
	ActionDuration time.Duration

	// DefaultCIDR is the subnet servers and load balancers get addresses
	// from when their network is not a subnet of the stack (default
	// 10.0.0.0/24). FloatingCIDR is the external network's range for
	// floating IPs (default 172.24.4.0/22).
	DefaultCIDR  string
	FloatingCIDR string

	// Services are extra APIs served next to Heat on the same listener and
	// listed in the Keystone catalog (openstacktest mounts Glance, Nova and
	// Neutron this way). See Service.
	Services []Service

	// Seed makes IDs and random strings reproducible; 0 picks a random seed
	// (or, with a StateFile, the seed the file was started with).
	Seed uint64
	// StateFile, when set, persists the stacks in that file between
	// processes: the server replays it when it starts (each change at its
	// original time and from its original random state, so stack IDs,
	// names, addresses and outputs come out the same), then appends every
	// change it accepts — creates, updates, deletes, FailResource,
	// ClearFaults — as one fsync'd JSON line. Actions in progress go on by
	// Clock afterwards, so with ActionDuration they finish by wall-clock
	// time across processes. Only one process may use a file at a time.
	// Use Open to get the errors of a file that cannot be used; see
	// StateError for the ones that do not stop the server.
	StateFile string
	// Logger receives a debug record per request; nil discards them.
	Logger *slog.Logger
}

// Service is an extra API the fake serves, for fakes of other OpenStack
// services that share its Keystone. Its handler gets the requests under
// Path (the full URL path, not stripped) that carry a token the fake
// Keystone issued; others are answered 401 as Keystone's middleware does.
// The catalog lists it with the endpoint URL()+Path on all interfaces.
type Service struct {
	Type    string // catalog service type, e.g. "image", "compute", "network"
	Name    string // catalog service name, e.g. "glance"
	Path    string // URL path prefix, e.g. "/image" or "/compute/v2.1"
	Handler http.Handler
}

// servicePath accepts "/seg[/seg…]" of unreserved characters, outside the
// fake's own /v1 (Heat) and /v3 (Keystone).
func servicePath(p string) bool {
	if len(p) < 2 || p[0] != '/' || p[len(p)-1] == '/' {
		return false
	}
	first, _, _ := strings.Cut(p[1:], "/")
	if first == "v1" || first == "v3" {
		return false
	}
	for _, seg := range strings.Split(p[1:], "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
		for _, r := range seg {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-._~", r)) {
				return false
			}
		}
	}
	return true
}

// Server is a fake OpenStack Heat (the REST API subset gomagnum uses) with
// a fake Keystone v3 in front, on a loopback httptest server. It is safe
// for concurrent use.
type Server struct {
	opts    Options
	clock   Clock
	clk     *pinClock
	mux     *http.ServeMux
	log     *slog.Logger
	httpSrv *httptest.Server
	closing chan struct{}
	once    sync.Once

	mu             sync.Mutex
	seed           uint64
	pcg            *rand.PCG
	rng            *rand.Rand
	journal        *journal.File // nil unless Options.StateFile is set
	replaying      bool
	known          map[string]bool            // hashes of the blobs in the state file
	blobs          map[string]json.RawMessage // during replay: the blobs read so far
	files          map[string]string          // during replay: file blobs decoded, by hash
	stateErrs      []error
	tokens         map[string]bool
	issued         issuedTokens // tokens.go: what each token names, for validation
	counts         map[RequestKind]int
	faults         []*activeFault
	random         *randomFaults
	injected       FaultCounts
	resourceFaults []*activeResourceFault
	stacks         map[string]*stack // by ID, deleted ones included
	byName         map[string]*stack // live stacks by name
	floating       *allocator
	parsed         map[[32]byte]*heat.Template // parsed templates by hash of name and bytes
	identity       identity                    // users and trusts (identity.go)
}

// New starts a fake Heat. Close it when done. With Options.StateFile set,
// a file that cannot be used leaves the server without persistence and
// the error in StateError; Open returns it instead.
func New(opts Options) *Server {
	s := newServer(opts)
	s.start()
	if opts.StateFile != "" {
		if err := s.openState(); err != nil {
			s.log.Error("heattest: state file not used", "err", err)
			s.mu.Lock()
			s.stateErrs = append(s.stateErrs, err)
			s.mu.Unlock()
		}
	}
	return s
}

// newServer makes a server with its defaults and routes, not yet serving.
func newServer(opts Options) *Server {
	if opts.ProjectID == "" {
		opts.ProjectID = "5f0c9d4a6b1e4d2c8a3b7e9f1d2c3b4a"
	}
	if opts.ProjectName == "" {
		opts.ProjectName = "heattest"
	}
	if opts.Username == "" {
		opts.Username = "admin"
	}
	if opts.Password == "" {
		opts.Password = "heattest"
	}
	if opts.Region == "" {
		opts.Region = "RegionOne"
	}
	if opts.DefaultCIDR == "" {
		opts.DefaultCIDR = "10.0.0.0/24"
	}
	if opts.FloatingCIDR == "" {
		opts.FloatingCIDR = "172.24.4.0/22"
	}
	seed := opts.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	base := opts.Clock
	if base == nil {
		base = realClock{}
	}
	s := &Server{
		opts:    opts,
		clk:     &pinClock{base: base},
		log:     opts.Logger,
		closing: make(chan struct{}),
		tokens:  map[string]bool{},
		counts:  map[RequestKind]int{},
		stacks:  map[string]*stack{},
		byName:  map[string]*stack{},
		parsed:  map[[32]byte]*heat.Template{},
		known:   map[string]bool{},
	}
	s.clock = s.clk
	s.reseed(seed)
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	fl, err := newAllocator(opts.FloatingCIDR)
	if err != nil {
		fl, _ = newAllocator("172.24.4.0/22")
	}
	s.floating = fl
	mux := http.NewServeMux()
	mux.HandleFunc("/", s.serveRoot)
	mux.HandleFunc("/v3", s.serveIdentityVersion)
	mux.HandleFunc("/v3/", s.serveIdentityVersion)
	mux.HandleFunc("POST /v3/auth/tokens", s.serveToken)
	// tokens.go: validation of the tokens issued
	mux.HandleFunc("GET /v3/auth/tokens", s.serveTokenValidate)
	s.identityRoutes(mux) // identity.go: users and trusts
	mux.HandleFunc("/v1/", s.serveHeat)
	var services []Service
	seen := map[string]bool{}
	for _, svc := range opts.Services {
		if svc.Handler == nil || svc.Type == "" || !servicePath(svc.Path) || seen[svc.Path] {
			s.log.Warn("heattest: extra service ignored (needs a type, a handler and a unique /path outside /v1 and /v3)",
				"type", svc.Type, "path", svc.Path)
			continue
		}
		seen[svc.Path] = true
		services = append(services, svc)
		mux.Handle(svc.Path+"/", s.authenticated(svc.Handler))
	}
	s.opts.Services = services
	s.mux = mux
	return s
}

// reseed restarts the random source from seed.
func (s *Server) reseed(seed uint64) {
	s.seed = seed
	s.pcg = rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)
	s.rng = rand.New(s.pcg)
}

// start begins serving.
func (s *Server) start() { s.httpSrv = httptest.NewServer(s.mux) }

// URL is the server's base URL (http://127.0.0.1:port).
func (s *Server) URL() string { return s.httpSrv.URL }

// IdentityEndpoint is the Keystone v3 URL to authenticate against.
func (s *Server) IdentityEndpoint() string { return s.httpSrv.URL + "/v3/" }

// OrchestrationEndpoint is Heat's URL for the project, as in the catalog.
func (s *Server) OrchestrationEndpoint() string {
	return s.httpSrv.URL + "/v1/" + s.opts.ProjectID
}

// ProjectID is the project the fake's token is scoped to.
func (s *Server) ProjectID() string { return s.opts.ProjectID }

// AuthOptions are credentials the fake Keystone accepts, for gophercloud
// (config.NewProviderClient) or openstack.Connect.
func (s *Server) AuthOptions() gophercloud.AuthOptions {
	return gophercloud.AuthOptions{
		IdentityEndpoint: s.IdentityEndpoint(),
		Username:         s.opts.Username,
		Password:         s.opts.Password,
		DomainName:       "Default",
		TenantName:       s.opts.ProjectName,
		AllowReauth:      true,
	}
}

// Close stops the server. Stalled requests are released first.
func (s *Server) Close() {
	s.once.Do(func() { close(s.closing) })
	s.httpSrv.Close()
	s.mu.Lock()
	j := s.journal
	s.journal = nil
	s.mu.Unlock()
	if j != nil {
		_ = j.Close() // every record was synced when written
	}
}

// ExpireTokens invalidates every token issued so far, so clients must log
// in again (gophercloud does so on the 401 it gets).
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// Requests returns how many requests of a kind the server received.
func (s *Server) Requests(k RequestKind) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[k]
}

// RequestCounts returns a copy of all request counters.
func (s *Server) RequestCounts() map[RequestKind]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[RequestKind]int, len(s.counts))
	for k, v := range s.counts {
		out[k] = v
	}
	return out
}

// TotalRequests is the sum of all counters except KindAuth.
func (s *Server) TotalRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, v := range s.counts {
		if k != KindAuth {
			n += v
		}
	}
	return n
}

// ResetCounts sets all request counters to zero.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.counts)
}

// InjectFault makes the next f.Times requests of f.Kind fail. Faults of the
// same kind apply in the order injected.
func (s *Server) InjectFault(f Fault) {
	f.normalise()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &activeFault{Fault: f, left: f.Times})
}

// FailResource makes matching resources fail in later creates, updates
// (resources they add) or deletes. The stack fails with Heat's message
// shape: "Resource CREATE failed: ResourceInError: resources.<path>: <reason>".
func (s *Server) FailResource(f ResourceFault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.beginChange()
	s.resourceFaults = append(s.resourceFaults, &activeResourceFault{ResourceFault: f})
	_ = s.commit(c, &record{Op: opFail, Fault: &f}) // kept for StateError
}

// ClearFaults removes all request and resource faults, random ones
// included.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
	s.random = nil
	c := s.beginChange()
	s.resourceFaults = nil
	_ = s.commit(c, &record{Op: opClearFails}) // kept for StateError
}

// takeFault returns the fault that applies to a request of kind k at this
// point (before or after its effect), if any. Called with s.mu held.
func (s *Server) takeFault(k RequestKind, after bool) *Fault {
	for i, f := range s.faults {
		if f.Kind != k || f.AfterEffect != after {
			continue
		}
		f.left--
		if f.left <= 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		out := f.Fault
		return &out
	}
	return nil
}

// stall blocks until the request's context ends or the server closes.
func (s *Server) stall(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-s.closing:
	}
}

// ---------------------------------------------------------------- Keystone

func (s *Server) serveRoot(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		s.count(KindOther)
		writeFault(w, http.StatusNotFound, "NotFound", "The resource could not be found.")
		return
	}
	writeJSON(w, http.StatusMultipleChoices, map[string]any{"versions": map[string]any{"values": []any{s.identityVersion()}}})
}

func (s *Server) serveIdentityVersion(w http.ResponseWriter, r *http.Request) {
	if strings.TrimSuffix(r.URL.Path, "/") != "/v3" {
		s.count(KindOther)
		writeFault(w, http.StatusNotFound, "NotFound", "The resource could not be found.")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"version": s.identityVersion()})
}

func (s *Server) identityVersion() map[string]any {
	return map[string]any{
		"id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
		"links": []any{map[string]any{"rel": "self", "href": s.IdentityEndpoint()}},
	}
}

// tokenRequest is the part of Keystone's auth body the fake reads.
type tokenRequest struct {
	Auth struct {
		Identity struct {
			Methods  []string `json:"methods"`
			Password struct {
				User struct {
					ID       string `json:"id"`
					Name     string `json:"name"`
					Password string `json:"password"`
					Domain   struct {
						ID   string `json:"id"`
						Name string `json:"name"`
					} `json:"domain"`
				} `json:"user"`
			} `json:"password"`
			Token struct {
				ID string `json:"id"`
			} `json:"token"`
		} `json:"identity"`
		Scope json.RawMessage `json:"scope"`
	} `json:"auth"`
}

func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	s.count(KindAuth)
	random := s.drawRandomFault(KindAuth)
	if random != nil {
		random.AfterEffect = false // no token is issued with a failure
	}
	if s.applyFault(w, r, KindAuth, false, random) {
		return
	}
	var req tokenRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
		writeKeystoneError(w, http.StatusBadRequest, "malformed auth request")
		return
	}
	id := req.Auth.Identity
	ok := false
	for _, m := range id.Methods {
		switch m {
		case "password":
			u := id.Password.User
			ok = ok || ((u.Name == s.opts.Username || u.ID == s.opts.Username) && u.Password == s.opts.Password)
		case "token":
			ok = ok || s.validToken(id.Token.ID)
		}
	}
	if !ok {
		if s.serveTrustToken(w, req) { // identity.go
			return
		}
		writeKeystoneError(w, http.StatusUnauthorized, "The request you have made requires authentication.")
		return
	}
	s.mu.Lock()
	var b [16]byte
	for i := range b {
		b[i] = byte(s.rng.Uint32())
	}
	token := "gAAAA" + hex.EncodeToString(b[:])
	s.tokens[token] = true
	s.mu.Unlock()
	now := s.clock.Now().UTC()
	tok := map[string]any{
		"methods":    []string{"password"},
		"issued_at":  now.Format("2006-01-02T15:04:05.000000Z"),
		"expires_at": now.Add(time.Hour).Format("2006-01-02T15:04:05.000000Z"),
		"user": map[string]any{"id": "u-" + s.opts.Username, "name": s.opts.Username,
			"domain": map[string]any{"id": "default", "name": "Default"}},
		"project": map[string]any{"id": s.opts.ProjectID, "name": s.opts.ProjectName,
			"domain": map[string]any{"id": "default", "name": "Default"}},
		"roles":   []any{map[string]any{"id": "r-member", "name": "member"}, map[string]any{"id": "r-owner", "name": "heat_stack_owner"}},
		"catalog": s.catalog(),
	}
	s.issued.remember(token, tok, now.Add(time.Hour))
	body := map[string]any{"token": tok}
	w.Header().Set("X-Subject-Token", token)
	writeJSON(w, http.StatusCreated, body)
}

// catalog lists Heat, Keystone and the extra services.
func (s *Server) catalog() []any {
	out := []any{
		map[string]any{"type": "orchestration", "name": "heat", "id": "svc-heat", "endpoints": s.endpoints(s.OrchestrationEndpoint())},
		map[string]any{"type": "identity", "name": "keystone", "id": "svc-keystone", "endpoints": s.endpoints(strings.TrimSuffix(s.IdentityEndpoint(), "/"))},
	}
	for _, svc := range s.opts.Services {
		out = append(out, map[string]any{"type": svc.Type, "name": svc.Name, "id": "svc-" + svc.Type, "endpoints": s.endpoints(s.URL() + svc.Path)})
	}
	return out
}

func (s *Server) endpoints(u string) []any {
	var out []any
	for _, iface := range []string{"public", "internal", "admin"} {
		out = append(out, map[string]any{"id": "ep-" + iface, "interface": iface, "region": s.opts.Region, "region_id": s.opts.Region, "url": u})
	}
	return out
}

// authenticated lets through requests with a token the fake issued.
func (s *Server) authenticated(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.validToken(r.Header.Get("X-Auth-Token")) {
			writeKeystoneError(w, http.StatusUnauthorized, "The request you have made requires authentication.")
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (s *Server) validToken(t string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return t != "" && s.tokens[t]
}

func (s *Server) count(k RequestKind) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts[k]++
}

// applyFault answers a request with an injected fault (before its effect
// unless after is set) and reports whether it did. A counted fault comes
// first; random, drawn once per request, applies at its own point.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, k RequestKind, after bool, random *Fault) bool {
	s.mu.Lock()
	f := s.takeFault(k, after)
	if f == nil && random != nil && random.AfterEffect == after {
		f = random
	}
	if f != nil {
		if f.Stall {
			s.injected.Stalls++
		} else {
			s.injected.Errors++
		}
		if f.AfterEffect {
			s.injected.AfterEffect++
		}
	}
	s.mu.Unlock()
	if f == nil {
		return false
	}
	if f.Stall {
		s.stall(r.Context())
		return true
	}
	writeFault(w, f.Status, "InjectedFault", fmt.Sprintf("heattest: injected %d for %s", f.Status, k))
	return true
}

// ---------------------------------------------------------------- replies

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// writeFault answers in Heat's fault format.
func writeFault(w http.ResponseWriter, status int, typ, msg string) {
	writeJSON(w, status, map[string]any{
		"code":        status,
		"title":       http.StatusText(status),
		"explanation": explanation(status),
		"error":       map[string]any{"type": typ, "message": msg, "traceback": nil},
	})
}

func explanation(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "The server could not comply with the request since it is either malformed or otherwise incorrect."
	case http.StatusNotFound:
		return "The resource could not be found."
	case http.StatusConflict:
		return "There was a conflict when trying to complete your request."
	case http.StatusUnauthorized:
		return "This server could not verify that you are authorized to access the document you requested."
	}
	return http.StatusText(status)
}

func writeKeystoneError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": status, "message": msg, "title": http.StatusText(status)}})
}

// ServerIDs returns the ids of the OS::Nova::Server resources of a stack,
// nested stacks and groups included, as the stack stands now (sorted). A
// test tells replaced servers from kept ones with it. An unknown stack has
// none.
func (s *Server) ServerIDs(stackID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.stacks[stackID]
	if !ok {
		return nil
	}
	var ids []string
	walk(st.root, func(r *resource, _ int, _ *resource) {
		if r.typ == "OS::Nova::Server" && r.state != "FAILED" {
			ids = append(ids, r.physID)
		}
	})
	slices.Sort(ids)
	return ids
}
