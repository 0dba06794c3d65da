package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/policy"
)

// DefaultMaxBodyBytes bounds request bodies when Config.MaxBodyBytes is 0.
const DefaultMaxBodyBytes = 1 << 20

// DefaultMaxLimit is the largest page a list returns (Magnum's [api] max_limit).
const DefaultMaxLimit = 1000

// Config configures the handler New returns.
type Config struct {
	// Manager serves the requests. Required.
	Manager *magnum.Manager
	// Authenticator says who is asking. Required: there is no anonymous
	// access to /v1 resources (the version documents at / and /v1 are public).
	Authenticator Authenticator
	// Logger receives one line per request (with its request id) and the
	// details of server-side failures. Nil: nothing is logged.
	Logger *slog.Logger
	// MaxBodyBytes bounds a request body; larger ones get 413. 0: DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// MaxLimit is the largest page size (and the size of a page when the
	// request gives no limit). 0: DefaultMaxLimit.
	MaxLimit int
	// RequestTimeout bounds the work of one request through its context.
	// 0: no bound beyond the client's connection.
	RequestTimeout time.Duration
	// PublicURL is the base URL clients reach the API at (e.g.
	// "https://magnum.example.com:9511"), used in links. Empty: taken from
	// each request's Host (and TLS state or X-Forwarded-Proto).
	PublicURL string
	// NewRequestID makes request ids. Nil: "req-" and a random UUID.
	NewRequestID func() string
	// IdentityURI is the Keystone URL 401 answers point clients to
	// (WWW-Authenticate: Keystone uri="..."). Empty: the header names no URI.
	IdentityURI string
}

// handler is the http.Handler New returns.
type handler struct {
	cfg    Config
	mgr    *magnum.Manager
	auth   Authenticator
	log    *slog.Logger
	mux    *http.ServeMux
	newReq func() string
}

// New returns the Magnum v1 API over cfg.Manager.
func New(cfg Config) (http.Handler, error) {
	if cfg.Manager == nil {
		return nil, errors.New("api: Config.Manager is required")
	}
	if cfg.Authenticator == nil {
		return nil, errors.New("api: Config.Authenticator is required")
	}
	if cfg.MaxBodyBytes < 0 || cfg.MaxLimit < 0 || cfg.RequestTimeout < 0 {
		return nil, errors.New("api: MaxBodyBytes, MaxLimit and RequestTimeout must not be negative")
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.MaxLimit == 0 {
		cfg.MaxLimit = DefaultMaxLimit
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	h := &handler{cfg: cfg, mgr: cfg.Manager, auth: cfg.Authenticator, log: cfg.Logger, newReq: cfg.NewRequestID}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.newReq == nil {
		h.newReq = newRequestID
	}
	h.mux = h.routes()
	return h, nil
}

// reqState travels in a request's context: its id, version and caller.
type reqState struct {
	id      string
	version Version
	caller  policy.Caller
}

type stateKey struct{}

func state(ctx context.Context) *reqState {
	s, _ := ctx.Value(stateKey{}).(*reqState)
	if s == nil {
		return &reqState{version: MinVersion}
	}
	return s
}

// ServeHTTP runs the middleware chain: request id, panic guard, body limit,
// version negotiation, authentication, then the route.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	st := &reqState{id: h.newReq(), version: MinVersion}
	sw := &statusWriter{ResponseWriter: w}
	sw.Header().Set("X-Openstack-Request-Id", st.id)
	ctx := context.WithValue(r.Context(), stateKey{}, st)
	if h.cfg.RequestTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, h.cfg.RequestTimeout)
		defer cancel()
	}
	r = r.WithContext(ctx)
	defer func() {
		if p := recover(); p != nil {
			h.log.ErrorContext(ctx, "api: panic serving request", "request_id", st.id, "method", r.Method, "path", r.URL.Path, "panic", p)
			if sw.status == 0 {
				h.writeError(sw, r, errInternal)
			}
		}
		h.log.InfoContext(ctx, "api request", "request_id", st.id, "method", r.Method, "path", r.URL.Path,
			"status", sw.status, "duration", time.Since(start), "user_id", st.caller.UserID, "project_id", st.caller.ProjectID)
	}()
	if r.Body != nil {
		r.Body = http.MaxBytesReader(sw, r.Body, h.cfg.MaxBodyBytes)
	}
	if p := r.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
		// Magnum's routes take a trailing slash too (python-magnumclient
		// asks for /v1/clusters/{id}/nodegroups/).
		r.URL.Path, r.URL.RawPath = strings.TrimRight(p, "/"), ""
		if r.URL.Path == "" {
			r.URL.Path = "/"
		}
	}
	path := r.URL.Path
	if path == "/" || path == "/v1" || path == "/v1/" {
		// Version documents: public, and negotiated only for /v1.
		if path != "/" {
			v, err := negotiate(r.Header)
			setVersionHeaders(sw.Header(), v)
			if err != nil {
				h.writeError(sw, r, err)
				return
			}
			st.version = v
		}
		h.mux.ServeHTTP(sw, r)
		return
	}
	caller, err := h.auth.Authenticate(r)
	if err != nil {
		if errors.Is(err, ErrUnauthenticated) {
			sw.Header().Set("WWW-Authenticate", h.challenge())
		}
		h.writeError(sw, r, err)
		return
	}
	st.caller = caller
	v, err := negotiate(r.Header)
	setVersionHeaders(sw.Header(), v)
	if err != nil {
		h.writeError(sw, r, err)
		return
	}
	st.version = v
	r = r.WithContext(policy.WithCaller(r.Context(), caller))
	h.mux.ServeHTTP(sw, r)
}

// statusWriter remembers the status written, for logs and the panic guard.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// baseURL is the URL links start with.
func (h *handler) baseURL(r *http.Request) string {
	if h.cfg.PublicURL != "" {
		return h.cfg.PublicURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p
	}
	host := r.Host
	if host == "" || strings.ContainsAny(host, "/\\ \"'<>") {
		host = "localhost"
	}
	return scheme + "://" + host
}

// challenge is the WWW-Authenticate value of a 401.
func (h *handler) challenge() string {
	if h.cfg.IdentityURI == "" || strings.ContainsAny(h.cfg.IdentityURI, "\"\r\n") {
		return "Keystone"
	}
	return `Keystone uri="` + h.cfg.IdentityURI + `"`
}
