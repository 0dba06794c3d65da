#!/bin/bash
# gomagnum node bootstrap: etcd on the masters, as a static pod. Sourced by
# bootstrap.sh.
#
# The masters' ports exist before the masters, so every master knows all
# peer addresses (peer_addresses, by member index) and the cluster forms
# without any discovery service. Member i is named like master i's node
# name. With ETCD_DISCOVERY_URL set, that discovery URL is used instead.

# etcd_member_name INDEX: the node name of master INDEX (same prefix as ours).
etcd_member_name() { printf '%s-%s' "${NODE_NAME%-*}" "$1"; }

etcd_certs() {
	local sans=("DNS:$NODE_NAME" DNS:localhost "IP:$PRIVATE_IP" IP:127.0.0.1)
	make_cert etcd-server etcd "etcd-$NODE_NAME" "" "${sans[@]}" || die "no etcd server certificate"
	make_cert etcd-peer etcd "etcd-peer-$NODE_NAME" "" "${sans[@]}" || die "no etcd peer certificate"
	make_cert apiserver-etcd-client etcd kube-apiserver-etcd-client "" || die "no etcd client certificate for the API server"
}

# etcd_initial_cluster: name=https://ip:2380 for every master.
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

etcd_manifest() {
	local args img cluster
	args=(etcd
		"--name=$NODE_NAME"
		--data-dir=/var/lib/etcd
		"--listen-client-urls=https://$PRIVATE_IP:2379,https://127.0.0.1:2379"
		"--advertise-client-urls=https://$PRIVATE_IP:2379"
		"--listen-peer-urls=https://$PRIVATE_IP:2380"
		"--initial-advertise-peer-urls=https://$PRIVATE_IP:2380"
		--client-cert-auth=true
		"--trusted-ca-file=$PKI/etcd-ca.crt"
		"--cert-file=$PKI/etcd-server.crt"
		"--key-file=$PKI/etcd-server.key"
		--peer-client-cert-auth=true
		"--peer-trusted-ca-file=$PKI/etcd-ca.crt"
		"--peer-cert-file=$PKI/etcd-peer.crt"
		"--peer-key-file=$PKI/etcd-peer.key"
		--snapshot-count=10000)
	if [ -n "${ETCD_DISCOVERY_URL:-}" ]; then
		[[ $ETCD_DISCOVERY_URL =~ $RE_URL ]] || die "ETCD_DISCOVERY_URL does not look right"
		args+=("--discovery=$ETCD_DISCOVERY_URL")
	else
		cluster=$(etcd_initial_cluster)
		args+=("--initial-cluster=$cluster" --initial-cluster-state=new "--initial-cluster-token=$CLUSTER_UUID")
	fi
	img=$(image etcd "$ETCD_TAG" registry.k8s.io)
	static_pod etcd "$img" args false "etcd-data=/var/lib/etcd=rw" "pki=$PKI=ro"
}
