#!/bin/bash
# gomagnum Swarm node bootstrap: flannel (network driver flannel). Sourced
# by bootstrap.sh.
#
# The first manager writes flannel's network configuration into etcd;
# every node runs the image's flanneld against the managers' etcd with its
# etcd client certificate, and its engine puts containers on the node's
# flannel subnet.

FLANNEL_PREFIX=/coreos.com/network

# flannel_network_config: the network configuration, as JSON.
flannel_network_config() {
	printf '{"Network": %s, "SubnetLen": %s, "Backend": {"Type": %s}}' \
		"$(json_str "$FLANNEL_NETWORK_CIDR")" "$FLANNEL_SUBNET_LEN" "$(json_str "$FLANNEL_BACKEND")"
}

# flannel_publish: the first manager stores the configuration.
flannel_publish() {
	[[ $FLANNEL_SUBNET_LEN =~ ^[0-9]{1,2}$ ]] || die "FLANNEL_SUBNET_LEN does not look right"
	wait_for_etcd
	etcdctl_v2 set "$FLANNEL_PREFIX/config" "$(flannel_network_config)" >/dev/null ||
		die "cannot store the flannel configuration in etcd"
}

# flannel_node: flanneld on a node, then FLANNEL_BIP and FLANNEL_MTU_VALUE
# for the engine from the subnet flanneld leased.
flannel_node() {
	command -v flanneld >/dev/null || die "flanneld is not installed on this image"
	local endpoints='' e sep=''
	local IFS=,
	for e in $(etcd_endpoints); do
		endpoints+="${sep}https://$e"
		sep=,
	done
	unset IFS
	{
		printf 'FLANNEL_ETCD_ENDPOINTS=%s\n' "$endpoints"
		printf 'FLANNEL_ETCD_PREFIX=%s\n' "$FLANNEL_PREFIX"
		printf 'FLANNEL_OPTIONS="-iface=%s -etcd-cafile=%s -etcd-certfile=%s -etcd-keyfile=%s"\n' \
			"$PRIVATE_IP" "$PKI/etcd-ca.crt" "$PKI/etcd-client.crt" "$PKI/etcd-client.key"
	} | put /etc/sysconfig/flanneld 0644
	enable_now flanneld.service
	local env=$ROOT/run/flannel/subnet.env subnet mtu
	wait_for FLANNEL_WAIT_TRIES FLANNEL_WAIT_SECONDS "flannel's subnet lease" test -s "$env"
	subnet=$(awk -F= '$1 == "FLANNEL_SUBNET" { print $2 }' "$env")
	mtu=$(awk -F= '$1 == "FLANNEL_MTU" { print $2 }' "$env")
	[[ $subnet =~ ^([0-9]{1,3}\.){3}[0-9]{1,3}/[0-9]{1,2}$ ]] || die "flannel's subnet does not look right"
	[[ $mtu =~ ^[0-9]{3,5}$ ]] || die "flannel's MTU does not look right"
	# shellcheck disable=SC2034 # read by docker_config
	FLANNEL_BIP=$subnet
	# shellcheck disable=SC2034 # read by docker_config
	FLANNEL_MTU_VALUE=$mtu
}
