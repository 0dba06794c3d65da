package certs_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/errdefs"
)

// TestStagedRotation: a staged set is stored but not in force until it is
// committed; an aborted one leaves the old set fully in force and nothing
// behind; commit is idempotent and refuses a cluster that moved on.
func TestStagedRotation(t *testing.T) {
	ctx := context.Background()
	f := newFaultyManager(t)
	c := certs.Cluster{UUID: "3f0c1b52-2a5e-4d4e-9a43-2f7d3c1d9b11", Name: "prod"}
	before, err := f.m.Create(ctx, c)
	require.NoError(t, err)
	oldCA, err := f.m.CA(ctx, c.UUID, certs.CAKubernetes)
	require.NoError(t, err)

	// Abort: the old set stays, the staged material is gone.
	r, err := f.m.StageRotation(ctx, c)
	require.NoError(t, err)
	assert.Equal(t, before, r.Old)
	assert.NotEqual(t, before.CA, r.New.CA)
	staged, err := f.m.StagedCA(ctx, r, certs.CAKubernetes)
	require.NoError(t, err)
	assert.NotEqual(t, oldCA.Raw, staged.Raw)
	cur, err := f.m.CA(ctx, c.UUID, certs.CAKubernetes)
	require.NoError(t, err)
	assert.Equal(t, oldCA.Raw, cur.Raw, "staged is not in force")
	require.NoError(t, f.m.AbortRotation(ctx, r))
	_, err = f.m.StagedCA(ctx, r, certs.CAKubernetes)
	assert.True(t, errors.Is(err, errdefs.ErrNotFound), "the staged material was removed: %v", err)
	refs, err := f.m.Refs(ctx, c.UUID)
	require.NoError(t, err)
	assert.Equal(t, before, refs)
	// A client bundle still chains to the old CA.
	kp, err := f.m.ClientKeyPair(ctx, c.UUID)
	require.NoError(t, err)
	require.NoError(t, kp.Certificate.CheckSignatureFrom(oldCA))

	// Commit: the new set is in force, the old material is gone. While
	// staged, a CSR may be signed by the new CA on request.
	r, err = f.m.StageRotation(ctx, c)
	require.NoError(t, err)
	stagedCA, err := f.m.StagedCA(ctx, r, certs.CAKubernetes)
	require.NoError(t, err)
	csr, _ := makeCSR(t, csrSpec{cn: "system:node:n1", orgs: []string{"system:nodes"}})
	cert, err := f.m.SignCSR(ctx, certs.SignRequest{Cluster: c, Requester: trusteeCaller, CSR: csr, Staged: &r})
	require.NoError(t, err)
	require.NoError(t, cert.CheckSignatureFrom(stagedCA), "signed by the staged CA")
	cert, err = f.m.SignCSR(ctx, certs.SignRequest{Cluster: c, Requester: trusteeCaller, CSR: csr})
	require.NoError(t, err)
	require.NoError(t, cert.CheckSignatureFrom(oldCA), "without Staged, the CA in force")
	done, err := f.m.CommitRotation(ctx, r)
	require.NoError(t, err)
	assert.Empty(t, done.Leftover)
	refs, err = f.m.Refs(ctx, c.UUID)
	require.NoError(t, err)
	assert.Equal(t, r.New, refs)
	newCA, err := f.m.CA(ctx, c.UUID, certs.CAKubernetes)
	require.NoError(t, err)
	kp, err = f.m.ClientKeyPair(ctx, c.UUID)
	require.NoError(t, err)
	require.NoError(t, kp.Certificate.CheckSignatureFrom(newCA), "the client certificate is the new CA's")
	assert.Error(t, kp.Certificate.CheckSignatureFrom(oldCA), "and not the old one's")
	_, err = f.m.CommitRotation(ctx, r)
	assert.NoError(t, err, "commit is idempotent")
	assert.True(t, errors.Is(f.m.AbortRotation(ctx, r), errdefs.ErrConflict), "a committed rotation cannot be aborted")

	// A rotation staged from a set no longer in force cannot commit.
	_, err = f.m.CommitRotation(ctx, certs.Rotation{ClusterID: c.UUID, Old: before, New: before})
	assert.True(t, errors.Is(err, errdefs.ErrConflict), "%v", err)
}
