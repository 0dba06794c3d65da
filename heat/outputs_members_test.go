package heat_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
)

func TestGroupMembers(t *testing.T) {
	s := &heat.Stack{ID: "st", Outputs: map[string]any{
		"members": map[string]any{"10": "id10", "2": "id2", "web": "idw", "0": "id0"},
		"ids":     []any{"id0", "id2", "id10", "idw"},
		"names":   []any{"node-0", "node-2", "bad\nname", nil},
	}}
	got, err := heat.GroupMembers(s, "members", "ids", "names")
	require.NoError(t, err)
	assert.Equal(t, []heat.GroupMember{
		{Member: "0", ServerID: "id0", Label: "node-0"},
		{Member: "2", ServerID: "id2", Label: "node-2"},
		{Member: "10", ServerID: "id10"},
		{Member: "web", ServerID: "idw"},
	}, got, "index order, names after numbers; labels with control characters dropped")

	s.Outputs["names"] = []any{"node-0"}
	got, err = heat.GroupMembers(s, "members", "ids", "names")
	require.NoError(t, err)
	assert.Empty(t, got[0].Label, "lists of different lengths are not matched up")

	for name, members := range map[string]any{
		"missing":      nil,
		"not a map":    []any{"id0"},
		"empty id":     map[string]any{"0": ""},
		"not a string": map[string]any{"0": 7},
		"control":      map[string]any{"0\n": "id"},
	} {
		_, err := heat.GroupMembers(&heat.Stack{ID: "st", Outputs: map[string]any{"members": members}}, "members", "ids", "names")
		assert.ErrorIs(t, err, errdefs.ErrInvalid, name)
		var e *errdefs.Error
		require.ErrorAs(t, err, &e, name)
		assert.Equal(t, "members", e.Field, name)
	}
	_, err = heat.GroupMembers(nil, "members", "ids", "names")
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
}
