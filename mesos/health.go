package mesos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/internal/safetext"
)

// State is the part of a Mesos master's state (GET /master/state, or /state
// on older masters) the health check reads.
type State struct {
	// PID is the answering master's ("master@10.0.0.5:5050"); Leader the
	// leading master's. The answering master leads when they are equal.
	PID    string `json:"pid"`
	Leader string `json:"leader"`
	// ActivatedSlaves and DeactivatedSlaves are the master's counts.
	ActivatedSlaves   float64      `json:"activated_slaves"`
	DeactivatedSlaves float64      `json:"deactivated_slaves"`
	Slaves            []SlaveState `json:"slaves"`
}

// SlaveState is one registered slave as the master sees it.
type SlaveState struct {
	ID       string `json:"id"`
	Hostname string `json:"hostname"`
	PID      string `json:"pid"`
	Active   bool   `json:"active"`
}

// Leading reports whether the answering master is the leader.
func (s *State) Leading() bool { return s.PID != "" && s.PID == s.Leader }

// ParseState reads a master's state document. It must be a JSON object;
// a slave without a host name is named by its id. Errors are ErrInvalid.
func ParseState(data []byte) (*State, error) {
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, errdefs.Invalid("state", "the master's state does not parse")
	}
	if s.ActivatedSlaves < 0 || s.DeactivatedSlaves < 0 {
		return nil, errdefs.Invalid("state", "the master's slave counts are negative")
	}
	return &s, nil
}

// Health is the result of one health poll: Magnum's health_status and
// health_status_reason.
type Health struct {
	Status  cluster.HealthStatus
	Reasons map[string]string
}

// HealthTarget is the cluster a poll looks at.
type HealthTarget struct {
	// Cluster gives the name, the master addresses polled (public ones:
	// the masters must have floating IPs) and the expected slave count.
	Cluster *cluster.Cluster
	// Features are the cluster stack's structural choices (Driver.Features):
	// without floating IPs on the masters their state port is not
	// reachable from outside.
	Features heat.Features
}

// HealthMonitor polls the health of Mesos clusters (Magnum's MesosMonitor,
// extended to a health check): it reads the state of each master on port
// 5050 until it finds the leader, then reports every slave. HEALTHY when a
// leader answers, every registered slave is active and at least the
// cluster's node count of slaves are; UNHEALTHY otherwise; UNKNOWN when the
// masters cannot be reached from outside or none answers. Redirects to the
// leader (as followers answer /master/state) are followed only to the
// cluster's own master addresses. Its zero value is ready to use and safe
// for concurrent use.
type HealthMonitor struct {
	// Timeout bounds each request (0: 10s).
	Timeout time.Duration
	// Transport carries the requests (nil: http.DefaultTransport).
	Transport http.RoundTripper
	// Port is the masters' port (0: MasterPort, 5050).
	Port int
	// Logger receives a debug record per failed request (nil: none).
	Logger *slog.Logger
}

// maxReasonText bounds each reason a poll reports.
const maxReasonText = 256

// Check polls the cluster once. It never fails: what goes wrong is in the
// status and reasons. Cancelling ctx ends the poll with UNKNOWN.
func (m *HealthMonitor) Check(ctx context.Context, t HealthTarget) Health {
	name := "?"
	if t.Cluster != nil {
		name = t.Cluster.Name
		if name == "" {
			name = t.Cluster.UUID
		}
	}
	unknown := func(reason string) Health {
		return Health{Status: cluster.Unknown, Reasons: map[string]string{"api": cleanText(reason)}}
	}
	fip, _ := t.Features["floating_ip"].(bool)
	if t.Cluster == nil || len(t.Cluster.MasterAddresses) == 0 || !fip {
		return unknown(fmt.Sprintf("The cluster %s is not accessible.", name))
	}
	masters := t.Cluster.MasterAddresses
	port := m.Port
	if port == 0 {
		port = MasterPort
	}
	timeout := m.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	client := &http.Client{Transport: m.Transport, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	known := map[string]bool{}
	for _, a := range masters {
		known[net.JoinHostPort(a, strconv.Itoa(port))] = true
	}
	var (
		leader   *State
		answered int
		lastErr  error
		queue    = make([]string, 0, len(masters))
		tried    = map[string]bool{}
	)
	for _, a := range masters {
		queue = append(queue, net.JoinHostPort(a, strconv.Itoa(port)))
	}
	for len(queue) > 0 && leader == nil {
		hostport := queue[0]
		queue = queue[1:]
		if tried[hostport] {
			continue
		}
		tried[hostport] = true
		s, next, err := m.state(ctx, client, hostport)
		switch {
		case ctx.Err() != nil:
			return unknown("not reachable: " + ctx.Err().Error())
		case err != nil:
			m.debug("master state", name, hostport, err)
			lastErr = err
		case next != "":
			answered++
			if known[next] {
				// The follower names the leader: ask it next.
				queue = append([]string{next}, queue...)
			}
		case s.Leading():
			leader = s
		default:
			answered++
		}
	}
	if leader == nil {
		if answered == 0 {
			reason := "no master answered"
			if lastErr != nil {
				reason = "not reachable: " + reasonOf(lastErr)
			}
			return unknown(reason)
		}
		return Health{Status: cluster.Unhealthy, Reasons: map[string]string{
			"api": fmt.Sprintf("no leading master among the %d that answered", answered)}}
	}
	return slaveHealth(leader, t.Cluster.NodeCount)
}

// slaveHealth judges the leader's view of the slaves.
func slaveHealth(s *State, want int) Health {
	reasons := map[string]string{"api": "ok", "leader": cleanText(s.Leader)}
	healthy := true
	active := 0
	for _, sl := range s.Slaves {
		key := sl.Hostname
		if key == "" {
			key = sl.ID
		}
		if key == "" {
			continue
		}
		reasons[cleanText(key)+".active"] = strconv.FormatBool(sl.Active)
		if sl.Active {
			active++
		} else {
			healthy = false
		}
	}
	if s.DeactivatedSlaves > 0 {
		healthy = false
		reasons["deactivated_slaves"] = strconv.FormatFloat(s.DeactivatedSlaves, 'f', -1, 64)
	}
	if active < want {
		healthy = false
		reasons["slaves"] = fmt.Sprintf("%d of %d slaves active", active, want)
	}
	h := Health{Status: cluster.Unhealthy, Reasons: reasons}
	if healthy {
		h.Status = cluster.Healthy
	}
	return h
}

// state reads one master's state: /master/state, else /state. A redirect
// returns the host:port it names instead.
func (m *HealthMonitor) state(ctx context.Context, client *http.Client, hostport string) (s *State, redirect string, err error) {
	for _, path := range []string{"/master/state", "/state"} {
		u := url.URL{Scheme: "http", Host: hostport, Path: path}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return nil, "", err
		}
		req.Header.Set("Accept", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return nil, "", &errdefs.Error{Kind: errdefs.ErrUnavailable, Resource: "master", ID: hostport, Reason: "no answer", Err: err}
		}
		data, rerr := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
		resp.Body.Close()
		switch {
		case resp.StatusCode >= 300 && resp.StatusCode < 400:
			loc, err := resp.Location()
			if err != nil {
				return nil, "", &errdefs.Error{Kind: errdefs.ErrUnavailable, Resource: "master", ID: hostport, Reason: "redirects nowhere"}
			}
			h := loc.Host
			if loc.Port() == "" {
				h = net.JoinHostPort(loc.Hostname(), strconv.Itoa(MasterPort))
			}
			return nil, h, nil
		case resp.StatusCode == http.StatusNotFound && path == "/master/state":
			continue
		case resp.StatusCode != http.StatusOK:
			return nil, "", &errdefs.Error{Kind: errdefs.ErrUnavailable, Resource: "master", ID: hostport,
				Reason: fmt.Sprintf("%s answered %d", path, resp.StatusCode)}
		case rerr != nil:
			return nil, "", &errdefs.Error{Kind: errdefs.ErrUnavailable, Resource: "master", ID: hostport, Reason: "reading the state", Err: rerr}
		}
		s, err := ParseState(data)
		if err != nil {
			return nil, "", err
		}
		return s, "", nil
	}
	return nil, "", &errdefs.Error{Kind: errdefs.ErrUnavailable, Resource: "master", ID: hostport, Reason: "no state endpoint"}
}

func (m *HealthMonitor) debug(msg, name, master string, err error) {
	if m.Logger != nil {
		m.Logger.Debug(msg, "cluster", name, "master", master, "error", err)
	}
}

// reasonOf is an error's reason without its cause chain when it is an
// *errdefs.Error (transport details stay in the log).
func reasonOf(err error) string {
	var e *errdefs.Error
	if errors.As(err, &e) && e.Reason != "" {
		if e.ID != "" {
			return e.ID + ": " + e.Reason
		}
		return e.Reason
	}
	return err.Error()
}

// cleanText makes untrusted text safe to store and show: valid UTF-8, no
// control characters, at most maxReasonText bytes.
func cleanText(s string) string { return safetext.Clean(s, maxReasonText) }
