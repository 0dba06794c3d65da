//go:build !unix

package magnum_test

// processCPU is not measured on this platform; benchmarks report 0.
func processCPU() int64 { return 0 }
