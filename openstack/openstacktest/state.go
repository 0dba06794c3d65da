package openstacktest

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat/heattest"
	"github.com/gomagnum/magnum/internal/journal"
)

// The files of a state directory (Options.StateDir).
const (
	// HeatStateFile holds the stacks (heattest.Options.StateFile).
	HeatStateFile = "heat.jsonl"
	// CatalogStateFile holds the images, flavors, keypairs, networks and
	// subnets.
	CatalogStateFile = "catalog.jsonl"
)

const catalogFormat = "openstacktest-catalog"

type catalogHeader struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	// Empty is Options.Empty of the process that started the directory:
	// whether it holds the seed catalog.
	Empty bool `json:"empty"`
}

// Ops of the catalog journal.
const (
	opAddImage      = "add_image"
	opAddFlavor     = "add_flavor"
	opAddKeypair    = "add_keypair"
	opAddNetwork    = "add_network"
	opAddSubnet     = "add_subnet"
	opRemoveImage   = "remove_image"
	opRemoveFlavor  = "remove_flavor"
	opRemoveKeypair = "remove_keypair"
	opRemoveNetwork = "remove_network"
)

// catalogRecord is one Add* or Remove* call, with what it was given (IDs
// the server generates come out the same on replay: they are sequential).
type catalogRecord struct {
	Op      string   `json:"op"`
	Image   *Image   `json:"image,omitempty"`
	Flavor  *Flavor  `json:"flavor,omitempty"`
	Keypair *Keypair `json:"keypair,omitempty"`
	Network *Network `json:"network,omitempty"`
	Subnet  *Subnet  `json:"subnet,omitempty"`
	Key     string   `json:"key,omitempty"` // removes: the ID, or the keypair's name
}

// Open starts a fake cloud like New and returns the errors New can only
// keep for StateError: a state directory (Options.StateDir) that cannot be
// created or whose files cannot be used. Problems that do not stop it — a
// torn last line dropped, a record that no longer applies — are kept for
// StateError.
func Open(opts Options) (*Server, error) {
	s, hopts := newServer(opts)
	if opts.StateDir == "" {
		s.heat = heattest.New(hopts)
		if !opts.Empty {
			s.seed()
		}
		return s, nil
	}
	if err := os.MkdirAll(opts.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("openstacktest: state directory: %w", err)
	}
	h, err := heattest.Open(hopts)
	if err != nil {
		return nil, err
	}
	s.heat = h
	if err := s.openCatalog(opts); err != nil {
		h.Close()
		return nil, err
	}
	return s, nil
}

// StateError reports what went wrong with the state directory (Options.
// StateDir) that did not stop the server: torn last lines dropped, records
// that no longer applied, appends that failed; Heat's included.
func (s *Server) StateError() error {
	s.mu.Lock()
	errs := append([]error(nil), s.stateErrs...)
	s.mu.Unlock()
	return errors.Join(append(errs, s.heat.StateError())...)
}

// openCatalog opens the catalog journal and replays it; a new one gets the
// seed catalog unless opts.Empty.
func (s *Server) openCatalog(opts Options) error {
	path := filepath.Join(opts.StateDir, CatalogStateFile)
	f, raw, recs, torn, err := journal.Open(path, catalogHeader{Format: catalogFormat, Version: 1, Empty: opts.Empty})
	if err != nil {
		return fmt.Errorf("openstacktest: state: %w", err)
	}
	var hdr catalogHeader
	if err := json.Unmarshal(raw, &hdr); err != nil || hdr.Format != catalogFormat || hdr.Version != 1 {
		f.Close()
		return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "openstacktest state", ID: path,
			Reason: "not an openstacktest catalog file (version 1)", Err: err}
	}
	s.mu.Lock()
	if torn != nil {
		s.stateErrs = append(s.stateErrs, torn)
	}
	s.mu.Unlock()
	for i, rec := range recs {
		if err := s.applyCatalog(rec); err != nil {
			s.mu.Lock()
			s.stateErrs = append(s.stateErrs, fmt.Errorf("openstacktest: catalog record %d: %w", i+1, err))
			s.mu.Unlock()
		}
	}
	s.mu.Lock()
	s.journal = f
	s.mu.Unlock()
	if len(recs) == 0 && !hdr.Empty {
		s.seed()
	}
	return nil
}

// applyCatalog replays one record; the journal is not open yet, so the
// calls are not recorded again.
func (s *Server) applyCatalog(raw json.RawMessage) error {
	var rec catalogRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		return err
	}
	missing := fmt.Errorf("%s record without its value", rec.Op)
	switch rec.Op {
	case opAddImage:
		if rec.Image == nil {
			return missing
		}
		s.AddImage(*rec.Image)
	case opAddFlavor:
		if rec.Flavor == nil {
			return missing
		}
		s.AddFlavor(*rec.Flavor)
	case opAddKeypair:
		if rec.Keypair == nil {
			return missing
		}
		s.AddKeypair(*rec.Keypair)
	case opAddNetwork:
		if rec.Network == nil {
			return missing
		}
		s.AddNetwork(*rec.Network)
	case opAddSubnet:
		if rec.Subnet == nil {
			return missing
		}
		s.AddSubnet(*rec.Subnet)
	case opRemoveImage:
		s.RemoveImage(rec.Key)
	case opRemoveFlavor:
		s.RemoveFlavor(rec.Key)
	case opRemoveKeypair:
		s.RemoveKeypair(rec.Key)
	case opRemoveNetwork:
		s.RemoveNetwork(rec.Key)
	default:
		return fmt.Errorf("unknown op %q", rec.Op)
	}
	return nil
}

// record appends a catalog change when the server persists; a failure is
// kept for StateError. Called with s.mu held.
func (s *Server) record(rec catalogRecord) {
	if s.journal == nil {
		return
	}
	if err := s.journal.Append(rec); err != nil {
		s.stateErrs = append(s.stateErrs, fmt.Errorf("openstacktest: state: %w", err))
	}
}
