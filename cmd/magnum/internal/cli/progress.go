package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
)

// trackedOrchestrator counts the stack submissions (create, update, delete)
// that have returned, so a command can keep the process alive until the
// Manager's background step has reached the cloud.
type trackedOrchestrator struct {
	heat.Orchestrator
	submitted atomic.Int64
}

func (t *trackedOrchestrator) CreateStack(ctx context.Context, req heat.StackRequest) (string, error) {
	defer t.submitted.Add(1)
	return t.Orchestrator.CreateStack(ctx, req)
}

func (t *trackedOrchestrator) UpdateStack(ctx context.Context, id string, req heat.UpdateRequest) error {
	defer t.submitted.Add(1)
	return t.Orchestrator.UpdateStack(ctx, id, req)
}

func (t *trackedOrchestrator) DeleteStack(ctx context.Context, id string) error {
	defer t.submitted.Add(1)
	return t.Orchestrator.DeleteStack(ctx, id)
}

// syncNow moves in-flight clusters on before a command reads them: sync
// ticks until one changes nothing (at most a few).
func (e *env) syncNow(ctx context.Context) {
	var changed atomic.Int64
	stop := e.m.Watch(func(magnum.Event) { changed.Add(1) })
	defer stop()
	for range 5 {
		before := changed.Load()
		if err := e.m.SyncOnce(ctx); err != nil && e.g.debug {
			fmt.Fprintf(e.io.Stderr, "magnum: sync: %v\n", err)
		}
		if changed.Load() == before {
			return
		}
	}
}

// awaitSubmission keeps the process alive until the operation the command
// started has been sent to the cloud (a stack create, update or delete
// returned; for a create, its stack ID is recorded too) or the cluster left
// its in-progress status, so exiting — which cancels the Manager's
// background steps — does not cut it short. Sync would repeat a lost step,
// but only after Config.ResumeAfter.
func (e *env) awaitSubmission(ctx context.Context, before int64, ident string, create bool) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		sent := e.orch.submitted.Load() > before
		if sent && !create {
			return
		}
		c, err := e.m.GetCluster(e.as(ctx), ident)
		if err != nil || !c.Status.InProgress() || (sent && c.StackID != "") {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (e *env) pollInterval() time.Duration {
	switch {
	case e.g.poll > 0:
		return e.g.poll
	case e.sim != nil:
		return 250 * time.Millisecond
	}
	return 5 * time.Second
}

// follow syncs and prints a progress line at every change of the
// cluster's status until it is no longer in progress; on a terminal the
// current line is redrawn with the stack's resources complete / total and
// the time elapsed. Ctrl-C stops the waiting, never the operation. It
// returns the settled cluster (nil once deleted), and an error when it
// settled in a failed status.
func (e *env) follow(ctx context.Context, ident string) (*cluster.Cluster, error) {
	wctx, cancel := e.interruptContext(ctx)
	defer cancel()
	start := time.Now()
	out := e.progressOut()
	live := isTerminal(out)
	var last string
	name := ident
	t := time.NewTicker(e.pollInterval())
	defer t.Stop()
	redrawn := false
	endLive := func() {
		if redrawn {
			fmt.Fprint(out, "\n")
			redrawn = false
		}
	}
	defer endLive()
	for first := true; ; first = false {
		if !first {
			if err := e.m.SyncOnce(wctx); err != nil && e.g.debug && wctx.Err() == nil {
				fmt.Fprintf(e.io.Stderr, "magnum: sync: %v\n", err)
			}
		}
		c, err := e.m.GetCluster(e.as(ctx), ident)
		switch {
		case errors.Is(err, errdefs.ErrNotFound):
			endLive()
			fmt.Fprintf(out, "[%7s] %s: deleted\n", since(start), name)
			return nil, nil
		case err != nil:
			return nil, err
		}
		name = c.Name
		line := string(c.Status)
		if c.StatusReason != "" {
			line += " (" + c.StatusReason + ")"
		}
		switch {
		case live && c.Status.InProgress():
			var p *driver.Progress
			if got, err := e.m.Progress(e.as(wctx), c.UUID); err == nil && got.Total > 0 {
				p = &got
			}
			if line != last {
				endLive()
			}
			fmt.Fprintf(out, "\r\033[K%s", progressLine(time.Since(start), c.Name, string(c.Status), p))
			redrawn = true
			last = line
		case line != last:
			endLive()
			fmt.Fprintf(out, "[%7s] %s: %s\n", since(start), c.Name, line)
			last = line
		}
		if !c.Status.InProgress() {
			if c.Status.Failed() {
				return c, &errdefs.Error{Kind: errdefs.ErrUnavailable, Resource: "cluster", ID: c.Name,
					Reason: fmt.Sprintf("%s: %s", c.Status, c.StatusReason)}
			}
			return c, nil
		}
		select {
		case <-wctx.Done():
			if ctx.Err() != nil {
				return c, ctx.Err()
			}
			return c, errInterrupted
		case <-t.C:
		}
	}
}

// progressLine is the live line of a wait on a terminal: elapsed time,
// cluster, status, and the resources complete / total when known.
func progressLine(elapsed time.Duration, name, status string, p *driver.Progress) string {
	s := fmt.Sprintf("[%7s] %s: %s", elapsed.Round(time.Second), name, status)
	if p != nil {
		s += fmt.Sprintf("  resources %d/%d", p.Done, p.Total)
	}
	return s
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// progressOut is where progress lines go: stderr, so stdout stays the
// command's result (the demo shows them on stdout).
func (e *env) progressOut() io.Writer {
	if e.progress != nil {
		return e.progress
	}
	return e.io.Stderr
}

// StackProgress passes the wrapped orchestrator's resource counting on,
// when it has it, so the live display sees through the wrapper.
func (t *trackedOrchestrator) StackProgress(ctx context.Context, id string) (heat.ResourceProgress, error) {
	pr, ok := t.Orchestrator.(heat.ProgressReader)
	if !ok {
		return heat.ResourceProgress{}, &errdefs.Error{Kind: errdefs.ErrUnsupported, Resource: "orchestrator", Reason: "cannot count resources"}
	}
	return pr.StackProgress(ctx, id)
}
