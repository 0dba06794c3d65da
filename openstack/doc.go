// Package openstack connects gomagnum to a real OpenStack cloud through
// gophercloud v2. Today it holds the Heat orchestrator, the implementation of
// heat.Orchestrator that every driver uses, and Connect, which logs in from
// clouds.yaml or openrc variables the way the openstack CLI does.
//
//	cloud, err := openstack.Connect(ctx, openstack.ConnectOptions{}) // OS_CLOUD or OS_* variables
//	if err != nil {
//		return err
//	}
//	orch, err := cloud.Orchestrator(openstack.Config{Logger: logger})
//	if err != nil {
//		return err
//	}
//	id, err := orch.CreateStack(ctx, heat.StackRequest{Name: "k8s-abc", Template: tpl, Files: files, Tags: []string{clusterUUID}})
//
// The orchestrator builds Heat's request bodies itself, so nested templates
// travel in the "files" map from memory. Errors carry errdefs kinds (404 →
// ErrNotFound, 409 → ErrConflict, other 4xx → ErrInvalid with Heat's
// message, 5xx and connection failures → ErrUnavailable). Idempotent calls
// are retried with jittered exponential backoff (RetryPolicy); creates never
// are retried blindly: after an ambiguous failure the stack is looked up by
// name first. heat/heattest is a fake Heat this package is tested against.
package openstack
