#!/usr/bin/env bash
# Build the base image of one Debian release for the test containers (molecule scenarios and the
# demo): debootstrap from the mirror this machine's apt sources name, then `podman import`.
# Usage: image.sh [RELEASE]   (13 or 12; default: the testbed's default release)
# The image carries a label with the recipe's hash and is rebuilt only when the recipe changes.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

RELEASE=${1:-$MAILSEC_RELEASE}
SUITE=$(suite_of "$RELEASE")
IMAGE_NAME=$(image_name "$RELEASE")
# systemd as PID 1; python3 + python3-apt for Ansible; the outside-prober tools (nmap, swaks, openssl).
INCLUDE=systemd,systemd-sysv,dbus,python3,python3-apt,iproute2,procps,ca-certificates,openssl,nmap,swaks,netcat-openbsd,less
# Installed after debootstrap (which cannot configure them in its first pass): TLS and, on
# Debian 12, IPv6 for swaks (which reads /etc/protocols from netbase).
INSTALL=(libnet-ssleay-perl libio-socket-inet6-perl netbase)
# Downloaded into the apt cache but not installed: roles install them, offline if need be;
# sudo is installed only where a scenario connects as an ordinary user; dovecot-core is the
# authentication service of submission; postfix-pcre, ClamAV and SpamAssassin are the content
# filters (the filtering scenario), without recommends, as the roles install them;
# python3-dnspython is what the mail_identity role installs to check and publish DNS records, and
# bind9 with its tools is the identity scenario's name server; nftables and unattended-upgrades are
# what the firewall and baseline roles install, and openssh-server lets the firewall scenario run
# the role over a real SSH connection; OpenDKIM, OpenDMARC and policyd-spf are what the mail_auth
# role installs, and python3-dkim and python3-spf (dkimpy and pyspf) the sink's independent verifiers;
# python3-dns is what apt puts in python3-dnspython's place under pyspf when the identity scenario
# removes dnspython to prove the mail_identity role's check mode on a host without it.
PRELOAD=(postfix postfix-pcre ssl-cert sudo dovecot-core
         clamav-daemon clamav-milter clamav-freshclam clamdscan spamassassin spamd spamc spamass-milter
         python3-dnspython bind9 bind9-dnsutils nftables unattended-upgrades openssh-server
         opendkim opendkim-tools opendmarc dbconfig-no-thanks postfix-policyd-spf-python python3-dkim python3-spf
         python3-dns nginx postfix-mta-sts-resolver dovecot-sieve mimedefang libnet-dns-perl
         restic pflogsumm fail2ban python3-systemd debsecan prometheus-postfix-exporter tinyproxy)

recipe_hash=$( { cat "${BASH_SOURCE[0]}"; echo "$SUITE $INCLUDE ${INSTALL[*]} ${PRELOAD[*]}"; } | sha256sum | cut -c1-16)
have=$(podman image inspect --format '{{ index .Labels "mailsec.recipe" }}' "$IMAGE_NAME" 2>/dev/null || true)
if [ "$have" = "$recipe_hash" ]; then
  log "image $IMAGE_NAME is current ($recipe_hash)"
  exit 0
fi

[ "$(id -u)" -eq 0 ] || die "building the image needs root (debootstrap)"
mirror=$(debian_mirror)
work=$(mktemp -d -p "$STATE_DIR")
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
log "debootstrap $SUITE (Debian $RELEASE) from the machine's mirror into a temporary root (a few minutes)"
debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap failed (log above)"; }

# The release's own suites from the same mirrors as this machine (never this machine's suite).
security=$(debian_security_mirror)
rm -f "$rootfs/etc/apt/sources.list"
{
  printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\n' "$mirror" "$SUITE" "$SUITE"
  [ -z "$security" ] || printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\n' "$security" "$SUITE"
} > "$rootfs/etc/apt/sources.list.d/debian.sources"
chroot "$rootfs" apt-get update -qq
chroot "$rootfs" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${INSTALL[@]}" >/dev/null
chroot "$rootfs" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --download-only "${PRELOAD[@]}" >/dev/null

# The test hosts reach no Internet: debsecan (the advisories role) reads the security tracker's data from
# a local copy in the tracker's format (zlib, "VERSION 1" and three empty sections: nothing known), which
# the base configuration names; the upkeep scenario serves its own, with a planted vulnerability.
mkdir -p "$rootfs/srv/mailsec-testbed/debsecan"
python3 -c 'import sys, zlib; sys.stdout.buffer.write(zlib.compress(b"VERSION 1\n\n\n\n"))' \
  > "$rootfs/srv/mailsec-testbed/debsecan/$SUITE"

# A container has no consoles or hardware: mask units that would only fail or wait.
for unit in getty.target console-getty.service systemd-udevd.service systemd-udev-trigger.service \
            systemd-remount-fs.service systemd-firstboot.service sys-kernel-debug.mount \
            sys-kernel-tracing.mount systemd-logind.service apt-daily.timer apt-daily-upgrade.timer; do
  ln -sf /dev/null "$rootfs/etc/systemd/system/$unit"
done
printf 'debian%s\n' "$RELEASE" > "$rootfs/etc/hostname"
: > "$rootfs/etc/machine-id"

log "importing $IMAGE_NAME"
tar -C "$rootfs" -c . | podman import --quiet \
  --change 'CMD ["/sbin/init"]' --change 'STOPSIGNAL SIGRTMIN+3' \
  --change "LABEL mailsec.recipe=$recipe_hash" - "$IMAGE_NAME" >/dev/null
podman image prune --force --filter label=mailsec.recipe >/dev/null   # the replaced image, now untagged
log "image $IMAGE_NAME built ($recipe_hash)"
