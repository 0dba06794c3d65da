package sqlstore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gomagnum/magnum/store"
	"github.com/gomagnum/magnum/store/sqlstore"
	"github.com/gomagnum/magnum/template"
)

// Open a SQLite file, migrate it by hand as an upgrade job would, and use it.
func ExampleOpen() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "magnum-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	s, err := sqlstore.Open(ctx, filepath.Join(dir, "magnum.db"), sqlstore.Config{ManualMigrations: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	v, _ := s.Version(ctx)
	fmt.Println("empty schema:", v.Current == 0)
	applied, err := s.Migrate(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	v, _ = s.Version(ctx)
	fmt.Println("first migration:", applied[0].Name, "- up to date:", v.Current == v.Latest)

	t := &template.ClusterTemplate{
		UUID: "0b5a3c47-49a5-4bd1-8d9b-3c8fd3e1d4a1", Name: "k8s", ProjectID: "demo",
		COE: "kubernetes", ImageID: "fedora-coreos", CreatedAt: time.Now(),
	}
	if err := s.CreateTemplate(ctx, t); err != nil {
		fmt.Println(err)
		return
	}
	list, _ := s.ListTemplates(ctx, store.TemplateFilter{ProjectID: "demo"}, store.Page{Limit: 10})
	fmt.Println(len(list), list[0].Name, list[0].Revision)
	// Output:
	// empty schema: true
	// first migration: initial - up to date: true
	// 1 k8s 1
}
