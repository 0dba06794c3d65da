#!/bin/bash
# gomagnum Mesos slave: docker storage on the optional Cinder volume,
# rexray with the rexray volume driver, and the Mesos agent with the
# isolation, image providers, work directory and executor environment of
# the cluster's labels. Sourced by bootstrap.sh after lib.sh.
set -euo pipefail

# docker_volume formats (once) and mounts the docker volume Heat attached.
docker_volume() {
	local dev tries=${VOLUME_WAIT_TRIES:-60}
	[ -n "$DOCKER_VOLUME" ] || return 0
	dev=/dev/disk/by-id/virtio-${DOCKER_VOLUME:0:20}
	while [ ! -e "$ROOT$dev" ]; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || die "the docker volume $dev did not appear"
		sleep 2
	done
	if ! blkid "$ROOT$dev" >/dev/null 2>&1; then
		mkfs.xfs -q "$ROOT$dev"
	fi
	mkdir -p "$ROOT/var/lib/docker"
	if ! grep -qs " /var/lib/docker " "$ROOT/etc/fstab"; then
		printf '%s /var/lib/docker xfs defaults 0 0\n' "$dev" >>"$ROOT/etc/fstab"
	fi
	mount /var/lib/docker
}

# rexray_config writes rexray's configuration (Cinder through Keystone as
# the trustee) when the volume driver is rexray. Every value is a JSON
# string, which YAML reads verbatim.
rexray_config() {
	[ "${VOLUME_DRIVER:-}" = rexray ] || return 0
	local v
	for v in AUTH_URL TRUSTEE_USER_ID TRUSTEE_PASSWORD; do
		[ -n "${!v:-}" ] || die "setting $v is needed by rexray"
	done
	local insecure=false
	[ "${VERIFY_CA:-true}" != false ] || insecure=true
	put /etc/rexray/config.yml 0600 <<YAML
# Written by gomagnum.
rexray:
  logLevel: warn
libstorage:
  service: cinder
  integration:
    volume:
      operations:
        mount:
          preempt: $REXRAY_PREEMPT
cinder:
  authURL: $(json_str "$AUTH_URL")
  userID: $(json_str "$TRUSTEE_USER_ID")
  password: $(json_str "$TRUSTEE_PASSWORD")
  trustID: $(json_str "${TRUST_ID:-}")
  regionName: $(json_str "${REGION_NAME:-}")
  insecure: $insecure
YAML
	if [ -n "${OPENSTACK_CA:-}" ]; then
		printf '%s\n' "$OPENSTACK_CA" | put /etc/rexray/openstack-ca.pem 0644
		printf '[Service]\nEnvironment="SSL_CERT_FILE=/etc/rexray/openstack-ca.pem"\n' |
			put "$UNITS/rexray.service.d/gomagnum-ca.conf" 0644
	fi
	proxy_dropin rexray.service
}

# mesos_slave_config writes the agent's options, one file each.
mesos_slave_config() {
	local d=/etc/mesos-slave
	put_value /etc/mesos/zk "$(zk_url mesos)"
	put_value $d/ip "$PRIVATE_IP"
	put_value $d/hostname "$PRIVATE_IP"
	put_value $d/containerizers docker,mesos
	put_value $d/executor_registration_timeout "$EXECUTOR_REGISTRATION_TIMEOUT"
	put_value $d/work_dir "$MESOS_SLAVE_WORK_DIR"
	mkdir -p "$ROOT$MESOS_SLAVE_WORK_DIR"
	if [ -n "${MESOS_SLAVE_ISOLATION:-}" ]; then
		put_value $d/isolation "$MESOS_SLAVE_ISOLATION"
	fi
	if [ -n "${MESOS_SLAVE_IMAGE_PROVIDERS:-}" ]; then
		put_value $d/image_providers "$MESOS_SLAVE_IMAGE_PROVIDERS"
	fi
	if [ -n "${MESOS_SLAVE_EXECUTOR_ENV_VARIABLES:-}" ]; then
		# The JSON goes in a file of its own; the option names the file.
		printf '%s\n' "$MESOS_SLAVE_EXECUTOR_ENV_VARIABLES" | put /etc/mesos/executor_environment_variables.json 0644
		put_value $d/executor_environment_variables file:///etc/mesos/executor_environment_variables.json
	fi
	proxy_dropin mesos-slave.service
}

# slave_services starts the agent (and not a master's services).
slave_services() {
	services_off zookeeper mesos-master marathon
	if [ "${VOLUME_DRIVER:-}" = rexray ]; then
		enable_now docker rexray mesos-slave
	else
		enable_now docker mesos-slave
	fi
	wait_http "http://$PRIVATE_IP:5051/health" "the Mesos agent"
}
