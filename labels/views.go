package labels

// Views compares a cluster's (or node group's) labels with its template's,
// giving the three read-only views Magnum shows:
//
//   - overridden: labels both have with different values, holding the
//     TEMPLATE's value (what the cluster overrode);
//   - added: labels only the cluster has, with the cluster's value;
//   - skipped: labels only the template has, with the template's value.
//
// The three maps are always non-nil (empty when there is nothing to show)
// and share nothing with the arguments.
func Views(templateLabels, clusterLabels Labels) (overridden, added, skipped Labels) {
	overridden, added, skipped = Labels{}, Labels{}, Labels{}
	for k, tv := range templateLabels {
		cv, ok := clusterLabels[k]
		switch {
		case !ok:
			skipped[k] = tv
		case cv != tv:
			overridden[k] = tv
		}
	}
	for k, cv := range clusterLabels {
		if _, ok := templateLabels[k]; !ok {
			added[k] = cv
		}
	}
	return overridden, added, skipped
}
