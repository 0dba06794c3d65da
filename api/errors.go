package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/gomagnum/magnum/errdefs"
)

// ErrUnauthenticated is what an Authenticator returns (wrapped) for a
// request without valid credentials: 401.
var ErrUnauthenticated = errors.New("authentication required")

// statusError is a failure of the HTTP layer itself with its status.
type statusError struct {
	status int
	msg    string
}

func (e *statusError) Error() string { return e.msg }

var errInternal = &statusError{status: http.StatusInternalServerError, msg: "The server has either erred or is incapable of performing the requested operation."}

// errorBody is Magnum's error document.
type errorBody struct {
	Errors []errorItem `json:"errors"`
}

type errorItem struct {
	RequestID string `json:"request_id"`
	Code      string `json:"code"`
	Status    int    `json:"status"`
	Title     string `json:"title"`
	Detail    string `json:"detail"`
	Links     []link `json:"links"`
}

// statusOf maps an error to its HTTP status, as Magnum maps its exceptions.
// The kind of the outermost *errdefs.Error decides, so that a Manager error
// of kind ErrInvalid caused by a lookup's ErrNotFound (an unknown template on
// cluster create) stays a 400, as in Magnum.
func statusOf(err error) int {
	var se *statusError
	var mbe *http.MaxBytesError
	var ee *errdefs.Error
	switch {
	case errors.As(err, &se):
		return se.status
	case errors.As(err, &mbe):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrUnauthenticated):
		return http.StatusUnauthorized
	case errors.As(err, &ee) && ee.Kind != nil:
		if st := kindStatus(ee.Kind); st != http.StatusInternalServerError {
			return st
		}
	}
	return kindStatus(err)
}

// kindStatus maps the errdefs kinds.
func kindStatus(err error) int {
	switch {
	case errors.Is(err, errdefs.ErrForbidden): // includes ErrQuotaExceeded
		return http.StatusForbidden
	case errors.Is(err, errdefs.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, errdefs.ErrConflict):
		return http.StatusConflict
	case errors.Is(err, errdefs.ErrInvalid), errors.Is(err, errdefs.ErrUnsupported): // includes ErrInUse
		return http.StatusBadRequest
	case errors.Is(err, errdefs.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// message is the client-facing text of err. Server errors say nothing of
// their cause (it is logged instead).
func message(err error, status int) string {
	if status == http.StatusInternalServerError {
		return errInternal.msg
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return "Request body is too large."
	}
	if status == http.StatusServiceUnavailable && errors.Is(err, context.DeadlineExceeded) {
		return "The request took too long."
	}
	if probs := errdefs.Problems(err); len(probs) > 1 {
		parts := make([]string, 0, len(probs))
		for _, p := range probs {
			parts = append(parts, p.Error())
		}
		return strings.Join(parts, "; ")
	}
	return err.Error()
}

// writeError answers with Magnum's error body.
func (h *handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	st := state(r.Context())
	status := statusOf(err)
	msg := message(err, status)
	if status >= 500 {
		h.log.ErrorContext(r.Context(), "api: request failed", "request_id", st.id, "method", r.Method,
			"path", r.URL.Path, "status", status, "error", err)
	}
	code := "client"
	if status >= 500 {
		code = "server"
	}
	body := errorBody{Errors: []errorItem{{
		RequestID: st.id, Code: code, Status: status, Title: msg, Detail: msg, Links: []link{},
	}}}
	if status == http.StatusMethodNotAllowed || status == http.StatusRequestEntityTooLarge {
		w.Header().Set("Connection", "close")
	}
	writeJSON(w, status, body)
}

// writeJSON writes v as the response body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"errors":[{"code":"server","status":500,"title":"encoding failed","detail":"encoding failed","links":[]}]}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
