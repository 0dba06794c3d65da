package store_test

import (
	"testing"

	"github.com/gomagnum/magnum/store"
	"github.com/gomagnum/magnum/store/storetest"
)

func TestMemoryConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return store.NewMemory() })
}
