// Package mesos is the Apache Mesos driver: Mesos clusters on Ubuntu
// servers, built through Heat.
//
// At this stage it declares its tuple and capabilities, which template
// validation uses; cluster creation arrives with its Heat templates.
//
//	err := mesos.ValidateLabels(labels.Labels{
//		"mesos_slave_image_providers": "docker",
//		"mesos_slave_isolation":       "docker/runtime,posix/cpu",
//	}) // nil
package mesos
