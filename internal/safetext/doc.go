// Package safetext makes untrusted text (labels, Heat outputs, answers of
// a cluster's API) safe to quote in an error message or to store as a
// status reason: valid UTF-8, no control characters, bounded length.
//
// The Heat drivers (k8s, swarm, mesos) share it.
//
//	if safetext.HasControl(v) {
//		return fmt.Errorf("label %q has control characters", safetext.Truncate(v, 40))
//	}
//	reason := safetext.Clean(body, 256)
package safetext
