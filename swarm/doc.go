// Package swarm is the Docker Swarm driver: Swarm clusters on Fedora Atomic
// servers, built through Heat.
//
// At this stage it declares its tuple and capabilities, which template
// validation uses; cluster creation arrives with its Heat templates.
//
//	err := swarm.ValidateLabels(labels.Labels{"swarm_strategy": "spread binpack"}) // nil
package swarm
