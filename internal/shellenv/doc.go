// Package shellenv writes and reads the shell environment files that carry
// a cluster's settings to its node scripts: one NAME='value' line per
// variable, every value single-quoted, so that sourcing the file only
// assigns data and no value can run a command or set another variable.
// Heat carries the whole file as one parameter.
//
// The Heat drivers (k8s, swarm, mesos) share it; k8s.EnvFile is this
// package's File.
//
//	var f shellenv.File
//	if err := f.Set("CLUSTER_NAME", c.Name); err != nil { … }
//	params["node_env"] = string(f.Bytes())
package shellenv
