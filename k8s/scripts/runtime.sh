#!/bin/bash
# gomagnum node bootstrap: kernel settings, volumes, containerd, and the
# Kubernetes and CNI binaries. Sourced by bootstrap.sh.

# kernel_settings: modules and sysctls Kubernetes networking needs.
kernel_settings() {
	printf 'overlay\nbr_netfilter\n' | put /etc/modules-load.d/gomagnum-k8s.conf 0644
	modprobe overlay || log "cannot load module overlay"
	modprobe br_netfilter || log "cannot load module br_netfilter"
	put /etc/sysctl.d/90-gomagnum-k8s.conf 0644 <<'EOF'
net.bridge.bridge-nf-call-iptables = 1
net.bridge.bridge-nf-call-ip6tables = 1
net.ipv4.ip_forward = 1
EOF
	sysctl --system >/dev/null || log "sysctl --system failed"
}

# mount_volume ID MOUNTPOINT UNIT: formats (once) and mounts the Cinder
# volume ID, attached by Heat after the server booted, with a systemd mount
# unit named UNIT (the escaped mount point).
mount_volume() {
	local id=$1 where=$2 unit_name=$3 dev tries=0
	[[ $id =~ $RE_UUID ]] || die "volume id does not look right"
	# virtio disks are named by the first 20 characters of the volume id.
	dev=/dev/disk/by-id/virtio-${id:0:20}
	while [ ! -e "$ROOT$dev" ]; do
		tries=$((tries + 1))
		[ "$tries" -le "${VOLUME_WAIT_TRIES:-300}" ] || die "volume $id did not appear as $dev"
		sleep "${VOLUME_WAIT_SECONDS:-2}"
	done
	if ! blkid -o value -s TYPE "$ROOT$dev" >/dev/null 2>&1; then
		log "formatting $dev for $where"
		mkfs.xfs -q "$ROOT$dev" || die "cannot format $dev"
	fi
	mkdir -p "$ROOT$where"
	unit "$unit_name" <<EOF
[Unit]
Description=gomagnum volume for $where
Before=local-fs.target

[Mount]
What=$dev
Where=$where
Type=xfs

[Install]
WantedBy=local-fs.target
EOF
	enable_now "$unit_name"
}

# volumes: the docker (container storage) volume, and the etcd volume on
# masters, when the stack attached them.
volumes() {
	local docker etcd
	docker=$(stack_value docker_volume "$RE_UUID")
	if [ -n "$docker" ]; then
		mount_volume "$docker" /var/lib/containerd var-lib-containerd.mount
	fi
	if [ "$ROLE" = master ]; then
		etcd=$(stack_value etcd_volume "$RE_UUID")
		if [ -n "$etcd" ]; then
			mount_volume "$etcd" /var/lib/etcd var-lib-etcd.mount
		fi
	fi
}

# proxy_dropin UNIT: proxy settings for a service, when the template has them.
proxy_dropin() {
	[ -n "${HTTP_PROXY:-}${HTTPS_PROXY:-}${NO_PROXY:-}" ] || return 0
	local no_proxy=${NO_PROXY:-}
	# Cluster-internal traffic never goes through the proxy.
	no_proxy=${no_proxy:+$no_proxy,}localhost,127.0.0.1,$SERVICE_CLUSTER_IP_RANGE,$POD_NETWORK_CIDR,.svc,.$CLUSTER_DOMAIN
	{
		printf '[Service]\n'
		[ -z "${HTTP_PROXY:-}" ] || printf 'Environment="HTTP_PROXY=%s"\n' "$(systemd_env_value "$HTTP_PROXY")"
		[ -z "${HTTPS_PROXY:-}" ] || printf 'Environment="HTTPS_PROXY=%s"\n' "$(systemd_env_value "$HTTPS_PROXY")"
		printf 'Environment="NO_PROXY=%s"\n' "$(systemd_env_value "$no_proxy")"
	} | put "$UNITS/$1.d/http-proxy.conf" 0644
}

# containerd_config: containerd as the CRI runtime, with the cgroup driver
# and pause image of the settings and an insecure registry if one is set.
containerd_config() {
	command -v containerd >/dev/null || die "containerd is not installed on this image"
	local systemd_cgroup=false pause
	[ "$CGROUP_DRIVER" != systemd ] || systemd_cgroup=true
	pause=$(image pause 3.9 registry.k8s.io)
	{
		printf 'version = 2\n\n'
		printf '[plugins."io.containerd.grpc.v1.cri"]\n'
		printf '  sandbox_image = "%s"\n' "$pause"
		printf '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\n'
		printf '  runtime_type = "io.containerd.runc.v2"\n'
		printf '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n'
		printf '  SystemdCgroup = %s\n' "$systemd_cgroup"
		printf '[plugins."io.containerd.grpc.v1.cri".cni]\n'
		printf '  bin_dir = "/opt/cni/bin"\n  conf_dir = "/etc/cni/net.d"\n'
		printf '[plugins."io.containerd.grpc.v1.cri".registry]\n'
		printf '  config_path = "/etc/containerd/certs.d"\n'
	} | put /etc/containerd/config.toml 0644
	if [ -n "${INSECURE_REGISTRY:-}" ]; then
		{
			printf 'server = "http://%s"\n\n' "$INSECURE_REGISTRY"
			printf '[host."http://%s"]\n  capabilities = ["pull", "resolve"]\n  skip_verify = true\n' "$INSECURE_REGISTRY"
		} | put "/etc/containerd/certs.d/$INSECURE_REGISTRY/hosts.toml" 0644
	fi
	proxy_dropin containerd.service
	enable_now containerd.service
}

# binaries: kubelet and kubectl of KUBE_TAG, and the CNI plugins, checked
# against their published sha256 digests.
binaries() {
	local arch=amd64 b sum sumfile
	sumfile=$(mktemp)
	for b in kubelet kubectl; do
		if [ -x "$ROOT$BIN/$b" ]; then
			continue
		fi
		curl --silent --show-error --fail --location --retry "${CURL_RETRIES:-5}" -o "$sumfile" \
			"$KUBE_RELEASE_URL/$KUBE_TAG/bin/linux/$arch/$b.sha256" || die "cannot fetch the digest of $b"
		read -r sum _ <"$sumfile" || true
		[[ ${sum:-} =~ ^[0-9a-f]{64}$ ]] || die "the digest of $b does not look right"
		download "$KUBE_RELEASE_URL/$KUBE_TAG/bin/linux/$arch/$b" "$BIN/$b" 0755 "$sum"
	done
	if [ ! -x "$ROOT/opt/cni/bin/loopback" ]; then
		curl --silent --show-error --fail --location --retry "${CURL_RETRIES:-5}" -o "$sumfile" "$CNI_PLUGINS_URL.sha256" ||
			die "cannot fetch the digest of the CNI plugins"
		read -r sum _ <"$sumfile" || true
		[[ ${sum:-} =~ ^[0-9a-f]{64}$ ]] || die "the digest of the CNI plugins does not look right"
		download "$CNI_PLUGINS_URL" "$STATE/cni-plugins.tgz" 0644 "$sum"
		mkdir -p "$ROOT/opt/cni/bin"
		tar -xzf "$ROOT$STATE/cni-plugins.tgz" -C "$ROOT/opt/cni/bin" || die "cannot unpack the CNI plugins"
	fi
	rm -f "$sumfile"
}
