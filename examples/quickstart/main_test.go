package main

import (
	"bytes"
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQuickstartRuns(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out bytes.Buffer
	require.NoError(t, run(ctx, &out))
	assert.Regexp(t, regexp.MustCompile(`(?m)^prod CREATE_COMPLETE https://\d+\.\d+\.\d+\.\d+:6443 \[\S+\]$`), out.String())
	assert.Contains(t, out.String(), "prod UPDATE_COMPLETE 3 nodes\n")
	assert.Contains(t, out.String(), "prod deleted\n")
}
