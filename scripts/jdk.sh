#!/usr/bin/env bash
# Sourced by every Fulcrum script: selects a JDK 25 or newer and exports JAVA_HOME.
# Order: $FULCRUM_JAVA_HOME, $JAVA_HOME, then /usr/lib/jvm/*. The default `java` on this
# kind of machine is 17, so we never trust PATH alone.
fulcrum_java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | awk -F'= ' '/java.specification.version/ {print $2; exit}' | cut -d. -f1
}
fulcrum_select_jdk() {
  local c major
  for c in "${FULCRUM_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25* /usr/lib/jvm/*-25-* /usr/lib/jvm/*25* /usr/lib/jvm/*; do
    [ -n "$c" ] && [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    major=$(fulcrum_java_major "$c")
    if [ -n "$major" ] && [ "$major" -ge 25 ] 2>/dev/null; then
      export JAVA_HOME="$c"
      export PATH="$JAVA_HOME/bin:$PATH"
      return 0
    fi
  done
  echo "fulcrum: no JDK 25 found (looked at \$FULCRUM_JAVA_HOME, \$JAVA_HOME and /usr/lib/jvm/*)." >&2
  echo "fulcrum: install Temurin 25 under /usr/lib/jvm or set FULCRUM_JAVA_HOME." >&2
  return 1
}
fulcrum_select_jdk
