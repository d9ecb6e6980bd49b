#!/usr/bin/env bash
# Debian packages the build and tests need. Idempotent; needs root (CI and dev machines are).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
APT="apt-get -o DPkg::Lock::Timeout=300"

packages=(ca-certificates)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  $APT update
  $APT install -y --no-install-recommends "${missing[@]}"
fi
