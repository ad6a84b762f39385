#!/usr/bin/env bash
# Builds the pinned official Temporal server and its SQL schema tool from source once, and prints the directory
# holding them (`temporal-server`, `temporal-sql-tool`). Later runs reuse the build. Used by the cluster tests
# (`npm run test:cluster`), which run Countersign against this server on PostgreSQL; the app itself never needs it.
set -euo pipefail

version=v1.29.1 # keep in step with PINNED_TEMPORAL_SERVER_VERSION in test/support/temporal-cluster.ts
dir="${XDG_CACHE_HOME:-$HOME/.cache}/countersign/temporal-server-$version"

works() { [[ -x $dir/temporal-server && -x $dir/temporal-sql-tool ]] && "$dir/temporal-server" --version >/dev/null 2>&1; }

if works; then
  echo "$dir"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "ensure-temporal-server: Go is needed to build the Temporal server $version (https://go.dev/doc/install)" >&2
  exit 1
fi

echo "ensure-temporal-server: building the Temporal server $version and temporal-sql-tool into $dir (first time only; takes a few minutes)" >&2
build="$(mktemp -d)"
trap 'rm -rf "$build"' EXIT
GOBIN="$build" GOFLAGS=-mod=mod go install \
  "go.temporal.io/server/cmd/server@$version" \
  "go.temporal.io/server/cmd/tools/sql@$version" >&2
mkdir -p "$dir"
mv "$build/server" "$dir/temporal-server"
mv "$build/sql" "$dir/temporal-sql-tool"
works
"$dir/temporal-server" --version >&2
echo "$dir"
