package journal

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/errdefs"
)

type hdr struct {
	Format string `json:"format"`
}

type rec struct {
	N int `json:"n"`
}

func TestAppendAndReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	f, h, recs, torn, err := Open(path, hdr{"x"})
	require.NoError(t, err)
	assert.NoError(t, torn)
	assert.Empty(t, recs)
	assert.JSONEq(t, `{"format":"x"}`, string(h))
	for i := range 3 {
		require.NoError(t, f.Append(rec{i}))
	}
	require.NoError(t, f.Close())
	assert.Error(t, f.Append(rec{9}), "closed")

	f, h, recs, torn, err = Open(path, hdr{"ignored: the file has one"})
	require.NoError(t, err)
	defer f.Close()
	assert.NoError(t, torn)
	assert.JSONEq(t, `{"format":"x"}`, string(h))
	require.Len(t, recs, 3)
	for i, r := range recs {
		var got rec
		require.NoError(t, json.Unmarshal(r, &got))
		assert.Equal(t, i, got.N)
	}
}

func TestTornLastLine(t *testing.T) {
	for name, tail := range map[string]string{
		"cut short":        `{"n":3`,
		"garbled":          "{\"n\":3}}}\n",
		"no newline":       `{"n":3}`,
		"garbled + blanks": "xx\n\n  \n",
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "j.jsonl")
			good := "{\"format\":\"x\"}\n{\"n\":1}\n{\"n\":2}\n"
			require.NoError(t, os.WriteFile(path, []byte(good+tail), 0o600))
			f, _, recs, torn, err := Open(path, hdr{"x"})
			require.NoError(t, err)
			require.Error(t, torn)
			assert.ErrorIs(t, torn, errdefs.ErrInvalid)
			assert.Len(t, recs, 2)
			require.NoError(t, f.Append(rec{7}))
			require.NoError(t, f.Close())
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, good+"{\"n\":7}\n", string(b), "appends follow the last whole record")
		})
	}
}

func TestBadLineInTheMiddle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	require.NoError(t, os.WriteFile(path, []byte("{\"format\":\"x\"}\nnope\n{\"n\":2}\n"), 0o600))
	_, _, _, _, err := Open(path, hdr{"x"})
	require.Error(t, err)
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
	b, _ := os.ReadFile(path)
	assert.Contains(t, string(b), `{"n":2}`, "nothing is cut when records follow the bad line")
}

func TestOpenFailure(t *testing.T) {
	_, _, _, _, err := Open(filepath.Join(t.TempDir(), "missing", "j.jsonl"), hdr{"x"})
	assert.ErrorIs(t, err, os.ErrNotExist)
}

// FuzzRead checks that any file content is read without a panic, and that
// what is kept is whole JSON lines ending at the reported offset.
func FuzzRead(f *testing.F) {
	f.Add([]byte("{\"format\":\"x\"}\n{\"n\":1}\n"))
	f.Add([]byte("{\"format\":\"x\"}\n{\"n\":1"))
	f.Add([]byte("\n\n{}\nx\n{}\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		hdr, recs, good, torn, err := read(bytes.NewReader(data), "fuzz")
		if err != nil {
			return
		}
		if good > int64(len(data)) {
			t.Fatalf("offset %d past the end %d", good, len(data))
		}
		if good > 0 && data[good-1] != '\n' {
			t.Fatalf("offset %d is not at a line end", good)
		}
		if torn == nil && len(bytes.TrimSpace(data[good:])) != 0 {
			t.Fatalf("data after %d dropped silently", good)
		}
		if hdr == nil && len(recs) > 0 {
			t.Fatal("records without a header")
		}
		for _, r := range append(recs, hdr) {
			if r != nil && !json.Valid(r) {
				t.Fatalf("invalid record %q", r)
			}
		}
	})
}
