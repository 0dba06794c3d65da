package store_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/store"
)

func TestQuotaMarker(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{{"1", 1}, {"42", 42}, {"007", 7}, {"9223372036854775807", 9223372036854775807}} {
		got, err := store.QuotaMarker(tc.in)
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
	for _, bad := range []string{"", "0", "-1", "+1", "1.5", "abc", " 1", "9223372036854775808", "0x10"} {
		_, err := store.QuotaMarker(bad)
		assert.ErrorIs(t, err, errdefs.ErrInvalid, "%q", bad)
	}
}

// FuzzQuotaMarker: a marker parses to a positive ID whose decimal form
// parses back to it, or fails with ErrInvalid; it never panics.
func FuzzQuotaMarker(f *testing.F) {
	for _, s := range []string{"1", "0", "-5", "abc", "99999999999999999999", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := store.QuotaMarker(s)
		if err != nil {
			assert.ErrorIs(t, err, errdefs.ErrInvalid)
			return
		}
		assert.Positive(t, id)
		again, err := store.QuotaMarker(strconv.FormatInt(id, 10))
		require.NoError(t, err)
		assert.Equal(t, id, again)
	})
}

func TestCheckQuotaRecordClipsLongResource(t *testing.T) {
	long := "éResourceNameThatIsFarTooLongToQuoteInFullInAnErrorMessageAboutQuotas…é"
	err := store.CheckQuotaRecord(&store.QuotaRecord{ProjectID: "p", Resource: long})
	require.ErrorIs(t, err, errdefs.ErrInvalid)
	assert.NotContains(t, err.Error(), long, "long input is clipped")
	assert.Contains(t, err.Error(), "…")
}
