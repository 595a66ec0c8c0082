#!/usr/bin/env bash
# Installs the Debian packages keyvault needs to build and test, when missing (needs root or sudo).
set -euo pipefail
needed=()
for pkg in libsodium-dev libssl-dev libp11-kit-dev pkg-config util-linux mount openssl python3 python3-nacl strace gdb acl openssh-server openssh-client softhsm2 opensc faketime libpq-dev postgresql; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || needed+=("$pkg")
done
if [ ${#needed[@]} -gt 0 ]; then
    echo "installing: ${needed[*]}" >&2
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${needed[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "swift is not on PATH: install Swift 6 (swift.org) first" >&2; exit 1; }
