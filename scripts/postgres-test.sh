#!/usr/bin/env bash
# Runs the store tests against a real, throwaway PostgreSQL server.
#
#   scripts/postgres-test.sh                       # ./store/..., then the replica test
#   scripts/postgres-test.sh -run Postgres -v      # extra go test arguments: ./store/... and .
#   scripts/postgres-test.sh -run TestReplicas -v  # the multi-replica test (issue 11)
#   scripts/postgres-test.sh -run '^$' -bench . -benchtime 1s   # benchmarks of ./store/... (without -race)
#
# It installs PostgreSQL from the Debian packages if no server binaries are
# found (root only), creates a new cluster with initdb in a temporary
# directory owned by the postgres user, starts it on 127.0.0.1 on a free
# port, creates a database, and runs the tests with GOMAGNUM_POSTGRES_DSN
# pointing at it and GOMAGNUM_REQUIRE_POSTGRES=1, so that a PostgreSQL test
# that cannot run fails instead of skipping. The server is stopped and the
# directory removed on exit, whatever happens. A server that does not start
# is a failure.
#
# Environment: PG_BIN, the directory of initdb/pg_ctl/postgres (default: the
# newest /usr/lib/postgresql/*/bin); PG_USER, the account that runs the
# server when this script runs as root (default: postgres).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
started=$(date +%s)

log() { printf 'postgres-test: %s\n' "$*" >&2; }

# The newest installed server, unless PG_BIN says.
find_pg_bin() {
	if [[ -n "${PG_BIN:-}" ]]; then
		printf '%s\n' "$PG_BIN"
		return
	fi
	local d
	for d in /usr/lib/postgresql/*/bin; do
		if [[ -x "$d/initdb" ]]; then
			printf '%s\n' "$d"
		fi
	done | sort -V | tail -n 1
}

pg_bin=$(find_pg_bin)
if [[ -z "$pg_bin" ]]; then
	if [[ $(id -u) -ne 0 ]]; then
		log "PostgreSQL is not installed and this is not root: install the postgresql package or set PG_BIN"
		exit 1
	fi
	log "installing PostgreSQL from the Debian packages"
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -y --no-install-recommends postgresql >/dev/null; then
		apt-get update >/dev/null
		apt-get install -y --no-install-recommends postgresql >/dev/null
	fi
	pg_bin=$(find_pg_bin)
	if [[ -z "$pg_bin" ]]; then
		log "the postgresql package installed no server binaries under /usr/lib/postgresql"
		exit 1
	fi
fi
# The race detector distorts benchmarks: leave it out when benchmarking.
# Tests run on a throwaway server, so it need not survive a power cut:
# without fsync, commits cost what the store does, not what this disk does.
# Benchmarks keep a durable server, as production would run.
race=(-race)
durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
# With go test arguments, the root package runs too (its PostgreSQL test is
# TestReplicasShareOneTruth/postgres), except for benchmarks.
packages=(./store/...)
if [ "$#" -gt 0 ]; then
	packages=(./store/... .)
fi
for arg in "$@"; do
	case $arg in
	-bench | -bench=* | -test.bench | -test.bench=*)
		race=()
		durability=""
		packages=(./store/...)
		;;
	esac
done

for tool in initdb pg_ctl postgres createdb; do
	if [[ ! -x "$pg_bin/$tool" ]]; then
		log "$pg_bin/$tool is missing"
		exit 1
	fi
done

# The server refuses to run as root: as root, run it as PG_USER.
as_server=()
pg_user=$(id -un)
if [[ $(id -u) -eq 0 ]]; then
	pg_user=${PG_USER:-postgres}
	if ! id "$pg_user" >/dev/null 2>&1; then
		log "user $pg_user does not exist; set PG_USER to an unprivileged account"
		exit 1
	fi
	as_server=(runuser -u "$pg_user" --)
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gomagnum-pg.XXXXXX")
data=$tmp/data
running=0
cleanup() {
	local rc=$?
	if [[ $running -eq 1 ]]; then
		"${as_server[@]}" "$pg_bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || rc=1
	fi
	rm -rf -- "$tmp"
	log "done in $(($(date +%s) - started)) s (exit $rc)"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

chmod 0755 "$tmp"
if [[ ${#as_server[@]} -gt 0 ]]; then
	chown "$pg_user" "$tmp"
fi

t0=$(date +%s)
"${as_server[@]}" "$pg_bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$tmp/initdb.log" 2>&1 || {
	cat "$tmp/initdb.log" >&2
	log "initdb failed"
	exit 1
}

# A free port: a random one, and another if the server cannot bind it.
free_port() {
	printf '%d\n' $((20000 + RANDOM % 40000))
}
port=""
for _ in 1 2 3 4 5; do
	candidate=$(free_port)
	# autovacuum_naptime=1: the tests and benchmarks fill tables and read
	# them within seconds; a server in service has had its statistics
	# gathered long since, and plans made without them can be 10x slower.
	if "${as_server[@]}" "$pg_bin/pg_ctl" -D "$data" -l "$tmp/server.log" -w -t 60 \
		-o "-h 127.0.0.1 -p $candidate -k $tmp -c max_connections=200 -c autovacuum_naptime=1 $durability" start >/dev/null; then
		port=$candidate
		running=1
		break
	fi
	if ! grep -q 'could not bind' "$tmp/server.log" 2>/dev/null; then
		break
	fi
	log "port $candidate was taken; trying another"
done
if [[ -z "$port" ]]; then
	cat "$tmp/server.log" >&2 || true
	log "the PostgreSQL server did not start"
	exit 1
fi

db=magnum_test
"$pg_bin/postgres" --version >&2
"${as_server[@]}" "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$db" || {
	log "could not create the test database"
	exit 1
}
log "server up on 127.0.0.1:$port in $(($(date +%s) - t0)) s"

export GOMAGNUM_POSTGRES_DSN="postgres://postgres@127.0.0.1:$port/$db?sslmode=disable"
export GOMAGNUM_REQUIRE_POSTGRES=1


cd "$repo"
t0=$(date +%s)
# The replica test's per-stage waits grow with its clusters (a second
# each), so on a loaded machine it may outlast go test's default 10 min; a
# -timeout among the arguments wins over this one.
go test "${race[@]}" -count=1 -timeout 30m "${packages[@]}" "$@"
log "go test took $(($(date +%s) - t0)) s"
if [ "$#" -eq 0 ]; then
	# Several Managers on one PostgreSQL database: the issue's 300
	# lifecycles (issue 11) unless GOMAGNUM_REPLICA_CLUSTERS says.
	t0=$(date +%s)
	GOMAGNUM_REPLICA_CLUSTERS=${GOMAGNUM_REPLICA_CLUSTERS:-300} \
		go test "${race[@]}" -count=1 -timeout 30m -run 'TestReplicasShareOneTruth/postgres' .
	log "replica test took $(($(date +%s) - t0)) s"
fi
