#!/usr/bin/env bash
# Runs Maven with a JDK 25 selected automatically. Usage: scripts/build.sh [maven args...]
# Default: package the distribution without tests.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/jdk.sh"
cd "$root"
if [ $# -eq 0 ]; then
  set -- -q -DskipTests package
fi
exec mvn -B -ntp "$@"
