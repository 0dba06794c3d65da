#!/usr/bin/env bash
# Runs every fuzz target of the module briefly: scripts/fuzz.sh [duration]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10s}
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  { grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null || true; } | sed 's/^func //' | sort -u |
    while read -r target; do
      echo "+ go test -run '^$' -fuzz '^${target}\$' -fuzztime $duration $pkg"
      go test -run '^$' -fuzz "^${target}\$" -fuzztime "$duration" "$pkg" </dev/null || exit 1
    done
done
