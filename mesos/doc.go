// Package mesos is the Apache Mesos driver (Magnum's mesos_ubuntu_v1):
// Mesos clusters on Ubuntu servers of the ubuntu-mesos image, built
// through Heat. Masters run ZooKeeper, the Mesos master and Marathon (the
// cluster's API, http://IP:8080); slaves run the Mesos agent with the
// docker and mesos containerizers, and rexray when the template's volume
// driver is rexray. Mesos clusters do not use TLS.
//
// The Driver is a heat.StackDriver: a heat.Backend runs it for the
// lifecycle, and it implements driver.HealthChecker. Its Heat templates
// and node scripts are embedded (Templates); every value a user gives
// reaches Heat as a parameter — the nodes' settings as a single-quoted
// environment file made in Go (node_env), the trustee's password for
// rexray in a hidden parameter of its own (secret_env) — never as
// template or script text.
//
// Labels (Labels, ValidateLabels) follow Magnum's rules: rexray_preempt,
// mesos_slave_isolation, mesos_slave_image_providers (docker needs the
// docker/runtime isolation), mesos_slave_work_dir and
// mesos_slave_executor_env_variables (JSON). Their hyphenated spellings
// are aliases (Capabilities().LabelAliases), so the seed's
// rexray-preempt=true is rexray_preempt=true:
//
//	d := mesos.New()
//	req, features, err := d.RenderCluster(mesos.Input{
//		Template: tmpl, // coe mesos, image ubuntu-mesos, volume driver rexray, labels {"rexray-preempt": "true"}
//		Cluster:  c,
//		Access:   mesos.Access{AuthURL: authURL, Trustee: mesos.Trustee{UserID: id, Password: pw, TrustID: trust}},
//	})
//	// … create the stack; when complete:
//	err = d.ApplyOutputs(stack, features, c, groups) // api_address http://IP:8080, addresses, counts
//
// Scaling down removes the slaves named in slaves_to_remove first
// (Input.SlavesToRemove); ChooseSlavesToRemove picks them — the requested
// ones, else those without Marathon tasks (MarathonClient). HealthMonitor
// reads the leading master's state on port 5050.
package mesos
