#!/bin/bash
# gomagnum node bootstrap: certificates. Sourced by bootstrap.sh.
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
# trustee's token; BODY goes on stdin. Fails (without stopping) on an error
# status, e.g. 403 when the policy refuses a certificate.
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
# checking it is PEM text and nothing else.
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

# fetch_ca TYPE FILE: makes sure FILE holds the CA certificate of TYPE
# (kubernetes, etcd or front-proxy): the one Heat delivered, else the API's.
fetch_ca() {
	local type=$1 file=$2 out
	if [ -s "$ROOT$file" ] && openssl x509 -noout -in "$ROOT$file" 2>/dev/null; then
		return 0
	fi
	out=$(mktemp)
	if ! api_call GET "/certificates/$CLUSTER_UUID?ca_cert_type=$type" "$out"; then
		rm -f "$out"
		die "cannot fetch the $type CA certificate"
	fi
	extract_pem "$out" | put "$file" 0644 || die "the API answered without the $type CA certificate"
	rm -f "$out"
	openssl x509 -noout -in "$ROOT$file" 2>/dev/null || die "the $type CA certificate does not parse"
}

# make_cert NAME CA_TYPE CN ORG [SAN...]: makes $PKI/NAME.key (EC P-256,
# mode 0600) and gets $PKI/NAME.crt signed by the CA of CA_TYPE. SANs are
# "DNS:name" or "IP:address". Usages are the policy's to decide. Returns
# non-zero (without stopping) when the API refuses; an existing pair is kept.
make_cert() {
	local name=$1 type=$2 cn=$3 org=$4
	shift 4
	local key=$PKI/$name.key crt=$PKI/$name.crt cfg csr out body
	if [ -s "$ROOT$crt" ] && [ -s "$ROOT$key" ]; then
		return 0
	fi
	mkdir -p "$ROOT$PKI"
	(umask 077 && openssl ecparam -name prime256v1 -genkey -noout -out "$ROOT$key") || return 1
	cfg=$(mktemp)
	csr=$(mktemp)
	out=$(mktemp)
	{
		printf '[req]\nprompt = no\ndistinguished_name = dn\n'
		[ $# -eq 0 ] || printf 'req_extensions = ext\n'
		printf '[dn]\nCN = %s\n' "$cn"
		[ -z "$org" ] || printf 'O = %s\n' "$org"
		if [ $# -gt 0 ]; then
			local sans=$1 san
			for san in "${@:2}"; do
				sans+=,$san
			done
			printf '[ext]\nsubjectAltName = %s\n' "$sans"
		fi
	} >"$cfg"
	if ! openssl req -new -key "$ROOT$key" -config "$cfg" -out "$csr" 2>/dev/null; then
		rm -f "$cfg" "$csr" "$out"
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

# ca_files: the CA certificates every node needs, in $PKI.
ca_files() {
	mkdir -p "$ROOT$PKI"
	local type src dst
	for type in kubernetes etcd front-proxy; do
		case $type in
		kubernetes) src=ca.crt dst=ca.crt ;;
		etcd) src=etcd-ca.crt dst=etcd-ca.crt ;;
		front-proxy) src=front-proxy-ca.crt dst=front-proxy-ca.crt ;;
		esac
		if [ -s "$ROOT$CONF/pki/$src" ]; then
			put "$PKI/$dst" 0644 <"$ROOT$CONF/pki/$src"
		fi
		fetch_ca "$type" "$PKI/$dst"
	done
}
