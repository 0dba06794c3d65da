package heat_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/gomagnum/magnum/heat"
)

func TestCreateRequest(t *testing.T) {
	r := &heat.Rendered{Request: heat.StackRequest{Template: []byte("t"), Parameters: map[string]any{"a": 1}}}
	got := r.CreateRequest("prod-1", 90*time.Minute, "cluster-uuid", "group-uuid")
	assert.Equal(t, heat.StackRequest{Name: "prod-1", Template: []byte("t"), Parameters: map[string]any{"a": 1},
		Tags: []string{"cluster-uuid", "group-uuid"}, Timeout: 90 * time.Minute, DisableRollback: true}, got)
	assert.Empty(t, r.Request.Name, "the rendered request itself is left alone")
}

func TestScaleUpdate(t *testing.T) {
	upd := heat.ScaleUpdate(map[string]any{"count": 3, "to_remove": []string{"a"}}, "to_remove", true)
	assert.Equal(t, heat.UpdateRequest{Existing: true, Parameters: map[string]any{"count": 3, "to_remove": []string{"a"}}}, upd)
	upd = heat.ScaleUpdate(map[string]any{"count": 3}, "to_remove", false)
	assert.Equal(t, heat.UpdateRequest{Existing: true, Parameters: map[string]any{"count": 3},
		ClearParameters: []string{"to_remove"}, DisableRollback: true}, upd, "no victims: the earlier ones are forgotten")
}
