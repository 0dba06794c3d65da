package sqlstore_test

import (
	"path/filepath"
	"testing"

	"github.com/gomagnum/magnum/store"
	"github.com/gomagnum/magnum/store/sqlstore"
	"github.com/gomagnum/magnum/store/storetest"
)

// go test -run '^$' -bench . -benchtime 2s ./store/sqlstore/
func BenchmarkSQLiteFile(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) store.Store {
		s, err := sqlstore.Open(b.Context(), filepath.Join(b.TempDir(), "bench.db"), sqlstore.Config{})
		if err != nil {
			b.Fatal(err)
		}
		return s
	})
}

func BenchmarkSQLiteInMemory(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) store.Store {
		s, err := sqlstore.Open(b.Context(), ":memory:", sqlstore.Config{})
		if err != nil {
			b.Fatal(err)
		}
		return s
	})
}

// scripts/postgres-test.sh -run '^$' -bench Postgres -benchtime 1s
// (or with GOMAGNUM_POSTGRES_DSN set: go test -run '^$' -bench Postgres ./store/sqlstore/)
func BenchmarkPostgres(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) store.Store {
		s, err := sqlstore.Open(b.Context(), sqlstore.PostgresDSN(b), sqlstore.Config{})
		if err != nil {
			b.Fatal(err)
		}
		return s
	})
}
