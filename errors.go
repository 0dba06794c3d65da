package magnum

import "github.com/gomagnum/magnum/errdefs"

// The error kinds of every Manager method, for errors.Is. They are the
// errdefs sentinels, repeated here for convenience.
var (
	ErrInvalid       = errdefs.ErrInvalid
	ErrNotFound      = errdefs.ErrNotFound
	ErrConflict      = errdefs.ErrConflict
	ErrInUse         = errdefs.ErrInUse
	ErrForbidden     = errdefs.ErrForbidden
	ErrUnsupported   = errdefs.ErrUnsupported
	ErrQuotaExceeded = errdefs.ErrQuotaExceeded
	ErrUnavailable   = errdefs.ErrUnavailable
)
