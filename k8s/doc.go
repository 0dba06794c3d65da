// Package k8s is the Kubernetes driver: Kubernetes clusters on Fedora Atomic
// or CoreOS servers, built through Heat.
//
// At this stage it declares its tuples and capabilities, which template
// validation uses; cluster creation arrives with its Heat templates.
//
//	reg, _ := driver.NewRegistry(k8s.NewFedoraAtomic(), k8s.NewCoreOS())
//	caps, _ := reg.Capabilities(k8s.COE) // flannel (default), calico; cinder
package k8s
