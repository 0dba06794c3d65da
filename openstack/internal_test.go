package openstack

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/heat"
)

func TestBackoff(t *testing.T) {
	half := func() float64 { return 0.5 }
	zero := func() float64 { return 0 }
	almostOne := func() float64 { return 0.999999 }
	cases := []struct {
		name string
		p    RetryPolicy
		n    int
		hint time.Duration
		rnd  func() float64
		want time.Duration
	}{
		{"first retry, lowest jitter", RetryPolicy{}, 1, 0, zero, 250 * time.Millisecond},
		{"first retry, middle", RetryPolicy{}, 1, 0, half, 375 * time.Millisecond},
		{"second retry doubles", RetryPolicy{}, 2, 0, zero, 500 * time.Millisecond},
		{"capped", RetryPolicy{}, 20, 0, almostOne, 10*time.Second - 5*time.Microsecond},
		{"custom", RetryPolicy{InitialBackoff: time.Second, MaxBackoff: 4 * time.Second}, 3, 0, zero, 2 * time.Second},
		{"retry-after raises the wait", RetryPolicy{}, 1, 3 * time.Second, zero, 3 * time.Second},
		{"retry-after is capped", RetryPolicy{MaxBackoff: 2 * time.Second}, 1, time.Minute, zero, 2 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.p.backoff(tc.n, tc.hint, tc.rnd)
			assert.InDelta(t, float64(tc.want), float64(got), float64(10*time.Microsecond))
		})
	}
	assert.Equal(t, 4, RetryPolicy{}.attempts())
	assert.Equal(t, 1, RetryPolicy{MaxAttempts: 1}.attempts())
}

func TestHeatMessage(t *testing.T) {
	cases := []struct {
		name, body, typ, msg string
	}{
		{"heat fault", `{"code": 400, "title": "Bad Request", "explanation": "The server could not comply", "error": {"type": "StackValidationFailed", "traceback": null, "message": "Property error: resources.v.properties.value: The Parameter (nope) was not provided."}}`,
			"StackValidationFailed", "Property error: resources.v.properties.value: The Parameter (nope) was not provided."},
		{"keystone style", `{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}`, "", "The request you have made requires authentication."},
		{"explanation only", `{"code": 404, "title": "Not Found", "explanation": "The resource could not be found."}`, "", "The resource could not be found."},
		{"html from a proxy", "<html>\n<body>502 Bad Gateway</body></html>", "", "<html>"},
		{"empty", "", "", ""},
		{"neutron fault", `{"NeutronError": {"type": "NetworkNotFound", "message": "Network x could not be found.", "detail": ""}}`, "NetworkNotFound", "Network x could not be found."},
		{"nova fault", `{"itemNotFound": {"code": 404, "message": "Flavor m1.x could not be found."}}`, "itemNotFound", "Flavor m1.x could not be found."},
		{"glance text", "404 Not Found\n\nNo image found with ID x\n\n", "", "404 Not Found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			typ, msg := heatMessage([]byte(tc.body))
			assert.Equal(t, tc.typ, typ)
			assert.Equal(t, tc.msg, msg)
		})
	}
	long := `{"error": {"message": "` + strings.Repeat("é", 5000) + `"}}`
	_, msg := heatMessage([]byte(long))
	assert.LessOrEqual(t, len(msg), maxMessage+len("…"))
	assert.True(t, strings.HasSuffix(msg, "…"))
}

func TestClassify(t *testing.T) {
	code := func(status int, header http.Header) error {
		return gophercloud.ErrUnexpectedResponseCode{Actual: status, Method: "GET", ResponseHeader: header, Body: []byte(`{}`)}
	}
	ctx := t.Context()
	for status, want := range map[int]errClass{400: classFinal, 404: classFinal, 409: classFinal, 429: classTransient, 500: classTransient, 503: classTransient} {
		c, he, _ := classify(ctx, code(status, nil))
		assert.Equal(t, want, c, "%d", status)
		require.NotNil(t, he)
		assert.Equal(t, status, he.Status)
	}
	_, _, hint := classify(ctx, code(503, http.Header{"Retry-After": {"7"}}))
	assert.Equal(t, 7*time.Second, hint)
}

func TestFailurePathsFromRealHeat(t *testing.T) {
	// Recorded from Heat 19 (the lab): a group of two nested node.yaml
	// stacks whose OS::Heat::TestResource "server" fails.
	data, err := os.ReadFile("testdata/heat19-failed-resources.json")
	require.NoError(t, err)
	var resp resourcesResponse
	require.NoError(t, json.Unmarshal(data, &resp))
	got := failurePaths("6c5e5bab-a8c1-423d-b38f-5469bb0e48a0", resp.Resources)
	paths := make([]string, len(got))
	for i, f := range got {
		paths[i] = f.Resource
	}
	assert.Equal(t, []string{"g", "g.0", "g.0.server", "g.1", "g.1.server"}, paths)
	assert.Equal(t, "OS::Heat::TestResource", got[2].Type)
	assert.Equal(t, "ValueError: resources.server: Test Resource failed server", got[2].Reason)
	leaves := LeafFailures(got)
	require.Len(t, leaves, 2)
	assert.Equal(t, "g.0.server", leaves[0].Resource)
}

func TestFailurePathsWithoutParents(t *testing.T) {
	// Only the leaf is listed: its parent_resource gives the last step.
	rs := []wireResource{{
		Name: "server", Type: "OS::Nova::Server", Status: "CREATE_FAILED", Reason: "boom", ParentResource: "0",
		Links: []wireLink{{Rel: "stack", Href: "http://h/v1/p/stacks/nested-0/abc"}},
	}, {
		Name: "ok", Status: "CREATE_COMPLETE", Links: []wireLink{{Rel: "stack", Href: "http://h/v1/p/stacks/top/top-id"}},
	}}
	got := failurePaths("top-id", rs)
	assert.Equal(t, []heat.ResourceFailure{{Resource: "0.server", Type: "OS::Nova::Server", Status: "CREATE_FAILED", Reason: "boom"}}, got)
}

func TestParseHeatTime(t *testing.T) {
	want := time.Date(2026, 11, 23, 10, 50, 56, 0, time.UTC)
	for _, s := range []string{"2026-11-23T10:50:56Z", "2026-11-23T10:50:56", "2026-11-23T10:50:56.000000", "2026-11-23 10:50:56"} {
		assert.Equal(t, want, parseHeatTime(s), s)
	}
	assert.True(t, parseHeatTime("").IsZero())
	assert.True(t, parseHeatTime("yesterday").IsZero())
}

func TestTimeoutMins(t *testing.T) {
	assert.Equal(t, 0, timeoutMins(0))
	assert.Equal(t, 1, timeoutMins(time.Second))
	assert.Equal(t, 60, timeoutMins(time.Hour))
	assert.Equal(t, 61, timeoutMins(time.Hour+time.Millisecond))
}

func FuzzHeatMessage(f *testing.F) {
	f.Add([]byte(`{"error": {"type": "X", "message": "m"}}`))
	f.Add([]byte(`<html>`))
	f.Add([]byte(`{"error": null, "title": 5}`))
	f.Add([]byte(`{"NeutronError": {"type": "T", "message": "m"}}`))
	f.Add([]byte(`{"badRequest": {"code": 400, "message": "m"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		_, msg := heatMessage(body)
		if len(msg) > maxMessage+len("…") {
			t.Fatalf("message of %d bytes", len(msg))
		}
	})
}

func FuzzFailurePaths(f *testing.F) {
	data, err := os.ReadFile("testdata/heat19-failed-resources.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data, "6c5e5bab-a8c1-423d-b38f-5469bb0e48a0")
	f.Add([]byte(`{"resources":[{"resource_name":"a","resource_status":"CREATE_FAILED","physical_resource_id":"s","links":[{"rel":"stack","href":"/stacks/x/s"}]}]}`), "top")
	f.Fuzz(func(t *testing.T, body []byte, top string) {
		var resp resourcesResponse
		if json.Unmarshal(body, &resp) != nil {
			return
		}
		got := failurePaths(top, resp.Resources)
		for _, g := range got {
			if !strings.HasSuffix(g.Status, "_FAILED") {
				t.Fatalf("%q listed with status %q", g.Resource, g.Status)
			}
		}
	})
}
