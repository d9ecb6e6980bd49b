#!/usr/bin/env bash
# Debian packages the build and tests need. Idempotent; needs root (CI and dev machines are).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
APT="apt-get -o DPkg::Lock::Timeout=300"

packages=(ca-certificates)
# mediasoup worker, built offline against system libraries (scripts/mediasoup/build-worker.sh).
packages+=(g++ make pkg-config ninja-build python3 libssl-dev libuv1-dev libsrtp2-dev libabsl-dev
  libusrsctp-dev flatbuffers-compiler libflatbuffers-dev liburing-dev)
# Headless browser for the E2EE end-to-end test (driven by playwright-core; never downloaded).
packages+=(chromium)
# coturn, for the TURN relay test of infra/coturn/turnserver.conf (test/turnRelay.test.ts).
packages+=(coturn)
# Scale-out: Redis for cross-node coordination and HAProxy in front of the cluster test's nodes.
packages+=(redis-server haproxy)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  $APT update
  $APT install -y --no-install-recommends "${missing[@]}"
fi

# mediasoup's meson.build needs meson >= 1.1; bookworm ships 1.0, bookworm-backports has newer.
# The backports source is derived from the machine's own debian.sources (no mirror hard-coded).
if ! meson --version 2>/dev/null | grep -qE '^(1\.([1-9]|[1-9][0-9])|[2-9])\.'; then
  backports=/etc/apt/sources.list.d/bookworm-backports.sources
  if [ ! -f "$backports" ]; then
    awk 'BEGIN{RS="";ORS="\n\n"} NR==1' /etc/apt/sources.list.d/debian.sources \
      | sed 's/^Suites:.*/Suites: bookworm-backports/' >"$backports"
  fi
  $APT update
  $APT install -y --no-install-recommends -t bookworm-backports meson
fi
