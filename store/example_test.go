package store_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/store"
	"github.com/gomagnum/magnum/template"
)

// The memory store with optimistic concurrency: a write from a stale copy is
// refused instead of losing the other writer's change.
func ExampleNewMemory() {
	ctx := context.Background()
	s := store.NewMemory()
	defer s.Close()

	t := &template.ClusterTemplate{
		UUID: "5d12f6fd-a196-4bf0-ae4c-1f639a523a52", Name: "k8s", ProjectID: "demo",
		COE: "kubernetes", ImageID: "fedora-atomic", CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
	}
	if err := s.CreateTemplate(ctx, t); err != nil {
		fmt.Println(err)
		return
	}
	stale, _ := s.GetTemplate(ctx, t.UUID)

	t.Public = true
	if err := s.UpdateTemplate(ctx, t); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("revision after update:", t.Revision)

	stale.Name = "k8s-old"
	err := s.UpdateTemplate(ctx, stale)
	fmt.Println("stale update is a conflict:", errors.Is(err, errdefs.ErrConflict))

	found, _ := s.FindTemplate(ctx, store.TemplateFilter{ProjectID: "demo"}, "k8s")
	fmt.Println(found.Name, found.Public, found.Revision)
	// Output:
	// revision after update: 2
	// stale update is a conflict: true
	// k8s true 2
}
