#!/bin/bash
# gomagnum Swarm node bootstrap: the swarm manager (managers) and agent
# (nodes), as containers. Sourced by bootstrap.sh.
#
# Agents register their engine in etcd (swarm's discovery); managers read
# it and serve the Docker API on SWARM_API_PORT, with TLS unless disabled,
# scheduling with SWARM_STRATEGY. Several managers replicate, one leads.

# discovery: swarm's discovery URL and its etcd client options, in the
# array DISCOVERY.
discovery() {
	DISCOVERY=(--discovery-opt "kv.cacertfile=$PKI/etcd-ca.crt" --discovery-opt "kv.certfile=$PKI/etcd-client.crt"
		--discovery-opt "kv.keyfile=$PKI/etcd-client.key" "etcd://$(etcd_endpoints)/swarm")
}

swarm_manager() {
	discovery
	local peers n
	IFS=, read -r -a peers <<<"$PEER_ADDRESSES"
	n=${#peers[@]}
	local args=(-v "$PKI:$PKI:ro" "$SWARM_IMAGE" manage -H "tcp://0.0.0.0:$SWARM_API_PORT" --strategy "$SWARM_STRATEGY")
	if [ "$n" -gt 1 ]; then
		args+=(--replication --advertise "$PRIVATE_IP:$SWARM_API_PORT")
	fi
	if [ "$TLS_DISABLED" != true ]; then
		args+=(--tlsverify --tlscacert "$PKI/ca.crt" --tlscert "$PKI/manager.crt" --tlskey "$PKI/manager.key")
	fi
	args+=("${DISCOVERY[@]}")
	container_unit swarm-manager "swarm manager" gomagnum-etcd.service args
}

swarm_agent() {
	discovery
	# shellcheck disable=SC2034 # read by container_unit through a nameref
	local args=("$SWARM_IMAGE" join --advertise "$PRIVATE_IP:$ENGINE_PORT" "${DISCOVERY[@]}")
	container_unit swarm-agent "swarm agent" "" args
}
