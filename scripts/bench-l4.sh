#!/usr/bin/env bash
# End-to-end L4 comparison in the namespace lab, one run, same topology and backends (nginx in b1/b2):
#   Fulcrum FULLNAT, Fulcrum DNAT, nftables DNAT+SNAT in the kernel, HAProxy in TCP mode.
# Measures wrk keep-alive req/s, wrk new connections/s (-H 'Connection: close'), small-UDP packets/s (iperf3,
# 64-byte datagrams; not HAProxy), bulk TCP (iperf3), and the forwarder's CPU time per packet (Fulcrum: the agent
# thread's utime+stime / frames it received; kernel: softirq time of the whole machine / packets forwarded).
# Needs root. Usage: scripts/bench-l4.sh [--seconds N] [--io auto|af_xdp|af_packet] [--profile]  (default 10 s per run)
# --profile: samples the Fulcrum agent thread with perf (software cpu-clock, call graphs; JIT symbols from the
# JVM's perf map) during the new-connections run of each Fulcrum mode and prints where its time goes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=10
io=auto
profile=0
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --io) io=$2; shift 2 ;;
    --profile) profile=1; shift ;;
    *) echo "usage: scripts/bench-l4.sh [--seconds N] [--io auto|af_xdp|af_packet] [--profile]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "bench-l4: needs root" >&2; exit 1; }
for tool in wrk iperf3 nginx haproxy nft; do
  command -v $tool >/dev/null || { echo "bench-l4: $tool missing (apt-get install wrk iperf3 nginx haproxy nftables)" >&2; exit 1; }
done
. "$root/scripts/jdk.sh"
prefix="fbl4$$"; prefix=${prefix:0:12}
work=$(mktemp -d)
pids=()
fulcrum_pid=
cleanup() {
  [ -n "$fulcrum_pid" ] && kill "$fulcrum_pid" 2>/dev/null && wait "$fulcrum_pid" 2>/dev/null || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for f in "$work"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
  "$root/scripts/lab.sh" down --prefix "$prefix" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

[ -f "$root/control/target/dist/lib/fulcrum-control-0.1.0-SNAPSHOT.jar" ] || "$root/scripts/build.sh" -q -DskipTests package
"$root/scripts/lab.sh" up --prefix "$prefix" >/dev/null
eval "$("$root/scripts/lab.sh" env --prefix "$prefix")"
C=$LAB_CLIENT_NS; L=$LAB_LB_NS
B1=$(echo $LAB_BACKEND_NS | cut -d' ' -f1); B2=$(echo $LAB_BACKEND_NS | cut -d' ' -f2)

for b in "$B1" "$B2"; do
  n=${b##*-}
  cat > "$work/nginx-$n.conf" <<NGINX
worker_processes 1;
pid $work/nginx-$n.pid;
error_log $work/nginx-$n.err warn;
events { worker_connections 8192; }
http { access_log off; keepalive_requests 1000000;
  server { listen 80 reuseport backlog=4096; location / { return 200 "$n\n"; } } }
NGINX
  ip netns exec "$b" nginx -c "$work/nginx-$n.conf"
  for ns in "$b" "$C"; do ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="15000 64999" net.ipv4.tcp_tw_reuse=1 net.core.somaxconn=4096; done
done
ip netns exec "$B1" iperf3 -s -D -p 5201 -I "$work/iperf-b1.pid" >/dev/null

results="$work/results.txt"
: > "$results"
row() { printf '%-18s %-12s %12s %s\n' "$1" "$2" "$3" "${4:-}" | tee -a "$results"; }

wrk_run() { # target-url [extra header]
  if [ $# -gt 1 ]; then
    ip netns exec "$C" wrk -t1 -c50 -d"${seconds}s" -H "$2" "$1" 2>&1
  else
    ip netns exec "$C" wrk -t1 -c50 -d"${seconds}s" "$1" 2>&1
  fi
}
rps() { awk '/Requests\/sec/ {print $2}'; }
errors() { awk '/Socket errors|Non-2xx/ {print}' | tr '\n' ' '; }
udp_pps() { # host
  ip netns exec "$C" iperf3 -c "$1" -p 5201 -u -b 0 -l 64 -t "$seconds" -J 2>/dev/null \
    | python3 -c 'import json,sys; d=json.load(sys.stdin); s=d["end"]["sum"]; print("%.0f" % (s["packets"]*(1-s["lost_percent"]/100)/s["seconds"]))' 2>/dev/null || echo "n/a"
}
bulk() { # host
  ip netns exec "$C" iperf3 -c "$1" -p 5201 -t "$seconds" -J 2>/dev/null \
    | python3 -c 'import json,sys; d=json.load(sys.stdin); print("%.2f" % (d["end"]["sum_received"]["bits_per_second"]/1e9))' 2>/dev/null || echo "n/a"
}
softirq() { awk '/^cpu / {print $8}' /proc/stat; }   # jiffies (USER_HZ)
fwd_packets() { ip netns exec "$L" awk '/cli0|srv0/ {gsub(":"," "); s += $3} END {print s}' /proc/net/dev; }

measure() { # name host-for-http port-prefix host-for-iperf kind(fulcrum|kernel|proxy)
  local name=$1 host=$2 iperf_host=$3 kind=$4 out
  out=$(wrk_run "http://$host/"); row "$name" "keepalive" "$(echo "$out" | rps)" "req/s $(echo "$out" | errors)"
  local perf_pid=
  if [ "$profile" = 1 ] && [ "$kind" = fulcrum ]; then
    perf record -q -F 999 -g -t "$(agent_tid)" -o "$work/perf-$name.data" -- sleep "$seconds" >/dev/null 2>&1 &
    perf_pid=$!
  fi
  out=$(wrk_run "http://$host/" "Connection: close"); row "$name" "newconn" "$(echo "$out" | rps)" "conn/s $(echo "$out" | errors)"
  [ -n "$perf_pid" ] && wait "$perf_pid" || true
  if [ "$kind" != proxy ]; then
    local before_cpu before_pkts after_cpu after_pkts pps
    before_cpu=$(cpu_ticks "$kind"); before_pkts=$(pkts "$kind")
    pps=$(udp_pps "$iperf_host")
    after_cpu=$(cpu_ticks "$kind"); after_pkts=$(pkts "$kind")
    row "$name" "udp64" "$pps" "pkt/s delivered"
    row "$name" "cpu/pkt" "$(awk -v c=$((after_cpu - before_cpu)) -v p=$((after_pkts - before_pkts)) \
      'BEGIN { if (p > 0) printf "%.0f", c * 1e9 / 100 / p; else print "n/a" }')" \
      "$([ "$kind" = fulcrum ] && echo "ns agent-thread CPU per frame (udp run)" || echo "ns machine softirq per frame on the LB's links (udp run; upper bound)")"
  else
    row "$name" "udp64" "n/a" "(TCP mode only)"
  fi
  row "$name" "bulk" "$(bulk "$iperf_host")" "Gbit/s"
}
agent_tid() { # the forwarder agent thread of the running Fulcrum (comm is cut to 15 chars)
  grep -l '^forwarder-agent' /proc/"$(cat "$work/fulcrum.pid")"/task/*/comm 2>/dev/null | head -1 | cut -d/ -f5
}
cpu_ticks() { # fulcrum agent thread utime+stime, or machine softirq
  if [ "$1" = fulcrum ]; then
    awk '{print $14 + $15}' /proc/"$(cat "$work/fulcrum.pid")"/task/"$(agent_tid)"/stat
  else
    softirq
  fi
}
pkts() {
  if [ "$1" = fulcrum ]; then
    FULCRUM_NO_BUILD=1 "$root/bin/fulcrum" stats --run-dir "$work/run" | awk '/agent-0 rx frames/ {gsub(",","",$NF); print $NF}'
  else
    fwd_packets
  fi
}

echo "== kernel: nftables DNAT + SNAT (ip_forward=1) on 198.18.0.1"
ip netns exec "$L" sysctl -qw net.ipv4.ip_forward=1
cat > "$work/nft.nft" <<NFT
table ip fbench {
  chain pre {
    type nat hook prerouting priority dstnat; policy accept;
    ip daddr 198.18.0.1 tcp dport 80 dnat to numgen inc mod 2 map { 0 : 198.18.1.11, 1 : 198.18.1.12 } : 80
    ip daddr 198.18.0.1 meta l4proto { tcp, udp } th dport 5201 dnat to 198.18.1.11
  }
  chain post {
    type nat hook postrouting priority srcnat; policy accept;
    ip daddr { 198.18.1.11, 198.18.1.12 } snat to 198.18.1.1
  }
}
NFT
ip netns exec "$L" nft -f "$work/nft.nft"
measure "nft-dnat+snat" 198.18.0.1 198.18.0.1 kernel
ip netns exec "$L" nft delete table ip fbench
ip netns exec "$L" sysctl -qw net.ipv4.ip_forward=0

echo "== HAProxy TCP mode (1 thread) on 198.18.0.1:80"
cat > "$work/haproxy.cfg" <<HAP
global
  maxconn 8000
  nbthread 1
  pidfile $work/haproxy.pid
  daemon
defaults
  mode tcp
  timeout connect 2s
  timeout client 30s
  timeout server 30s
frontend fe
  bind 198.18.0.1:80
  default_backend be
frontend iperf
  bind 198.18.0.1:5201
  default_backend iperf
backend be
  balance roundrobin
  server s1 198.18.1.11:80
  server s2 198.18.1.12:80
backend iperf
  server s1 198.18.1.11:5201
HAP
ip netns exec "$L" haproxy -f "$work/haproxy.cfg"
sleep 0.5
measure "haproxy-tcp" 198.18.0.1 198.18.0.1 proxy
kill "$(cat "$work/haproxy.pid")"; rm -f "$work/haproxy.pid"

fulcrum_conf() { # mode
  cat <<YAML
node: {name: bench-l4, run-dir: $work/run}
dataplane:
  io: $io
  agents: 1
  interfaces:
    - {name: cli0, addresses: [198.18.0.100/24]}
    - {name: srv0, addresses: [198.18.1.100/24]}
  neighbours: {reachable-time: 300}
  local-addresses: [{address: 198.18.1.100, ports: "10000-65000"}]
  flow-table: {capacity: 1048576}
listeners:
  - {name: web, protocol: tcp, vip: 198.18.0.100, port: 80, mode: $1, group: web$( [ "$1" = fullnat ] && echo ", toa: {kind: 254}")}
  - {name: iperf, protocol: tcp, vip: 198.18.0.100, port: 5201, mode: $1, group: iperf}
  - {name: iperf-udp, protocol: udp, vip: 198.18.0.100, port: 5201, mode: $1, group: iperf}
backend-groups:
  - {name: web, scheduler: rr, backends: [{address: 198.18.1.11, port: 80}, {address: 198.18.1.12, port: 80}]}
  - {name: iperf, backends: [{address: 198.18.1.11, port: 5201}]}
YAML
}
for mode in fullnat dnat; do
  echo "== Fulcrum $mode (io $io) on 198.18.0.100"
  fulcrum_conf $mode > "$work/fulcrum-$mode.yaml"
  rm -rf "$work/run"
  java_opts=""
  [ "$profile" = 1 ] && java_opts="-XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit -XX:+PreserveFramePointer"
  FULCRUM_JAVA_OPTS="$java_opts" FULCRUM_NO_BUILD=1 ip netns exec "$L" "$root/bin/fulcrum" run \
    --config "$work/fulcrum-$mode.yaml" > "$work/fulcrum-$mode.log" 2>&1 &
  fulcrum_pid=$!
  for _ in $(seq 1 300); do grep -q "fulcrum: ready" "$work/fulcrum-$mode.log" && break; sleep 0.1; done
  grep "packet I/O" "$work/fulcrum-$mode.log" | head -1
  # ip netns exec and bin/fulcrum both exec: the pid we started is the JVM's
  echo "$fulcrum_pid" > "$work/fulcrum.pid"
  ip netns exec "$C" curl -s -m 3 http://198.18.0.100/ >/dev/null || true
  measure "fulcrum-$mode" 198.18.0.100 198.18.0.100 fulcrum
  kill "$fulcrum_pid"; wait "$fulcrum_pid" 2>/dev/null || true; fulcrum_pid=
  if [ "$profile" = 1 ] && [ -f "$work/perf-fulcrum-$mode.data" ]; then
    echo "== where the agent thread's time goes (fulcrum-$mode, new connections, perf cpu-clock samples)"
    perf report -i "$work/perf-fulcrum-$mode.data" --no-children --sort dso,sym --stdio > "$work/perf-sym.txt" 2>/dev/null || true
    perf report -i "$work/perf-fulcrum-$mode.data" --no-children --sort dso --stdio > "$work/perf-dso.txt" 2>/dev/null || true
    grep -E '^ +[0-9]' "$work/perf-sym.txt" | sed -n 1,25p || true
    echo "-- by DSO:"
    grep -E '^ +[0-9]' "$work/perf-dso.txt" | sed -n 1,8p || true
  fi
done

echo
echo "== summary ($seconds s per run, wrk -t1 -c50, 2 shared cores; offloads off on peers, GRO off on the LB)"
cat "$results"
