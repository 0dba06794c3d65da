package mesos

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gomagnum/magnum/errdefs"
)

// MarathonClient reads a cluster's Marathon API (plain HTTP, as Mesos
// clusters run without TLS). It implements TaskSource.
type MarathonClient struct {
	base   *url.URL
	client *http.Client
}

// MarathonOptions tune a MarathonClient.
type MarathonOptions struct {
	// Timeout bounds each request (0: 10s).
	Timeout time.Duration
	// Transport carries the requests (nil: http.DefaultTransport).
	Transport http.RoundTripper
}

// maxResponse bounds what is read of a Marathon or Mesos answer.
const maxResponse = 16 << 20

// NewMarathonClient returns a client of the Marathon at apiAddress (the
// cluster's api_address, http://IP:8080). Redirects are not followed.
func NewMarathonClient(apiAddress string, o MarathonOptions) (*MarathonClient, error) {
	u, err := url.Parse(apiAddress)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return nil, errdefs.Invalid("api_address", "%q is not an http(s) address", truncate(apiAddress))
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	return &MarathonClient{base: u, client: &http.Client{
		Transport: o.Transport, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}, nil
}

// Tasks implements TaskSource: GET /v2/tasks, the live tasks per agent
// host. Errors are ErrUnavailable (unreachable, non-200) or ErrInvalid (an
// answer that does not parse).
func (c *MarathonClient) Tasks(ctx context.Context) (map[string]int, error) {
	u := c.base.JoinPath("v2", "tasks")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, &errdefs.Error{Kind: errdefs.ErrUnavailable, Resource: "marathon", ID: c.base.Host, Reason: "not reachable", Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &errdefs.Error{Kind: errdefs.ErrUnavailable, Resource: "marathon", ID: c.base.Host,
			Reason: fmt.Sprintf("/v2/tasks answered %d", resp.StatusCode)}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return nil, &errdefs.Error{Kind: errdefs.ErrUnavailable, Resource: "marathon", ID: c.base.Host, Reason: "reading /v2/tasks", Err: err}
	}
	return ParseTasks(data)
}

// ParseTasks reads Marathon's /v2/tasks answer ({"tasks": [{"host": …,
// "state": …}, …]}) into the number of live tasks per agent host. Tasks in
// a terminal state (TASK_FINISHED, TASK_FAILED, TASK_KILLED, TASK_LOST, …)
// do not count; tasks without a state (older Marathons) do. Tasks without
// a host are skipped. Anything else is an ErrInvalid error.
func ParseTasks(data []byte) (map[string]int, error) {
	var doc struct {
		Tasks []struct {
			Host  string `json:"host"`
			State string `json:"state"`
		} `json:"tasks"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, errdefs.Invalid("tasks", "Marathon's task list does not parse")
	}
	out := map[string]int{}
	for _, t := range doc.Tasks {
		if t.Host == "" || terminalTask(t.State) {
			continue
		}
		out[t.Host]++
	}
	return out, nil
}

// terminalTask reports Mesos task states that hold no resources any more.
func terminalTask(state string) bool {
	switch strings.ToUpper(state) {
	case "TASK_FINISHED", "TASK_FAILED", "TASK_KILLED", "TASK_LOST", "TASK_ERROR", "TASK_DROPPED", "TASK_GONE":
		return true
	}
	return false
}
