package driver

import "context"

// CredentialRotator is an optional ability of a ClusterDriver: replacing
// the cloud credential a cluster's nodes use (Magnum's PATCH
// /v1/credentials/{cluster}, API 1.12). What the credential is belongs to
// the driver (an application credential, a trustee's password); the
// Manager only checks the caller and the cluster's status and calls
// RotateCredential synchronously, with req.Nodes holding the current node
// access. A driver without the ability makes the Manager answer
// errdefs.ErrUnsupported.
type CredentialRotator interface {
	ClusterDriver
	// RotateCredential replaces the credential and returns when the
	// cluster uses the new one, or with an error. It must not leave the
	// cluster without a working credential, and a repeated call is safe.
	RotateCredential(ctx context.Context, req *Request) error
}
