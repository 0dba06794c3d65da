#!/bin/bash
# gomagnum Swarm node bootstrap: the docker volume and the Docker engine.
# Sourced by bootstrap.sh.
#
# Managers' engines listen on their socket only (they run etcd and the
# swarm manager as containers). Nodes' engines also listen on ENGINE_PORT
# for the managers: with TLS, verifying clients against the cluster CA
# (the managers present their certificate). With the docker network
# driver, nodes' engines keep overlay networks in etcd (libnetwork's
# cluster store); with flannel, containers get addresses of the node's
# flannel subnet.

# docker_volume: formats (once) and mounts the Cinder volume Heat attached
# as /var/lib/docker, before the engine starts.
docker_volume() {
	local id dev tries=0
	id=$(stack_value docker_volume "$RE_UUID")
	[ -n "$id" ] || return 0
	# virtio disks are named by the first 20 characters of the volume id.
	dev=/dev/disk/by-id/virtio-${id:0:20}
	while [ ! -e "$ROOT$dev" ]; do
		tries=$((tries + 1))
		[ "$tries" -le "${VOLUME_WAIT_TRIES:-300}" ] || die "volume $id did not appear as $dev"
		sleep "${VOLUME_WAIT_SECONDS:-2}"
	done
	if ! blkid -o value -s TYPE "$ROOT$dev" >/dev/null 2>&1; then
		log "formatting $dev for /var/lib/docker"
		mkfs.xfs -q "$ROOT$dev" || die "cannot format $dev"
	fi
	mkdir -p "$ROOT/var/lib/docker"
	unit var-lib-docker.mount <<EOF
[Unit]
Description=gomagnum docker volume
Before=local-fs.target docker.service

[Mount]
What=$dev
Where=/var/lib/docker
Type=xfs

[Install]
WantedBy=local-fs.target
EOF
	enable_now var-lib-docker.mount
}

# etcd_endpoints: the managers' etcd as host:port,host:port (the etcd load
# balancer when there is one).
etcd_endpoints() {
	if [ -n "${ETCD_ADDRESS:-}" ]; then
		printf '%s:2379' "$ETCD_ADDRESS"
		return 0
	fi
	local IFS=, peers addr out='' sep=''
	read -r -a peers <<<"$PEER_ADDRESSES"
	for addr in "${peers[@]}"; do
		is_ipv4 "$addr" || die "a manager address does not look right"
		out+="$sep$addr:2379"
		sep=,
	done
	[ -n "$out" ] || die "the stack gave no manager addresses"
	printf '%s' "$out"
}

# docker_proxy: proxy settings for the engine, when the template has them.
docker_proxy() {
	[ -n "${HTTP_PROXY:-}${HTTPS_PROXY:-}${NO_PROXY:-}" ] || return 0
	local no_proxy=${NO_PROXY:-}
	no_proxy=${no_proxy:+$no_proxy,}localhost,127.0.0.1,$PRIVATE_IP
	{
		printf '[Service]\n'
		[ -z "${HTTP_PROXY:-}" ] || printf 'Environment=%s\n' "$(systemd_word "HTTP_PROXY=$HTTP_PROXY")"
		[ -z "${HTTPS_PROXY:-}" ] || printf 'Environment=%s\n' "$(systemd_word "HTTPS_PROXY=$HTTPS_PROXY")"
		printf 'Environment=%s\n' "$(systemd_word "NO_PROXY=$no_proxy")"
	} | put "$UNITS/docker.service.d/http-proxy.conf" 0644
}

# docker_config: /etc/docker/daemon.json for the role and network driver,
# every value quoted by json_str; then the engine starts.
docker_config() {
	command -v dockerd >/dev/null || command -v docker >/dev/null || die "docker is not installed on this image"
	local hosts=(unix:///var/run/docker.sock) kv storage cfg
	storage=$(json_str "$DOCKER_STORAGE_DRIVER")
	cfg="  \"storage-driver\": $storage,
  \"log-driver\": \"journald\""
	if [ "$ROLE" = node ]; then
		hosts+=("tcp://0.0.0.0:$ENGINE_PORT")
		if [ "$TLS_DISABLED" != true ]; then
			cfg+=",
  \"tlsverify\": true,
  \"tlscacert\": $(json_str "$PKI/ca.crt"),
  \"tlscert\": $(json_str "$PKI/engine.crt"),
  \"tlskey\": $(json_str "$PKI/engine.key")"
		fi
		if [ "$NETWORK_DRIVER" = docker ]; then
			kv=$(etcd_endpoints)
			cfg+=",
  \"cluster-store\": $(json_str "etcd://$kv"),
  \"cluster-advertise\": $(json_str "$PRIVATE_IP:$ENGINE_PORT"),
  \"cluster-store-opts\": {\"kv.cacertfile\": $(json_str "$PKI/etcd-ca.crt"), \"kv.certfile\": $(json_str "$PKI/etcd-client.crt"), \"kv.keyfile\": $(json_str "$PKI/etcd-client.key")}"
		elif [ "$NETWORK_DRIVER" = flannel ]; then
			cfg+=",
  \"bip\": $(json_str "$FLANNEL_BIP"),
  \"mtu\": $FLANNEL_MTU_VALUE"
		fi
	fi
	if [ -n "${INSECURE_REGISTRY:-}" ]; then
		cfg+=",
  \"insecure-registries\": $(json_array "$INSECURE_REGISTRY")"
	fi
	put /etc/docker/daemon.json 0644 <<EOF
{
  "hosts": $(json_array "${hosts[@]}"),
$cfg
}
EOF
	docker_proxy
	enable_now docker.service
}
