package magnum

import (
	"fmt"
	"math/rand/v2"
)

var greek = [...]string{"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta",
	"iota", "kappa", "lambda", "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "tau",
	"upsilon", "phi", "chi", "psi", "omega"}

// randomName makes a Magnum-style name, e.g. "zeta-7-template".
func randomName(kind string) string {
	return fmt.Sprintf("%s-%d-%s", greek[rand.IntN(len(greek))], rand.IntN(24)+1, kind)
}
