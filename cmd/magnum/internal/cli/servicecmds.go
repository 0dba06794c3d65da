package cli

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/gomagnum/magnum"
)

type statsFlags struct{ projectID string }

func serviceCommands(st *cmdState) []*command {
	return []*command{
		{
			name: "service-list", summary: "List the services sharing the store: SDK Managers and this CLI (admin).",
			nargsMax: 0, run: runServiceList,
		},
		{
			name: "stats-list", summary: "Count clusters and nodes (masters and workers) of a project.",
			flags: func(fs *flag.FlagSet) {
				fs.StringVar(&st.stats.projectID, "project-id", "", "project to count (default: the caller's; * for all, admin)")
			},
			nargsMax: 0, run: runStatsList,
		},
	}
}

func runServiceList(ctx context.Context, e *env, _ []string) error {
	ss, err := e.m.ListServices(e.as(ctx))
	if err != nil {
		return err
	}
	rows := make([][]string, 0, len(ss))
	for i, s := range ss {
		rows = append(rows, []string{fmt.Sprint(i + 1), s.Host, s.Binary, s.State, fmt.Sprint(s.Disabled),
			s.DisabledReason, s.CreatedAt.Format(time.RFC3339), s.UpdatedAt.Format(time.RFC3339)})
	}
	if ss == nil {
		ss = []magnum.Service{}
	}
	return e.printList(ss, []string{"id", "host", "binary", "state", "disabled", "disabled_reason", "created_at", "updated_at"}, rows)
}

func runStatsList(ctx context.Context, e *env, _ []string) error {
	e.syncNow(ctx)
	s, err := e.m.Stats(e.as(ctx), e.st.stats.projectID)
	if err != nil {
		return err
	}
	if e.g.format == "json" {
		return printJSON(e.io.Stdout, s)
	}
	printTable(e.io.Stdout, []string{"clusters", "nodes"}, [][]string{{fmt.Sprint(s.Clusters), fmt.Sprint(s.Nodes)}})
	return nil
}
