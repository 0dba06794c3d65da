// Package journal is an append-only file of JSON lines, fsync'd one record
// at a time, that the fake clouds (heat/heattest, openstack/openstacktest)
// replay to persist their state between processes.
//
// The first line is a header the owner chooses (what wrote the file, its
// seed); every later line is one record. A last line that is cut short or
// garbled — a process killed mid-write — is dropped and reported, not
// fatal; a bad line before good ones is.
//
//	f, hdr, recs, torn, err := journal.Open(path, myHeader)
//	…replay recs…
//	err = f.Append(rec)
package journal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/gomagnum/magnum/errdefs"
)

// File is an open journal. It is safe for concurrent use.
type File struct {
	mu   sync.Mutex
	f    *os.File
	path string
}

// Open opens (or creates, mode 0600) the journal at path. A new or empty
// file gets header as its first line and that header is returned; otherwise
// the header read is returned with the records after it. torn reports a last
// line that was dropped (the file is cut back to the last whole record so
// appends follow good data); err is for files that cannot be used.
func Open(path string, header any) (f *File, hdr json.RawMessage, records []json.RawMessage, torn error, err error) {
	fd, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("journal: %w", err)
	}
	hdr, records, good, torn, err := read(fd, path)
	if err != nil {
		fd.Close()
		return nil, nil, nil, nil, err
	}
	if torn != nil {
		if err := fd.Truncate(good); err != nil {
			fd.Close()
			return nil, nil, nil, nil, fmt.Errorf("journal: cutting off the torn last line of %s: %w", path, err)
		}
	}
	if _, err := fd.Seek(good, io.SeekStart); err != nil {
		fd.Close()
		return nil, nil, nil, nil, fmt.Errorf("journal: %w", err)
	}
	j := &File{f: fd, path: path}
	if hdr == nil {
		b, err := json.Marshal(header)
		if err != nil {
			fd.Close()
			return nil, nil, nil, nil, fmt.Errorf("journal: header: %w", err)
		}
		if err := j.write(append(b, '\n')); err != nil {
			fd.Close()
			return nil, nil, nil, nil, err
		}
		hdr = b
	}
	return j, hdr, records, torn, nil
}

// read parses the file: its header, its records, the offset after the last
// whole line and the torn-line error, if any.
func read(r io.Reader, path string) (hdr json.RawMessage, records []json.RawMessage, good int64, torn error, err error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, 0, nil, fmt.Errorf("journal: reading %s: %w", path, err)
	}
	lineNo := 0
	for len(data) > 0 {
		lineNo++
		i := bytes.IndexByte(data, '\n')
		whole := i >= 0
		line := data
		if whole {
			line = data[:i+1]
		}
		body := bytes.TrimSpace(line)
		if len(body) == 0 && whole {
			good += int64(len(line))
			data = data[len(line):]
			continue
		}
		if !whole || !json.Valid(body) {
			bad := &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "journal", ID: path,
				Reason: fmt.Sprintf("line %d is torn or not JSON; it was dropped", lineNo)}
			if len(bytes.TrimSpace(data[len(line):])) == 0 {
				return hdr, records, good, bad, nil
			}
			bad.Reason = fmt.Sprintf("line %d is not JSON and records follow it", lineNo)
			return nil, nil, 0, nil, bad
		}
		good += int64(len(line))
		data = data[len(line):]
		if hdr == nil {
			hdr = json.RawMessage(body)
		} else {
			records = append(records, json.RawMessage(body))
		}
	}
	return hdr, records, good, nil, nil
}

// Append writes records as JSON lines and syncs the file once.
func (j *File) Append(records ...any) error {
	var buf []byte
	for _, r := range records {
		b, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("journal: %w", err)
		}
		buf = append(append(buf, b...), '\n')
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.write(buf)
}

func (j *File) write(b []byte) error {
	if j.f == nil {
		return &errdefs.Error{Kind: errdefs.ErrUnavailable, Resource: "journal", ID: j.path, Reason: "closed"}
	}
	if _, err := j.f.Write(b); err != nil {
		return fmt.Errorf("journal: writing %s: %w", j.path, err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("journal: syncing %s: %w", j.path, err)
	}
	return nil
}

// Close closes the file; later appends fail.
func (j *File) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}
