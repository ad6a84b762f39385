#!/usr/bin/env bash
# Builds the pinned official Temporal CLI from source once, for machines that reach package
# registries but not GitHub releases, and prints its path. Later runs reuse the build.
# On a machine with internet access this is not needed: the Temporal SDK downloads the CLI itself.
set -euo pipefail

version=v1.5.1 # keep in step with PINNED_TEMPORAL_CLI_VERSION in src/temporal/dev-server.ts
dir="${XDG_CACHE_HOME:-$HOME/.cache}/countersign/temporal-cli-$version"
cli="$dir/temporal"

if [[ -x $cli ]] && "$cli" --version >/dev/null 2>&1; then
  echo "$cli"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "ensure-temporal-cli: Go is needed to build the Temporal CLI $version (or install the CLI yourself: https://docs.temporal.io/cli#install)" >&2
  exit 1
fi

echo "ensure-temporal-cli: building the Temporal CLI $version into $dir (first time only; takes a few minutes)" >&2
mkdir -p "$dir"
GOBIN="$dir" GOFLAGS=-mod=mod go install "github.com/temporalio/cli/cmd/temporal@$version" >&2
"$cli" --version >&2
echo "$cli"
