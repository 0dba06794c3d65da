package openstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gophercloud/gophercloud/v2"

	"github.com/gomagnum/magnum/errdefs"
)

// HTTPError is an OpenStack answer with an unexpected status (Heat,
// Keystone, or Glance, Nova and Neutron for the resource checks). It is the
// cause inside the *errdefs.Error this package returns; unwrap it with
// errors.As to see the status and the service's error type. It unwraps in
// turn to gophercloud's ErrUnexpectedResponseCode.
type HTTPError struct {
	Service string // "glance", "nova", "neutron"; empty means Heat (or Keystone)
	Method  string // HTTP method of the failed call
	Status  int    // HTTP status code
	Type    string // Heat's error type, e.g. "StackValidationFailed"; may be empty
	Message string // Heat's message, trimmed; may be empty
	err     error
}

// Error gives the status and Heat's error type; the message travels in the
// Reason of the enclosing *errdefs.Error.
func (e *HTTPError) Error() string {
	svc := e.Service
	if svc == "" {
		svc = "heat"
	}
	s := fmt.Sprintf("%s: %s answered %d", svc, e.Method, e.Status)
	if e.Type != "" {
		s += " (" + e.Type + ")"
	}
	return s
}

// Unwrap returns gophercloud's error.
func (e *HTTPError) Unwrap() error { return e.err }

// errClass says what a failed attempt means for retrying.
type errClass int

const (
	// classFinal: Heat answered and the answer stands (4xx other than 429).
	classFinal errClass = iota
	// classNotSent: the request never reached Heat (connection refused, DNS);
	// any call, even a create, may be repeated.
	classNotSent
	// classTransient: 5xx, 429, a broken connection or an attempt timeout.
	// Heat may or may not have acted; only idempotent calls are repeated.
	classTransient
	// classCanceled: the caller's context ended.
	classCanceled
)

// maxMessage bounds how much of Heat's message is kept in an error.
const maxMessage = 2048

// classify inspects the error of one attempt. parent is the caller's
// context (not the per-attempt one): its end means "stop", while the end of
// an attempt's own deadline is a transient failure.
func classify(parent context.Context, err error) (errClass, *HTTPError, time.Duration) {
	if parent.Err() != nil {
		return classCanceled, nil, 0
	}
	if he := httpError(err); he != nil {
		switch {
		case he.Status >= 500 || he.Status == http.StatusTooManyRequests:
			return classTransient, he, retryAfter(err)
		default:
			return classFinal, he, 0
		}
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return classNotSent, nil, 0
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return classNotSent, nil, 0
	}
	// Anything else is a transport failure after the request may have been
	// written: reset, EOF, an attempt deadline, a truncated body.
	return classTransient, nil, 0
}

// httpError extracts the status and Heat's error body from a gophercloud
// error, or returns nil when err carries no HTTP status.
func httpError(err error) *HTTPError {
	var he *HTTPError
	if errors.As(err, &he) {
		return he
	}
	var code gophercloud.ErrUnexpectedResponseCode
	if !errors.As(err, &code) {
		var pcode *gophercloud.ErrUnexpectedResponseCode
		if !errors.As(err, &pcode) || pcode == nil {
			return nil
		}
		code = *pcode
	}
	he = &HTTPError{Method: code.Method, Status: code.Actual, err: err}
	he.Type, he.Message = heatMessage(code.Body)
	return he
}

// heatMessage reads Heat's fault body:
//
//	{"code": 400, "title": "Bad Request", "explanation": "...",
//	 "error": {"type": "StackValidationFailed", "message": "...", "traceback": null}}
//
// and the shapes of Neutron ({"NeutronError": {"type": ..., "message": ...}})
// and Nova ({"itemNotFound": {"code": 404, "message": ...}}). Bodies of
// another shape (a proxy's HTML page, Glance's text) give their first line.
func heatMessage(body []byte) (typ, msg string) {
	var wrapped map[string]struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &wrapped) == nil && len(wrapped) == 1 {
		for k, v := range wrapped {
			if v.Message == "" {
				break
			}
			if k == "NeutronError" {
				return v.Type, clip(strings.TrimSpace(v.Message))
			}
			if k != "error" {
				return k, clip(strings.TrimSpace(v.Message))
			}
		}
	}
	var fault struct {
		Title       string `json:"title"`
		Explanation string `json:"explanation"`
		Error       struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &fault) == nil {
		msg = fault.Error.Message
		if msg == "" {
			msg = fault.Explanation
		}
		if msg == "" {
			msg = fault.Title
		}
		return fault.Error.Type, clip(strings.TrimSpace(msg))
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
	return "", clip(line)
}

func clip(s string) string {
	if len(s) <= maxMessage {
		return s
	}
	s = s[:maxMessage]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// retryAfter reads a Retry-After header given in seconds.
func retryAfter(err error) time.Duration {
	var code gophercloud.ErrUnexpectedResponseCode
	if !errors.As(err, &code) || code.ResponseHeader == nil {
		return 0
	}
	s, perr := strconv.Atoi(strings.TrimSpace(code.ResponseHeader.Get("Retry-After")))
	if perr != nil || s <= 0 {
		return 0
	}
	return time.Duration(s) * time.Second
}

// kindFor maps an HTTP status to an errdefs kind.
func kindFor(status int) error {
	switch {
	case status == http.StatusNotFound:
		return errdefs.ErrNotFound
	case status == http.StatusConflict:
		return errdefs.ErrConflict
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return errdefs.ErrForbidden
	case status == http.StatusTooManyRequests || status >= 500:
		return errdefs.ErrUnavailable
	default:
		return errdefs.ErrInvalid
	}
}

// wrapErr turns the last failure of an operation into the error callers
// see: an *errdefs.Error whose Kind follows the HTTP status (or
// ErrUnavailable for transport failures), or the context's error when the
// caller gave up.
func wrapErr(ctx context.Context, op, id string, err error) error {
	if err == nil {
		return nil
	}
	var de *errdefs.Error
	if errors.As(err, &de) {
		return err
	}
	if ctx.Err() != nil {
		return fmt.Errorf("heat: %s %s: %w", op, id, context.Cause(ctx))
	}
	if he := httpError(err); he != nil {
		reason := op + ": " + he.Message
		if he.Message == "" {
			reason = op + ": " + http.StatusText(he.Status)
		}
		return &errdefs.Error{Kind: kindFor(he.Status), Resource: "stack", ID: id, Reason: reason, Err: he}
	}
	var reauth *gophercloud.ErrUnableToReauthenticate
	var reauthV gophercloud.ErrUnableToReauthenticate
	if errors.As(err, &reauth) || errors.As(err, &reauthV) {
		return &errdefs.Error{Kind: errdefs.ErrForbidden, Resource: "stack", ID: id, Reason: op + ": authentication failed", Err: err}
	}
	return &errdefs.Error{Kind: errdefs.ErrUnavailable, Resource: "stack", ID: id, Reason: op + ": Heat unreachable", Err: err}
}
