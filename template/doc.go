// Package template holds the ClusterTemplate model and its validation.
//
// What a COE accepts (server types, network and volume drivers, label rules)
// is declared by its drivers as [Capabilities] and reached through a
// [Catalog], so adding a driver needs no change here.
//
//	t := &template.ClusterTemplate{Name: "k8s", COE: "kubernetes", ImageID: "fedora-atomic-27"}
//	template.ApplyDefaults(t, catalog)
//	if err := template.Validate(t, catalog); err != nil {
//		for _, p := range errdefs.Problems(err) {
//			fmt.Println(p.Field, p.Reason) // every problem at once
//		}
//	}
package template
