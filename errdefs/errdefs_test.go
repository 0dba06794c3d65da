package errdefs_test

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/errdefs"
)

func allKinds() []error {
	return []error{
		errdefs.ErrInvalid, errdefs.ErrNotFound, errdefs.ErrConflict, errdefs.ErrInUse,
		errdefs.ErrForbidden, errdefs.ErrUnsupported, errdefs.ErrQuotaExceeded, errdefs.ErrUnavailable,
	}
}

func TestErrorFormatting(t *testing.T) {
	cause := errors.New("disk full")
	tests := []struct {
		name string
		err  *errdefs.Error
		want string
	}{
		{"everything", &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "clustertemplate", ID: "k8s",
			Field: "image_id", Reason: "is required", Err: cause},
			"clustertemplate k8s: image_id: is required: disk full"},
		{"resource only", &errdefs.Error{Kind: errdefs.ErrNotFound, Resource: "cluster"}, "cluster: not found"},
		{"id only", &errdefs.Error{Kind: errdefs.ErrNotFound, ID: "abc"}, "abc: not found"},
		{"field and reason", &errdefs.Error{Kind: errdefs.ErrInvalid, Field: "name", Reason: "too long"}, "name: too long"},
		{"kind text stands in for a missing reason", &errdefs.Error{Kind: errdefs.ErrQuotaExceeded}, "quota exceeded"},
		{"reason wins over kind", &errdefs.Error{Kind: errdefs.ErrConflict, Reason: "stale revision"}, "stale revision"},
		{"cause only", &errdefs.Error{Err: cause}, "disk full"},
		{"resource without anything else has no dangling separator", &errdefs.Error{Resource: "cluster"}, "cluster"},
		{"nothing set", &errdefs.Error{}, "error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.err.Error())
		})
	}
}

func TestConstructors(t *testing.T) {
	tests := []struct {
		name     string
		err      *errdefs.Error
		kind     error
		resource string
		id       string
		field    string
		reason   string
		text     string
	}{
		{"New", errdefs.New(errdefs.ErrUnsupported, "cluster type", "(vm, x, y)", "no driver"),
			errdefs.ErrUnsupported, "cluster type", "(vm, x, y)", "", "no driver", "cluster type (vm, x, y): no driver"},
		{"Invalid", errdefs.Invalid("apiserver_port", "must be between %d and %d", 1024, 65535),
			errdefs.ErrInvalid, "", "", "apiserver_port", "must be between 1024 and 65535", "apiserver_port: must be between 1024 and 65535"},
		{"NotFound", errdefs.NotFound("cluster", "c1"),
			errdefs.ErrNotFound, "cluster", "c1", "", "not found", "cluster c1: not found"},
		{"Conflict", errdefs.Conflict("clustertemplate", "t1", "revision %d is stale", 3),
			errdefs.ErrConflict, "clustertemplate", "t1", "", "revision 3 is stale", "clustertemplate t1: revision 3 is stale"},
		{"Forbidden", errdefs.Forbidden("clustertemplate", "t1", "publishing needs %s", "admin"),
			errdefs.ErrForbidden, "clustertemplate", "t1", "", "publishing needs admin", "clustertemplate t1: publishing needs admin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Same(t, tt.kind, tt.err.Kind)
			assert.Equal(t, tt.resource, tt.err.Resource)
			assert.Equal(t, tt.id, tt.err.ID)
			assert.Equal(t, tt.field, tt.err.Field)
			assert.Equal(t, tt.reason, tt.err.Reason)
			assert.Nil(t, tt.err.Err)
			assert.Equal(t, tt.text, tt.err.Error())
			assert.ErrorIs(t, tt.err, tt.kind)
		})
	}
}

// TestKindsAreDistinct checks that errors.Is tells every kind apart, except
// for the two documented refinements: ErrInUse is an ErrInvalid and
// ErrQuotaExceeded is an ErrForbidden.
func TestKindsAreDistinct(t *testing.T) {
	parent := map[error]error{
		errdefs.ErrInUse:         errdefs.ErrInvalid,
		errdefs.ErrQuotaExceeded: errdefs.ErrForbidden,
	}
	for _, kind := range allKinds() {
		for _, target := range allKinds() {
			want := kind == target || parent[kind] == target
			t.Run(fmt.Sprintf("%v is %v", kind, target), func(t *testing.T) {
				assert.Equal(t, want, errors.Is(kind, target), "sentinel")
				wrapped := &errdefs.Error{Kind: kind, Reason: "r"}
				assert.Equal(t, want, errors.Is(wrapped, target), "*Error of the kind")
				assert.Equal(t, want, errors.Is(fmt.Errorf("op: %w", wrapped), target), "wrapped with %%w")
			})
		}
	}
}

func TestKindMessages(t *testing.T) {
	// The refinements read as themselves, not as their parent.
	assert.Equal(t, "resource in use", errdefs.ErrInUse.Error())
	assert.Equal(t, "quota exceeded", errdefs.ErrQuotaExceeded.Error())
}

func TestErrorIsMatchesCause(t *testing.T) {
	e := &errdefs.Error{Kind: errdefs.ErrUnavailable, Reason: "heat unreachable", Err: io.ErrUnexpectedEOF}
	assert.ErrorIs(t, e, errdefs.ErrUnavailable)
	assert.ErrorIs(t, e, io.ErrUnexpectedEOF)
	assert.NotErrorIs(t, e, errdefs.ErrNotFound)

	var target *errdefs.Error
	require.ErrorAs(t, fmt.Errorf("create: %w", e), &target)
	assert.Same(t, e, target)

	// Neither kind nor cause: matches nothing.
	assert.NotErrorIs(t, &errdefs.Error{Reason: "x"}, errdefs.ErrInvalid)
}

func TestProblems(t *testing.T) {
	a := errdefs.Invalid("name", "too long")
	b := errdefs.Invalid("coe", "is required")
	c := errdefs.Invalid("labels/x", "bad")
	d := errdefs.NotFound("cluster", "c1")

	t.Run("nil", func(t *testing.T) {
		assert.Nil(t, errdefs.Problems(nil))
	})
	t.Run("plain error has none", func(t *testing.T) {
		assert.Empty(t, errdefs.Problems(errors.New("boom")))
		assert.Empty(t, errdefs.Problems(fmt.Errorf("x: %w", io.EOF)))
	})
	t.Run("single", func(t *testing.T) {
		assert.Equal(t, []*errdefs.Error{a}, errdefs.Problems(a))
	})
	t.Run("joined, in order", func(t *testing.T) {
		assert.Equal(t, []*errdefs.Error{a, b, c}, errdefs.Problems(errors.Join(a, b, c)))
	})
	t.Run("nested through Join and %w, depth first", func(t *testing.T) {
		err := fmt.Errorf("validate: %w", errors.Join(
			a,
			fmt.Errorf("labels: %w", errors.Join(b, errors.New("not an *Error"), c)),
			fmt.Errorf("two causes: %w and %w", d, io.EOF),
		))
		assert.Equal(t, []*errdefs.Error{a, b, c, d}, errdefs.Problems(err))
	})
	t.Run("does not descend into an *Error's cause", func(t *testing.T) {
		outer := &errdefs.Error{Kind: errdefs.ErrInvalid, Field: "f", Err: errors.Join(a, b)}
		assert.Equal(t, []*errdefs.Error{outer}, errdefs.Problems(outer))
	})
	t.Run("typed nil *Error is skipped", func(t *testing.T) {
		var nilErr *errdefs.Error
		assert.Equal(t, []*errdefs.Error{a}, errdefs.Problems(errors.Join(a, nilErr)))
	})
}

func TestWithResource(t *testing.T) {
	named := &errdefs.Error{Kind: errdefs.ErrConflict, Resource: "cluster", ID: "c9", Reason: "busy"}
	a := errdefs.Invalid("name", "too long")
	b := errdefs.Invalid("coe", "is required")
	joined := fmt.Errorf("create: %w", errors.Join(a, named, b))

	got := errdefs.WithResource(joined, "clustertemplate", "k8s")
	assert.Same(t, joined, got, "returns the same error")

	assert.Equal(t, "clustertemplate", a.Resource)
	assert.Equal(t, "k8s", a.ID)
	assert.Equal(t, "clustertemplate k8s: name: too long", a.Error())
	assert.Equal(t, "clustertemplate", b.Resource)
	assert.Equal(t, "cluster", named.Resource, "an *Error that names its resource keeps it")
	assert.Equal(t, "c9", named.ID)

	assert.NoError(t, errdefs.WithResource(nil, "cluster", "x"))
	plain := errors.New("plain")
	assert.Same(t, plain, errdefs.WithResource(plain, "cluster", "x"))
}
