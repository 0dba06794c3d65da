#!/bin/bash
# gomagnum node bootstrap: cluster add-ons, applied once by the first
# master: RBAC for the API server's kubelet client, CoreDNS, and the
# dashboard when enabled. Sourced by bootstrap.sh.

# apply_json NAME: applies the JSON document on stdin.
apply_json() {
	local f
	f=$(mktemp)
	cat >"$f"
	kubectl_admin apply -f "$f" >/dev/null || die "cannot apply $1"
	rm -f "$f"
	log "applied $1"
}

rbac_addon() {
	apply_json "API server access to kubelets" <<'JSON'
{
  "apiVersion": "rbac.authorization.k8s.io/v1",
  "kind": "ClusterRoleBinding",
  "metadata": {"name": "gomagnum:apiserver-kubelet-client"},
  "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "system:kubelet-api-admin"},
  "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "kubernetes"}]
}
JSON
}

coredns_addon() {
	local img corefile jimg jcore jip
	img=$(image coredns/coredns "$COREDNS_TAG" registry.k8s.io)
	corefile=".:53 {
    errors
    health {
        lameduck 5s
    }
    ready
    kubernetes $CLUSTER_DOMAIN in-addr.arpa ip6.arpa {
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf
    cache 30
    loop
    reload
    loadbalance
}
"
	jimg=$(json_str "$img")
	jcore=$(json_str "$corefile")
	jip=$(json_str "$CLUSTER_DNS_IP")
	apply_json CoreDNS <<JSON
{
  "apiVersion": "v1",
  "kind": "List",
  "items": [
    {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "coredns", "namespace": "kube-system"}},
    {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "system:coredns"},
     "rules": [
       {"apiGroups": [""], "resources": ["endpoints", "services", "pods", "namespaces"], "verbs": ["list", "watch"]},
       {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["list", "watch"]}]},
    {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "system:coredns"},
     "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "system:coredns"},
     "subjects": [{"kind": "ServiceAccount", "name": "coredns", "namespace": "kube-system"}]},
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "coredns", "namespace": "kube-system"},
     "data": {"Corefile": $jcore}},
    {"apiVersion": "apps/v1", "kind": "Deployment",
     "metadata": {"name": "coredns", "namespace": "kube-system", "labels": {"k8s-app": "kube-dns"}},
     "spec": {
       "replicas": 2,
       "selector": {"matchLabels": {"k8s-app": "kube-dns"}},
       "template": {
         "metadata": {"labels": {"k8s-app": "kube-dns"}},
         "spec": {
           "serviceAccountName": "coredns",
           "priorityClassName": "system-cluster-critical",
           "dnsPolicy": "Default",
           "tolerations": [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}],
           "containers": [{
             "name": "coredns",
             "image": $jimg,
             "args": ["-conf", "/etc/coredns/Corefile"],
             "ports": [{"containerPort": 53, "name": "dns", "protocol": "UDP"},
                       {"containerPort": 53, "name": "dns-tcp", "protocol": "TCP"}],
             "readinessProbe": {"httpGet": {"path": "/ready", "port": 8181}},
             "livenessProbe": {"httpGet": {"path": "/health", "port": 8080}, "initialDelaySeconds": 60},
             "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
                                 "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]}},
             "volumeMounts": [{"name": "config", "mountPath": "/etc/coredns", "readOnly": true}]
           }],
           "volumes": [{"name": "config", "configMap": {"name": "coredns"}}]
         }
       }
     }},
    {"apiVersion": "v1", "kind": "Service",
     "metadata": {"name": "kube-dns", "namespace": "kube-system", "labels": {"k8s-app": "kube-dns"}},
     "spec": {"clusterIP": $jip, "selector": {"k8s-app": "kube-dns"},
       "ports": [{"name": "dns", "port": 53, "protocol": "UDP"}, {"name": "dns-tcp", "port": 53, "protocol": "TCP"}]}}
  ]
}
JSON
}

dashboard_addon() {
	[ "${DASHBOARD_ENABLED:-false}" = true ] || return 0
	kubectl_admin apply -f "$DASHBOARD_MANIFEST_URL" >/dev/null || die "cannot apply the dashboard manifest"
	log "applied the dashboard"
}

addons() {
	rbac_addon
	coredns_addon
	dashboard_addon
}
