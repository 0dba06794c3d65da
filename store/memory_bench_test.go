package store_test

import (
	"testing"

	"github.com/gomagnum/magnum/store"
	"github.com/gomagnum/magnum/store/storetest"
)

// go test -run '^$' -bench . -benchtime 2s ./store/
func BenchmarkMemory(b *testing.B) {
	storetest.Bench(b, func(*testing.B) store.Store { return store.NewMemory() })
}
