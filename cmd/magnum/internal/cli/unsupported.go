package cli

import (
	"context"
	"fmt"

	"github.com/gomagnum/magnum/errdefs"
)

// unsupportedCommands are Magnum commands gomagnum does not have yet; they
// exist so their names are known and fail clearly.
func unsupportedCommands() []*command {
	var cs []*command
	for _, n := range []struct{ name, what string }{
		{"cluster-upgrade", "cluster upgrades"},
		{"nodegroup-create", "node groups"},
		{"nodegroup-list", "node groups"},
		{"nodegroup-show", "node groups"},
		{"nodegroup-update", "node groups"},
		{"nodegroup-delete", "node groups"},
		{"ca-rotate", "CA rotation"},
	} {
		cs = append(cs, &command{
			name: n.name, args: "...", summary: fmt.Sprintf("(not supported yet: %s)", n.what),
			noEnv: true, anyArgs: true, nargsMax: -1,
			run: func(context.Context, *env, []string) error {
				return &errdefs.Error{Kind: errdefs.ErrUnsupported, Reason: fmt.Sprintf("not supported yet: gomagnum has no %s so far", n.what)}
			},
		})
	}
	return cs
}
