#!/bin/bash
# gomagnum node bootstrap: the pod network, applied once by the first
# master. Sourced by bootstrap.sh.
#
# flannel: the upstream manifest of FLANNEL_MANIFEST_URL, its net-conf.json
# replaced by one made here (network, subnet length, backend), with the
# subnets allocated by the controller manager (kube-subnet-mgr): no node
# needs etcd access for the pod network.
# calico: the upstream manifest of CALICO_MANIFEST_URL with the IPv4 pool
# set to the pod network.

network_addon() {
	[[ $POD_SUBNET_LEN =~ ^[0-9]{1,2}$ ]] || die "POD_SUBNET_LEN does not look right"
	case $NETWORK_DRIVER in
	flannel)
		kubectl_admin apply -f "$FLANNEL_MANIFEST_URL" >/dev/null || die "cannot apply the flannel manifest"
		local net backend conf jconf
		net=$(json_str "$POD_NETWORK_CIDR")
		backend=$(json_str "$FLANNEL_BACKEND")
		conf="{\"Network\": $net, \"SubnetLen\": $POD_SUBNET_LEN, \"EnableIPv4\": true, \"Backend\": {\"Type\": $backend}}"
		jconf=$(json_str "$conf")
		kubectl_admin -n kube-flannel patch configmap kube-flannel-cfg --type merge \
			-p "{\"data\": {\"net-conf.json\": $jconf}}" >/dev/null || die "cannot configure flannel"
		kubectl_admin -n kube-flannel rollout restart daemonset/kube-flannel-ds >/dev/null ||
			die "cannot restart flannel with its configuration"
		;;
	calico)
		kubectl_admin apply -f "$CALICO_MANIFEST_URL" >/dev/null || die "cannot apply the calico manifest"
		kubectl_admin -n kube-system set env daemonset/calico-node "CALICO_IPV4POOL_CIDR=$POD_NETWORK_CIDR" >/dev/null ||
			die "cannot set calico's IPv4 pool"
		;;
	*)
		die "unknown network driver"
		;;
	esac
	log "pod network $NETWORK_DRIVER applied"
}
