package swarm_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/swarm"
)

// FuzzValidateLabels: never panics, problems are about swarm_strategy, and
// an accepted value is a non-empty white-space list of known strategies.
func FuzzValidateLabels(f *testing.F) {
	for _, s := range []string{"spread", "spread binpack", "", " ", "x y", "random\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		err := swarm.ValidateLabels(labels.Labels{"swarm_strategy": v})
		if err != nil {
			ps := errdefs.Problems(err)
			if len(ps) == 0 {
				t.Fatalf("error without problems: %v", err)
			}
			for _, p := range ps {
				if p.Field != "labels/swarm_strategy" {
					t.Fatalf("problem about %q", p.Field)
				}
			}
			return
		}
		words := strings.Fields(v)
		if len(words) == 0 {
			t.Fatalf("accepted %q", v)
		}
		for _, w := range words {
			if !slices.Contains(swarm.Strategies(), w) {
				t.Fatalf("accepted %q in %q", w, v)
			}
		}
	})
}
