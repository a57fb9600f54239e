#!/usr/bin/env bash
# The namespace lab: a client, the load balancer and N backends, joined by veth pairs.
#
#   client ns            lb ns (Fulcrum)                  sw ns (bridge br0)        backend ns
#   eth0 198.18.0.2/24 ── cli0 198.18.0.1/24               ┌─ sw-lb ── srv0 (lb)
#                         srv0 198.18.1.1/24 ──────────────┤
#                         Fulcrum owns VIP 198.18.0.100    ├─ sw-b1 ── eth0 198.18.1.11/24 (b1)
#                         and local 198.18.1.100           └─ sw-b2 ── eth0 198.18.1.12/24 (b2) ...
#
# The kernel of the lb namespace keeps management addresses (.1) on both interfaces; the VIP and the
# local address are NOT configured on any kernel interface (Fulcrum answers ARP for them) and
# ip_forward is 0, as packet mode requires. Backends route through 198.18.1.100 (needed for DNAT).
# Only 198.18.0.0/15 is used. Every name carries a prefix so parallel runs do not collide.
#
# Usage: scripts/lab.sh up|down|status|env [--prefix P] [--backends N] [--offloads on|off]
#        scripts/lab.sh exec ROLE CMD...     (ROLE: client, lb, sw, b1, b2, ...)
# Defaults: prefix $FULCRUM_LAB_PREFIX or "flab", 2 backends, offloads off (tx checksum/TSO/GSO off on
# the client and backends, GRO off on the lb interfaces), so frames reach the packet path complete.
set -euo pipefail

prefix=${FULCRUM_LAB_PREFIX:-flab}
backends=${FULCRUM_LAB_BACKENDS:-2}
offloads=${FULCRUM_LAB_OFFLOADS:-off}
cmd=${1:-status}
[ $# -gt 0 ] && shift
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; shift 2 ;;
    --backends) backends=$2; shift 2 ;;
    --offloads) offloads=$2; shift 2 ;;
    *) break ;;
  esac
done

die() { echo "lab: $*" >&2; exit 1; }
[[ "$prefix" =~ ^[a-z][a-z0-9]{0,11}$ ]] || die "prefix must be 1-12 lowercase letters/digits starting with a letter: '$prefix'"
[[ "$backends" =~ ^[1-8]$ ]] || die "--backends must be 1..8"

VIP=198.18.0.100
LOCAL=198.18.1.100
ns() { echo "$prefix-$1"; }
roles() { echo client lb sw; for i in $(seq 1 "$backends"); do echo "b$i"; done; }
exists() { ip netns list | awk '{print $1}' | grep -qx "$1"; }

down() {
  local n
  for n in $(ip netns list | awk '{print $1}' | grep -E "^${prefix}-(client|lb|sw|b[0-9]+)$" || true); do
    # kill anything still running inside, then remove the namespace (its veths go with it)
    ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$n" 2>/dev/null || true
  done
}

offload() { # ns dev features...
  local n=$1 dev=$2; shift 2
  if command -v ethtool >/dev/null; then
    ip netns exec "$n" ethtool -K "$dev" "$@" >/dev/null 2>&1 || true
  fi
}

up() {
  command -v ip >/dev/null || die "iproute2 is missing (apt-get install iproute2)"
  down
  local r
  for r in $(roles); do
    ip netns add "$(ns "$r")"
    ip -n "$(ns "$r")" link set lo up
    # IPv4-only lab: no IPv6 link-local chatter (DAD, router solicitations) on the packet path
    ip netns exec "$(ns "$r")" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 || true
  done
  local c lb sw
  c=$(ns client); lb=$(ns lb); sw=$(ns sw)
  ip -n "$c" link add eth0 type veth peer name cli0 netns "$lb"
  ip -n "$lb" link add srv0 type veth peer name sw-lb netns "$sw"
  ip -n "$sw" link add br0 type bridge
  ip -n "$sw" link set br0 type bridge forward_delay 0 stp_state 0
  # a plain switch: bridged frames must not run through iptables/nftables hooks (br_netfilter), which would
  # bill every contender's frames with netfilter work that a real switch does not do
  ip netns exec "$sw" sysctl -qw net.bridge.bridge-nf-call-iptables=0 net.bridge.bridge-nf-call-arptables=0 \
    net.bridge.bridge-nf-call-ip6tables=0 2>/dev/null || true
  ip -n "$sw" link set sw-lb master br0
  ip -n "$c" addr add 198.18.0.2/24 dev eth0
  ip -n "$lb" addr add 198.18.0.1/24 dev cli0
  ip -n "$lb" addr add 198.18.1.1/24 dev srv0
  ip netns exec "$lb" sysctl -qw net.ipv4.ip_forward=0
  ip netns exec "$lb" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
  local i b
  for i in $(seq 1 "$backends"); do
    b=$(ns "b$i")
    ip -n "$sw" link add "sw-b$i" type veth peer name eth0 netns "$b"
    ip -n "$sw" link set "sw-b$i" master br0
    ip -n "$sw" link set "sw-b$i" up
    ip -n "$b" addr add "198.18.1.$((10 + i))/24" dev eth0
    ip -n "$b" link set eth0 up
    ip -n "$b" route add default via "$LOCAL"
    ip netns exec "$b" sysctl -qw net.ipv4.ip_local_port_range="15000 64999" net.ipv4.tcp_tw_reuse=1 || true
  done
  ip -n "$sw" link set sw-lb up
  ip -n "$sw" link set br0 up
  ip -n "$c" link set eth0 up
  ip -n "$lb" link set cli0 up
  ip -n "$lb" link set srv0 up
  ip netns exec "$c" sysctl -qw net.ipv4.ip_local_port_range="15000 64999" net.ipv4.tcp_tw_reuse=1 || true
  if [ "$offloads" = off ]; then
    offload "$c" eth0 tx off tso off gso off
    for i in $(seq 1 "$backends"); do offload "$(ns "b$i")" eth0 tx off tso off gso off; done
    offload "$lb" cli0 gro off tx off tso off gso off
    offload "$lb" srv0 gro off tx off tso off gso off
  fi
  env_lines
}

env_lines() {
  echo "LAB_PREFIX=$prefix"
  echo "LAB_CLIENT_NS=$(ns client)"
  echo "LAB_LB_NS=$(ns lb)"
  echo "LAB_SWITCH_NS=$(ns sw)"
  echo "LAB_BACKEND_NS=\"$(for i in $(seq 1 "$backends"); do printf '%s ' "$(ns "b$i")"; done | sed 's/ $//')\""
  echo "LAB_CLIENT_IP=198.18.0.2"
  echo "LAB_VIP=$VIP"
  echo "LAB_LOCAL_IP=$LOCAL"
  echo "LAB_BACKEND_IPS=\"$(for i in $(seq 1 "$backends"); do printf '198.18.1.%s ' $((10 + i)); done | sed 's/ $//')\""
}

status() {
  local any=0 r n
  for r in $(roles); do
    n=$(ns "$r")
    if exists "$n"; then
      any=1
      printf '%-14s ' "$n"
      ip -n "$n" -br addr show | grep -v '^lo ' | awk '{printf "%s %s %s; ", $1, $2, $3}'
      echo
    fi
  done
  [ $any = 1 ] || echo "lab '$prefix' is down"
}

case "$cmd" in
  up) up ;;
  down) down; echo "lab '$prefix' is down" ;;
  status) status ;;
  env) env_lines ;;
  exec)
    [ $# -ge 2 ] || die "usage: lab.sh exec ROLE CMD..."
    role=$1; shift
    exec ip netns exec "$(ns "$role")" "$@" ;;
  *) die "unknown command '$cmd' (up|down|status|env|exec)" ;;
esac
