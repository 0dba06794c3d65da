package heat

import (
	"slices"
	"strconv"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/internal/safetext"
)

// GroupMember is one member of a stack's ResourceGroup of servers, as the
// stack's outputs tell it.
type GroupMember struct {
	Member   string // the member name ("0", "1", …)
	ServerID string // its Nova server id
	// Label is the server's entry in the labels output of GroupMembers (a
	// node name, a host address); empty when the stack does not tell.
	Label string
}

// GroupMembers reads the members of a ResourceGroup from a stack fetched
// with outputs. The output members maps member names to server ids; it is
// required, and a missing one or one of the wrong shape (or with an empty
// id or control characters) is an ErrInvalid error naming it. The outputs
// ids and labels list server ids and a value for each server in the same
// (index) order; they are optional, ignored when their lengths differ, and
// labels with control characters are dropped. Members come in index order
// ("2" before "10"), names that are not numbers after them.
func GroupMembers(s *Stack, members, ids, labels string) ([]GroupMember, error) {
	if s == nil {
		return nil, errdefs.Invalid("stack", "no stack given")
	}
	bad := func(output string) error {
		return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "stack", ID: s.ID, Field: output, Reason: "unusable output"}
	}
	byMember, ok := s.Outputs[members].(map[string]any)
	if !ok {
		return nil, bad(members)
	}
	out := make([]GroupMember, 0, len(byMember))
	for member, v := range byMember {
		id, ok := v.(string)
		if !ok || id == "" || safetext.HasControl(id) || safetext.HasControl(member) {
			return nil, bad(members)
		}
		out = append(out, GroupMember{Member: member, ServerID: id})
	}
	slices.SortFunc(out, func(a, b GroupMember) int { return compareMembers(a.Member, b.Member) })
	idList, _ := s.Outputs[ids].([]any)
	labelList, _ := s.Outputs[labels].([]any)
	if len(idList) == len(labelList) {
		labelOf := map[string]string{}
		for i, v := range idList {
			id, _ := v.(string)
			label, _ := labelList[i].(string)
			if id != "" && label != "" && !safetext.HasControl(label) {
				labelOf[id] = label
			}
		}
		for i := range out {
			out[i].Label = labelOf[out[i].ServerID]
		}
	}
	return out, nil
}

// compareMembers orders member names by their index ("2" < "10"), names
// that are not numbers after them.
func compareMembers(a, b string) int {
	ai, aerr := strconv.Atoi(a)
	bi, berr := strconv.Atoi(b)
	switch {
	case aerr == nil && berr == nil:
		return ai - bi
	case aerr == nil:
		return -1
	case berr == nil:
		return 1
	}
	if a < b {
		return -1
	}
	if a > b {
		return 1
	}
	return 0
}
