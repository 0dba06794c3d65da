#!/bin/bash
# gomagnum node bootstrap: the Kubernetes control plane (masters), kubelet
# and kube-proxy (every node). Sourced by bootstrap.sh.
#
# Control-plane components and kube-proxy run as static pods; kubelet is a
# systemd service. Node identities come from the certificate API
# (system:node:<name> in system:nodes, system:kube-proxy). The controller
# manager, the scheduler and the local admin use tokens that are made on
# the master and never leave it, so no node ever holds a system:masters
# certificate.

# kubeconfig FILE SERVER USER [token TOKEN | cert CERT KEY]: writes a
# kubeconfig (JSON) for SERVER, trusting the cluster CA.
kubeconfig() {
	local file=$1 server user auth ca
	server=$(json_str "$2")
	user=$(json_str "$3")
	ca=$(json_str "$PKI/ca.crt")
	case $4 in
	token) auth="\"token\": $(json_str "$5")" ;;
	cert) auth="\"client-certificate\": $(json_str "$5"), \"client-key\": $(json_str "$6")" ;;
	*) auth='' ;;
	esac
	local cluster="\"server\": $server"
	case $2 in https://*) cluster+=", \"certificate-authority\": $ca" ;; esac
	put "$file" 0600 <<EOF
{
  "apiVersion": "v1",
  "kind": "Config",
  "clusters": [{"name": "default", "cluster": {$cluster}}],
  "users": [{"name": $user, "user": {$auth}}],
  "contexts": [{"name": "default", "context": {"cluster": "default", "user": $user}}],
  "current-context": "default"
}
EOF
}

# new_token: 32 random hex digits.
new_token() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }

# san_ips: the addresses clients may reach this master's API server at.
san_ips() {
	local ip
	for ip in 127.0.0.1 "$KUBE_SERVICE_IP" "$PRIVATE_IP" "${PUBLIC_IP:-}" "${API_PRIVATE_ADDRESS:-}" "${API_PUBLIC_ADDRESS:-}"; do
		if [ -n "$ip" ] && is_ipv4 "$ip"; then
			printf 'IP:%s\n' "$ip"
		fi
	done | sort -u
}

master_certs() {
	local sans
	mapfile -t sans < <(san_ips)
	sans+=(DNS:kubernetes DNS:kubernetes.default DNS:kubernetes.default.svc "DNS:kubernetes.default.svc.$CLUSTER_DOMAIN"
		DNS:localhost "DNS:$NODE_NAME")
	make_cert apiserver kubernetes kubernetes "" "${sans[@]}" || die "no API server certificate"
	if ! make_cert apiserver-kubelet-client kubernetes kubernetes ""; then
		log "warning: no client certificate toward kubelets (the policy does not grant it): logs and exec will not work"
	fi
	if ! make_cert front-proxy-client front-proxy front-proxy-client ""; then
		log "warning: no front-proxy client certificate (the policy does not grant it): the aggregation layer is off"
	fi
	[ -n "${SERVICE_ACCOUNT_KEY:-}" ] || die "SERVICE_ACCOUNT_KEY is missing from $CONF/master.env"
	printf '%s\n' "${SERVICE_ACCOUNT_KEY%$'\n'}" | put "$PKI/sa.key" 0600
	openssl pkey -in "$ROOT$PKI/sa.key" -pubout 2>/dev/null | put "$PKI/sa.pub" 0644 ||
		die "the service account key does not parse"

	# Local identities: tokens made here, accepted by this API server only.
	local admin cm sched
	admin=$(new_token)
	cm=$(new_token)
	sched=$(new_token)
	put "$PKI/tokens.csv" 0600 <<EOF
$admin,gomagnum-admin,gomagnum-admin,"system:masters"
$cm,system:kube-controller-manager,system:kube-controller-manager
$sched,system:kube-scheduler,system:kube-scheduler
EOF
	kubeconfig "$K8S/admin.conf" https://127.0.0.1:6443 gomagnum-admin token "$admin"
	kubeconfig "$K8S/controller-manager.conf" https://127.0.0.1:6443 system:kube-controller-manager token "$cm"
	kubeconfig "$K8S/scheduler.conf" https://127.0.0.1:6443 system:kube-scheduler token "$sched"
}

# etcd_servers: the client URLs of every etcd member.
etcd_servers() {
	local IFS=, peers addr out='' sep=''
	read -r -a peers <<<"$PEER_ADDRESSES"
	for addr in "${peers[@]}"; do
		is_ipv4 "$addr" || die "a peer address does not look right"
		out+="${sep}https://$addr:2379"
		sep=,
	done
	printf '%s' "$out"
}

control_plane() {
	local args img etcd
	etcd=$(etcd_servers)
	args=(kube-apiserver
		"--advertise-address=$PRIVATE_IP"
		--secure-port=6443
		"--etcd-servers=$etcd"
		"--etcd-cafile=$PKI/etcd-ca.crt"
		"--etcd-certfile=$PKI/apiserver-etcd-client.crt"
		"--etcd-keyfile=$PKI/apiserver-etcd-client.key"
		"--tls-cert-file=$PKI/apiserver.crt"
		"--tls-private-key-file=$PKI/apiserver.key"
		"--client-ca-file=$PKI/ca.crt"
		"--kubelet-certificate-authority=$PKI/ca.crt"
		"--kubelet-preferred-address-types=InternalIP,Hostname"
		"--service-cluster-ip-range=$SERVICE_CLUSTER_IP_RANGE"
		"--service-account-key-file=$PKI/sa.pub"
		"--service-account-signing-key-file=$PKI/sa.key"
		"--service-account-issuer=https://kubernetes.default.svc.$CLUSTER_DOMAIN"
		"--authorization-mode=Node,RBAC"
		"--enable-admission-plugins=$ADMISSION_PLUGINS"
		"--token-auth-file=$PKI/tokens.csv"
		--allow-privileged=true)
	if [ -s "$ROOT$PKI/apiserver-kubelet-client.crt" ]; then
		args+=("--kubelet-client-certificate=$PKI/apiserver-kubelet-client.crt"
			"--kubelet-client-key=$PKI/apiserver-kubelet-client.key")
	fi
	if [ -s "$ROOT$PKI/front-proxy-client.crt" ]; then
		args+=("--requestheader-client-ca-file=$PKI/front-proxy-ca.crt"
			--requestheader-allowed-names=front-proxy-client
			--requestheader-extra-headers-prefix=X-Remote-Extra-
			--requestheader-group-headers=X-Remote-Group
			--requestheader-username-headers=X-Remote-User
			"--proxy-client-cert-file=$PKI/front-proxy-client.crt"
			"--proxy-client-key-file=$PKI/front-proxy-client.key")
	fi
	img=$(image kube-apiserver "$KUBE_TAG" registry.k8s.io)
	static_pod kube-apiserver "$img" args false "pki=$PKI=ro"

	args=(kube-controller-manager
		"--kubeconfig=$K8S/controller-manager.conf"
		"--authentication-kubeconfig=$K8S/controller-manager.conf"
		"--authorization-kubeconfig=$K8S/controller-manager.conf"
		--bind-address=127.0.0.1
		--leader-elect=true
		--use-service-account-credentials=true
		"--service-account-private-key-file=$PKI/sa.key"
		"--root-ca-file=$PKI/ca.crt"
		"--service-cluster-ip-range=$SERVICE_CLUSTER_IP_RANGE"
		"--cluster-cidr=$POD_NETWORK_CIDR"
		--allocate-node-cidrs=true
		"--node-cidr-mask-size=$POD_SUBNET_LEN"
		"--cluster-name=$CLUSTER_UUID")
	img=$(image kube-controller-manager "$KUBE_TAG" registry.k8s.io)
	static_pod kube-controller-manager "$img" args false "kubernetes=$K8S=ro"

	args=(kube-scheduler
		"--kubeconfig=$K8S/scheduler.conf"
		"--authentication-kubeconfig=$K8S/scheduler.conf"
		"--authorization-kubeconfig=$K8S/scheduler.conf"
		--bind-address=127.0.0.1
		--leader-elect=true)
	img=$(image kube-scheduler "$KUBE_TAG" registry.k8s.io)
	static_pod kube-scheduler "$img" args false "kubernetes=$K8S=ro"

	if [ "$TLS_DISABLED" = true ]; then
		# Magnum's TLS-disabled clusters answer plain HTTP on 8080 without
		# authentication; kubectl proxy does that in front of the TLS port.
		unit gomagnum-api-proxy.service <<EOF
[Unit]
Description=gomagnum: plain HTTP Kubernetes API on port $KUBE_API_PORT (TLS disabled)
After=kubelet.service

[Service]
ExecStart=$BIN/kubectl --kubeconfig=$K8S/admin.conf proxy --address=0.0.0.0 --port=$KUBE_API_PORT --accept-hosts=.* --disable-filter=true
Restart=always
RestartSec=5

[Install]
WantedBy=multi-user.target
EOF
		enable_now gomagnum-api-proxy.service
	fi
}

# api_server_url: where this node's kubelet and kube-proxy reach the API.
api_server_url() {
	if [ "$ROLE" = master ]; then
		printf 'https://127.0.0.1:6443'
	elif [ "$TLS_DISABLED" = true ]; then
		printf 'http://%s:%s' "$API_PRIVATE_ADDRESS" "$KUBE_API_PORT"
	else
		printf 'https://%s:6443' "$API_PRIVATE_ADDRESS"
	fi
}

kubelet_and_proxy() {
	local sans=("DNS:$NODE_NAME" "IP:$PRIVATE_IP") server jdns jdomain jcgroup jca jcrt jkey static=''
	if [ -n "${PUBLIC_IP:-}" ]; then
		sans+=("IP:$PUBLIC_IP")
	fi
	make_cert kubelet kubernetes "system:node:$NODE_NAME" system:nodes "${sans[@]}" || die "no kubelet certificate"
	make_cert kube-proxy kubernetes system:kube-proxy system:node-proxier || die "no kube-proxy certificate"
	server=$(api_server_url)
	kubeconfig "$K8S/kubelet.conf" "$server" "system:node:$NODE_NAME" cert "$PKI/kubelet.crt" "$PKI/kubelet.key"
	kubeconfig "$K8S/kube-proxy.conf" "$server" system:kube-proxy cert "$PKI/kube-proxy.crt" "$PKI/kube-proxy.key"

	jdns=$(json_array "$CLUSTER_DNS_IP")
	jdomain=$(json_str "$CLUSTER_DOMAIN")
	jcgroup=$(json_str "$CGROUP_DRIVER")
	jca=$(json_str "$PKI/ca.crt")
	jcrt=$(json_str "$PKI/kubelet.crt")
	jkey=$(json_str "$PKI/kubelet.key")
	static="\"staticPodPath\": $(json_str "$MANIFESTS"),"
	mkdir -p "$ROOT$MANIFESTS"
	put /var/lib/kubelet/config.json 0644 <<EOF
{
  "apiVersion": "kubelet.config.k8s.io/v1beta1",
  "kind": "KubeletConfiguration",
  "authentication": {"anonymous": {"enabled": false}, "webhook": {"enabled": true}, "x509": {"clientCAFile": $jca}},
  "authorization": {"mode": "Webhook"},
  "cgroupDriver": $jcgroup,
  "clusterDNS": $jdns,
  "clusterDomain": $jdomain,
  $static
  "tlsCertFile": $jcrt,
  "tlsPrivateKeyFile": $jkey,
  "containerRuntimeEndpoint": "unix:///run/containerd/containerd.sock",
  "rotateCertificates": false,
  "serverTLSBootstrap": false
}
EOF
	local taints='' labels="magnum.openstack.org/role=$ROLE"
	if [ "$ROLE" = master ]; then
		taints=' --register-with-taints=node-role.kubernetes.io/control-plane=:NoSchedule'
	else
		# A node group's own labels and taints, as stack_settings checked
		# them against RE_NODE_LABELS and RE_NODE_TAINTS.
		[ -z "${GROUP_NODE_LABELS:-}" ] || labels+=",$GROUP_NODE_LABELS"
		[ -z "${GROUP_NODE_TAINTS:-}" ] || taints=" --register-with-taints=$GROUP_NODE_TAINTS"
	fi
	unit kubelet.service <<EOF
[Unit]
Description=Kubernetes kubelet (gomagnum)
After=containerd.service network-online.target
Wants=network-online.target
Requires=containerd.service

[Service]
ExecStart=$BIN/kubelet --config=/var/lib/kubelet/config.json --kubeconfig=$K8S/kubelet.conf --hostname-override=$NODE_NAME --node-ip=$PRIVATE_IP --node-labels=$labels$taints
Restart=always
RestartSec=5

[Install]
WantedBy=multi-user.target
EOF
	proxy_dropin kubelet.service

	local args img
	args=(kube-proxy
		"--kubeconfig=$K8S/kube-proxy.conf"
		"--cluster-cidr=$POD_NETWORK_CIDR"
		"--hostname-override=$NODE_NAME")
	img=$(image kube-proxy "$KUBE_TAG" registry.k8s.io)
	static_pod kube-proxy "$img" args true "kubernetes=$K8S=ro" "modules=/lib/modules=ro" "run=/run=rw"
	enable_now kubelet.service
}

# kubectl_admin ARGS...: kubectl as the local admin of this master.
kubectl_admin() { "$ROOT$BIN/kubectl" --kubeconfig="$ROOT$K8S/admin.conf" "$@"; }

# wait_for_api: until the local API server is ready.
wait_for_api() {
	local tries=0
	until kubectl_admin get --raw=/readyz >/dev/null 2>&1; do
		tries=$((tries + 1))
		[ "$tries" -le "${API_WAIT_TRIES:-180}" ] || die "the API server did not become ready"
		sleep "${API_WAIT_SECONDS:-5}"
	done
	log "the API server is ready"
}
