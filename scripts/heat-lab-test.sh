#!/usr/bin/env bash
# heat-lab-test.sh - run gomagnum's real-Heat tests: start the Keystone+Heat
# lab of ../shared/openstack (beside the repository), export its
# credentials, and run the integration-tagged tests of the root package,
# ./openstack/..., ./heat/..., ./k8s/..., ./swarm/... and ./mesos/... with
# the race detector. A lab that does not start is a failure, never a skip.
#
#   scripts/heat-lab-test.sh                 all integration tests
#   scripts/heat-lab-test.sh -run Conformance -v   extra arguments go to go test
#
# Environment: GOMAGNUM_LAB_DIR overrides where up.sh lives (default
# ../shared/openstack relative to the repository root); OS_LAB_* variables
# reach up.sh (see its README). up.sh needs root the first time, to install
# Debian packages; the script uses sudo when not run as root.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
lab_dir=${GOMAGNUM_LAB_DIR:-$root/../shared/openstack}
up=$lab_dir/up.sh

now() { date +%s%N; }
secs() { printf '%d.%02d' $(( ($2 - $1) / 1000000000 )) $(( ($2 - $1) / 10000000 % 100 )); }
die() { printf 'heat-lab-test: %s\n' "$*" >&2; exit 1; }

[ -x "$up" ] || die "no lab at $up (set GOMAGNUM_LAB_DIR)"

t0=$(now)
if [ "$(id -u)" -eq 0 ]; then
  "$up" >/dev/null || die "the lab did not start ($up failed)"
elif command -v sudo >/dev/null; then
  sudo --preserve-env=OS_LAB_DIR,OS_LAB_KEYSTONE_PORT,OS_LAB_HEAT_PORT,OS_LAB_REGION,OS_LAB_ADMIN_PASSWORD,OS_LAB_TIMEOUT \
    "$up" >/dev/null || die "the lab did not start (sudo $up failed)"
else
  die "the lab needs root the first time and sudo is not available"
fi
t1=$(now)

openrc=${OS_LAB_DIR:-/tmp/openstack-lab}/openrc
[ -r "$openrc" ] || die "the lab started but $openrc is missing"
# Start from a clean slate: only the lab's credentials.
while IFS= read -r var; do unset "$var"; done < <(env | sed -n 's/^\(OS_[A-Z_]*\)=.*/\1/p')
# shellcheck source=/dev/null
. "$openrc"

cd "$root"
status=0
go test -tags integration -race -count=1 -timeout 40m . ./api/ ./cmd/magnum/internal/cli/ ./openstack/... ./heat/... ./k8s/... ./swarm/... ./mesos/... "$@" || status=$?
t2=$(now)

printf 'heat-lab-test: lab up %ss, tests %ss\n' "$(secs "$t0" "$t1")" "$(secs "$t1" "$t2")" >&2
exit "$status"
