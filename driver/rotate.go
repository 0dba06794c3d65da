package driver

import "context"

// CARotator is an optional ability of a ClusterDriver: delivering a
// cluster's rotated certificate authorities to its nodes. The Manager
// prepares the new CAs and calls RotateCA with them in req.Nodes.CACerts
// (and the previous ones in PreviousCACerts, for nodes that must trust both
// while they switch); the old CAs stay in force until the driver's
// operation completes, and remain so if it fails.
type CARotator interface {
	ClusterDriver
	// RotateCA starts the delivery (new CA bundle, new service-account
	// keys) through the backend; a repeated call converges.
	RotateCA(ctx context.Context, req *Request) error
}
