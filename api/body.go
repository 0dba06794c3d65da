package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/google/uuid"

	"github.com/gomagnum/magnum/errdefs"
)

func newRequestID() string { return "req-" + uuid.NewString() }

// readBody reads the whole (size-limited) request body.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, err
		}
		return nil, errdefs.Invalid("", "the request body could not be read")
	}
	return b, nil
}

// decodeStrict decodes one JSON object into v, rejecting unknown fields and
// trailing data, as Magnum's typed request bodies do.
func decodeStrict(r *http.Request, v any) error {
	b, err := readBody(r)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return errdefs.Invalid("", "the request body is empty; a JSON object is required")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return errdefs.Invalid("", "the request body holds data after its JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return errdefs.Invalid("", "the request body holds data after its JSON object")
	}
	return nil
}

// jsonError describes a decoding failure without echoing much of the input.
func jsonError(err error) error {
	var ute *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &ute):
		return errdefs.Invalid(ute.Field, "invalid type for %s: got JSON %s, want %s", clip(ute.Field), ute.Value, ute.Type)
	case errors.As(err, &se):
		return errdefs.Invalid("", "the request body is not valid JSON (at byte %d)", se.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errdefs.Invalid("", "the request body is truncated JSON")
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return err
	}
	// Unknown fields and the labels' own checks come here.
	return errdefs.Invalid("", "%s", clip(fmt.Sprint(err)))
}

// unknownAttribute is the error for a field a request body may not carry.
func unknownAttribute(name string) error {
	return errdefs.Invalid(name, "unknown attribute %q", name)
}
