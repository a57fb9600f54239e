#!/usr/bin/env bash
# Applies the kernel settings Fulcrum's packet mode recommends (see docs/operations.md), idempotently, and
# prints what it changed. Usage: scripts/tune-sysctl.sh [--dry-run] IFACE...   (the LB interfaces)
#   net.ipv4.ip_forward=0                 the kernel must not forward a second copy of AF_PACKET frames
#   net.ipv4.conf.IFACE.arp_ignore=1      answer ARP only for addresses of the interface itself
#   net.ipv4.conf.IFACE.arp_announce=2    announce only the interface's own addresses
#   net.ipv4.conf.IFACE.rp_filter=2       when strict (1): loose filtering (strict drops asymmetric replies)
# Locked memory for AF_XDP on kernels before 5.11 is a process limit, not a sysctl: ulimit -l unlimited
# (systemd: LimitMEMLOCK=infinity). GRO/LRO: ethtool -K IFACE gro off lro off.
set -euo pipefail
dry=0
if [ "${1:-}" = "--dry-run" ]; then dry=1; shift; fi
if [ $# -eq 0 ]; then
  echo "usage: $0 [--dry-run] IFACE..." >&2
  exit 2
fi
changed=0
set_key() {
  local key=$1 want=$2 file="/proc/sys/${1//.//}" have
  if [ ! -e "$file" ]; then
    echo "skip    $key (no $file)" >&2
    return
  fi
  have=$(cat "$file")
  if [ "$have" = "$want" ]; then
    echo "ok      $key = $want"
    return
  fi
  if [ $dry = 1 ]; then
    echo "would   $key: $have -> $want"
  else
    sysctl -q -w "$key=$want" >/dev/null
    echo "changed $key: $have -> $want"
  fi
  changed=$((changed + 1))
}
set_key net.ipv4.ip_forward 0
for iface in "$@"; do
  if [ ! -d "/proc/sys/net/ipv4/conf/$iface" ]; then
    echo "$0: no interface '$iface'" >&2
    exit 1
  fi
  set_key "net.ipv4.conf.$iface.arp_ignore" 1
  set_key "net.ipv4.conf.$iface.arp_announce" 2
  # only strict filtering (1) is a problem; 0 (off) and 2 (loose) stay as they are
  if [ "$(cat "/proc/sys/net/ipv4/conf/$iface/rp_filter")" = 1 ]; then
    set_key "net.ipv4.conf.$iface.rp_filter" 2
  else
    echo "ok      net.ipv4.conf.$iface.rp_filter = $(cat "/proc/sys/net/ipv4/conf/$iface/rp_filter")"
  fi
done
echo "$changed setting(s) $([ $dry = 1 ] && echo "to change" || echo changed)"
