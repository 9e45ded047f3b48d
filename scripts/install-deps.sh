#!/usr/bin/env bash
# Installs the Debian packages the agent, the lab and the test suite call, and the C compiler the
# build needs for the CNI plugin's netns addon (scripts/build-native.mjs).
# Idempotent: when everything is present it does nothing (no apt-get update).
# Never lets a package's postinst start a daemon (bird, etcd) in the root namespace.
set -euo pipefail
log() { printf '[install-deps] %s\n' "$*" >&2; }

PKGS=(
  iproute2 nftables conntrack tcpdump iputils-ping netcat-openbsd socat procps
  etcd-server etcd-client
  bird2
  containernetworking-plugins
  gcc libc6-dev
)

missing=()
for p in "${PKGS[@]}"; do
  if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" != installed ]; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  log "all ${#PKGS[@]} Debian packages present"
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  log "missing packages (${missing[*]}) and not root: run as root to install them"
  exit 1
fi

log "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
created_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  created_policy=1
fi
cleanup() { if [ "$created_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi; }
trap cleanup EXIT
lock=(-o "DPkg::Lock::Timeout=300")
apt-get "${lock[@]}" update -qq
apt-get "${lock[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
log "done"
