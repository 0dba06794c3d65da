#!/bin/bash
# gomagnum Swarm node bootstrap: etcd on the managers, as a container.
# Sourced by bootstrap.sh.
#
# The managers' ports exist before the managers, so every manager knows all
# peer addresses (peer_addresses, by member index) and etcd forms without
# a discovery service. etcd serves its v2 API too: swarm's discovery and
# the engines' cluster store use it. Clients and peers authenticate with
# certificates of the cluster's etcd CA.

# etcd_member_name INDEX: the node name of manager INDEX (same prefix).
etcd_member_name() { printf '%s-%s' "${NODE_NAME%-*}" "$1"; }

# etcd_initial_cluster: name=https://ip:2380 for every manager.
etcd_initial_cluster() {
	local IFS=, peers i=0 addr out='' sep=''
	read -r -a peers <<<"$PEER_ADDRESSES"
	for addr in "${peers[@]}"; do
		is_ipv4 "$addr" || die "peer address $i does not look right"
		out+="$sep$(etcd_member_name "$i")=https://$addr:2380"
		sep=,
		i=$((i + 1))
	done
	printf '%s' "$out"
}

etcd_service() {
	local cluster
	cluster=$(etcd_initial_cluster)
	mkdir -p "$ROOT/var/lib/etcd"
	# shellcheck disable=SC2034 # read by container_unit through a nameref
	local args=(-v /var/lib/etcd:/var/lib/etcd -v "$PKI:$PKI:ro" "$ETCD_IMAGE" etcd
		"--name=$NODE_NAME"
		--data-dir=/var/lib/etcd
		--enable-v2=true
		"--listen-client-urls=https://$PRIVATE_IP:2379,https://127.0.0.1:2379"
		"--advertise-client-urls=https://$PRIVATE_IP:2379"
		"--listen-peer-urls=https://$PRIVATE_IP:2380"
		"--initial-advertise-peer-urls=https://$PRIVATE_IP:2380"
		"--initial-cluster=$cluster"
		--initial-cluster-state=new
		"--initial-cluster-token=$CLUSTER_UUID"
		--client-cert-auth=true
		"--trusted-ca-file=$PKI/etcd-ca.crt"
		"--cert-file=$PKI/etcd-server.crt"
		"--key-file=$PKI/etcd-server.key"
		--peer-client-cert-auth=true
		"--peer-trusted-ca-file=$PKI/etcd-ca.crt"
		"--peer-cert-file=$PKI/etcd-peer.crt"
		"--peer-key-file=$PKI/etcd-peer.key")
	container_unit etcd "etcd for the swarm managers" "" args
}

# etcdctl ARGS...: etcdctl of the v2 API inside the etcd container, with
# this manager's client certificate.
etcdctl_v2() {
	docker exec -e ETCDCTL_API=2 gomagnum-etcd etcdctl --endpoints https://127.0.0.1:2379 \
		--ca-file "$PKI/etcd-ca.crt" --cert-file "$PKI/etcd-client.crt" --key-file "$PKI/etcd-client.key" "$@"
}

# wait_for_etcd: until the local member answers (a quorum has formed).
wait_for_etcd() {
	wait_for ETCD_WAIT_TRIES ETCD_WAIT_SECONDS "etcd health" etcdctl_v2 cluster-health
}
