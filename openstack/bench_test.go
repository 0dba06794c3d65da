package openstack_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/heat/heattest"
	"github.com/gomagnum/magnum/openstack"
)

// BenchmarkCreateToComplete is a whole round trip on heattest through
// gophercloud: create the sample cluster (3 masters, 5 workers), poll until
// CREATE_COMPLETE (the fake finishes on the second read), read the outputs,
// delete and poll until the stack is gone. requests/op counts Heat API
// requests (Keystone excluded).
func BenchmarkCreateToComplete(b *testing.B) {
	srv, o, _ := setup(b, heattest.Options{PollsToComplete: 1}, openstack.Config{})
	req, _, _ := sampleRequest(b, "bench", heat.SampleOptions{Masters: 3, Workers: 5, MasterLB: true, FloatingIP: true})
	ctx := context.Background()
	wait := openstack.WaitOptions{Sleep: noWait, WithOutputs: true}
	srv.ResetCounts()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req.Name = fmt.Sprintf("bench-%d", i)
		id, err := o.CreateStack(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		s, err := openstack.Wait(ctx, o, id, wait)
		if err != nil || len(s.Outputs) == 0 {
			b.Fatal(err)
		}
		if err := o.DeleteStack(ctx, id); err != nil {
			b.Fatal(err)
		}
		if _, err := openstack.Wait(ctx, o, id, wait); err == nil {
			b.Fatal("stack not deleted")
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(srv.TotalRequests())/float64(b.N), "requests/op")
}

// BenchmarkOperations measures each orchestrator call on heattest and its
// API cost (requests/op).
func BenchmarkOperations(b *testing.B) {
	ctx := context.Background()
	srv, o, _ := setup(b, heattest.Options{}, openstack.Config{})
	req, _, _ := sampleRequest(b, "ops", heat.SampleOptions{Masters: 3, Workers: 5})
	id, err := o.CreateStack(ctx, req)
	require.NoError(b, err)
	var ids []string
	for i := range 20 {
		other, err := o.CreateStack(ctx, groupRequest(b, fmt.Sprintf("other-%d", i), 0, "gomagnum"))
		require.NoError(b, err)
		ids = append(ids, other)
	}
	// Another process knows the stack by ID only.
	ao := srv.AuthOptions()
	cloud, err := openstack.Connect(ctx, openstack.ConnectOptions{Auth: &ao})
	require.NoError(b, err)
	created := 0
	ops := []struct {
		name string
		fn   func(i int) error
	}{
		{"GetStack", func(int) error { _, err := o.GetStack(ctx, id, false); return err }},
		{"GetStackWithOutputs", func(int) error { _, err := o.GetStack(ctx, id, true); return err }},
		{"GetStackByIDOnly", func(int) error {
			fresh, err := cloud.Orchestrator(openstack.Config{})
			if err != nil {
				return err
			}
			_, err = fresh.GetStack(ctx, id, false)
			return err
		}},
		{"ListStacks20ByTagAndID", func(int) error {
			l, err := o.ListStacks(ctx, heat.ListFilter{Tags: []string{"gomagnum"}, IDs: ids})
			if err == nil && len(l) != 20 {
				err = fmt.Errorf("listed %d", len(l))
			}
			return err
		}},
		{"UpdateExisting", func(i int) error {
			return o.UpdateStack(ctx, id, heat.UpdateRequest{Existing: true, Parameters: map[string]any{"number_of_minions": 5 + i%2}})
		}},
		{"FailedResources", func(int) error { _, err := o.FailedResources(ctx, id); return err }},
		{"CreateSmall", func(int) error {
			created++
			_, err := o.CreateStack(ctx, groupRequest(b, fmt.Sprintf("small-%d", created), 1))
			return err
		}},
	}
	for _, op := range ops {
		b.Run(op.name, func(b *testing.B) {
			srv.ResetCounts()
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if err := op.fn(i); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(srv.TotalRequests())/float64(b.N), "requests/op")
		})
	}
}
