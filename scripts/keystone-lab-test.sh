#!/usr/bin/env bash
# keystone-lab-test.sh - run the REST API's real-Keystone tests alone: start
# the Keystone+Heat lab of ../shared/openstack, export its credentials and
# run the integration-tagged Keystone tests of ./api/ (the handler with the
# Keystone authenticator and project lookup) and ./cmd/magnum/internal/cli/
# (`magnum serve --auth keystone`). scripts/heat-lab-test.sh runs them too,
# with everything else; this is the quick loop. A lab that does not start
# is a failure, never a skip.
#
#   scripts/keystone-lab-test.sh            the Keystone lab tests
#   scripts/keystone-lab-test.sh -v         extra arguments go to go test
#
# Environment: GOMAGNUM_LAB_DIR (where up.sh lives, default
# ../shared/openstack beside the repository), OS_LAB_* (see the lab's
# README). up.sh needs root; sudo is used when not run as root.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
up=${GOMAGNUM_LAB_DIR:-$repo/../shared/openstack}/up.sh
fail() { printf 'keystone-lab-test: %s\n' "$*" >&2; exit 1; }

[[ -x $up ]] || fail "no lab at $up (set GOMAGNUM_LAB_DIR)"
if [[ $(id -u) -eq 0 ]]; then
	"$up" >/dev/null || fail "the lab did not start"
elif command -v sudo >/dev/null; then
	sudo --preserve-env=OS_LAB_DIR,OS_LAB_KEYSTONE_PORT,OS_LAB_HEAT_PORT,OS_LAB_REGION,OS_LAB_ADMIN_PASSWORD,OS_LAB_TIMEOUT \
		"$up" >/dev/null || fail "the lab did not start (sudo)"
else
	fail "the lab needs root and sudo is not available"
fi

openrc=${OS_LAB_DIR:-/tmp/openstack-lab}/openrc
[[ -r $openrc ]] || fail "the lab is up but $openrc is missing"
# Only the lab's credentials reach the tests.
for v in $(compgen -e | grep '^OS_' || true); do unset "$v"; done
# shellcheck source=/dev/null
. "$openrc"

cd "$repo"
exec go test -tags integration -race -count=1 -timeout 10m -run 'KeystoneLab' ./api/ ./cmd/magnum/internal/cli/ "$@"
