// Package labels holds the Labels type shared by templates, clusters and node
// groups, its parsers for the forms users type, and the views Magnum shows of
// a cluster's labels against its template's.
//
// Parsers:
//   - [Parse] reads the command-line form "k=v,k2=v2" (or a JSON/Python dict);
//     [ParseArgs] combines repeated --labels flags.
//   - [ParseDictString] reads the string form of a dict Magnum accepts in a
//     PATCH value: JSON or a Python literal such as "{'a': True}".
//   - [ParseLiteral] reads any such JSON or Python literal (dicts, lists,
//     strings, numbers, booleans, None) without evaluating anything; package
//     patch uses it for string-form values of dict and list fields.
//
// All parsers report errdefs.ErrInvalid and never accept invalid UTF-8. They
// do not judge label names: [ValidKey] is the rule, applied by the resource
// that owns the labels.
//
//	l, err := labels.Parse("kube_tag=v1.30.1,flannel_backend=vxlan")
//	if err != nil { /* errors.Is(err, errdefs.ErrInvalid) */ }
//	fmt.Println(l["kube_tag"]) // v1.30.1
//
//	merged := labels.Merge(tmpl.Labels, l) // merge_labels=true
//	overridden, added, skipped := labels.Views(tmpl.Labels, merged)
package labels
