// Package patch applies Magnum-style JSON-Patch updates (RFC 6902 add,
// replace and remove) to templates, clusters, node groups — any struct
// addressed through its JSON encoding.
//
// One implementation serves every resource; what a resource allows is data,
// a [Rules] value: internal paths, paths that cannot be removed, the only
// attributes that may change ("allowed deltas"), paths whose string values
// are dicts, and what remove resets to. [TemplateRules], [ClusterRules] and
// [NodeGroupRules] give Magnum's rule sets; the model packages do not import
// this one.
//
// Values are converted to the type of the field they land in, as Magnum's
// API layer does ("true" for a bool, "3" for an int, a Python-literal dict
// string for labels), and the document is only written back when the whole
// patch succeeded. Apply returns the names of the attributes that changed,
// so a store can write just those.
//
//	ops, err := patch.Parse(body) // [{"op": "replace", "path": "/node_count", "value": "3"}]
//	if err != nil {
//		return err // errors.Is(err, errdefs.ErrInvalid); errdefs.Problems lists each bad op
//	}
//	changed, err := patch.Apply(c, ops, patch.ClusterRules()) // c is a *cluster.Cluster
//	if err != nil {
//		return errdefs.WithResource(err, "cluster", c.UUID)
//	}
//	fmt.Println(changed) // [node_count]
//
// Paths follow Magnum's pattern ^(/[\w-]+)+$ with \w read as ASCII, so a
// label whose name contains '.' or '/' cannot be addressed on its own;
// replace the whole /labels instead.
package patch
