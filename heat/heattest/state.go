package heattest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/internal/journal"
)

// stateFormat names the journal's header, so a file written by something
// else is refused rather than replayed.
const stateFormat = "heattest-state"

// stateHeader is the first line of a state file.
type stateHeader struct {
	Format    string `json:"format"`
	Version   int    `json:"version"`
	Seed      uint64 `json:"seed"`
	ProjectID string `json:"project_id"`
}

// Ops of the state journal's records.
const (
	opCreate     = "create"
	opUpdate     = "update"
	opPatch      = "patch"
	opDelete     = "delete"
	opFail       = "fail_resource"
	opClearFails = "clear_resource_faults"
	opBlob       = "blob"
)

// minBlob is the size from which a body's template, environment or file
// is kept once as a blob record and referred to by hash: a Magnum driver
// sends the same templates with every cluster.
const minBlob = 512

// record is one change the fake accepted, as it came in: replaying the
// records in order, each at its time and from the random state it began
// with, rebuilds the same stacks (IDs, names, addresses, outputs).
type record struct {
	Op    string          `json:"op"`
	At    time.Time       `json:"at"`
	RNG   []byte          `json:"rng,omitempty"`   // the PCG state before the change
	Stack string          `json:"stack,omitempty"` // update, patch, delete: the stack's ID
	Body  json.RawMessage `json:"body,omitempty"`  // create, update, patch: the request body
	Fault *ResourceFault  `json:"fault,omitempty"` // fail_resource
	// Refs are body fields kept as blobs, by their place in the body
	// ("template", "environment", "files/<name>"): the blob's hash.
	Refs map[string]string `json:"refs,omitempty"`
	Hash string            `json:"hash,omitempty"` // blob: sha256 of Data
	Data json.RawMessage   `json:"data,omitempty"` // blob: a JSON value
}

// splitBody takes the large values out of a create or update body: the
// body without them, their references, and the blob records not written
// before (known holds the hashes written so far and gets the new ones).
func splitBody(raw json.RawMessage, known map[string]bool) (json.RawMessage, map[string]string, []any) {
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return raw, nil, nil
	}
	refs := map[string]string{}
	var blobs []any
	take := func(place string, v json.RawMessage) bool {
		if len(v) < minBlob {
			return false
		}
		sum := sha256.Sum256(v)
		h := hex.EncodeToString(sum[:])
		refs[place] = h
		if !known[h] {
			known[h] = true
			blobs = append(blobs, record{Op: opBlob, Hash: h, Data: v})
		}
		return true
	}
	for _, k := range []string{"template", "environment"} {
		if v, ok := fields[k]; ok && take(k, v) {
			delete(fields, k)
		}
	}
	var files map[string]json.RawMessage
	if v, ok := fields["files"]; ok && json.Unmarshal(v, &files) == nil {
		for name, fv := range files {
			if take("files/"+name, fv) {
				delete(files, name)
			}
		}
		b, err := json.Marshal(files)
		if err != nil {
			return raw, nil, nil
		}
		fields["files"] = b
	}
	if len(refs) == 0 {
		return raw, nil, nil
	}
	b, err := json.Marshal(fields)
	if err != nil {
		return raw, nil, nil
	}
	return b, refs, blobs
}

// replayBody decodes a record's body with the blobs it refers to put back.
// Files' blobs are decoded once per replay (s.files), as most records
// share them. Called with s.mu held.
func (s *Server) replayBody(rec *record) (*stackBody, error) {
	body, err := decodeBody(rec.Body)
	if err != nil {
		return nil, err
	}
	for place, h := range rec.Refs {
		v, ok := s.blobs[h]
		if !ok {
			return nil, fmt.Errorf("blob %s (%s) is missing", h, place)
		}
		switch name, isFile := strings.CutPrefix(place, "files/"); {
		case isFile:
			text, ok := s.files[h]
			if !ok {
				if err := json.Unmarshal(v, &text); err != nil {
					return nil, fmt.Errorf("blob %s (%s): %w", h, place, err)
				}
				s.files[h] = text
			}
			if body.Files == nil {
				body.Files = map[string]string{}
			}
			body.Files[name] = text
		case place == "template":
			body.Template = v
		case place == "environment":
			body.Environment = v
		default:
			return nil, fmt.Errorf("blob %s for an unknown field %s", h, place)
		}
	}
	return body, nil
}

// pinClock is the server's clock: its base, or a fixed time while a change
// is applied (so a change and its record agree on "now") and during replay.
type pinClock struct {
	base Clock
	mu   sync.Mutex
	at   time.Time
}

func (c *pinClock) Now() time.Time {
	c.mu.Lock()
	at := c.at
	c.mu.Unlock()
	if !at.IsZero() {
		return at
	}
	return c.base.Now()
}

func (c *pinClock) pin(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = t
}

// Open starts a fake Heat like New and returns the errors New can only
// keep for StateError: a state file (Options.StateFile) that cannot be
// opened or created, is not a heattest state file, or belongs to another
// project. Problems that do not stop it — a torn last line dropped, a
// record that no longer applies — are kept for StateError.
func Open(opts Options) (*Server, error) {
	s := newServer(opts)
	s.start()
	if opts.StateFile != "" {
		if err := s.openState(); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// StateError reports what went wrong with the state file (Options.
// StateFile): a torn last line that was dropped on open, records that no
// longer applied on replay, appends that failed since (their requests were
// answered 500). nil when all is well or nothing persists.
func (s *Server) StateError() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return errors.Join(s.stateErrs...)
}

// openState opens the state file and replays it; the server is not
// serving yet.
func (s *Server) openState() error {
	hdr := stateHeader{Format: stateFormat, Version: 1, Seed: s.seed, ProjectID: s.opts.ProjectID}
	f, raw, recs, torn, err := journal.Open(s.opts.StateFile, hdr)
	if err != nil {
		return fmt.Errorf("heattest: state: %w", err)
	}
	var got stateHeader
	if err := json.Unmarshal(raw, &got); err != nil || got.Format != stateFormat || got.Version != 1 {
		f.Close()
		return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "heattest state", ID: s.opts.StateFile,
			Reason: "not a heattest state file (version 1)", Err: err}
	}
	if got.ProjectID != s.opts.ProjectID {
		f.Close()
		return &errdefs.Error{Kind: errdefs.ErrConflict, Resource: "heattest state", ID: s.opts.StateFile,
			Reason: fmt.Sprintf("it holds project %s's stacks, not %s's", got.ProjectID, s.opts.ProjectID)}
	}
	if s.opts.Seed == 0 && got.Seed != 0 {
		s.mu.Lock()
		s.reseed(got.Seed)
		s.mu.Unlock()
	}
	if torn != nil {
		s.log.Warn("heattest: state file had a torn last line; dropped", "err", torn)
		s.mu.Lock()
		s.stateErrs = append(s.stateErrs, torn)
		s.mu.Unlock()
	}
	s.replay(recs)
	s.mu.Lock()
	s.journal = f
	s.mu.Unlock()
	return nil
}

// replay applies the records in order, each at its time. Stacks finish on
// time alone meanwhile (reads are not recorded, so PollsToComplete counts
// only the reads of this process).
func (s *Server) replay(recs []json.RawMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.replaying = true
	defer func() {
		s.replaying = false
		s.clk.pin(time.Time{})
	}()
	s.blobs, s.files = map[string]json.RawMessage{}, map[string]string{}
	defer func() { s.blobs, s.files = nil, nil }()
	for i, raw := range recs {
		if err := s.apply(raw); err != nil {
			err = fmt.Errorf("heattest: state record %d: %w", i+1, err)
			s.log.Warn("heattest: state record not replayed", "err", err)
			s.stateErrs = append(s.stateErrs, err)
		}
	}
}

// apply replays one record. Called with s.mu held.
func (s *Server) apply(raw json.RawMessage) error {
	var rec record
	if err := json.Unmarshal(raw, &rec); err != nil {
		return err
	}
	if rec.Op == opBlob {
		s.blobs[rec.Hash] = rec.Data
		s.known[rec.Hash] = true
		return nil
	}
	s.clk.pin(rec.At)
	for _, st := range s.stacks {
		s.observe(st)
	}
	if len(rec.RNG) > 0 {
		if err := s.pcg.UnmarshalBinary(rec.RNG); err != nil {
			return err
		}
	}
	switch rec.Op {
	case opCreate:
		body, err := s.replayBody(&rec)
		if err != nil {
			return err
		}
		sub, checked := s.checkCreate(body)
		if _, aerr := s.create(body, sub, checked); aerr != nil {
			return aerr
		}
	case opUpdate, opPatch:
		st, ok := s.stacks[rec.Stack]
		if !ok || st.deleted {
			return fmt.Errorf("update of stack %s, which is gone", rec.Stack)
		}
		body, err := s.replayBody(&rec)
		if err != nil {
			return err
		}
		patch := rec.Op == opPatch
		next, checked := s.checkUpdate(st.sub, body, patch)
		if aerr := s.update(st, body, patch, next, checked); aerr != nil {
			return aerr
		}
	case opDelete:
		st, ok := s.stacks[rec.Stack]
		if !ok {
			return fmt.Errorf("delete of stack %s, which was never created", rec.Stack)
		}
		if !st.deleted && st.status() != "DELETE_IN_PROGRESS" {
			s.remove(st)
		}
	case opFail:
		if rec.Fault != nil {
			s.resourceFaults = append(s.resourceFaults, &activeResourceFault{ResourceFault: *rec.Fault})
		}
	case opClearFails:
		s.resourceFaults = nil
	default:
		return fmt.Errorf("unknown op %q", rec.Op)
	}
	return nil
}

func decodeBody(raw json.RawMessage) (*stackBody, error) {
	var body stackBody
	if err := json.NewDecoder(bytes.NewReader(raw)).Decode(&body); err != nil {
		return nil, err
	}
	return &body, nil
}

// change is a state change under way: the time it happens at and the
// random state it starts from, when the server persists.
type change struct {
	at  time.Time
	rng []byte
}

// beginChange pins the clock for a change about to be applied, so that the
// change and its record agree on the time. Called with s.mu held; end it
// with commit.
func (s *Server) beginChange() *change {
	if s.journal == nil {
		return nil
	}
	at := s.clk.base.Now().UTC()
	s.clk.pin(at)
	rng, _ := s.pcg.MarshalBinary() // PCG's encoding cannot fail
	return &change{at: at, rng: rng}
}

// commit unpins the clock and, if rec is not nil (the change was
// accepted), appends it to the state file. An append that fails is kept
// for StateError and returned, for the request to fail. Called with s.mu
// held.
func (s *Server) commit(c *change, rec *record) error {
	if c == nil {
		return nil
	}
	s.clk.pin(time.Time{})
	if rec == nil {
		return nil
	}
	rec.At, rec.RNG = c.at, c.rng
	var blobs []any
	if rec.Body != nil {
		rec.Body, rec.Refs, blobs = splitBody(rec.Body, s.known)
	}
	if err := s.journal.Append(append(blobs, rec)...); err != nil {
		for _, b := range blobs {
			delete(s.known, b.(record).Hash)
		}
		err = fmt.Errorf("heattest: state: %w", err)
		s.log.Error("heattest: change not persisted", "op", rec.Op, "err", err)
		s.stateErrs = append(s.stateErrs, err)
		return err
	}
	return nil
}
