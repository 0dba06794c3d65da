package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/gomagnum/magnum/errdefs"
)

func TestStatusOf(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"invalid", errdefs.Invalid("name", "bad"), 400},
		{"in use", errdefs.New(errdefs.ErrInUse, "clustertemplate", "k8s", "used"), 400},
		{"unsupported", errdefs.New(errdefs.ErrUnsupported, "cluster", "", "no driver"), 400},
		{"unauthenticated", fmt.Errorf("x: %w", ErrUnauthenticated), 401},
		{"forbidden", errdefs.Forbidden("cluster", "c", "no"), 403},
		{"quota", errdefs.New(errdefs.ErrQuotaExceeded, "cluster", "", "full"), 403},
		{"not found", errdefs.NotFound("cluster", "c"), 404},
		{"invalid caused by not found", &errdefs.Error{Kind: errdefs.ErrInvalid, Err: errdefs.NotFound("clustertemplate", "t")}, 400},
		{"wrapped not found", fmt.Errorf("ctx: %w", errdefs.NotFound("cluster", "c")), 404},
		{"conflict", errdefs.Conflict("cluster", "c", "two"), 409},
		{"unavailable", errdefs.New(errdefs.ErrUnavailable, "stack", "", "down"), 503},
		{"deadline", context.DeadlineExceeded, 503},
		{"too large", &http.MaxBytesError{Limit: 1}, 413},
		{"joined", errors.Join(errdefs.Invalid("a", "x"), errdefs.Invalid("b", "y")), 400},
		{"unknown", errors.New("boom"), 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, statusOf(tt.err))
		})
	}
	assert.Equal(t, errInternal.msg, message(errors.New("secret detail"), 500), "500s hide their cause")
	assert.Contains(t, message(errors.Join(errdefs.Invalid("a", "x"), errdefs.Invalid("b", "y")), 400), "; ")
}

func TestParseVersion(t *testing.T) {
	for in, want := range map[string]Version{"1.1": {1, 1}, "1.10": {1, 10}, " latest ": MaxVersion, "LATEST": MaxVersion, "2.0": {2, 0}} {
		v, err := ParseVersion(in)
		assert.NoError(t, err, in)
		assert.Equal(t, want, v, in)
	}
	for _, in := range []string{"", "1", "1.", ".1", "a.b", "1.-1", "+1.2", "1.+2", "1.1.1"} {
		_, err := ParseVersion(in)
		assert.ErrorIs(t, err, errdefs.ErrInvalid, in)
	}
}
