package heattest

import (
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
)

// RandomFaults makes a share of requests fail at random, for soak tests
// of a client under a flaky Heat: each request of one of Kinds fails with
// probability Rate, and a failing request stalls (with probability
// StallShare) or is answered with Status, before its effect or — with
// probability AfterEffectShare — after it. Counted faults (Server.InjectFault)
// take precedence over random ones.
type RandomFaults struct {
	// Rate is the probability that a request fails, in [0, 1]; values
	// outside are clamped, and 0 (or NaN) disables random faults.
	Rate float64
	// Kinds are the request kinds that may fail; nil means every Heat API
	// kind (create, list, lookup, get, update, patch, delete, resources),
	// not Keystone's KindAuth and not KindOther. KindAuth may be listed;
	// its faults always come before the token is issued.
	Kinds []RequestKind
	// Status is the HTTP status of a failure that does not stall; 0 means
	// 503 Service Unavailable.
	Status int
	// StallShare is the probability, in [0, 1], that a failure stalls the
	// request until the client gives up instead of answering Status.
	StallShare float64
	// AfterEffectShare is the probability, in [0, 1], that a failure comes
	// after the request took effect (see Fault.AfterEffect).
	AfterEffectShare float64
	// Seed makes the sequence of draws reproducible; 0 picks a random seed.
	// Which request gets which draw still depends on the order in which
	// concurrent requests arrive.
	Seed uint64
}

// randomFaults is the active random-fault mode with its own generator, so
// that it does not shift the IDs and strings the fake draws from its seed.
type randomFaults struct {
	RandomFaults
	rng *rand.Rand
}

// heatKinds are the kinds RandomFaults.Kinds nil stands for.
var heatKinds = []RequestKind{KindCreate, KindList, KindLookup, KindGet, KindUpdate, KindPatch, KindDelete, KindResources}

// FaultCounts counts the request faults the server has injected, counted
// and random ones alike.
type FaultCounts struct {
	// Errors are the requests answered with an injected status.
	Errors int
	// Stalls are the requests held until the client gave up.
	Stalls int
	// AfterEffect are those of Errors and Stalls whose change took effect
	// before the failure.
	AfterEffect int
}

// Total is the number of failed requests.
func (c FaultCounts) Total() int { return c.Errors + c.Stalls }

// InjectRandomFaults makes later requests fail at random as f says,
// replacing an earlier random-fault mode; a zero Rate turns it off, as
// does ClearFaults.
func (s *Server) InjectRandomFaults(f RandomFaults) {
	f.Rate = clamp01(f.Rate)
	f.StallShare = clamp01(f.StallShare)
	f.AfterEffectShare = clamp01(f.AfterEffectShare)
	if f.Status == 0 {
		f.Status = http.StatusServiceUnavailable
	}
	f.Kinds = slices.Clone(f.Kinds)
	if f.Kinds == nil {
		f.Kinds = slices.Clone(heatKinds)
	}
	seed := f.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Rate == 0 {
		s.random = nil
		return
	}
	s.random = &randomFaults{RandomFaults: f, rng: rand.New(rand.NewPCG(seed, seed^0x2545f4914f6cdd1d))}
}

// InjectedFaults reports how many request faults have been injected since
// the server started.
func (s *Server) InjectedFaults() FaultCounts {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.injected
}

// drawRandomFault decides whether a request of kind k fails at random and
// how; nil means it does not.
func (s *Server) drawRandomFault(k RequestKind) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	rf := s.random
	if rf == nil || !slices.Contains(rf.Kinds, k) || rf.rng.Float64() >= rf.Rate {
		return nil
	}
	return &Fault{
		Kind:        k,
		Times:       1,
		Status:      rf.Status,
		Stall:       rf.rng.Float64() < rf.StallShare,
		AfterEffect: rf.rng.Float64() < rf.AfterEffectShare,
	}
}

func clamp01(v float64) float64 {
	if math.IsNaN(v) || v <= 0 {
		return 0
	}
	return min(v, 1)
}
