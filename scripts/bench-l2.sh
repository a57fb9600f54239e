#!/usr/bin/env bash
# L2 forwarding benchmark: the Java forwarder (io.fulcrum.bench.packet.L2Forwarder over AF_PACKET) against the
# kernel's own IPv4 forwarding, on the same namespace topology in the same run. Needs root.
#
#   gen ns: g0 198.18.1.1/24 --veth-- f0 198.18.1.254/24 [fwd ns] f1 198.18.2.254/24 --veth-- s0 (no address) [sink ns]
#
# trafgen (Debian netsniff-ng) sends 60-byte UDP frames (varying source port) from g0, pinned to GEN_CPU, to
# 198.18.2.1 via f0's MAC. Case "kernel": ip_forward=1 in the fwd ns, the kernel routes to s0 (static neighbour).
# Case "java": ip_forward=0, L2Forwarder receives on f0, rewrites the MACs, transmits on f1 (forwarder thread
# pinned to FWD_CPU). The sink drops the frames in its IP stack (no address); delivered = s0 rx_packets delta,
# offered = g0 tx_packets delta, over SECONDS after WARMUP seconds. Prints a Markdown table.
#
# Usage: scripts/bench-l2.sh                      (env: SECONDS_PER_CASE=5 WARMUP=2 GEN_CPU=0 FWD_CPU=1
#                                                   FIFO=0 (SCHED_FIFO priority of the forwarder thread, 0 = off)
#                                                   IDLE=poll|spin  IO="af_xdp af_packet"  BUILD=1  JSON_OUT=file)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/jdk.sh"
cd "$root"

SECONDS_PER_CASE=${SECONDS_PER_CASE:-5}
WARMUP=${WARMUP:-2}
GEN_CPU=${GEN_CPU:-0}
FWD_CPU=${FWD_CPU:-1}
FIFO=${FIFO:-0}
IDLE=${IDLE:-poll}
IO=${IO:-af_xdp af_packet}
BUILD=${BUILD:-1}

if [ "$(id -u)" -ne 0 ]; then
  echo "bench-l2: needs root (network namespaces, AF_PACKET)" >&2
  exit 1
fi
for tool in ip ethtool; do
  command -v "$tool" >/dev/null || { echo "bench-l2: $tool is missing (apt-get install iproute2 ethtool)" >&2; exit 1; }
done
if ! command -v trafgen >/dev/null; then
  echo "bench-l2: installing trafgen (Debian netsniff-ng)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q netsniff-ng >/dev/null
fi

if [ "$BUILD" = 1 ]; then
  scripts/build.sh -q -pl bench -am package -DskipTests
fi

prefix="fl2$$$(printf '%04x' $((RANDOM)))"
ns_gen="${prefix}g"
ns_fwd="${prefix}f"
ns_sink="${prefix}s"
work=$(mktemp -d "/tmp/${prefix}.XXXX")
pids=()

cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  for ns in "$ns_gen" "$ns_fwd" "$ns_sink"; do
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mac_gen=02:00:00:00:0a:01
mac_f0=02:00:00:00:01:00
mac_f1=02:00:00:00:01:01
mac_sink=02:00:00:00:0b:01

for ns in "$ns_gen" "$ns_fwd" "$ns_sink"; do
  ip netns add "$ns"
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "$ns" link set lo up
done
ip -n "$ns_gen" link add g0 address $mac_gen type veth peer name f0 netns "$ns_fwd" address $mac_f0
ip -n "$ns_fwd" link add f1 address $mac_f1 type veth peer name s0 netns "$ns_sink" address $mac_sink
ip -n "$ns_gen" addr add 198.18.1.1/24 dev g0
ip -n "$ns_fwd" addr add 198.18.1.254/24 dev f0
ip -n "$ns_fwd" addr add 198.18.2.254/24 dev f1
ip -n "$ns_gen" link set g0 up
ip -n "$ns_fwd" link set f0 up
ip -n "$ns_fwd" link set f1 up
ip -n "$ns_sink" link set s0 up
ip -n "$ns_fwd" neigh replace 198.18.2.1 lladdr $mac_sink dev f1 nud permanent
ip -n "$ns_fwd" neigh replace 198.18.1.1 lladdr $mac_gen dev f0 nud permanent
# AF_PACKET must see frames as sent (no GRO super-frames); trafgen frames carry complete checksums.
ip netns exec "$ns_fwd" ethtool -K f0 gro off >/dev/null
ip netns exec "$ns_fwd" ethtool -K f1 gro off >/dev/null

cat >"$work/udp64.cfg" <<EOF
{ eth(da=$mac_f0, sa=$mac_gen), ipv4(saddr=198.18.1.1, daddr=198.18.2.1, ttl=64),
  udp(sport=dinc(1024, 65000), dport=9), fill(0x41, 18) }
EOF

counter() { # ns interface statistic
  ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3"
}
softirq_ticks() { # all CPUs, USER_HZ
  awk '$1 == "cpu" { print $8 }' /proc/stat
}

start_trafgen() { # seconds
  taskset -c "$GEN_CPU" ip netns exec "$ns_gen" timeout "$1" \
    trafgen --no-sock-mem --notouch-irq -C -P 1 --dev g0 --conf "$work/udp64.cfg" -n 2000000000 \
    >"$work/trafgen.log" 2>&1 &
  trafgen_pid=$!
  pids+=("$trafgen_pid")
}

# Samples the generator and sink counters over the measurement window; sets offered_pps, delivered_pps, softirq_us.
measure_window() {
  sleep "$WARMUP"
  local tx0 rx0 si0 t0 tx1 rx1 si1 t1 hz
  tx0=$(counter "$ns_gen" g0 tx_packets); rx0=$(counter "$ns_sink" s0 rx_packets); si0=$(softirq_ticks)
  t0=$(date +%s.%N)
  sleep "$SECONDS_PER_CASE"
  tx1=$(counter "$ns_gen" g0 tx_packets); rx1=$(counter "$ns_sink" s0 rx_packets); si1=$(softirq_ticks)
  t1=$(date +%s.%N)
  hz=$(getconf CLK_TCK)
  offered_pps=$(awk -v a="$tx0" -v b="$tx1" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.0f", (b - a) / (e - s) }')
  delivered_pps=$(awk -v a="$rx0" -v b="$rx1" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.0f", (b - a) / (e - s) }')
  softirq_us=$(awk -v a="$si0" -v b="$si1" -v r0="$rx0" -v r1="$rx1" -v hz="$hz" \
    'BEGIN { n = r1 - r0; if (n > 0) printf "%.2f", (b - a) / hz * 1e6 / n; else print "n/a" }')
}

# ---- case: kernel forwarding ----
ip netns exec "$ns_fwd" sysctl -qw net.ipv4.ip_forward=1
start_trafgen $((WARMUP + SECONDS_PER_CASE + 1))
measure_window
kernel_offered=$offered_pps kernel_delivered=$delivered_pps kernel_softirq=$softirq_us
wait "$trafgen_pid" || true
ip netns exec "$ns_fwd" sysctl -qw net.ipv4.ip_forward=0
sleep 1

# ---- cases: the Java L2 forwarder over each packet I/O ----
share() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
rows=""
all_json=""
for io in $IO; do
  java_flags=(--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow
    --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED -Xms64m -Xmx256m -XX:+UseParallelGC)
  ip netns exec "$ns_fwd" timeout $((WARMUP + SECONDS_PER_CASE + 40)) \
    java "${java_flags[@]}" -cp 'bench/target/classes:bench/target/lib/*' io.fulcrum.bench.packet.L2Forwarder \
    --io "$io" --owned 198.18.2.1 --in f0 --out f1 --dst-mac $mac_sink --warmup "$WARMUP" --seconds "$SECONDS_PER_CASE" \
    --cpu "$FWD_CPU" --fifo "$FIFO" --idle "$IDLE" >"$work/l2fwd.json" 2>"$work/l2fwd.log" &
  java_pid=$!
  pids+=("$java_pid")
  for _ in $(seq 1 300); do
    grep -q 'l2fwd ready' "$work/l2fwd.log" 2>/dev/null && break
    kill -0 "$java_pid" 2>/dev/null || break
    sleep 0.1
  done
  if ! grep -q 'l2fwd ready' "$work/l2fwd.log"; then
    echo "bench-l2: the forwarder did not start:" >&2
    cat "$work/l2fwd.log" >&2
    exit 1
  fi
  start_trafgen $((WARMUP + SECONDS_PER_CASE + 3))
  measure_window
  java_offered=$offered_pps java_delivered=$delivered_pps java_softirq=$softirq_us
  wait "$java_pid" || { echo "bench-l2: forwarder failed:" >&2; cat "$work/l2fwd.log" "$work/l2fwd.json" >&2; exit 1; }
  wait "$trafgen_pid" || true
  json=$(cat "$work/l2fwd.json"); all_json+="$json"$'\n'
  field() { printf '%s' "$json" | grep -o "\"$1\":[^,}]*" | cut -d: -f2 | tr -d '"'; }
  java_cpu_us=$(awk -v ns="$(field cpuNsPerFrame)" 'BEGIN { printf "%.2f", ns / 1000 }')
  rows+="| Java L2Forwarder $io | $java_offered | $java_delivered | $(share "$java_delivered" "$java_offered") |"
  rows+=" $(awk -v ns="$(field cpuNsPerFrame)" 'BEGIN { printf "%.2f", ns / 1000 }') | $java_softirq |"
  rows+=" $(awk -v j="$java_delivered" -v k="$kernel_delivered" 'BEGIN { if (k > 0) printf "%.2f", j / k; else print "n/a" }') |"$'\n'
  ratio=$(awk -v j="$java_delivered" -v k="$kernel_delivered" 'BEGIN { if (k > 0) printf "%.2f", j / k; else print "n/a" }')

  sleep 1
done

if [ -n "${JSON_OUT:-}" ]; then
  printf '%s' "$all_json" >"$JSON_OUT"
fi
echo
echo "L2 forwarding, 60-byte UDP, ${SECONDS_PER_CASE}s window after ${WARMUP}s warm-up; generator on CPU $GEN_CPU," \
  "forwarder thread on CPU $FWD_CPU (SCHED_FIFO ${FIFO}, idle ${IDLE}); $(uname -r), $(nproc) CPUs"
echo
echo "| data path | offered pps | delivered pps | delivered / offered | forwarder CPU µs/frame |" \
  "softirq µs/frame (all CPUs) | delivered vs kernel |"
echo "|---|---:|---:|---:|---:|---:|---:|"
echo "| kernel ip_forward=1 | $kernel_offered | $kernel_delivered | $(share "$kernel_delivered" "$kernel_offered") |" \
  "n/a (in the generator's softirq) | $kernel_softirq | 1.00 |"
printf '%s' "$rows"
echo
printf 'forwarder: %s' "$all_json"
