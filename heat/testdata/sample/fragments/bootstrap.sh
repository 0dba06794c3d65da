#!/bin/sh
# Sample node bootstrap. It takes no values from the template text: every
# setting comes from /etc/gomagnum/settings.json, written by cloud-init from
# the "settings" Heat parameter.
set -eu
settings=/etc/gomagnum/settings.json
[ -r "$settings" ] || { echo "bootstrap: $settings missing" >&2; exit 1; }
echo "bootstrap: node settings present ($(wc -c < "$settings") bytes)"
