#!/usr/bin/env bash
# Runs every fuzz target of the module briefly: scripts/fuzz.sh [duration]
#
# Go 1.26's fuzz coordinator can end a clean run with a bare "context
# deadline exceeded" when -fuzztime expires while a worker is mid-input
# (go.dev/issue/75804, fixed in Go 1.27). Such a run wrote no reproducer; it
# is reported as a flake and not failed. Any other failure, and any run that
# writes a new input under testdata/fuzz, fails.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10s}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
flakes=0

corpus_count() { { find "$1" -type f 2>/dev/null || true; } | wc -l; }

for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  targets=$({ grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null || true; } | sed 's/^func //' | sort -u)
  for target in $targets; do
    corpus=$dir/testdata/fuzz/$target
    before=$(corpus_count "$corpus")
    echo "+ go test -run '^$' -fuzz '^${target}\$' -fuzztime $duration $pkg"
    status=0
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$duration" "$pkg" </dev/null >"$log" 2>&1 || status=$?
    tail -n 3 "$log"
    if [ "$status" -ne 0 ]; then
      after=$(corpus_count "$corpus")
      if [ "$after" -eq "$before" ] && grep -qx '    context deadline exceeded' "$log" &&
        ! grep -q -e 'panic:' -e 'Failing input written' -e '_test.go:[0-9]*:' "$log"; then
        echo "fuzz: $target ended with Go's fuzztime race (go.dev/issue/75804), no reproducer: flake, not a failure"
        flakes=$((flakes + 1))
      else
        cat "$log"
        echo "fuzz: $target FAILED"
        exit 1
      fi
    fi
  done
done
echo "fuzz: all targets done ($flakes flake(s) of Go's fuzztime race)"
