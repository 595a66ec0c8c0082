#!/usr/bin/env bash
# Benchmarks (issue 5): keyvault against age and against libsodium, at 1 to 100,000 entries; writes docs/BENCHMARKS.md.
# Usage: scripts/bench.sh [keyvault-bench options: --reps N --sizes 1,1000,10000,100000 --sequential N --output FILE|-
#        --workdir DIR --writer-seals N]
# Environment: SCRATCH (SwiftPM scratch path, default .build).
set -euo pipefail
cd "$(dirname "$0")/.."
SCRATCH=${SCRATCH:-.build}

bash scripts/require-packages.sh
# libeatmydata makes fsync a no-op: keyvault is also timed without its fsyncs, which age does not make.
if ! command -v age >/dev/null || ! command -v age-keygen >/dev/null || [ ! -x /usr/bin/time ] || ! ls /usr/lib/*/libeatmydata.so >/dev/null 2>&1; then
    echo "installing: age time eatmydata" >&2
    sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd=sudo
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq age time eatmydata >/dev/null
fi

# The same build as an installed keyvault: release, Swift's runtime linked in (see README, Build and install).
bash scripts/build-release.sh --scratch-path "$SCRATCH"
bin=$(bash scripts/build-release.sh --scratch-path "$SCRATCH" --show-bin-path)
commit=$(git rev-parse --short HEAD)
git diff --quiet HEAD -- Sources Benchmarks Package.swift || commit="$commit (with uncommitted changes)"
# Issue 14's figures need a PostgreSQL server: a throwaway cluster (scripts/postgres-cluster.sh, fsync on), stopped at
# exit; KEYVAULT_BENCH_POSTGRES (a database URI) uses one of your own instead.
database=()
if [ -n "${KEYVAULT_BENCH_POSTGRES:-}" ]; then
    database=(--database "$KEYVAULT_BENCH_POSTGRES")
elif ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    pg_dir=$(mktemp -d /tmp/keyvault-bench-pg.XXXXXX)
    trap 'bash scripts/postgres-cluster.sh stop "$pg_dir"' EXIT
    database=(--database "$(PG_FSYNC=on bash scripts/postgres-cluster.sh start "$pg_dir")")
fi
# Needs root: restores run in a UTS namespace whose host name is SM01 (unshare --uts).
"$bin/keyvault-bench" --keyvault "$bin/keyvault" --commit "$commit" --command "scripts/bench.sh${*:+ $*}" "${database[@]}" "$@"
