#!/usr/bin/env bash
# End-to-end benchmark: Fulcrum against the kernel (direct routing, nftables DNAT), HAProxy and nginx, one command.
# Needs root (network namespaces). Builds Fulcrum, brings up the namespace lab (scripts/lab.sh, 2 backends),
# starts nginx + fulcrum-bench serve (TCP sink, UDP echo) in the backends, then for each contender in turn:
# start it, run every scenario it applies to (repeats, fulcrum-bench in the client namespace), stop it and
# restore the lb namespace (ip_forward=0, no nft table, no kernel address for 198.18.1.100). Fulcrum contenders
# use the documented config (scripts/bench/fulcrum-*.yaml) and `bin/fulcrum run --config FILE`; a config the
# build refuses with "not supported yet" makes the contender "not available in this build" with that reason.
# Finally writes the report: the bench.sh section of docs/benchmarks.md and SVG plots under docs/plots/.
#
#   client 198.18.0.2 ── cli0 198.18.0.1 [lb] srv0 198.18.1.1 ── bridge ── b1 198.18.1.11, b2 198.18.1.12
#   Fulcrum packet mode: VIP 198.18.0.100, local address 198.18.1.100; every other contender: 198.18.0.1;
#   direct: the client talks to b1 routed by the lb kernel (ip_forward=1 only then).
#
# Usage: scripts/bench.sh [--smoke] [--duration S] [--warmup S] [--repeats N] [--connections N]
#          [--scenarios "http http-close https tcp-connect tcp-stream udp"] [--contenders "direct fulcrum-fullnat ..."]
#          [--results DIR] [--doc FILE] [--plots DIR] [--no-doc] [--no-build] [--no-install] [--timeout-s S]
#          [--wrk-pairs N] [--offloads on|off]
# --offloads: the lab's veth offloads (scripts/lab.sh --offloads). off (default): TSO/GSO and TX checksum offload off
# on the client and backends, so every frame is one MTU with a complete checksum. on: veth's defaults, so TCP
# senders hand over 64 KiB GSO super-frames with partial checksums, as in an operator's namespaces; Fulcrum's
# AF_PACKET ports take them whole with virtio headers (dataplane.af-packet-vnet-header, see docs/l4.md). Bulk TCP
# (tcp-stream) is only comparable to the kernel's own NAT with offloads on: the kernel forwards GSO frames whole.
# Defaults: duration 8, warmup 2, repeats 3, connections 50, wrk-pairs 5 (≈ 20 min for everything on 2 CPUs).
# The direct path's http scenario runs --wrk-pairs adjacent fulcrum-bench/wrk pairs (instead of --repeats) for the
# cross-check of the load generator against wrk.
# --smoke: duration 1, warmup 0.5, repeats 1, wrk-pairs 1, report into the results directory only (not docs/), for CI.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/jdk.sh"
cd "$root"

ALL_SCENARIOS="http http-close https tcp-connect tcp-stream udp"
# The kernel's NAT runs right after the direct path, on a lab no other contender has used yet: run after the
# Fulcrum contenders, its new-connection rate collapsed for about a minute (the TIME_WAIT state a few hundred
# thousand earlier connections leave behind; FULLNAT's own sequence/timestamp translation is immune to it, the
# kernel's SNAT is not), which would have measured the order, not the NAT.
ALL_CONTENDERS="direct nft-dnat fulcrum-fullnat fulcrum-dnat fulcrum-proxy fulcrum-http fulcrum-https haproxy-tcp haproxy-http haproxy-https nginx-stream nginx-http nginx-https"
duration=8 warmup=2 repeats=3 wrk_pairs=5 connections=50 smoke=0 build=1 install=1 write_doc=1 timeout_s=3600 offloads=off
scenarios=$ALL_SCENARIOS contenders=$ALL_CONTENDERS results="" doc="" plots=""
original_args="$*"
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=1; shift ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --repeats) repeats=$2; shift 2 ;;
    --wrk-pairs) wrk_pairs=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --scenarios) scenarios=$2; shift 2 ;;
    --contenders) contenders=$2; shift 2 ;;
    --results) results=$2; shift 2 ;;
    --doc) doc=$2; shift 2 ;;
    --plots) plots=$2; shift 2 ;;
    --no-doc) write_doc=0; shift ;;
    --no-build) build=0; shift ;;
    --no-install) install=0; shift ;;
    --timeout-s) timeout_s=$2; shift 2 ;;
    --offloads) offloads=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo pipefail/{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
if [ "$smoke" = 1 ]; then
  duration=1 warmup=0.5 repeats=1 wrk_pairs=1
fi
die() { echo "bench: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
[[ "$repeats" =~ ^[1-9][0-9]?$ ]] || die "--repeats must be 1..99"
[[ "$wrk_pairs" =~ ^[1-9][0-9]?$ ]] || die "--wrk-pairs must be 1..99"
[[ "$offloads" =~ ^(on|off)$ ]] || die "--offloads must be on or off"
[[ "$connections" =~ ^[1-9][0-9]{0,4}$ ]] || die "--connections must be 1..99999"
awk -v d="$duration" -v w="$warmup" 'BEGIN { exit !(d > 0 && d <= 600 && w >= 0 && w <= 60) }' \
  || die "--duration must be in (0, 600] and --warmup in [0, 60]"
for s in $scenarios; do [[ " $ALL_SCENARIOS " == *" $s "* ]] || die "unknown scenario '$s' (one of: $ALL_SCENARIOS)"; done
for c in $contenders; do [[ " $ALL_CONTENDERS " == *" $c "* ]] || die "unknown contender '$c' (one of: $ALL_CONTENDERS)"; done

# Hard bound on the whole run: the script re-checks the deadline before every step.
deadline=$(( $(date +%s) + timeout_s ))
check_deadline() { [ "$(date +%s)" -lt "$deadline" ] || die "the run exceeded --timeout-s $timeout_s"; }

# ---------------------------------------------------------------- peers from Debian
need_pkgs=()
command -v nginx >/dev/null || need_pkgs+=(nginx)
[ -f /usr/lib/nginx/modules/ngx_stream_module.so ] || need_pkgs+=(libnginx-mod-stream)
command -v haproxy >/dev/null || need_pkgs+=(haproxy)
command -v nft >/dev/null || need_pkgs+=(nftables)
command -v wrk >/dev/null || need_pkgs+=(wrk)
command -v iperf3 >/dev/null || need_pkgs+=(iperf3)
command -v openssl >/dev/null || need_pkgs+=(openssl)
command -v ethtool >/dev/null || need_pkgs+=(ethtool)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  [ "$install" = 1 ] || die "missing Debian packages: ${need_pkgs[*]} (run without --no-install, or apt-get install them)"
  echo "bench: installing ${need_pkgs[*]} from Debian" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need_pkgs[@]}" >/dev/null \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need_pkgs[@]}" >/dev/null; }
fi

# ---------------------------------------------------------------- build
if [ "$build" = 1 ]; then
  echo "bench: building Fulcrum (scripts/build.sh -q -DskipTests package)" >&2
  scripts/build.sh -q -DskipTests package >&2
fi
export FULCRUM_NO_BUILD=1
[ -f bench/target/classes/io/fulcrum/bench/load/FulcrumBench.class ] || die "bench module not built (drop --no-build)"

# ---------------------------------------------------------------- run directory, lab, cleanup
prefix="fb$(printf '%x' $(( $$ % 65536 )))$(printf '%x' $(( RANDOM % 256 )))"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
[ -n "$results" ] || results="$root/bench/target/bench-results/$stamp"
mkdir -p "$results"
results=$(cd "$results" && pwd)
if [ "$smoke" = 1 ]; then
  [ -n "$doc" ] || doc="$results/benchmarks.md"
  [ -n "$plots" ] || plots="$results/plots"
else
  [ -n "$doc" ] || doc="$root/docs/benchmarks.md"
  [ -n "$plots" ] || plots="$root/docs/plots"
fi
work=$(mktemp -d "/tmp/fbench-$prefix.XXXX")
chmod 755 "$work"
: >"$results/runs.jsonl"
: >"$results/contenders.jsonl"
log="$results/bench.log"
: >"$log"
bg_pids=()
lb_ns="$prefix-lb"
client_ns="$prefix-client"

say() { echo "bench: $*" >&2; echo "$(date -u +%T) $*" >>"$log"; }

restore_lb() {
  ip netns exec "$lb_ns" sysctl -qw net.ipv4.ip_forward=0 2>/dev/null || true
  ip netns exec "$lb_ns" nft delete table ip fbench 2>/dev/null || true
  ip -n "$lb_ns" addr del 198.18.1.100/32 dev srv0 2>/dev/null || true
  # a Fulcrum killed hard could leave its XDP program attached
  ip -n "$lb_ns" link set dev cli0 xdp off 2>/dev/null || true
  ip -n "$lb_ns" link set dev srv0 xdp off 2>/dev/null || true
}

stop_pid() { # pid [name]
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

stop_pidfile() { # file
  [ -f "$1" ] || return 0
  local pid
  pid=$(cat "$1" 2>/dev/null || true)
  [ -n "$pid" ] && stop_pid "$pid"
  rm -f "$1"
}

cleanup() {
  local p
  for p in "${bg_pids[@]}"; do stop_pid "$p"; done
  for p in "$work"/*.pid; do [ -e "$p" ] && stop_pidfile "$p"; done
  scripts/lab.sh down --prefix "$prefix" >/dev/null 2>&1 || true
  rm -rf "$work" "/dev/shm/fbench-$prefix"-*
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "lab $prefix up, offloads $offloads (results in $results)"
scripts/lab.sh up --prefix "$prefix" --backends 2 --offloads "$offloads" >"$work/lab.env"
ip -n "$client_ns" route add 198.18.1.0/24 via 198.18.0.1
for ns in "$client_ns" "$lb_ns"; do
  ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="15000 64999" net.ipv4.tcp_tw_reuse=1 net.core.somaxconn=4096
done
for i in 1 2; do ip netns exec "$prefix-b$i" sysctl -qw net.core.somaxconn=4096; done
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

# ---------------------------------------------------------------- TLS material and configs
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=bench.fulcrum.test \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
cat "$work/cert.pem" "$work/key.pem" >"$work/haproxy.pem"

# With --offloads on the packet-mode configs run AF_PACKET: veth's native XDP turns TSO off on the peer, but the
# peer's TX checksum offload stays on and AF_XDP loses the CHECKSUM_PARTIAL mark (backends then drop every segment
# with TcpInCsumErrors, see docs/l4.md), while AF_PACKET's virtio headers carry it.
io_sed=()
[ "$offloads" = on ] && io_sed=(-e "s#^  io: auto#  io: af_packet#")
render() { # template out [extra sed expressions...]
  local template=$1 out=$2; shift 2
  sed -e "s#@RUN@#$work#g" -e "s#@CERT@#$work/cert.pem#g" -e "s#@KEY@#$work/key.pem#g" -e "s#@PEM@#$work/haproxy.pem#g" \
    "${io_sed[@]}" "$@" "scripts/bench/$template" >"$out"
}

# ---------------------------------------------------------------- backends
for i in 1 2; do
  render backend-nginx.conf "$work/backend$i.conf" -e "s#@N@#$i#g" -e "s#@ADDR@#198.18.1.1$i#g"
  ip netns exec "$prefix-b$i" nginx -c "$work/backend$i.conf" -e "$work/backend$i.err"
  ip netns exec "$prefix-b$i" bin/fulcrum-bench serve --tcp-sink "198.18.1.1$i:9000" --udp-echo "198.18.1.1$i:5300" \
    --seconds "$timeout_s" >"$work/serve$i.log" 2>&1 &
  bg_pids+=($!)
done
for i in 1 2; do
  for _ in $(seq 1 200); do grep -q ready "$work/serve$i.log" 2>/dev/null && break; sleep 0.1; done
  grep -q ready "$work/serve$i.log" || die "backend helper $i did not start: $(cat "$work/serve$i.log")"
  [ -f "$work/backend$i.pid" ] || die "backend nginx $i did not start: $(cat "$work/backend$i.err" 2>/dev/null)"
done

# ---------------------------------------------------------------- versions
jstr() { # JSON string literal of $1
  printf '%s' "$1" | awk 'BEGIN { ORS = "" } { gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); gsub(/\t/, " "); if (NR > 1) print "\\n"; print }' \
    | sed 's/^/"/; s/$/"/'
}
haproxy_v=$(haproxy -v 2>&1 | sed -n 1,1p)
nginx_v=$(nginx -v 2>&1 | sed -n 1,1p)
nft_v=$(nft -v 2>&1 | sed -n 1,1p)
wrk_v=$(wrk -v 2>&1 | sed -n 1,1p || true)
openssl_v=$(openssl version 2>&1 | sed -n 1,1p)
jdk_v=$("$JAVA_HOME/bin/java" -version 2>&1 | sed -n 1,1p)
rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -z "$(git status --porcelain --untracked-files=no -- . ':!docs' 2>/dev/null)" ] || rev="$rev (with uncommitted changes outside docs/)"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- contenders
# kind, description, applicable scenarios, target address per scenario
kind_of() { case "$1" in direct) echo ceiling ;; fulcrum-*) echo fulcrum ;; *) echo peer ;; esac; }
applies() { # contender scenario
  case "$1:$2" in
    direct:*) return 0 ;;
    fulcrum-fullnat:https|fulcrum-dnat:https|fulcrum-proxy:https|nft-dnat:https) return 1 ;;
    fulcrum-fullnat:*|fulcrum-dnat:*|fulcrum-proxy:*|nft-dnat:*) return 0 ;;
    fulcrum-http:http|fulcrum-http:http-close|fulcrum-https:https) return 0 ;;
    haproxy-tcp:http|haproxy-tcp:http-close|haproxy-tcp:tcp-connect|haproxy-tcp:tcp-stream) return 0 ;;
    haproxy-http:http|haproxy-http:http-close|haproxy-https:https) return 0 ;;
    nginx-stream:http|nginx-stream:http-close|nginx-stream:tcp-connect|nginx-stream:tcp-stream|nginx-stream:udp) return 0 ;;
    nginx-http:http|nginx-http:http-close|nginx-https:https) return 0 ;;
    *) return 1 ;;
  esac
}
address_of() { # contender
  case "$1" in
    direct) echo 198.18.1.11 ;;
    fulcrum-fullnat|fulcrum-dnat) echo 198.18.0.100 ;;
    *) echo 198.18.0.1 ;;
  esac
}
port_of() { # scenario
  case "$1" in
    http|http-close|tcp-connect) echo 80 ;;
    https) echo 443 ;;
    tcp-stream) echo 9000 ;;
    udp) echo 5300 ;;
  esac
}
describe() { # contender
  case "$1" in
    direct) echo "no load balancer: the client talks to backend 1 through the lb kernel's routing (ip_forward=1); the ceiling" ;;
    fulcrum-fullnat) echo "Fulcrum packet mode FULLNAT, VIP 198.18.0.100, local address 198.18.1.100, 1 agent (scripts/bench/fulcrum-fullnat.yaml)" ;;
    fulcrum-dnat) echo "Fulcrum packet mode DNAT, VIP 198.18.0.100, backends route through 198.18.1.100 (scripts/bench/fulcrum-dnat.yaml)" ;;
    fulcrum-proxy) echo "Fulcrum L4 proxy mode (sockets) on 198.18.0.1 (scripts/bench/fulcrum-proxy.yaml)" ;;
    fulcrum-http) echo "Fulcrum L7 HTTP listener on 198.18.0.1:80 (scripts/bench/fulcrum-http.yaml)" ;;
    fulcrum-https) echo "Fulcrum L7 HTTPS listener on 198.18.0.1:443, ECDSA P-256 (scripts/bench/fulcrum-https.yaml)" ;;
    nft-dnat) echo "$nft_v: DNAT numgen round robin in the lb kernel, ip_forward=1 (scripts/bench/nft-dnat.nft)" ;;
    haproxy-tcp) echo "$haproxy_v, mode tcp, nbthread 1 (scripts/bench/haproxy-tcp.cfg)" ;;
    haproxy-http|haproxy-https) echo "$haproxy_v, mode http, nbthread 1, keep-alive to backends (scripts/bench/haproxy-http.cfg)" ;;
    nginx-stream) echo "$nginx_v stream (TCP+UDP), 1 worker (scripts/bench/nginx-stream.conf)" ;;
    nginx-http|nginx-https) echo "$nginx_v http proxy, 1 worker, upstream keepalive (scripts/bench/nginx-http.conf)" ;;
  esac
}

contender_pid=""
contender_reason=""

# Starts a contender; returns 0 when it runs, 1 with contender_reason set ("unavailable: ..." or "failed: ...").
start_contender() {
  local c=$1 conf
  contender_pid="" contender_reason=""
  restore_lb
  case "$c" in
    direct)
      ip -n "$lb_ns" addr add 198.18.1.100/32 dev srv0
      ip netns exec "$lb_ns" sysctl -qw net.ipv4.ip_forward=1 ;;
    nft-dnat)
      ip -n "$lb_ns" addr add 198.18.1.100/32 dev srv0
      ip netns exec "$lb_ns" sysctl -qw net.ipv4.ip_forward=1
      ip netns exec "$lb_ns" nft -f scripts/bench/nft-dnat.nft || { contender_reason="failed: nft -f refused the table"; return 1; } ;;
    haproxy-*)
      conf="$work/$c.cfg"
      render "$([ "$c" = haproxy-tcp ] && echo haproxy-tcp.cfg || echo haproxy-http.cfg)" "$conf"
      if ! ip netns exec "$lb_ns" haproxy -f "$conf" >"$work/$c.log" 2>&1; then
        contender_reason="failed: haproxy did not start: $(tail -3 "$work/$c.log" | tr '\n' ' ')"; return 1
      fi
      contender_pid=$(cat "$work/haproxy.pid") ;;
    nginx-*)
      local t; t=$([ "$c" = nginx-stream ] && echo nginx-stream || echo nginx-http)
      conf="$work/$t.conf"
      render "$t.conf" "$conf"
      if ! ip netns exec "$lb_ns" nginx -c "$conf" -e "$work/$t.err" >"$work/$c.log" 2>&1; then
        contender_reason="failed: nginx did not start: $(tail -3 "$work/$c.log" "$work/$t.err" 2>/dev/null | tr '\n' ' ')"; return 1
      fi
      sleep 0.2
      contender_pid=$(cat "$work/$t.pid") ;;
    fulcrum-*)
      conf="$work/$c.yaml"
      render "$c.yaml" "$conf" -e "s#run-dir: .*#run-dir: /dev/shm/fbench-$prefix-$c#"
      if ! bin/fulcrum validate --config "$conf" >"$work/$c.validate" 2>&1; then
        if grep -q "not supported yet" "$work/$c.validate"; then
          contender_reason="unavailable: bin/fulcrum validate: $(grep -o 'not supported yet (arrives with [^)]*)' "$work/$c.validate" \
            | sed 's/not supported yet (arrives with \(.*\))/\1/' | sort -u | paste -sd, - | sed 's/,/, /g; s/^/not supported yet: /')"
        else
          contender_reason="failed: bin/fulcrum validate: $(grep -v 'nothing started' "$work/$c.validate" | sed -n 1,3p | tr '\n' ' ')"
        fi
        return 1
      fi
      ip netns exec "$lb_ns" bin/fulcrum run --config "$conf" >"$work/$c.log" 2>&1 &
      contender_pid=$!
      local i
      for i in $(seq 1 600); do
        grep -q 'fulcrum: ready' "$work/$c.log" 2>/dev/null && break
        kill -0 "$contender_pid" 2>/dev/null || break
        sleep 0.1
      done
      if ! grep -q 'fulcrum: ready' "$work/$c.log"; then
        contender_reason="failed: bin/fulcrum run did not become ready: $(grep -v '^WARNING' "$work/$c.log" | tail -3 | tr '\n' ' ')"
        stop_pid "$contender_pid"; contender_pid=""
        return 1
      fi ;;
  esac
  return 0
}

stop_contender() {
  local c=$1
  if [ -n "$contender_pid" ]; then stop_pid "$contender_pid"; fi
  case "$c" in
    haproxy-*) stop_pidfile "$work/haproxy.pid" ;;
    nginx-stream) stop_pidfile "$work/nginx-stream.pid" ;;
    nginx-*) stop_pidfile "$work/nginx-http.pid" ;;
  esac
  contender_pid=""
  restore_lb
  # let TIME_WAIT/conntrack churn of the previous contender settle a little
  sleep 0.5
}

emit() { # one JSON line into runs.jsonl
  printf '%s\n' "$1" >>"$results/runs.jsonl"
}

# wrk output → the JSON fields the report reads
wrk_json() { # file
  awk '
    function us(v) { if (v ~ /us$/) return v + 0; if (v ~ /ms$/) return (v + 0) * 1000; if (v ~ /s$/) return (v + 0) * 1e6; return v + 0 }
    /Requests\/sec:/ { rps = $2 }
    /requests in/ { ops = $1; secs = $4; sub(/s,?$/, "", secs) }
    /^ +50%/ { p50 = us($2) } /^ +75%/ { p75 = us($2) } /^ +90%/ { p90 = us($2) } /^ +99%/ { p99 = us($2) }
    /Socket errors/ { gsub(/,/, ""); err += $4 + $6 + $8 + $10 }
    /Non-2xx or 3xx/ { err += $5 }
    END {
      printf "{\"tool\":\"wrk\",\"unit\":\"req/s\",\"perSecond\":%s,\"operations\":%d,\"seconds\":%s,\"errorTotal\":%d", rps + 0, ops, secs + 0, err
      if (p50 != "") printf ",\"latencyUs\":{\"p50\":%s,\"p75\":%s,\"p90\":%s,\"p99\":%s}", p50, p75, p90, p99
      printf "}"
    }' "$1"
}

run_load() { # contender scenario repeat tool
  local c=$1 s=$2 r=$3 tool=$4 target out rc=0 args
  target="$(address_of "$c"):$(port_of "$s")"
  out="$work/run-$c-$s-$r-$tool"
  check_deadline
  if [ "$tool" = wrk ]; then
    local scheme=http d
    [ "$s" = https ] && scheme=https
    d=$(awk -v d="$duration" -v w="$warmup" 'BEGIN { printf "%d", (d + w < 1) ? 1 : d + 0.5 }')
    # wrk has no warm-up: a short unmeasured run first
    if awk -v w="$warmup" 'BEGIN { exit !(w > 0) }'; then
      timeout 120 ip netns exec "$client_ns" wrk -t1 -c"$connections" -d"$(awk -v w="$warmup" 'BEGIN { printf "%d", w < 1 ? 1 : w }')s" \
        "$scheme://$target/" >/dev/null 2>&1 || true
    fi
    args=(wrk -t1 -c"$connections" -d"${d}s" --latency)
    [ "$s" = http-close ] && args+=(-H 'Connection: close')
    args+=("$scheme://$target/")
    timeout $(( ${d%.*} + 60 )) ip netns exec "$client_ns" "${args[@]}" >"$out.txt" 2>&1 || rc=$?
    if [ $rc -ne 0 ] || ! grep -q 'Requests/sec' "$out.txt"; then
      emit "{\"scenario\":\"$s\",\"contender\":\"$(wrk_name "$c" "$s")\",\"tool\":\"wrk\",\"repeat\":$r,\"status\":\"failed\",\"reason\":$(jstr "wrk exit $rc: $(tail -2 "$out.txt" | tr '\n' ' ')")}"
      return
    fi
    emit "{\"scenario\":\"$s\",\"contender\":\"$(wrk_name "$c" "$s")\",\"tool\":\"wrk\",\"repeat\":$r,\"status\":\"ok\",\"command\":$(jstr "${args[*]}"),\"result\":$(wrk_json "$out.txt")}"
    say "  $s $(wrk_name "$c" "$s") #$r (wrk): $(grep 'Requests/sec' "$out.txt" | awk '{print $2}') req/s"
    return
  fi
  local fbs=$s extra=()
  [ "$s" = udp ] && extra+=(--timeout-ms 1000)
  [ "$s" = tcp-stream ] && extra+=(-c 4) || extra+=(-c "$connections")
  args=(bin/fulcrum-bench --scenario "$fbs" --target "$target" -d "$duration" --warmup "$warmup" "${extra[@]}"
    --label "$c" --json "$out.json" --no-progress)
  timeout "$(awk -v d="$duration" -v w="$warmup" 'BEGIN { printf "%d", d + w + 60 }')" \
    ip netns exec "$client_ns" "${args[@]}" >"$out.txt" 2>&1 || rc=$?
  if [ $rc -ne 0 ] || [ ! -s "$out.json" ]; then
    emit "{\"scenario\":\"$s\",\"contender\":\"$c\",\"tool\":\"fulcrum-bench\",\"repeat\":$r,\"status\":\"failed\",\"reason\":$(jstr "fulcrum-bench exit $rc: $(tail -3 "$out.txt" | tr '\n' ' ')")}"
    say "  $s $c #$r: fulcrum-bench failed (exit $rc)"
    return
  fi
  if grep -q '"operations":0,' "$out.json"; then
    emit "{\"scenario\":\"$s\",\"contender\":\"$c\",\"tool\":\"fulcrum-bench\",\"repeat\":$r,\"status\":\"failed\",\"reason\":$(jstr "no operation completed; $(grep errors: "$out.txt" | sed 's/^ *//')")}"
    say "  $s $c #$r: nothing completed ($(grep errors: "$out.txt" | sed 's/^ *//'))"
    return
  fi
  emit "{\"scenario\":\"$s\",\"contender\":\"$c\",\"tool\":\"fulcrum-bench\",\"repeat\":$r,\"status\":\"ok\",\"command\":$(jstr "ip netns exec CLIENT ${args[*]}"),\"result\":$(cat "$out.json")}"
  say "  $s $c #$r: $(sed -n 2p "$out.txt" | sed 's/^ *//')"
}

wrk_name() { # contender scenario: the row name of a wrk run
  if [ "$2" = https ]; then echo "$1"; else echo "$1-wrk"; fi
}

# ---------------------------------------------------------------- the runs
say "scenarios: $scenarios; contenders: $contenders; ${duration}s x $repeats after ${warmup}s warm-up, $connections connections"
for c in $contenders; do
  check_deadline
  todo=()
  for s in $scenarios; do applies "$c" "$s" && todo+=("$s"); done
  [ ${#todo[@]} -gt 0 ] || continue
  printf '{"contender":"%s","kind":"%s","description":%s,"command":%s}\n' "$c" "$(kind_of "$c")" "$(jstr "$(describe "$c")")" \
    "$(jstr "$(case "$c" in fulcrum-*) echo "ip netns exec LB bin/fulcrum run --config scripts/bench/$c.yaml" ;;
      direct) echo "ip netns exec LB sysctl -w net.ipv4.ip_forward=1" ;; nft-dnat) echo "ip netns exec LB nft -f scripts/bench/nft-dnat.nft" ;;
      haproxy-tcp) echo "ip netns exec LB haproxy -f scripts/bench/haproxy-tcp.cfg" ;; haproxy-*) echo "ip netns exec LB haproxy -f scripts/bench/haproxy-http.cfg" ;;
      nginx-stream) echo "ip netns exec LB nginx -c scripts/bench/nginx-stream.conf" ;; nginx-*) echo "ip netns exec LB nginx -c scripts/bench/nginx-http.conf" ;; esac)")" \
    >>"$results/contenders.jsonl"
  if [ "$c" = direct ] && [[ " ${todo[*]} " == *" http "* ]]; then
    printf '{"contender":"direct-wrk","kind":"ceiling","description":"the direct path measured with wrk 4.1 (-t1, same connections and duration) to cross-check fulcrum-bench","command":"ip netns exec CLIENT wrk -t1 -cN -dDs --latency http://198.18.1.11:80/"}\n' \
      >>"$results/contenders.jsonl"
  fi
  say "contender $c: ${todo[*]}"
  if ! start_contender "$c"; then
    status=${contender_reason%%:*}; reason=${contender_reason#*: }
    say "  $c: $contender_reason"
    for s in "${todo[@]}"; do
      emit "{\"scenario\":\"$s\",\"contender\":\"$c\",\"tool\":\"$([ "$s" = https ] && echo wrk || echo fulcrum-bench)\",\"status\":\"$status\",\"reason\":$(jstr "$reason")}"
    done
    stop_contender "$c"
    continue
  fi
  for s in "${todo[@]}"; do
    n=$repeats
    [ "$c" = direct ] && [ "$s" = http ] && n=$wrk_pairs
    for r in $(seq 1 "$n"); do
      if [ "$s" = https ]; then
        run_load "$c" "$s" "$r" wrk
      else
        if [ "$c" = direct ] && [ "$s" = http ]; then
          # the wrk cross-check: adjacent pairs, the order alternating so that neither tool always goes first
          if [ $(( r % 2 )) = 1 ]; then
            run_load "$c" "$s" "$r" fulcrum-bench; run_load "$c" "$s" "$r" wrk
          else
            run_load "$c" "$s" "$r" wrk; run_load "$c" "$s" "$r" fulcrum-bench
          fi
        else
          run_load "$c" "$s" "$r" fulcrum-bench
        fi
      fi
    done
  done
  if [ -n "$contender_pid" ] && ! kill -0 "$contender_pid" 2>/dev/null; then
    say "  $c exited during the runs: $(tail -3 "$work/$c.log" 2>/dev/null | tr '\n' ' ')"
  fi
  stop_contender "$c"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- meta and report
cmdline="scripts/bench.sh${original_args:+ $original_args}"
cat >"$results/meta.json" <<EOF
{"date":$(jstr "$(date -u '+%Y-%m-%d %H:%M UTC')"),"host":$(jstr "$(hostname) ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'))"),
 "cpus":$(jstr "$(nproc)"),"kernel":$(jstr "$(uname -r)"),"jdk":$(jstr "$jdk_v"),"fulcrumRev":$(jstr "$rev"),
 "haproxy":$(jstr "$haproxy_v"),"nginx":$(jstr "$nginx_v"),"nft":$(jstr "$nft_v"),"wrk":$(jstr "$wrk_v"),"openssl":$(jstr "$openssl_v"),
 "duration":$(jstr "${duration} s measured after ${warmup} s warm-up (fulcrum-bench --warmup; wrk: a separate unmeasured run)"),
 "warmup":$(jstr "$warmup"),"repeats":$(jstr "$repeats (direct http: $wrk_pairs fulcrum-bench/wrk pairs)"),
 "connections":$(jstr "$connections (tcp-stream: 4; udp: $connections sockets, 32-byte datagrams)"),"threads":"1 (fulcrum-bench and wrk -t1)",
 "loadBefore":$(jstr "$load_before"),"loadAfter":$(jstr "$load_after"),"command":$(jstr "$cmdline")}
EOF
if [ "$write_doc" = 1 ]; then
  mkdir -p "$plots"
  [ -f "$doc" ] || printf '# Benchmarks\n' >"$doc"
  bin/fulcrum-bench report --results "$results" --doc "$doc" --plots "$plots" >&2
fi
bin/fulcrum-bench report --results "$results" --markdown-out "$results/report.md" >/dev/null
say "done: $results/report.md${write_doc:+ and $doc}"
