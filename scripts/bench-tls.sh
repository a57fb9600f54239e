#!/usr/bin/env bash
# TLS benchmark in the namespace lab: full handshakes/s (ECDSA P-256 and RSA 2048) and HTTPS keep-alive
# requests/s through Fulcrum, nginx and HAProxy, same certificates, same two nginx backends, same run.
#   scripts/bench-tls.sh [seconds-per-run]      (default 10; needs nginx, haproxy, wrk, h2load, openssl)
# Load balancers listen on 198.18.0.1 (lb namespace): Fulcrum 8443 (ECDSA) / 8444 (RSA), nginx 9443/9444,
# HAProxy 10443/10444. Each gets the machine's cores (Fulcrum: one event loop per core; nginx
# worker_processes auto; HAProxy nbthread = cores). Clients run in the client namespace on the same machine.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
prefix=tlsb$$
prefix=${prefix:0:12}
run=$(mktemp -d /tmp/fulcrum-bench-tls.XXXXXX)
cores=$(nproc)
cleanup() {
  for p in "$run"/*.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null || true; done
  [ -n "${fulcrum_pid:-}" ] && kill "$fulcrum_pid" 2>/dev/null && wait "$fulcrum_pid" 2>/dev/null || true
  scripts/lab.sh down --prefix "$prefix" >/dev/null 2>&1 || true
}
trap cleanup EXIT
scripts/lab.sh up --prefix "$prefix" --backends 2 >/dev/null
C="ip netns exec $prefix-client"
LB="ip netns exec $prefix-lb"

# certificates (throw-away, made here)
(cd "$run"
 openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.key 2>/dev/null
 openssl req -x509 -new -key ec.key -subj /CN=bench.test -addext subjectAltName=DNS:bench.test -days 2 -out ec.pem
 openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.key 2>/dev/null
 openssl req -x509 -new -key rsa.key -subj /CN=bench.test -addext subjectAltName=DNS:bench.test -days 2 -out rsa.pem
 cat ec.pem ec.key > ec.haproxy; cat rsa.pem rsa.key > rsa.haproxy)

# backends: nginx answering 200 "backendN"
for i in 1 2; do
  cat > "$run/backend$i.conf" <<CONF
worker_processes 1;
pid $run/backend$i.pid;
error_log $run/backend$i.err warn;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  server { listen 198.18.1.1$i:80 reuseport backlog=4096; location / { return 200 "backend$i\n"; } } }
CONF
  ip netns exec "$prefix-b$i" nginx -c "$run/backend$i.conf"
done

# nginx TLS load balancer
cat > "$run/nginx.conf" <<CONF
worker_processes auto;
pid $run/nginx.pid;
error_log $run/nginx.err warn;
events { worker_connections 8192; }
http { access_log off; keepalive_requests 1000000;
  upstream be { server 198.18.1.11:80; server 198.18.1.12:80; keepalive 64; }
  ssl_protocols TLSv1.2 TLSv1.3; ssl_session_cache shared:S:10m; ssl_session_timeout 300s;
  server { listen 198.18.0.1:9443 ssl http2 backlog=4096; ssl_certificate $run/ec.pem; ssl_certificate_key $run/ec.key;
    location / { proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection ""; } }
  server { listen 198.18.0.1:9444 ssl http2 backlog=4096; ssl_certificate $run/rsa.pem; ssl_certificate_key $run/rsa.key;
    location / { proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
CONF
$LB nginx -c "$run/nginx.conf"

# HAProxy mode http with TLS
cat > "$run/haproxy.cfg" <<CONF
global
  maxconn 8000
  nbthread $cores
  pidfile $run/haproxy.pid
  daemon
  ssl-default-bind-options ssl-min-ver TLSv1.2
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  http-reuse always
frontend fe_ec
  bind 198.18.0.1:10443 ssl crt $run/ec.haproxy alpn h2,http/1.1
  default_backend be
frontend fe_rsa
  bind 198.18.0.1:10444 ssl crt $run/rsa.haproxy alpn h2,http/1.1
  default_backend be
backend be
  balance roundrobin
  server s1 198.18.1.11:80
  server s2 198.18.1.12:80
CONF
$LB haproxy -f "$run/haproxy.cfg"

# Fulcrum
cat > "$run/fulcrum.yaml" <<CONF
node: {name: bench, run-dir: $run/fulcrum}
dataplane: {}
listeners:
  - {name: ec, protocol: https, vip: 198.18.0.1, port: 8443, group: be, certificates: [{cert: ec.pem, key: ec.key}]}
  - {name: rsa, protocol: https, vip: 198.18.0.1, port: 8444, group: be, certificates: [{cert: rsa.pem, key: rsa.key}]}
backend-groups:
  - name: be
    scheduler: rr
    backends: [{address: 198.18.1.11, port: 80}, {address: 198.18.1.12, port: 80}]
CONF
FULCRUM_NO_BUILD=${FULCRUM_NO_BUILD:-0} $LB bin/fulcrum run --config "$run/fulcrum.yaml" > "$run/fulcrum.log" 2>&1 &
fulcrum_pid=$!
for _ in $(seq 1 100); do grep -q "fulcrum: ready" "$run/fulcrum.log" 2>/dev/null && break; sleep 0.2; done
grep -q "fulcrum: ready" "$run/fulcrum.log" || { cat "$run/fulcrum.log"; exit 1; }
for port in 8443 9443 10443; do $C curl -sk "https://198.18.0.1:$port/" | grep -q backend || { echo "port $port does not answer"; exit 1; }; done
# warm the JIT of every LB with the same load before measuring
for port in 8443 8444 9443 9444 10443 10444; do $C openssl s_time -connect "198.18.0.1:$port" -new -time 3 >/dev/null 2>&1 || true; done
for port in 8443 9443 10443; do $C wrk -t2 -c50 -d3s "https://198.18.0.1:$port/" >/dev/null 2>&1 || true; done

printf '%-8s %-6s %22s %22s %24s %10s %10s\n' lb key "handshakes/s (4 cl.)" "s_time conn/s (1 cl.)" "keep-alive req/s (wrk)" "wrk p50" "wrk p99"
for lb in fulcrum:8443:8444 nginx:9443:9444 haproxy:10443:10444; do
  name=${lb%%:*}; rest=${lb#*:}; ec=${rest%%:*}; rsa=${rest#*:}
  for key in ecdsa rsa; do
    port=$ec; [ $key = rsa ] && port=$rsa
    # full handshakes: 4 concurrent openssl s_time clients (new session each time, TLS 1.3 default), summed
    hs=$( (for k in 1 2 3 4; do $C timeout $((secs + 30)) openssl s_time -connect "198.18.0.1:$port" -new -time "$secs" \
      2>/dev/null & done; wait) | awk '/connections in .* real seconds/ {sum += $1/$4} END {printf "%.0f", sum}' || true)
    # one client, for latency-bound comparison
    st=$($C timeout $((secs + 30)) openssl s_time -connect "198.18.0.1:$port" -new -time "$secs" 2>/dev/null \
      | awk '/connections in .* real seconds/ {printf "%.0f", $1/$4}' || true)
    if [ $key = ecdsa ]; then
      out=$($C wrk -t2 -c50 -d"${secs}s" --latency "https://198.18.0.1:$port/" || true)
      rps=$(echo "$out" | awk '/^Requests\/sec/ {print $2}')
      p50=$(echo "$out" | awk '$1=="50%" {print $2}')
      p99=$(echo "$out" | awk '$1=="99%" {print $2}')
    else
      rps=-; p50=-; p99=-
    fi
    printf '%-8s %-6s %22s %22s %24s %10s %10s\n' "$name" "$key" "$hs" "$st" "$rps" "$p50" "$p99"
  done
done
grep -E "listener|TLS" "$run/fulcrum.log" | head -3
