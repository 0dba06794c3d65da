#!/usr/bin/env bash
# Drives `magnum serve` on the simulated cloud with the real openstack CLI
# (python3-openstackclient + python3-magnumclient): a cluster template, a
# cluster's create, list, show, resize, CA, kubeconfig (loaded by kubectl),
# delete and stats, checking what each command prints.
#
#   scripts/coe-cli-test.sh
#
# Needs go, openstack (with the coe commands), kubectl and openssl. The
# openstack CLI authenticates with keystoneauth's admin_token plugin
# (OS_AUTH_TYPE=admin_token, OS_TOKEN, OS_ENDPOINT=<serve URL>/v1): no
# Keystone, no catalog; serve accepts the one static token.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in go openstack kubectl openssl; do
  command -v "$tool" >/dev/null || { echo "coe-cli-test: $tool is not installed" >&2; exit 1; }
done

work=$(mktemp -d)
serve_pid=
cleanup() {
  if [ -n "$serve_pid" ] && kill -0 "$serve_pid" 2>/dev/null; then
    kill -TERM "$serve_pid" 2>/dev/null || true
    wait "$serve_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "coe-cli-test: FAIL: $*" >&2
  if [ -f "$work/serve.err" ]; then
    echo "--- magnum serve stderr:" >&2
    tail -n 40 "$work/serve.err" >&2
  fi
  exit 1
}

step() { echo "+ $*"; }

echo "== build"
go build -o "$work/magnum" ./cmd/magnum

echo "== magnum serve (simulated cloud)"
token=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
MAGNUM_SIM_STACK_TIME=1s "$work/magnum" --state-dir "$work/state" \
  serve --listen 127.0.0.1:0 --auth static --token "$token" \
  >"$work/serve.out" 2>"$work/serve.err" &
serve_pid=$!

base=
for _ in $(seq 1 150); do
  base=$(sed -n 's|^magnum: serving the Magnum v1 API on \(http://[^ ]*\)/v1 .*|\1|p' "$work/serve.out")
  [ -n "$base" ] && break
  kill -0 "$serve_pid" 2>/dev/null || fail "magnum serve exited before serving"
  sleep 0.2
done
[ -n "$base" ] || fail "magnum serve did not report its address"
grep -qx "export OS_TOKEN=$token" "$work/serve.out" || fail "serve did not print the OS_TOKEN line"
grep -qx "export OS_ENDPOINT=$base/v1" "$work/serve.out" || fail "serve did not print the OS_ENDPOINT line"
echo "serving on $base"

# Only the variables serve printed: nothing of the caller's own cloud.
while IFS= read -r var; do unset "$var"; done < <(compgen -e | grep '^OS_' || true)
export OS_AUTH_TYPE=admin_token OS_ENDPOINT="$base/v1" OS_TOKEN="$token"
export OS_CLIENT_CONFIG_FILE=/dev/null
export HOME="$work/home"
mkdir -p "$HOME"

coe() { timeout 60 openstack coe "$@"; }

# field KEY reads a field of the JSON object on stdin; lists and
# dictionaries come out as JSON, null as "None".
field() {
  python3 -c '
import json, sys
v = json.load(sys.stdin).get(sys.argv[1])
print(json.dumps(v) if isinstance(v, (list, dict)) else v)' "$1"
}

# count_addrs prints how many IPv4 addresses a JSON list on stdin holds.
count_addrs() { grep -o '[0-9]\{1,3\}\(\.[0-9]\{1,3\}\)\{3\}' | wc -l; }

# status_of CLUSTER prints the cluster's status.
status_of() { coe cluster show "$1" -f json | field status; }

# wait_status CLUSTER WANT waits (up to 60s) for the cluster to reach WANT.
wait_status() {
  local s
  for _ in $(seq 1 60); do
    s=$(status_of "$1") || fail "coe cluster show $1"
    case $s in
      "$2") echo "$1: $s"; return 0 ;;
      *_FAILED) fail "$1 went to $s while waiting for $2" ;;
    esac
    sleep 1
  done
  fail "$1 is $s, not $2, after 60s"
}

# stat NAME prints a value of the `coe stats list` table on stdin.
stat() { awk -v k="$1" -F'|' '{gsub(/ /, "", $2); gsub(/ /, "", $3)} $2 == k {print $3}'; }

echo "== authentication"
step "coe cluster list with a wrong token"
if out=$(OS_TOKEN=wrong-token coe cluster list 2>&1); then
  fail "a wrong token was accepted: $out"
fi
grep -q 'HTTP 401' <<<"$out" || fail "a wrong token did not get 401: $out"

echo "== cluster template"
step "coe cluster template create k8s"
coe cluster template create k8s --coe kubernetes --image fedora-atomic-latest \
  --keypair testkey --external-network public --flavor m1.small \
  --master-flavor m1.medium --master-lb-enabled --network-driver flannel \
  --labels kube_tag=v1.30.1 -f json >"$work/template.out"
# The JSON follows a line "Request to create cluster template k8s accepted".
grep -qx 'Request to create cluster template k8s accepted' "$work/template.out" ||
  fail "template create printed: $(cat "$work/template.out")"
sed -n '/^{/,$p' "$work/template.out" >"$work/template.json"
coe cluster template show k8s -f json >"$work/template-show.json"
[ "$(field coe <"$work/template-show.json")" = kubernetes ] || fail "template k8s is not kubernetes"
[ "$(field master_lb_enabled <"$work/template-show.json")" = True ] || fail "template k8s lost master_lb_enabled"
[ "$(field labels <"$work/template-show.json")" = '{"kube_tag": "v1.30.1"}' ] || fail "template k8s lost its labels"
[ "$(field uuid <"$work/template.json")" = "$(field uuid <"$work/template-show.json")" ] ||
  fail "template create and show disagree on the UUID"
coe cluster template list -f value -c name | grep -qx k8s || fail "template k8s not listed"

echo "== cluster create"
step "coe cluster create c1"
out=$(coe cluster create c1 --cluster-template k8s --master-count 3 --node-count 2)
echo "$out"
uuid=$(sed -n 's/^Request to create cluster \([0-9a-f-]\{36\}\) accepted$/\1/p' <<<"$out")
[ -n "$uuid" ] || fail "cluster create printed no UUID: $out"
step "coe cluster list"
out=$(coe cluster list -f value -c uuid -c name -c node_count -c master_count)
grep -qx "$uuid c1 2 3" <<<"$out" || fail "cluster list does not show c1 with 2 nodes and 3 masters: $out"
wait_status c1 CREATE_COMPLETE
step "coe cluster show c1"
coe cluster show "$uuid" -f json >"$work/show.json"
[ "$(field name <"$work/show.json")" = c1 ] || fail "cluster show by UUID is not c1"
[ "$(field status <"$work/show.json")" = CREATE_COMPLETE ] || fail "c1 is not CREATE_COMPLETE by UUID"
[ "$(field cluster_template_id <"$work/show.json")" = "$(field uuid <"$work/template.json")" ] ||
  fail "c1 does not name template k8s"
api_address=$(field api_address <"$work/show.json")
case $api_address in
  https://*:6443) ;;
  *) fail "c1 has no API address: $api_address" ;;
esac
[ "$(field master_addresses <"$work/show.json" | count_addrs)" -eq 3 ] || fail "c1 does not have 3 master addresses"
[ "$(field node_addresses <"$work/show.json" | count_addrs)" -eq 2 ] || fail "c1 does not have 2 node addresses"

echo "== cluster resize"
step "coe cluster resize c1 4"
coe cluster resize c1 4 | grep -q 'accepted' || fail "resize not accepted"
wait_status c1 UPDATE_COMPLETE
coe cluster show c1 -f json >"$work/show.json"
[ "$(field node_count <"$work/show.json")" = 4 ] || fail "c1 does not have 4 nodes after the resize"
[ "$(field node_addresses <"$work/show.json" | count_addrs)" -eq 4 ] || fail "c1 does not have 4 node addresses after the resize"

echo "== stats"
step "coe stats list admin"
coe stats list admin >"$work/stats.txt"
[ "$(stat clusters <"$work/stats.txt")" = 1 ] || fail "stats: clusters is not 1: $(cat "$work/stats.txt")"
[ "$(stat nodes <"$work/stats.txt")" = 7 ] || fail "stats: nodes is not 7 (3 masters + 4 nodes): $(cat "$work/stats.txt")"

echo "== certificates"
step "coe ca show c1"
coe ca show c1 >"$work/ca.pem"
openssl x509 -in "$work/ca.pem" -noout -subject >/dev/null || fail "ca show did not print a certificate"
step "coe cluster config c1"
mkdir "$work/kube"
# magnumclient picks the export syntax from $SHELL and fails with KeyError
# 'SHELL' when it is unset, as it is under CI runners without a login shell.
out=$(cd "$work" && SHELL=/bin/bash coe cluster config c1 --dir "$work/kube")
grep -qx "export KUBECONFIG=$work/kube/config" <<<"$out" || fail "cluster config printed: $out"
export KUBECONFIG="$work/kube/config"
kubectl config view >/dev/null || fail "kubectl cannot load the kubeconfig"
[ "$(kubectl config view -o jsonpath='{.clusters[0].cluster.server}')" = "$api_address" ] ||
  fail "the kubeconfig's server is not $api_address"
kubectl config view --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' |
  base64 -d >"$work/kube-ca.pem"
fingerprint() { openssl x509 -in "$1" -noout -fingerprint -sha256; }
[ "$(fingerprint "$work/kube-ca.pem")" = "$(fingerprint "$work/ca.pem")" ] ||
  fail "the kubeconfig's CA is not the one ca show printed"
kubectl config view --raw -o jsonpath='{.users[0].user.client-certificate-data}' |
  base64 -d >"$work/client.pem"
# The client certificate was signed by the cluster's CA through the API
# (magnumclient sends a CSR to POST /v1/certificates).
openssl verify -CAfile "$work/ca.pem" "$work/client.pem" >/dev/null ||
  fail "the kubeconfig's client certificate is not signed by the cluster's CA"
unset KUBECONFIG

echo "== cluster delete"
step "coe cluster delete c1"
coe cluster delete c1 | grep -q 'accepted' || fail "delete not accepted"
gone=
for _ in $(seq 1 60); do
  if ! coe cluster list -f value -c name | grep -qx c1; then gone=1; break; fi
  sleep 1
done
[ -n "$gone" ] || fail "c1 is still listed 60s after its delete"
if out=$(coe cluster show c1 2>&1); then fail "c1 still shows after its delete: $out"; fi
grep -q 'HTTP 404' <<<"$out" || fail "show of a deleted cluster is not 404: $out"
coe stats list admin >"$work/stats.txt"
[ "$(stat clusters <"$work/stats.txt")" = 0 ] || fail "stats: clusters is not 0 after the delete: $(cat "$work/stats.txt")"
step "coe cluster template delete k8s"
coe cluster template delete k8s
if coe cluster template list -f value -c name | grep -qx k8s; then fail "template k8s still listed"; fi

echo "== stop"
kill -TERM "$serve_pid"
status=0
wait "$serve_pid" || status=$?
serve_pid=
[ "$status" -eq 0 ] || fail "magnum serve exited $status on SIGTERM"
grep -q 'serve: stopping' "$work/serve.err" || fail "serve did not report stopping"
echo "coe-cli-test: ok"
