package heattest

import (
	"net/http"
	"strings"
)

// RequestKind names a kind of API call the fake serves; the fake counts
// requests by kind and can inject faults into one kind.
type RequestKind string

// The kinds of requests.
const (
	KindAuth      RequestKind = "auth"      // POST /v3/auth/tokens (Keystone)
	KindCreate    RequestKind = "create"    // POST /stacks
	KindList      RequestKind = "list"      // GET /stacks
	KindLookup    RequestKind = "lookup"    // /stacks/{name or id}[/...]: a redirect to the stack's URL
	KindGet       RequestKind = "get"       // GET /stacks/{name}/{id}
	KindUpdate    RequestKind = "update"    // PUT /stacks/{name}/{id}
	KindPatch     RequestKind = "patch"     // PATCH /stacks/{name}/{id} (update existing)
	KindDelete    RequestKind = "delete"    // DELETE /stacks/{name}/{id}
	KindResources RequestKind = "resources" // GET /stacks/{name}/{id}/resources
	KindOther     RequestKind = "other"     // anything else (answered 404)
)

// Fault makes requests of one kind fail.
type Fault struct {
	Kind RequestKind
	// Times is how many requests fail; 0 means one.
	Times int
	// Status is the HTTP status answered; 0 means 503 Service Unavailable.
	Status int
	// Stall holds each request until the client gives up (its context ends)
	// or the server closes, instead of answering.
	Stall bool
	// AfterEffect performs the request first and then answers Status (or
	// stalls): the client sees a failure although the change happened, the
	// ambiguous outcome a client must not answer with a blind retry.
	AfterEffect bool
}

type activeFault struct {
	Fault
	left int
}

func (f *Fault) normalise() {
	if f.Times <= 0 {
		f.Times = 1
	}
	if f.Status == 0 {
		f.Status = http.StatusServiceUnavailable
	}
}

// ResourceFault makes a resource fail when Heat would act on it. At least
// one of Name and Type must be set; both must match when both are set.
type ResourceFault struct {
	// Name is the resource's name in its template ("kube-master"); it
	// matches at any nesting depth. For group members it is the index ("0").
	Name string
	// Type matches the type as written in the template or as the
	// environment maps it ("OS::Nova::Server").
	Type string
	// Reason is the resource's failure message, e.g. "No valid host was
	// found. There are not enough hosts available."
	Reason string
	// OnDelete makes deleting the resource fail (DELETE_FAILED) instead of
	// creating it.
	OnDelete bool
	// Times bounds how often the fault fires; 0 means every time.
	Times int
}

type activeResourceFault struct {
	ResourceFault
	fired int
}

func (f *activeResourceFault) matches(name, written, resolved string, deleting bool) bool {
	if f.OnDelete != deleting || (f.Times > 0 && f.fired >= f.Times) {
		return false
	}
	if f.Name == "" && f.Type == "" {
		return false
	}
	if f.Name != "" && f.Name != name {
		return false
	}
	if f.Type != "" && f.Type != written && f.Type != resolved {
		return false
	}
	return true
}

// kindOf classifies a request by method and path (below /v1/{project}).
func kindOf(method string, parts []string) RequestKind {
	// parts: ["stacks"], ["stacks", a], ["stacks", a, b], ["stacks", a, b, "resources"], ...
	if len(parts) == 0 || parts[0] != "stacks" {
		return KindOther
	}
	switch len(parts) {
	case 1:
		switch method {
		case http.MethodGet:
			return KindList
		case http.MethodPost:
			return KindCreate
		}
	case 2:
		return KindLookup
	case 3:
		if isSubpath(parts[2]) {
			return KindLookup
		}
		switch method {
		case http.MethodGet:
			return KindGet
		case http.MethodPut:
			return KindUpdate
		case http.MethodPatch:
			return KindPatch
		case http.MethodDelete:
			return KindDelete
		}
	case 4:
		if parts[3] == "resources" && method == http.MethodGet {
			return KindResources
		}
	}
	return KindOther
}

// isSubpath reports the sub-resources Heat redirects from /stacks/{name}/….
func isSubpath(s string) bool {
	switch strings.ToLower(s) {
	case "resources", "events", "template", "actions", "environment", "files", "outputs":
		return true
	}
	return false
}
