#!/bin/bash
# gomagnum Swarm node bootstrap: REX-Ray (volume driver rexray), a Docker
# volume plugin backed by Cinder with the cluster's trustee. Sourced by
# bootstrap.sh.

# rexray_config: /etc/rexray/config.yml (0600: it holds the trustee's
# password), every value a JSON string, which YAML reads as it is.
rexray_config() {
	local insecure=false ca=''
	[ "$VERIFY_CA" != false ] || insecure=true
	if [ -n "${OPENSTACK_CA:-}" ] && [ "$insecure" = false ]; then
		ca="  caCertFile: $(json_str "$CONF/openstack-ca.pem")
"
	fi
	put /etc/rexray/config.yml 0600 <<EOF
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
  availabilityZoneName: $(json_str "${AVAILABILITY_ZONE:-}")
  insecure: $insecure
$ca
EOF
}

rexray_service() {
	[[ $REXRAY_PREEMPT =~ ^(true|false)$ ]] || die "REXRAY_PREEMPT does not look right"
	rexray_config
	mkdir -p "$ROOT/var/lib/rexray" "$ROOT/run/docker/plugins"
	# shellcheck disable=SC2034 # read by container_unit through a nameref
	local args=(--privileged --pid=host -v /etc/rexray:/etc/rexray:ro -v "$CONF:$CONF:ro"
		-v /run/docker/plugins:/run/docker/plugins -v /var/lib/rexray:/var/lib/rexray:shared -v /dev:/dev
		"$REXRAY_IMAGE" start -f)
	container_unit rexray "REX-Ray volume plugin (Cinder)" "" args
}
