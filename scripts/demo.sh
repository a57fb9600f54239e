#!/usr/bin/env bash
# Fulcrum's main job on its embedded default: builds Fulcrum, brings up the namespace lab with two small HTTP
# backends, runs `fulcrum run --config examples/l4-fullnat.yaml` in the load balancer's namespace, drives real
# clients against the VIP from the client namespace (ARP, ping, curl through FULLNAT to both backends), prints
# the tracked flows and the counters, then cleans up.
# Needs root (network namespaces). Usage: scripts/demo.sh [--io auto|af_xdp|af_packet] [--seconds N]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
io=auto
hold=0
while [ $# -gt 0 ]; do
  case "$1" in
    --io) io=$2; shift 2 ;;
    --seconds) hold=$2; shift 2 ;;
    *) echo "usage: scripts/demo.sh [--io auto|af_xdp|af_packet] [--seconds N]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "demo: needs root for network namespaces (run with sudo)" >&2; exit 1; }
. "$root/scripts/jdk.sh"
for tool in ping arping ethtool; do
  command -v $tool >/dev/null || { echo "demo: installing $tool's package..."; apt-get install -y -qq iputils-ping arping ethtool >/dev/null; }
done

prefix="fdemo$$"
prefix=${prefix:0:12}
work=$(mktemp -d)
fulcrum_pid=
peer_pids=
cleanup() {
  for p in $peer_pids; do kill "$p" 2>/dev/null || true; done
  [ -n "$fulcrum_pid" ] && kill "$fulcrum_pid" 2>/dev/null && wait "$fulcrum_pid" 2>/dev/null || true
  "$root/scripts/lab.sh" down --prefix "$prefix" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "building Fulcrum (JAVA_HOME=$JAVA_HOME)"
"$root/scripts/build.sh" -q -DskipTests package

step "bringing up the namespace lab (prefix $prefix)"
"$root/scripts/lab.sh" up --prefix "$prefix" | sed 's/^/  /'
eval "$("$root/scripts/lab.sh" env --prefix "$prefix")"

step "backends b1 and b2: small HTTP servers on port 80 (they answer with their name and the source they see)"
for b in $LAB_BACKEND_NS; do
  name=${b##*-}
  L4PEER_LIFETIME=3600 ip netns exec "$b" python3 "$root/system-tests/src/test/resources/l4peer.py" \
    serve "$name" 80 7 "$work/idle.log" > "$work/$name.log" 2>&1 &
  peer_pids="${peer_pids:-} $!"
done
sleep 0.5

config="$work/l4-fullnat.yaml"
sed -e "s#^\(\s*io:\).*#\1 $io#" -e "s#^\(\s*run-dir:\).*#\1 $work/run#" "$root/examples/l4-fullnat.yaml" > "$config"
step "starting fulcrum in $LAB_LB_NS with examples/l4-fullnat.yaml (io: $io)"
FULCRUM_NO_BUILD=1 ip netns exec "$LAB_LB_NS" "$root/bin/fulcrum" run --config "$config" > "$work/fulcrum.log" 2>&1 &
fulcrum_pid=$!
for _ in $(seq 1 150); do
  grep -q "fulcrum: ready" "$work/fulcrum.log" && break
  kill -0 "$fulcrum_pid" 2>/dev/null || { cat "$work/fulcrum.log"; echo "demo: fulcrum exited" >&2; exit 1; }
  sleep 0.2
done
sed 's/^/  | /' "$work/fulcrum.log"

step "client $LAB_CLIENT_IP: ARP for the VIP $LAB_VIP (answered by Fulcrum, not the kernel)"
ip netns exec "$LAB_CLIENT_NS" arping -c 3 -w 3 -i eth0 "$LAB_VIP" | sed 's/^/  /'

step "client: ping the VIP"
ip netns exec "$LAB_CLIENT_NS" ping -c 3 -i 0.2 -W 1 "$LAB_VIP" | sed 's/^/  /'

step "client: the kernel's neighbour entry for the VIP"
ip -n "$LAB_CLIENT_NS" neigh show "$LAB_VIP" | sed 's/^/  /'

step "backend b1: ping Fulcrum's local address $LAB_LOCAL_IP on the backend segment"
ip netns exec "${LAB_BACKEND_NS%% *}" ping -c 2 -i 0.2 -W 1 "$LAB_LOCAL_IP" | sed 's/^/  /'

step "client: curl http://$LAB_VIP/ four times (FULLNAT: the backends see Fulcrum's local address)"
for _ in 1 2 3 4; do
  for _ in $(seq 1 20); do
    out=$(ip netns exec "$LAB_CLIENT_NS" curl -s -m 2 "http://$LAB_VIP/" || true)
    [ -n "$out" ] && break
    sleep 0.5   # the health checks bring the backends up within a few seconds
  done
  echo "  $out"
done

step "fulcrum conns (like ipvsadm -Lnc)"
FULCRUM_NO_BUILD=1 "$root/bin/fulcrum" conns --run-dir "$work/run" | sed 's/^/  /'

if [ "$hold" -gt 0 ]; then
  step "holding for $hold s (try: ip netns exec $LAB_CLIENT_NS ping $LAB_VIP)"
  sleep "$hold"
fi

step "fulcrum stats (non-zero counters)"
FULCRUM_NO_BUILD=1 "$root/bin/fulcrum" stats --run-dir "$work/run" --nonzero | sed 's/^/  /'

step "stopping fulcrum and removing the lab"
kill "$fulcrum_pid"; wait "$fulcrum_pid" 2>/dev/null || true; fulcrum_pid=
tail -n 3 "$work/fulcrum.log" | sed 's/^/  | /'
echo "demo: done"
