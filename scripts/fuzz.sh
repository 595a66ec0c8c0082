#!/usr/bin/env bash
# Builds the libFuzzer target (release, -sanitize=fuzzer and address) and fuzzes the vault parser and open path,
# seeded from Fixtures/ and Tests/FuzzSeeds/. Usage: scripts/fuzz.sh [SECONDS] (default 60). Fails on any crash, hang, leak or sanitizer
# report; the input that caused it is left in .fuzz/ (copy it into Fixtures/vectors/ as a new case).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
scratch=.build-fuzz
swift build -c release --scratch-path "$scratch" --product keyvault-fuzz --sanitize=fuzzer --sanitize=address
binary="$(swift build -c release --scratch-path "$scratch" --product keyvault-fuzz --sanitize=fuzzer --sanitize=address --show-bin-path)/keyvault-fuzz"
mkdir -p .fuzz/corpus .fuzz/artifacts
find Fixtures Tests/FuzzSeeds -name '*.kv' -exec cp {} .fuzz/corpus/ \;
echo "fuzzing for ${seconds}s with $(ls .fuzz/corpus | wc -l) seeds" >&2
SWIFT_BACKTRACE=enable=no "$binary" .fuzz/corpus \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=98304 \
    -artifact_prefix=.fuzz/artifacts/ -print_final_stats=1 2>&1 | tail -25
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
    echo "fuzz: FAILED (exit $status); inputs in .fuzz/artifacts/" >&2
    exit "$status"
fi
echo "fuzz: no crash, hang or sanitizer report in ${seconds}s" >&2
