#!/usr/bin/env bash
# FULLNAT through Fulcrum with 2 agents over AF_PACKET: dataplane.af-packet-fanout owner (PACKET_FANOUT_CBPF
# owner steering) against hash (PACKET_FANOUT_HASH + cross-agent handoff), alternating in one lab, same nginx
# backends. Prints wrk new connections/s and keep-alive requests/s with the rx frames and handoff-out counters
# of both agents during the runs. Needs root, wrk and nginx; the packaged binary (scripts/build.sh -DskipTests package).
# Usage: [SECS=10] [MODES="owner hash owner hash"] scripts/bench-steering.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd); P="fbst$$"; P=${P:0:12}; secs=${SECS:-10}; work=$(mktemp -d)
cleanup() { [ -f $work/f.pid ] && kill $(cat $work/f.pid) 2>/dev/null; for f in $work/nginx-*.pid; do [ -f $f ] && kill $(cat $f) 2>/dev/null; done; "$root/scripts/lab.sh" down --prefix $P >/dev/null 2>&1 || true; rm -rf $work; }
trap cleanup EXIT
"$root/scripts/lab.sh" up --prefix $P >/dev/null
mac() { ip netns exec $P-$1 cat /sys/class/net/eth0/address; }
for n in b1 b2; do
  cat > $work/nginx-$n.conf <<NGINX
worker_processes 1;
pid $work/nginx-$n.pid;
error_log $work/nginx-$n.err warn;
events { worker_connections 8192; }
http { access_log off; keepalive_requests 1000000;
  server { listen 80 reuseport backlog=4096; location / { return 200 "$n\n"; } } }
NGINX
  ip netns exec $P-$n nginx -c $work/nginx-$n.conf
  for ns in $P-$n $P-client; do ip netns exec $ns sysctl -qw net.ipv4.ip_local_port_range="15000 64999" net.ipv4.tcp_tw_reuse=1 net.core.somaxconn=4096; done
done
conf() { cat <<YAML
node: {name: steer-bench, run-dir: $work/run}
dataplane:
  io: af_packet
  agents: 2
  af-packet-fanout: $1
  interfaces:
    - {name: cli0, addresses: [198.18.0.100/24]}
    - {name: srv0, addresses: [198.18.1.100/24]}
  neighbours:
    static:
      - {address: 198.18.0.2, mac: "$(mac client)", interface: cli0}
      - {address: 198.18.1.11, mac: "$(mac b1)", interface: srv0}
      - {address: 198.18.1.12, mac: "$(mac b2)", interface: srv0}
  local-addresses: [{address: 198.18.1.100, ports: "1024-65535"}]
listeners:
  - {name: http, protocol: tcp, vip: 198.18.0.100, port: 80, mode: fullnat, group: web}
backend-groups:
  - name: web
    scheduler: rr
    backends: [{address: 198.18.1.11, port: 80}, {address: 198.18.1.12, port: 80}]
YAML
}
stat() { FULCRUM_NO_BUILD=1 "$root/bin/fulcrum" stats --run-dir $work/run | awk -v l="$1" '$0 ~ l {gsub(",","",$NF); s+=$NF} END {print s+0}'; }
for mode in ${MODES:-owner hash owner hash}; do
  conf $mode > $work/f.yaml
  FULCRUM_NO_BUILD=1 ip netns exec $P-lb "$root/bin/fulcrum" run -c $work/f.yaml > $work/f.log 2>&1 & echo $! > $work/f.pid
  for i in $(seq 1 100); do grep -q "fulcrum: ready" $work/f.log && break; sleep 0.2; done
  ip netns exec $P-client curl -s -m 2 http://198.18.0.100/ >/dev/null || true
  rx0=$(stat "rx frames"); h0=$(stat "handoff-out")
  nc=$(ip netns exec $P-client wrk -t1 -c50 -d${secs}s -H "Connection: close" http://198.18.0.100/ 2>&1)
  ka=$(ip netns exec $P-client wrk -t1 -c50 -d${secs}s http://198.18.0.100/ 2>&1)
  rx1=$(stat "rx frames"); h1=$(stat "handoff-out"); full=$(stat "handoff-ring-full")
  printf '%-6s newconn %10s conn/s  keepalive %10s req/s  rx frames %9d  handoff-out %9d (%4.1f%%)  ring-full %d  errors: %s\n' $mode \
    "$(echo "$nc" | awk '/Requests\/sec/ {print $2}')" "$(echo "$ka" | awk '/Requests\/sec/ {print $2}')" $((rx1-rx0)) $((h1-h0)) \
    "$(awk -v h=$((h1-h0)) -v r=$((rx1-rx0)) 'BEGIN {print r ? 100*h/r : 0}')" "$full" "$(echo "$nc$ka" | grep -E 'Socket errors|Non-2xx' | tr '\n' ' ')"
  kill $(cat $work/f.pid); wait $(cat $work/f.pid) 2>/dev/null || true; rm -f $work/f.pid
done
