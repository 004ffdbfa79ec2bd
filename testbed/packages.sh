#!/usr/bin/env bash
# Install the Debian packages the testbed needs, only those that are missing.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# The container stack as the testbed uses it (podman with runc, the netavark network backend
# with aardvark-dns, catatonit as init helper), image building, and the host-side tools.
needed=(podman runc netavark aardvark-dns catatonit fuse-overlayfs uidmap slirp4netns
        containernetworking-plugins debootstrap
        python3-venv make git openssl nmap swaks shellcheck
        chromium)  # renders the audit's HTML report in the audit scenario
missing=()
for pkg in "${needed[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  log "system packages present"
  exit 0
fi
[ "$(id -u)" -eq 0 ] || die "installing ${missing[*]} needs root; run as root or install them first"
log "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
