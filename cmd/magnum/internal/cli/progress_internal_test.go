package cli

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/driver"
)

func TestProgressLine(t *testing.T) {
	assert.Equal(t, "[    12s] prod: CREATE_IN_PROGRESS  resources 7/30",
		progressLine(12400*time.Millisecond, "prod", "CREATE_IN_PROGRESS", &driver.Progress{Done: 7, Total: 30}))
	assert.Equal(t, "[   1m5s] prod: UPDATE_IN_PROGRESS",
		progressLine(65*time.Second, "prod", "UPDATE_IN_PROGRESS", nil), "unknown progress is left out")
}

func TestIsTerminal(t *testing.T) {
	assert.False(t, isTerminal(&bytes.Buffer{}))
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	assert.False(t, isTerminal(w), "a pipe gets plain lines")
	if f, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer f.Close()
		assert.True(t, isTerminal(f))
	}
}
