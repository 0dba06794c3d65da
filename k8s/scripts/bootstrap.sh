#!/bin/bash
# shellcheck disable=SC2034 # settings read here are used by the sourced files
# gomagnum: bootstrap a Kubernetes node. Run once by cloud-init (Fedora
# Atomic: as the multipart user data's script; CoreOS: by the
# gomagnum-bootstrap unit). It reads the settings Heat delivered under
# /etc/gomagnum, sets up the node for its role, and signals the node's
# Heat wait condition: SUCCESS when done, FAILURE with the failed step.
set -euo pipefail

SCRIPTS=${GOMAGNUM_SCRIPTS:-${GOMAGNUM_ROOT:-}/opt/gomagnum/scripts}
# shellcheck source=/dev/null # a file of this directory, checked on its own
. "$SCRIPTS/lib.sh"
# shellcheck source=/dev/null # a file of this directory, checked on its own
. "$SCRIPTS/certs.sh"
# shellcheck source=/dev/null # a file of this directory, checked on its own
. "$SCRIPTS/runtime.sh"
# shellcheck source=/dev/null # a file of this directory, checked on its own
. "$SCRIPTS/kubernetes.sh"

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
	ROLE=$(stack_value role "$RE_ROLE")
	NODE_NAME=$(stack_value node_name "$RE_NAME")
	NODE_INDEX=$(stack_value node_index "$RE_INDEX")
	PRIVATE_IP=$(stack_value private_ip "$RE_IPV4")
	PUBLIC_IP=$(stack_value public_ip "$RE_IPV4")
	API_PRIVATE_ADDRESS=$(stack_value api_private_address "$RE_IPV4")
	if [ -z "$ROLE" ] || [ -z "$NODE_NAME" ] || [ -z "$NODE_INDEX" ]; then
		die "the stack did not say who this node is"
	fi
	is_ipv4 "$PRIVATE_IP" || die "private_ip does not look right"
	[ -z "$PUBLIC_IP" ] || is_ipv4 "$PUBLIC_IP" || die "public_ip does not look right"
	[ -z "$API_PRIVATE_ADDRESS" ] || is_ipv4 "$API_PRIVATE_ADDRESS" || die "api_private_address does not look right"
	API_PUBLIC_ADDRESS=
	PEER_ADDRESSES=
	if [ "$ROLE" = master ]; then
		API_PUBLIC_ADDRESS=$(stack_value api_public_address "$RE_IPV4")
		PEER_ADDRESSES=$(stack_value peer_addresses '^[0-9.,]+$')
		[ -n "$PEER_ADDRESSES" ] || die "the stack gave no etcd peer addresses"
	else
		[ -n "$API_PRIVATE_ADDRESS" ] || die "the stack gave no API address"
	fi
	# A node group's own kubelet labels and taints (minions of older
	# stacks have no such files).
	GROUP_NODE_LABELS=
	GROUP_NODE_TAINTS=
	if [ "$ROLE" = minion ]; then
		GROUP_NODE_LABELS=$(optional_stack_value node_labels "$RE_NODE_LABELS")
		GROUP_NODE_TAINTS=$(optional_stack_value node_taints "$RE_NODE_TAINTS")
	fi
}

# proxies: the template's proxies for downloads (curl reads lower case).
# Keystone and the certificate API are reached directly.
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

	step kernel
	kernel_settings
	step volumes
	volumes
	step ca
	ca_files
	step runtime
	containerd_config
	binaries
	if [ "$ROLE" = master ]; then
		# shellcheck source=/dev/null # a file of this directory, checked on its own
		. "$SCRIPTS/etcd.sh"
		step etcd
		etcd_certs
		etcd_manifest
		step control-plane
		master_certs
		control_plane
	fi
	step kubelet
	kubelet_and_proxy
	if [ "$ROLE" = master ] && [ "$NODE_INDEX" = 0 ]; then
		# shellcheck source=/dev/null # a file of this directory, checked on its own
		. "$SCRIPTS/network.sh"
		# shellcheck source=/dev/null # a file of this directory, checked on its own
		. "$SCRIPTS/addons.sh"
		step api
		wait_for_api
		step network
		network_addon
		step addons
		addons
	fi
	step finish
	mkdir -p "$ROOT$STATE"
	: >"$ROOT$STATE/bootstrap.done"
	signal_heat SUCCESS "node $NODE_NAME ($ROLE) is ready"
	log "node $NODE_NAME is ready"
}

trap on_exit EXIT
main "$@"
