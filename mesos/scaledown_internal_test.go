package mesos

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestPickSlaves table-tests the pure choice of slaves to remove.
func TestPickSlaves(t *testing.T) {
	s := func(member, host string) Slave { return Slave{Member: member, ServerID: "id-" + member, Host: host} }
	four := []Slave{s("0", "10.0.0.1"), s("1", "10.0.0.2"), s("2", "10.0.0.3"), s("3", "10.0.0.4")}
	members := func(l []Slave) []string {
		out := []string{}
		for _, x := range l {
			out = append(out, x.Member)
		}
		return out
	}
	tests := []struct {
		name   string
		slaves []Slave
		tasks  map[string]int
		n      int
		want   []string
	}{
		{"nothing to remove", four, nil, 0, []string{}},
		{"no tasks anywhere: newest first", four, nil, 2, []string{"3", "2"}},
		{"idle slaves first", four, map[string]int{"10.0.0.3": 2, "10.0.0.4": 1}, 2, []string{"1", "0"}},
		{"then the least busy", four, map[string]int{"10.0.0.1": 5, "10.0.0.2": 1, "10.0.0.3": 2, "10.0.0.4": 3}, 2, []string{"1", "2"}},
		{"equal load: newest first", four, map[string]int{"10.0.0.1": 1, "10.0.0.2": 1, "10.0.0.3": 1, "10.0.0.4": 1}, 1, []string{"3"}},
		{"tasks on hosts that are not slaves are ignored", four, map[string]int{"10.9.9.9": 9, "10.0.0.4": 1}, 1, []string{"2"}},
		{"a slave with no known host runs nothing", []Slave{s("0", "10.0.0.1"), s("1", "")}, map[string]int{"10.0.0.1": 1, "": 7}, 1, []string{"1"}},
		{"more than there are", four[:2], nil, 5, []string{"1", "0"}},
		{"no slaves", nil, nil, 1, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, members(pickSlaves(tt.slaves, tt.tasks, tt.n)))
		})
	}
}
