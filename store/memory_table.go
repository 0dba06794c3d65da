package store

import (
	"cmp"
	"slices"
	"time"

	"github.com/gomagnum/magnum/errdefs"
)

// entry is one stored record with its creation sequence number, the "id"
// sort key.
type entry[T any] struct {
	seq int64
	rec T // the store's own copy; never handed out
}

// table holds the records of one kind, by UUID and in creation order.
type table[T any] struct {
	byUUID map[string]*entry[T]
	order  []*entry[T] // ascending seq
}

func newTable[T any]() table[T] {
	return table[T]{byUUID: map[string]*entry[T]{}}
}

func (t *table[T]) insert(uuid string, seq int64, rec T) {
	e := &entry[T]{seq: seq, rec: rec}
	t.byUUID[uuid] = e
	t.order = append(t.order, e) // seq only grows
}

func (t *table[T]) remove(uuid string) {
	e, ok := t.byUUID[uuid]
	if !ok {
		return
	}
	delete(t.byUUID, uuid)
	if i, found := t.index(e.seq); found {
		t.order = slices.Delete(t.order, i, i+1)
	}
}

// index finds seq in the creation order.
func (t *table[T]) index(seq int64) (int, bool) {
	return slices.BinarySearchFunc(t.order, seq, func(e *entry[T], s int64) int { return cmp.Compare(e.seq, s) })
}

// kind is what the generic operations need to know of a record type.
type kind[T any] struct {
	resource string
	sortKeys []string
	name     func(T) string
	clone    func(T) T
	// compare orders two records by a sort key other than "id".
	compare func(key string, a, b T) int
}

// find resolves ident as a UUID, then as a name, among the records match
// selects.
func find[T any](t *table[T], k kind[T], match func(T) bool, ident string) (T, error) {
	var zero T
	if ident == "" {
		return zero, errdefs.NotFound(k.resource, ident)
	}
	if e, ok := t.byUUID[ident]; ok && match(e.rec) {
		return k.clone(e.rec), nil
	}
	var hit T
	n := 0
	for _, e := range t.order {
		if k.name(e.rec) == ident && match(e.rec) {
			hit = e.rec
			n++
		}
	}
	switch n {
	case 0:
		return zero, errdefs.NotFound(k.resource, ident)
	case 1:
		return k.clone(hit), nil
	}
	return zero, errdefs.Conflict(k.resource, ident, "%d %ss are named %q; use the UUID", n, k.resource, ident)
}

// list returns one page of the records match selects.
func list[T any](t *table[T], k kind[T], match func(T) bool, p Page) ([]T, error) {
	p, err := p.Check(k.sortKeys)
	if err != nil {
		return nil, err
	}
	var marker *entry[T]
	if p.Marker != "" {
		e, ok := t.byUUID[p.Marker]
		if !ok || !match(e.rec) {
			return nil, errdefs.Invalid("marker", "unknown marker %q: no such %s", p.Marker, k.resource)
		}
		marker = e
	}
	desc := p.SortDir == Desc
	var out []T
	take := func(e *entry[T]) bool { // reports whether the page is full
		out = append(out, k.clone(e.rec))
		return p.Limit > 0 && len(out) >= p.Limit
	}

	if p.SortKey == "id" {
		// The creation order is the table's own: walk it from the marker.
		i, step := 0, 1
		if desc {
			i, step = len(t.order)-1, -1
		}
		if marker != nil {
			j, _ := t.index(marker.seq)
			i = j + step
		}
		for ; i >= 0 && i < len(t.order); i += step {
			if e := t.order[i]; match(e.rec) && take(e) {
				break
			}
		}
		return out, nil
	}

	var sel []*entry[T]
	for _, e := range t.order {
		if match(e.rec) {
			sel = append(sel, e)
		}
	}
	order := func(a, b *entry[T]) int {
		c := k.compare(p.SortKey, a.rec, b.rec)
		if c == 0 {
			c = cmp.Compare(a.seq, b.seq)
		}
		if desc {
			c = -c
		}
		return c
	}
	slices.SortFunc(sel, order)
	start := 0
	if marker != nil {
		j, _ := slices.BinarySearchFunc(sel, marker, order)
		start = j + 1
	}
	for _, e := range sel[start:] {
		if take(e) {
			break
		}
	}
	return out, nil
}

// compareTimePtr orders nil before every time.
func compareTimePtr(a, b *time.Time) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return a.Compare(*b)
}
