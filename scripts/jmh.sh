#!/usr/bin/env bash
# Runs the JMH suite of the bench module with one command, writes JMH's JSON and turns it into the Markdown table
# of docs/benchmarks.md (the jmh.sh section: score, error and gc.alloc.rate.norm for every benchmark).
#
# Usage: scripts/jmh.sh [--include REGEX] [--no-doc] [--doc FILE] [--no-build] [-- extra JMH options]
# Defaults: every benchmark (REGEX '.*'), short settings: -f 1 -wi 2 -w 1 -i 3 -r 1 -prof gc
# (override any of them after --, e.g. scripts/jmh.sh --include Scheduler -- -i 10 -r 2).
# Output: bench/target/jmh/jmh-<UTC stamp>.json, and the jmh.sh section of docs/benchmarks.md unless --no-doc.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/jdk.sh"
cd "$root"
include='.*'
doc="$root/docs/benchmarks.md"
write_doc=1
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --include) include=$2; shift 2 ;;
    --doc) doc=$2; shift 2 ;;
    --no-doc) write_doc=0; shift ;;
    --no-build) build=0; shift ;;
    --) shift; break ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "jmh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
if [ "$build" = 1 ]; then
  scripts/build.sh -q -pl bench -am package -DskipTests >&2
fi
[ -f bench/target/classes/META-INF/BenchmarkList ] || { echo "jmh: no benchmarks built (drop --no-build)" >&2; exit 1; }
mkdir -p bench/target/jmh
out="bench/target/jmh/jmh-$(date -u +%Y%m%dT%H%M%SZ).json"
flags="--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"
# short defaults, each one only where the extra options do not set it (JMH refuses an option given twice)
args=()
given() { local o; for o in "${extra[@]}"; do [ "$o" = "$1" ] && return 0; done; return 1; }
extra=("$@")
for d in "-f 1" "-wi 2" "-w 1" "-i 3" "-r 1" "-prof gc"; do
  given "${d%% *}" || args+=(${d%% *} "${d#* }")
done
args+=("$@")
echo "jmh: java -cp 'bench/target/classes:bench/target/lib/*' org.openjdk.jmh.Main '$include' ${args[*]} -rf json -rff $out" >&2
# shellcheck disable=SC2086
"$JAVA_HOME/bin/java" $flags -cp "bench/target/classes:bench/target/lib/*" org.openjdk.jmh.Main "$include" \
  -jvmArgsAppend "$flags" "${args[@]}" -rf json -rff "$out"
command_line="scripts/jmh.sh --include '$include'${*:+ -- $*}"
note="Run of $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs (shared; load average $(cut -d' ' -f1-3 /proc/loadavg) at the end), \
$("$JAVA_HOME/bin/java" -version 2>&1 | sed -n 1,1p), Fulcrum $(git rev-parse --short HEAD 2>/dev/null || echo unknown). \
JMH settings: ${args[*]}. Error bars are wide on a shared 2-CPU VM; the allocation column is what the hot-path rules are checked \
against (≈ 0 B/op)."
if [ "$write_doc" = 1 ]; then
  FULCRUM_NO_BUILD=1 bin/fulcrum-bench jmh-report --json "$out" --doc "$doc" --command "$command_line" --note "$note"
else
  FULCRUM_NO_BUILD=1 bin/fulcrum-bench jmh-report --json "$out" --command "$command_line" --note "$note"
fi
echo "jmh: results in $out" >&2
