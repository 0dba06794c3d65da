package openstacktest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"

	"github.com/gophercloud/gophercloud/v2"

	"github.com/gomagnum/magnum/heat/heattest"
	"github.com/gomagnum/magnum/internal/journal"
	"github.com/gomagnum/magnum/openstack"
)

// CloudName is the entry CloudsYAML writes.
const CloudName = "openstacktest"

// URL paths the services are mounted at (the catalog lists them).
const (
	imagePath   = "/image"
	computePath = "/compute/v2.1"
	networkPath = "/network"
)

// Options configure a Server. The zero value gives a cloud with the seed
// catalog (see Seed) whose stacks finish at the first read.
type Options struct {
	// Heat configures Keystone and Heat (project, credentials, clock,
	// stack timing, seed); its Services field is extended with Glance,
	// Nova and Neutron.
	Heat heattest.Options
	// Empty starts the cloud without the seed images, flavors, keypair
	// and networks.
	Empty bool
	// PageSize, when positive, is the most items any list answers in one
	// page, with a link to the next. 0 means what the services do by
	// default: Glance pages by 25, Nova and Neutron send everything.
	PageSize int
	// StateDir, when set, keeps the cloud in that directory between
	// processes: stacks in HeatStateFile (Heat.StateFile, unless set, points
	// there; see heattest.Options.StateFile), the catalog's Add* and
	// Remove* calls in CatalogStateFile. A new directory starts with the
	// seed catalog (unless Empty); an existing one is replayed instead.
	// Only one process may use a directory at a time. Use Open to get the
	// errors of a directory that cannot be used.
	StateDir string
}

// Server is a fake OpenStack cloud: Keystone and Heat from heattest, plus
// the Glance, Nova and Neutron calls gomagnum makes to check resources, all
// on one loopback listener. It is safe for concurrent use.
type Server struct {
	heat     *heattest.Server
	pageSize int
	closing  chan struct{}
	once     sync.Once

	mu       sync.Mutex
	seq      int
	images   []Image
	flavors  []Flavor
	keypairs []Keypair
	networks []Network
	subnets  []Subnet
	counts   map[RequestKind]int
	faults   []*activeFault

	journal   *journal.File // nil unless Options.StateDir is set
	stateErrs []error
}

// New starts a fake cloud. Close it when done. With Options.StateDir set,
// a directory that cannot be used leaves the server without persistence
// and the error in StateError; Open returns it instead.
func New(opts Options) *Server {
	s, err := Open(opts)
	if err == nil {
		return s
	}
	opts.StateDir, opts.Heat.StateFile = "", ""
	s, _ = Open(opts) // without a state directory Open cannot fail
	s.stateErrs = append(s.stateErrs, err)
	return s
}

// newServer makes the server and the Heat options that mount it; the
// caller starts Heat.
func newServer(opts Options) (*Server, heattest.Options) {
	s := &Server{pageSize: opts.PageSize, counts: map[RequestKind]int{}, closing: make(chan struct{})}
	mux := s.routes()
	hopts := opts.Heat
	hopts.Services = append(append([]heattest.Service(nil), hopts.Services...),
		heattest.Service{Type: "image", Name: "glance", Path: imagePath, Handler: mux},
		heattest.Service{Type: "compute", Name: "nova", Path: computePath, Handler: mux},
		heattest.Service{Type: "network", Name: "neutron", Path: networkPath, Handler: mux},
	)
	if opts.StateDir != "" && hopts.StateFile == "" {
		hopts.StateFile = filepath.Join(opts.StateDir, HeatStateFile)
	}
	return s, hopts
}

// Close stops the server. Stalled requests are released first.
func (s *Server) Close() {
	s.once.Do(func() { close(s.closing) })
	s.heat.Close()
	s.mu.Lock()
	j := s.journal
	s.journal = nil
	s.mu.Unlock()
	if j != nil {
		_ = j.Close() // every record was synced when written
	}
}

// Heat is the fake Heat (and Keystone): its stacks, faults and counters.
func (s *Server) Heat() *heattest.Server { return s.heat }

// URL is the server's base URL (http://127.0.0.1:port).
func (s *Server) URL() string { return s.heat.URL() }

// AuthOptions are credentials the fake Keystone accepts.
func (s *Server) AuthOptions() gophercloud.AuthOptions { return s.heat.AuthOptions() }

// ConnectOptions log openstack.Connect in to this cloud.
func (s *Server) ConnectOptions() openstack.ConnectOptions {
	ao := s.AuthOptions()
	return openstack.ConnectOptions{Auth: &ao}
}

// Connect logs in to this cloud.
func (s *Server) Connect(ctx context.Context) (*openstack.Cloud, error) {
	return openstack.Connect(ctx, s.ConnectOptions())
}

// CloudsYAML is a clouds.yaml with one entry, CloudName, for this cloud.
// (It is JSON, which every YAML parser reads, so no value can break it.)
func (s *Server) CloudsYAML() []byte {
	ao := s.AuthOptions()
	doc := map[string]any{"clouds": map[string]any{CloudName: map[string]any{
		"auth": map[string]any{
			"auth_url":            ao.IdentityEndpoint,
			"username":            ao.Username,
			"password":            ao.Password,
			"project_name":        ao.TenantName,
			"user_domain_name":    ao.DomainName,
			"project_domain_name": ao.DomainName,
		},
		"identity_api_version": 3,
	}}}
	b, _ := json.MarshalIndent(doc, "", "  ") // maps of strings: cannot fail
	return append(b, '\n')
}

// WriteCloudsYAML writes CloudsYAML to dir/clouds.yaml (mode 0600) and
// returns its path, for ConnectOptions{Cloud: CloudName, CloudsFile: path}.
func (s *Server) WriteCloudsYAML(dir string) (string, error) {
	p := filepath.Join(dir, "clouds.yaml")
	if err := os.WriteFile(p, s.CloudsYAML(), 0o600); err != nil {
		return "", fmt.Errorf("openstacktest: writing clouds.yaml: %w", err)
	}
	return p, nil
}

// ---------------------------------------------------------------- counters

// Requests returns how many requests of a kind Glance, Nova and Neutron
// received (Heat's and Keystone's are counted by Heat()).
func (s *Server) Requests(k RequestKind) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[k]
}

// RequestCounts returns a copy of the Glance, Nova and Neutron counters.
func (s *Server) RequestCounts() map[RequestKind]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[RequestKind]int, len(s.counts))
	for k, v := range s.counts {
		out[k] = v
	}
	return out
}

// TotalRequests is the sum of the Glance, Nova and Neutron counters.
func (s *Server) TotalRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, v := range s.counts {
		n += v
	}
	return n
}

// ResetCounts zeroes these counters and Heat's.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	clear(s.counts)
	s.mu.Unlock()
	s.heat.ResetCounts()
}

// ---------------------------------------------------------------- faults

// Fault makes requests of one kind fail: Times requests (0 means 1) are
// answered with Status (0 means 503), or, with Stall, held until the client
// gives up or the server closes. Heat's faults are injected through Heat().
type Fault struct {
	Kind   RequestKind
	Status int
	Times  int
	Stall  bool
}

type activeFault struct {
	Fault
	left int
}

// InjectFault makes the next f.Times requests of f.Kind fail. Faults of the
// same kind apply in the order injected.
func (s *Server) InjectFault(f Fault) {
	if f.Status == 0 {
		f.Status = http.StatusServiceUnavailable
	}
	if f.Times <= 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &activeFault{Fault: f, left: f.Times})
}

// ClearFaults removes the Glance, Nova and Neutron faults.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// begin counts a request and applies a fault to it; it reports whether the
// request is still to be answered.
func (s *Server) begin(w http.ResponseWriter, r *http.Request, k RequestKind) bool {
	s.mu.Lock()
	s.counts[k]++
	var f *Fault
	for i, af := range s.faults {
		if af.Kind != k {
			continue
		}
		af.left--
		if af.left <= 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		out := af.Fault
		f = &out
		break
	}
	s.mu.Unlock()
	if f == nil {
		return true
	}
	if f.Stall {
		select {
		case <-r.Context().Done():
		case <-s.closing:
		}
		return false
	}
	writeJSON(w, f.Status, map[string]any{"error": map[string]any{
		"code": f.Status, "title": http.StatusText(f.Status), "message": fmt.Sprintf("openstacktest: injected %d for %s", f.Status, k)}})
	return false
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
