#!/usr/bin/env bash
# Runs the whole test suite: unit tests, golden fixtures, fuzz tests and the namespace system tests
# (those need root; they build and remove their own lab). Usage: scripts/test.sh [maven args...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/jdk.sh"
cd "$root"
echo "fulcrum: testing with JAVA_HOME=$JAVA_HOME"
exec mvn -B -ntp verify "$@"
