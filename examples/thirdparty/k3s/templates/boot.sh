#!/bin/sh
# Installs k3s as a server or an agent. Heat fills the four values below
# from parameters that cannot carry shell syntax: the role and the channel
# are constrained to fixed words, the token is a Heat RandomString
# (letters and digits) and the server address is a port's IP.
set -eu
role='__ROLE__'
channel='__CHANNEL__'
token='__TOKEN__'
server='__SERVER__'

export INSTALL_K3S_CHANNEL="$channel" K3S_TOKEN="$token"
installer=$(mktemp)
curl -sfL -o "$installer" https://get.k3s.io
if [ "$role" = server ]; then
	sh "$installer" server
else
	K3S_URL="https://$server:6443" sh "$installer" agent
fi
rm -f "$installer"
