// Package labelcheck holds the checks of label values that the Heat
// drivers (k8s, swarm) share: each takes a label's value and returns an
// error that says what is wrong with it, quoting at most 40 bytes of the
// value. Unknown lists the labels a driver does not interpret.
//
//	check := labelcheck.OneOf("spread", "binpack")
//	if err := check(v); err != nil {
//		return fmt.Errorf("swarm_strategy: %w", err)
//	}
package labelcheck
