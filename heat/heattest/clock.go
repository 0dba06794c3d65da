package heattest

import (
	"sync"
	"time"
)

// Clock tells the fake the time: stack timestamps and, with
// Options.ActionDuration, when an action in progress finishes.
type Clock interface {
	Now() time.Time
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

// ManualClock is a Clock that moves only when told to, so tests decide
// exactly when stacks finish. The zero value starts at 2024-01-01 UTC.
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock returns a ManualClock at t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{now: t} }

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.now.IsZero() {
		c.now = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return c.now
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.Now() // initialise the zero value
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
