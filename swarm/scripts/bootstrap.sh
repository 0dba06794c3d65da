#!/bin/bash
# shellcheck disable=SC2034 # settings read here are used by the sourced files
# gomagnum: bootstrap a Docker Swarm manager or node. Run once by
# cloud-init as the multipart user data's script. It reads the settings
# Heat delivered under /etc/gomagnum, sets the server up for its role, and
# signals the server's Heat wait condition: SUCCESS when done, FAILURE
# with the failed step.
set -euo pipefail

SCRIPTS=${GOMAGNUM_SCRIPTS:-${GOMAGNUM_ROOT:-}/opt/gomagnum/scripts}
# shellcheck source=/dev/null # a file of this directory, checked on its own
. "$SCRIPTS/lib.sh"
# shellcheck source=/dev/null # a file of this directory, checked on its own
. "$SCRIPTS/certs.sh"
# shellcheck source=/dev/null # a file of this directory, checked on its own
. "$SCRIPTS/docker.sh"
# shellcheck source=/dev/null # a file of this directory, checked on its own
. "$SCRIPTS/swarm.sh"

on_exit() {
	local status=$?
	if [ "$status" -ne 0 ]; then
		signal_heat FAILURE "bootstrap of ${NODE_NAME:-this node} failed at step $CURRENT_STEP" ||
			log "cannot signal the failure to Heat"
	fi
	exit "$status"
}

# stack_settings reads what Heat wrote about this server.
stack_settings() {
	ROLE=$(stack_value role "$RE_ROLE")
	NODE_NAME=$(stack_value node_name "$RE_NAME")
	NODE_INDEX=$(stack_value node_index "$RE_INDEX")
	PRIVATE_IP=$(stack_value private_ip "$RE_IPV4")
	PUBLIC_IP=$(stack_value public_ip "$RE_IPV4")
	PEER_ADDRESSES=$(stack_value peer_addresses "$RE_ADDRS")
	ETCD_ADDRESS=$(stack_value etcd_address "$RE_IPV4")
	if [ -z "$ROLE" ] || [ -z "$NODE_NAME" ] || [ -z "$NODE_INDEX" ]; then
		die "the stack did not say who this server is"
	fi
	is_ipv4 "$PRIVATE_IP" || die "private_ip does not look right"
	[ -z "$PUBLIC_IP" ] || is_ipv4 "$PUBLIC_IP" || die "public_ip does not look right"
	[ -z "$ETCD_ADDRESS" ] || is_ipv4 "$ETCD_ADDRESS" || die "etcd_address does not look right"
	[ -n "$PEER_ADDRESSES" ] || die "the stack gave no manager addresses"
	API_PRIVATE_ADDRESS=
	API_PUBLIC_ADDRESS=
	if [ "$ROLE" = master ]; then
		API_PRIVATE_ADDRESS=$(stack_value api_private_address "$RE_IPV4")
		API_PUBLIC_ADDRESS=$(stack_value api_public_address "$RE_IPV4")
		[ -z "$API_PRIVATE_ADDRESS" ] || is_ipv4 "$API_PRIVATE_ADDRESS" || die "api_private_address does not look right"
		[ -z "$API_PUBLIC_ADDRESS" ] || is_ipv4 "$API_PUBLIC_ADDRESS" || die "api_public_address does not look right"
	fi
}

# proxies: the template's proxies for image pulls and downloads; Keystone
# and the certificate API are reached directly.
proxies() {
	local auth_host sign_host
	auth_host=${AUTH_URL#*://}
	auth_host=${auth_host%%[:/]*}
	sign_host=${SIGN_URL#*://}
	sign_host=${sign_host%%[:/]*}
	if [ -n "${HTTP_PROXY:-}" ]; then export HTTP_PROXY http_proxy=$HTTP_PROXY; fi
	if [ -n "${HTTPS_PROXY:-}" ]; then export HTTPS_PROXY https_proxy=$HTTPS_PROXY; fi
	if [ -n "${HTTP_PROXY:-}${HTTPS_PROXY:-}" ]; then
		NO_PROXY=${NO_PROXY:+$NO_PROXY,}$auth_host,$sign_host
		export NO_PROXY no_proxy=$NO_PROXY
	fi
}

main() {
	if [ -e "$ROOT$STATE/bootstrap.done" ]; then
		log "already bootstrapped"
		return 0
	fi
	step settings
	load_settings
	stack_settings
	proxies
	curl_opts

	step volumes
	docker_volume
	step certificates
	node_certs
	if [ "$ROLE" = node ] && [ "$NETWORK_DRIVER" = flannel ]; then
		# shellcheck source=/dev/null # a file of this directory, checked on its own
		. "$SCRIPTS/flannel.sh"
		step flannel
		flannel_node
	fi
	step docker
	docker_config
	if [ "$ROLE" = master ]; then
		# shellcheck source=/dev/null # a file of this directory, checked on its own
		. "$SCRIPTS/etcd.sh"
		step etcd
		etcd_service
		if [ "$NODE_INDEX" = 0 ] && [ "$NETWORK_DRIVER" = flannel ]; then
			# shellcheck source=/dev/null # a file of this directory, checked on its own
			. "$SCRIPTS/flannel.sh"
			step flannel
			flannel_publish
		fi
		step swarm
		swarm_manager
	else
		step swarm
		swarm_agent
		if [ "${VOLUME_DRIVER:-}" = rexray ]; then
			# shellcheck source=/dev/null # a file of this directory, checked on its own
			. "$SCRIPTS/rexray.sh"
			step rexray
			rexray_service
		fi
	fi
	step finish
	mkdir -p "$ROOT$STATE"
	: >"$ROOT$STATE/bootstrap.done"
	signal_heat SUCCESS "$ROLE $NODE_NAME is ready"
	log "$ROLE $NODE_NAME is ready"
}

trap on_exit EXIT
main "$@"
