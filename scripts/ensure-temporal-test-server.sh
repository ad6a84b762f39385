#!/usr/bin/env bash
# Fetches Temporal's time-skipping test server (the Java SDK's, pinned) once from the Maven registry, for machines
# that reach package registries but not Temporal's downloads, and prints the path of a launcher for it. Later runs
# reuse it. The fast workflow tests (src/workflows/approval-timers.test.ts) run on it: timers of hours pass at once.
# On a machine with internet access this is not needed: the Temporal SDK downloads the test server itself.
set -euo pipefail

version=1.31.0 # io.temporal:temporal-test-server
dir="${XDG_CACHE_HOME:-$HOME/.cache}/countersign/temporal-test-server-$version"
launcher="$dir/temporal-test-server"

if [[ -x $launcher ]] && compgen -G "$dir/lib/temporal-test-server-$version.jar" >/dev/null; then
  echo "$launcher"
  exit 0
fi

for tool in java mvn; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "ensure-temporal-test-server: $tool is needed to fetch the time-skipping test server $version (Debian: apt-get install default-jdk-headless maven)" >&2
    exit 1
  fi
done

echo "ensure-temporal-test-server: fetching the time-skipping test server $version into $dir (first time only)" >&2
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat >"$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>countersign</groupId>
  <artifactId>temporal-test-server-launcher</artifactId>
  <version>1</version>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>$version</version>
    </dependency>
  </dependencies>
</project>
POM
mkdir -p "$dir"
(cd "$work" && mvn -q -B dependency:copy-dependencies -DoutputDirectory="$dir/lib" >&2)
# The SDK starts the test server as `<executable> <port>`.
cat >"$launcher" <<'SH'
#!/bin/sh
exec java -cp "$(dirname "$0")/lib/*" io.temporal.testserver.TestServer "$@"
SH
chmod +x "$launcher"
echo "$launcher"
