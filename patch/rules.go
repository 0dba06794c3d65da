package patch

// Rules say what a PATCH may do to one kind of resource. Paths are top-level
// JSON pointers such as "/node_count". The zero Rules allow any change of
// any known attribute.
type Rules struct {
	// Resource names the resource in messages ("cluster", "nodegroup", …).
	Resource string
	// Internal paths can never be the target of an operation, at any depth.
	Internal []string
	// NonRemovable paths cannot be removed or set to null.
	NonRemovable []string
	// Allowed, when not nil, lists the only attributes a patch may change
	// (Magnum's "allowed deltas"). Operations on other attributes are fine
	// as long as they leave the value as it was.
	Allowed []string
	// StringDicts are paths where a string value is read as the text of a
	// dict or list (JSON or Python literal), as Magnum does for /labels.
	StringDicts []string
	// RemoveDefaults gives the value "remove" resets a path to; paths not
	// listed are reset to null, that is the field's zero value.
	RemoveDefaults map[string]any
}

// TemplateRules are Magnum's rules for PATCH /clustertemplates/{id}. The
// Manager adds the rules that need context: the publish policy for public
// and hidden, and the in-use restrictions.
func TemplateRules() Rules {
	return Rules{
		Resource: "clustertemplate",
		Internal: []string{
			"/uuid", "/id", "/links", "/project_id", "/user_id",
			"/created_at", "/updated_at", "/revision",
		},
		NonRemovable: []string{
			"/coe", "/image_id", "/network_driver", "/external_network_id",
			"/tls_disabled", "/public", "/server_type", "/registry_enabled",
			"/cluster_distro", "/hidden",
		},
		StringDicts: []string{"/labels"},
	}
}

// ClusterRules are Magnum's rules for PATCH /clusters/{id}: only node_count,
// health_status and health_status_reason may change, and removing
// /node_count resets it to 1.
func ClusterRules() Rules {
	return Rules{
		Resource: "cluster",
		Internal: []string{
			"/uuid", "/id", "/links", "/project_id", "/user_id",
			"/created_at", "/updated_at", "/revision",
			"/api_address", "/node_addresses", "/master_addresses",
			"/stack_id", "/cluster_id",
			"/ca_cert_ref", "/magnum_cert_ref", "/etcd_ca_cert_ref", "/front_proxy_ca_cert_ref",
			"/trust_id", "/trustee_username", "/trustee_password", "/trustee_user_id",
		},
		NonRemovable:   []string{"/cluster_template_id"},
		Allowed:        []string{"/node_count", "/health_status", "/health_status_reason"},
		StringDicts:    []string{"/labels", "/health_status_reason"},
		RemoveDefaults: map[string]any{"/node_count": 1},
	}
}

// NodeGroupRules are Magnum's rules for PATCH
// /clusters/{id}/nodegroups/{id}: only min_node_count, max_node_count,
// node_labels and node_taints may change (resizing is an action).
func NodeGroupRules() Rules {
	return Rules{
		Resource: "nodegroup",
		Internal: []string{
			"/uuid", "/id", "/links", "/cluster_id", "/project_id",
			"/created_at", "/updated_at", "/revision",
			"/stack_id", "/node_addresses",
		},
		Allowed:     []string{"/min_node_count", "/max_node_count", "/node_labels", "/node_taints"},
		StringDicts: []string{"/labels", "/node_labels", "/node_taints"},
	}
}
