// Package labtest is what the real-Heat integration tests of the Heat
// drivers and of heat/heattest share: logging in to the lab's Heat
// (Orchestrator) and giving a rendered stack the lab's stand-ins for the
// services the lab does not run (WithStandIns).
//
// The lab is ../shared/openstack's Keystone and Heat, or any cloud the
// environment names (OS_CLOUD with clouds.yaml, or openrc variables).
// Without one the tests fail rather than skip.
//
//	o := labtest.Orchestrator(t, openstack.Config{})
//	req, _, err := d.RenderStack(r)
//	require.NoError(t, err)
//	labtest.WithStandIns(t, &req) // reads testdata/lab/env.yaml
//	id, err := o.Create(ctx, req)
package labtest
