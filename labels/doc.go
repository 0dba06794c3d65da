// Package labels holds the Labels type shared by templates, clusters and node
// groups, its parsers for the forms users type, and the views Magnum shows of
// a cluster's labels against its template's.
//
//	l, err := labels.Parse("kube_tag=v1.30.1,flannel_backend=vxlan")
//	if err != nil { /* errors.Is(err, errdefs.ErrInvalid) */ }
//	fmt.Println(l["kube_tag"]) // v1.30.1
package labels
