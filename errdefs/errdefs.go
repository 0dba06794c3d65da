package errdefs

import (
	"errors"
	"fmt"
	"strings"
)

// The kinds of failure. Check them with errors.Is.
var (
	// ErrInvalid: the input is malformed or breaks a rule (Magnum: 400).
	ErrInvalid = errors.New("invalid input")
	// ErrNotFound: the resource does not exist or is not visible to the caller (404).
	ErrNotFound = errors.New("not found")
	// ErrConflict: the request collides with the current state, for example a
	// stale revision, a duplicate, or an ambiguous name (409).
	ErrConflict = errors.New("conflict")
	// ErrInUse: the resource is referenced by others and cannot be changed or
	// removed that way. It is also an ErrInvalid, as in Magnum (400).
	ErrInUse = &kindError{msg: "resource in use", parent: ErrInvalid}
	// ErrForbidden: the caller is not allowed to do this (403).
	ErrForbidden = errors.New("forbidden")
	// ErrUnsupported: the operation or combination is not supported, for
	// example no driver for a (server type, distro, COE) tuple (400).
	ErrUnsupported = errors.New("not supported")
	// ErrQuotaExceeded: a project limit would be passed. It is also an
	// ErrForbidden, as in Magnum (403).
	ErrQuotaExceeded = &kindError{msg: "quota exceeded", parent: ErrForbidden}
	// ErrUnavailable: a backing service (cloud API, database) could not be
	// reached or failed transiently; the call may succeed if repeated.
	ErrUnavailable = errors.New("service unavailable")
)

// kindError is a sentinel that is also a more general sentinel.
type kindError struct {
	msg    string
	parent error
}

func (k *kindError) Error() string { return k.msg }
func (k *kindError) Unwrap() error { return k.parent }

// Error is a failure of one kind with its details. It matches its Kind and its
// cause with errors.Is.
type Error struct {
	Kind     error  // one of the Err* sentinels of this package
	Resource string // "clustertemplate", "cluster", "nodegroup", … (may be empty)
	ID       string // the resource's UUID or name as given (may be empty)
	Field    string // the JSON field name the problem is about (may be empty)
	Reason   string // a human sentence; never contains secret material
	Err      error  // an underlying cause (may be nil)
}

// Error formats as "<resource> <id>: <field>: <reason>: <cause>", leaving out
// whatever is empty. Without a reason the kind's text stands in; an Error
// with nothing at all set reads "error".
func (e *Error) Error() string {
	parts := make([]string, 0, 4)
	if head := strings.TrimSpace(e.Resource + " " + e.ID); head != "" {
		parts = append(parts, head)
	}
	if e.Field != "" {
		parts = append(parts, e.Field)
	}
	switch {
	case e.Reason != "":
		parts = append(parts, e.Reason)
	case e.Kind != nil:
		parts = append(parts, e.Kind.Error())
	}
	if e.Err != nil {
		parts = append(parts, e.Err.Error())
	}
	if len(parts) == 0 {
		return "error"
	}
	return strings.Join(parts, ": ")
}

// Unwrap exposes the kind and the cause to errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	errs := make([]error, 0, 2)
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// New returns an *Error of the given kind about a resource.
func New(kind error, resource, id, reason string) *Error {
	return &Error{Kind: kind, Resource: resource, ID: id, Reason: reason}
}

// Invalid returns an ErrInvalid *Error about one field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Kind: ErrInvalid, Field: field, Reason: fmt.Sprintf(format, args...)}
}

// NotFound returns an ErrNotFound *Error for a resource identified by id.
func NotFound(resource, id string) *Error {
	return &Error{Kind: ErrNotFound, Resource: resource, ID: id, Reason: "not found"}
}

// Conflict returns an ErrConflict *Error.
func Conflict(resource, id, format string, args ...any) *Error {
	return &Error{Kind: ErrConflict, Resource: resource, ID: id, Reason: fmt.Sprintf(format, args...)}
}

// Forbidden returns an ErrForbidden *Error.
func Forbidden(resource, id, format string, args ...any) *Error {
	return &Error{Kind: ErrForbidden, Resource: resource, ID: id, Reason: fmt.Sprintf(format, args...)}
}

// Problems lists every *Error inside err, depth first, looking through
// errors.Join and %w wrapping. It returns nil for a nil error. Use it to show
// all the fields a validation rejected.
func Problems(err error) []*Error {
	var out []*Error
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		if e, ok := err.(*Error); ok {
			if e != nil {
				out = append(out, e)
			}
			return
		}
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, inner := range u.Unwrap() {
				walk(inner)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out
}

// WithResource sets Resource and ID on every *Error inside err that has none
// and returns err. It lets a pure validator report fields while the caller
// names the resource.
func WithResource(err error, resource, id string) error {
	for _, e := range Problems(err) {
		if e.Resource == "" {
			e.Resource = resource
			e.ID = id
		}
	}
	return err
}
