#!/bin/bash
# gomagnum Swarm node bootstrap: certificates. Sourced by bootstrap.sh.
#
# Nodes make their own keys; the certificate API at SIGN_URL signs their
# CSRs under gomagnum's policy, authenticated with a Keystone token of the
# cluster's trustee scoped to its trust. CA certificates arrive with the
# stack or are fetched from the same API. No CA key is ever on a node.

# keystone_token: sets KEYSTONE_TOKEN for the trustee (trust-scoped when a
# trust id is set). The password travels on stdin, never in argv.
keystone_token() {
	[ -z "${KEYSTONE_TOKEN:-}" ] || return 0
	local uid pw tid scope='' body hdr
	uid=$(json_str "$TRUSTEE_USER_ID")
	pw=$(json_str "$TRUSTEE_PASSWORD")
	if [ -n "${TRUST_ID:-}" ]; then
		tid=$(json_str "$TRUST_ID")
		scope=", \"scope\": {\"OS-TRUST:trust\": {\"id\": $tid}}"
	fi
	body="{\"auth\": {\"identity\": {\"methods\": [\"password\"], \"password\": {\"user\": {\"id\": $uid, \"password\": $pw}}}$scope}}"
	hdr=$(mktemp)
	if ! printf '%s' "$body" | curl "${CURL_OPTS[@]}" -X POST -H 'Content-Type: application/json' \
		--data-binary @- -D "$hdr" -o /dev/null "$AUTH_URL/auth/tokens"; then
		rm -f "$hdr"
		die "Keystone refused the trustee's credentials or cannot be reached"
	fi
	KEYSTONE_TOKEN=$(awk 'tolower($1) == "x-subject-token:" { sub(/\r$/, "", $2); print $2 }' "$hdr")
	rm -f "$hdr"
	[[ $KEYSTONE_TOKEN =~ $RE_TOKEN ]] || die "Keystone answered without a usable token"
	AUTH_HEADER=$(mktemp)
	printf 'X-Auth-Token: %s\n' "$KEYSTONE_TOKEN" >"$AUTH_HEADER"
}

# api_call METHOD PATH OUT [BODY]: calls the certificate API with the
# trustee's token (the header comes from a file, never argv); BODY goes on
# stdin. Fails, without stopping, on an error status such as a refusal.
api_call() {
	keystone_token
	local args=("${CURL_OPTS[@]}" -X "$1" -H "@$AUTH_HEADER" -H 'Accept: application/json' -o "$3")
	if [ $# -ge 4 ]; then
		printf '%s' "$4" | curl "${args[@]}" -H 'Content-Type: application/json' --data-binary @- "$SIGN_URL$2"
	else
		curl "${args[@]}" "$SIGN_URL$2"
	fi
}

# extract_pem FILE: prints the "pem" member of the API's JSON answer, after
# checking it is PEM certificate text and nothing else.
extract_pem() {
	local body pem
	body=$(cat "$1")
	[[ $body =~ \"pem\"[[:space:]]*:[[:space:]]*\"([^\"]*)\" ]] || return 1
	pem=${BASH_REMATCH[1]}
	pem=${pem//\\n/$'\n'}
	pem=${pem//\\\//\/}
	[[ $pem =~ ^-----BEGIN\ CERTIFICATE----- ]] || return 1
	[[ $pem =~ ^[A-Za-z0-9+/=[:space:]-]+$ ]] || return 1
	printf '%s\n' "${pem%$'\n'}"
}

# ca_file TYPE SRC DEST: DEST holds the CA certificate of TYPE (kubernetes
# is the cluster CA, etcd the etcd CA): the one Heat delivered in SRC, else
# the API's.
ca_file() {
	local type=$1 src=$ROOT$2 dest=$3 out
	if [ -s "$src" ] && openssl x509 -noout -in "$src" 2>/dev/null; then
		put "$dest" 0644 <"$src"
		return 0
	fi
	out=$(mktemp)
	if ! api_call GET "/certificates/$CLUSTER_UUID?ca_cert_type=$type" "$out"; then
		rm -f "$out"
		die "cannot fetch the $type CA certificate"
	fi
	extract_pem "$out" | put "$dest" 0644 || die "the API answered without the $type CA certificate"
	rm -f "$out"
	openssl x509 -noout -in "$ROOT$dest" 2>/dev/null || die "the $type CA certificate does not parse"
}

# make_cert NAME CA_TYPE CN USAGE [SAN...]: makes $PKI/NAME.key (EC P-256,
# mode 0600) and gets $PKI/NAME.crt signed by the CA of CA_TYPE. USAGE is
# "" (the policy decides), "server", "client" or "both"; SANs are
# "DNS:name" or "IP:address". Returns non-zero, without stopping and
# without leaving the key, when the API refuses; an existing pair is kept.
make_cert() {
	local name=$1 type=$2 cn=$3 usage=$4
	shift 4
	local key=$PKI/$name.key crt=$PKI/$name.crt cfg csr out body eku=
	if [ -s "$ROOT$crt" ] && [ -s "$ROOT$key" ]; then
		return 0
	fi
	case $usage in
	'') ;;
	server) eku=serverAuth ;;
	client) eku=clientAuth ;;
	both) eku=serverAuth,clientAuth ;;
	*) die "make_cert: unknown usage $usage" ;;
	esac
	mkdir -p "$ROOT$PKI"
	(umask 077 && openssl ecparam -name prime256v1 -genkey -noout -out "$ROOT$key") || return 1
	cfg=$(mktemp)
	csr=$(mktemp)
	out=$(mktemp)
	{
		printf '[req]\nprompt = no\ndistinguished_name = dn\n'
		if [ $# -gt 0 ] || [ -n "$eku" ]; then printf 'req_extensions = ext\n'; fi
		printf '[dn]\nCN = %s\n[ext]\n' "$cn"
		[ -z "$eku" ] || printf 'extendedKeyUsage = %s\n' "$eku"
		if [ $# -gt 0 ]; then
			local sans=$1 san
			for san in "${@:2}"; do
				sans+=,$san
			done
			printf 'subjectAltName = %s\n' "$sans"
		fi
	} >"$cfg"
	if ! openssl req -new -key "$ROOT$key" -config "$cfg" -out "$csr" 2>/dev/null; then
		rm -f "$cfg" "$csr" "$out" "$ROOT$key"
		return 1
	fi
	local juuid jcsr jtype
	juuid=$(json_str "$CLUSTER_UUID")
	jcsr=$(json_str "$(cat "$csr")")
	jtype=$(json_str "$type")
	body="{\"cluster_uuid\": $juuid, \"csr\": $jcsr, \"ca_cert_type\": $jtype}"
	if ! api_call POST /certificates "$out" "$body"; then
		log "the certificate API did not sign $name ($cn)"
		rm -f "$cfg" "$csr" "$out" "$ROOT$key"
		return 1
	fi
	if ! extract_pem "$out" | put "$crt" 0644 || ! openssl x509 -noout -in "$ROOT$crt" 2>/dev/null; then
		rm -f "$cfg" "$csr" "$out" "$ROOT$key" "$ROOT$crt"
		die "the certificate API answered without a certificate for $name"
	fi
	rm -f "$cfg" "$csr" "$out"
	log "got certificate $name for $cn"
}

# node_ips: the addresses clients may reach this node at, as SANs.
node_ips() {
	local ip
	for ip in 127.0.0.1 "$PRIVATE_IP" "${PUBLIC_IP:-}" "${API_PRIVATE_ADDRESS:-}" "${API_PUBLIC_ADDRESS:-}" "${ETCD_ADDRESS:-}"; do
		if [ -n "$ip" ] && is_ipv4 "$ip"; then
			printf 'IP:%s\n' "$ip"
		fi
	done | sort -u
}

# node_certs: the certificates of this node's role. Every node gets an
# etcd client certificate (discovery, the engines' cluster store, flannel);
# managers get etcd server and peer certificates and, with TLS, the
# managers' certificate (the Docker API's server and the client toward the
# engines); nodes get, with TLS, their engine's server certificate.
node_certs() {
	local sans
	mapfile -t sans < <(node_ips)
	sans+=(DNS:localhost "DNS:$NODE_NAME")
	ca_file kubernetes "$CONF/pki/ca.crt" "$PKI/ca.crt"
	ca_file etcd "$CONF/pki/etcd-ca.crt" "$PKI/etcd-ca.crt"
	make_cert etcd-client etcd "swarm-etcd-client-$NODE_NAME" client || die "no etcd client certificate"
	if [ "$ROLE" = master ]; then
		make_cert etcd-server etcd "etcd-$NODE_NAME" "" "${sans[@]}" || die "no etcd server certificate"
		make_cert etcd-peer etcd "etcd-peer-$NODE_NAME" "" "${sans[@]}" || die "no etcd peer certificate"
		if [ "$TLS_DISABLED" != true ]; then
			make_cert manager kubernetes "$MANAGER_CN" both "${sans[@]}" ||
				die "the certificate API refuses the swarm managers a client and server certificate (CN $MANAGER_CN): the signing policy must list $MANAGER_CN among the trustee's client names"
		fi
	elif [ "$TLS_DISABLED" != true ]; then
		make_cert engine kubernetes "$NODE_NAME" server "${sans[@]}" || die "no engine certificate"
	fi
}
