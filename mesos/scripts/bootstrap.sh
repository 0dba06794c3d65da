#!/bin/bash
# shellcheck disable=SC2034 # settings read here are used by the sourced files
# gomagnum: bootstrap a Mesos node of the ubuntu-mesos image (ZooKeeper,
# Mesos and Marathon installed, with the Mesosphere packages' per-option
# configuration directories). Run once by cloud-init as the multipart user
# data's script. It reads the settings Heat delivered under /etc/gomagnum,
# configures the node for its role, and signals the node's Heat wait
# condition: SUCCESS when done, FAILURE with the failed step.
set -euo pipefail

SCRIPTS=${GOMAGNUM_SCRIPTS:-${GOMAGNUM_ROOT:-}/opt/gomagnum/scripts}
# shellcheck source=/dev/null # a file of this directory, checked on its own
. "$SCRIPTS/lib.sh"

on_exit() {
	local status=$?
	if [ "$status" -ne 0 ]; then
		signal_heat FAILURE "bootstrap of ${NODE_NAME:-this node} failed at step $CURRENT_STEP" ||
			log "cannot signal the failure to Heat"
	fi
	exit "$status"
}

# stack_settings reads what Heat wrote about this node.
stack_settings() {
	local a
	ROLE=$(stack_value role "$RE_ROLE")
	NODE_NAME=$(stack_value node_name "$RE_NAME")
	NODE_INDEX=$(stack_value node_index "$RE_INDEX")
	PRIVATE_IP=$(stack_value private_ip "$RE_IPV4")
	PUBLIC_IP=$(stack_value public_ip "$RE_IPV4")
	MASTER_ADDRESSES=$(stack_value master_addresses "$RE_ADDRESSES")
	DOCKER_VOLUME=$(stack_value docker_volume "$RE_UUID")
	if [ -z "$ROLE" ] || [ -z "$NODE_NAME" ] || [ -z "$NODE_INDEX" ]; then
		die "the stack did not say who this node is"
	fi
	is_ipv4 "$PRIVATE_IP" || die "private_ip does not look right"
	[ -z "$PUBLIC_IP" ] || is_ipv4 "$PUBLIC_IP" || die "public_ip does not look right"
	[ -n "$MASTER_ADDRESSES" ] || die "the stack gave no master addresses"
	local IFS=,
	for a in $MASTER_ADDRESSES; do
		is_ipv4 "$a" || die "master_addresses does not look right"
	done
}

main() {
	if [ -e "$ROOT$STATE/bootstrap.done" ]; then
		log "already bootstrapped"
		return 0
	fi
	step settings
	load_settings
	stack_settings
	case $ROLE in
	master)
		# shellcheck source=/dev/null # a file of this directory, checked on its own
		. "$SCRIPTS/master.sh"
		step zookeeper
		zookeeper_config
		step mesos-master
		mesos_master_config
		step marathon
		marathon_config
		step services
		master_services
		;;
	slave)
		# shellcheck source=/dev/null # a file of this directory, checked on its own
		. "$SCRIPTS/slave.sh"
		step docker
		docker_volume
		proxy_dropin docker.service
		step rexray
		rexray_config
		step mesos-slave
		mesos_slave_config
		step services
		slave_services
		;;
	esac
	step finish
	mkdir -p "$ROOT$STATE"
	: >"$ROOT$STATE/bootstrap.done"
	signal_heat SUCCESS "node $NODE_NAME ($ROLE) is ready"
	log "node $NODE_NAME is ready"
}

trap on_exit EXIT
main "$@"
