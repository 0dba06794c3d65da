package openstack

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"time"
)

// RetryPolicy bounds the retries of idempotent Heat calls (get, list,
// resource listing, delete) after a transient failure: a 5xx or 429
// response, a connection error or an attempt that timed out. The zero value
// is a sensible policy: 4 attempts, backoff from 500ms doubling to at most
// 10s, each wait jittered.
//
// Creates are never retried blindly: after an ambiguous create failure the
// orchestrator looks the stack up by name first (see
// [Orchestrator.CreateStack]). Updates are retried only when the request
// provably never reached Heat (the connection was refused).
type RetryPolicy struct {
	// MaxAttempts is the number of attempts including the first; 0 means 4,
	// 1 disables retries.
	MaxAttempts int
	// InitialBackoff is the wait before the first retry; 0 means 500ms.
	InitialBackoff time.Duration
	// MaxBackoff caps a single wait (also a Retry-After hint); 0 means 10s.
	MaxBackoff time.Duration
}

func (p RetryPolicy) attempts() int {
	if p.MaxAttempts <= 0 {
		return 4
	}
	return p.MaxAttempts
}

func (p RetryPolicy) initial() time.Duration {
	if p.InitialBackoff <= 0 {
		return 500 * time.Millisecond
	}
	return p.InitialBackoff
}

func (p RetryPolicy) max() time.Duration {
	if p.MaxBackoff <= 0 {
		return 10 * time.Second
	}
	return p.MaxBackoff
}

// backoff returns the wait before retry number n (1 for the first retry):
// exponential growth capped at MaxBackoff, with "equal jitter" (half the
// step fixed, half random) so that clients that failed together do not
// retry together. A server's Retry-After hint raises the wait, still capped.
func (p RetryPolicy) backoff(n int, hint time.Duration, rnd func() float64) time.Duration {
	d := p.initial()
	for i := 1; i < n && d < p.max(); i++ {
		d *= 2
	}
	d = min(d, p.max())
	half := d / 2
	d = half + time.Duration(rnd()*float64(d-half))
	if hint > d {
		d = min(hint, p.max())
	}
	return d
}

// sleepCtx waits for d or until ctx ends, whichever is first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// defaultRand is the jitter source when Config.Rand is nil.
func defaultRand() float64 { return rand.Float64() }

// retryIdempotent runs an idempotent call until it succeeds, fails for good
// (a 4xx answer), the policy's attempts are spent or ctx ends, waiting with
// sleep between attempts. It returns the last raw error. service and op
// only label the debug records.
func retryIdempotent(ctx context.Context, p RetryPolicy, sleep func(context.Context, time.Duration) error, rnd func() float64,
	log *slog.Logger, service, op, id string, call func(context.Context) error) error {
	for n := 1; ; n++ {
		err := call(ctx)
		if err == nil {
			return nil
		}
		class, _, hint := classify(ctx, err)
		if class == classFinal || class == classCanceled || n >= p.attempts() {
			return err
		}
		d := p.backoff(n, hint, rnd)
		log.LogAttrs(ctx, slog.LevelDebug, "retrying "+service+" call", slog.String("op", op), slog.String("id", id),
			slog.Int("attempt", n), slog.Duration("wait", d), slog.String("error", err.Error()))
		if serr := sleep(ctx, d); serr != nil {
			return serr
		}
	}
}
