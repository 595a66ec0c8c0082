#!/usr/bin/env bash
# Runs keyvault's whole test suite: installs what it needs, then
#   1. the formatting check (`swift format lint --strict`, configuration in .swift-format), then `swift test`
#      (library and command-line tests, debug build);
#   2. Examples/SealListRestore, a separate package linking the library (scripts/example.sh), the DocC
#      documentation with warnings as errors (scripts/docs.sh), and the README's walk-through (scripts/demo.sh);
#   3. the library tests and the command-line suites that feed hostile input again under AddressSanitizer (the
#      keyvault binary those run is built with it too; leaks are checked in the library tests);
#   4. the library tests under ThreadSanitizer;
#   5. the libFuzzer target over the parser and open path for FUZZ_SECONDS (default 60).
# `scripts/test.sh --quick` runs step 1 only. Other arguments go to every `swift test`.
# A test that cannot run on this machine is reported as skipped, with its reason; with CI set (as .ci/run has it), any
# skipped test fails the run, named.
set -euo pipefail
cd "$(dirname "$0")/.."
# Step 1 runs every case of every sweep; only the sanitizer steps below set a stride.
unset KEYVAULT_TEST_SWEEP_STRIDE
quick=0
if [ "${1:-}" = "--quick" ]; then quick=1; shift; fi
bash scripts/require-packages.sh

step() { echo "== $* ($(date -u +%H:%M:%S))" >&2; }

# `swift test ARGS`, its output also kept; in CI, the tests Swift Testing reports as skipped ("➜ Test NAME skipped:
# "REASON"", or "skipped." without one) fail the run.
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
run_tests() {
    local log="$logs/swift-test.log"
    swift test "$@" 2>&1 | tee "$log"
    [ "${CI+set}" = set ] || return 0
    local skipped
    skipped=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -aE '^➜ (Test|Suite) .* skipped(: .*|\.)$' || true)
    if [ -n "$skipped" ]; then
        echo "error: in CI every test must run, but $(echo "$skipped" | wc -l) were skipped:" >&2
        echo "$skipped" | sed 's/^➜ /  /' >&2
        exit 1
    fi
}

# Vaults in a database (issue 14) are tested against a real PostgreSQL server: a throwaway cluster in a temporary folder
# (scripts/postgres-cluster.sh: initdb as the unprivileged postgres account, loopback only, a free port), stopped and
# removed when this script exits. A KEYVAULT_TEST_POSTGRES already set (a database of your own) is used instead.
if [ -z "${KEYVAULT_TEST_POSTGRES:-}" ] && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    step "a throwaway PostgreSQL cluster for the database tests"
    pg_dir=$(mktemp -d /tmp/keyvault-test-pg.XXXXXX)
    trap 'bash scripts/postgres-cluster.sh stop "$pg_dir"; rm -rf "$logs"' EXIT
    KEYVAULT_TEST_POSTGRES=$(bash scripts/postgres-cluster.sh start "$pg_dir")
    export KEYVAULT_TEST_POSTGRES
fi

step "formatting (swift format lint --strict; 'swift format format -r -i Sources Tests Benchmarks Examples' fixes it)"
swift format lint --strict -r Sources Tests Benchmarks Examples/SealListRestore/Sources

step "tests"
swift build --build-tests
run_tests --skip-build "$@"
[ "$quick" -eq 1 ] && exit 0

step "the library as another tool links it: example and documentation"
bash scripts/example.sh
bash scripts/docs.sh

# The README's first quick-start command, on the release build it uses: an optimised build once crashed where the
# debug build the tests run did not (TaskLocal.withValue from a synchronous main, Swift 6.3.1).
step "the walk-through (scripts/demo.sh, release build)"
bash scripts/demo.sh

# Under ASan, gdb's core dumps would include the sanitizer's shadow memory, peak-RSS limits do not hold, and mlock does
# nothing ("AddressSanitizer ignores mlock"), so no memory-lock warning can appear; those two suites and that test run
# in step 1 only. ThreadSanitizer shares those interceptors (sanitizer_common's mlock does nothing), so the library test
# that reads a pooled secret's mapping as locked (SecretPoolTests) runs in step 1 only as well.
# The three tests that restore a 16 MiB key under signals, kills and injected faults (HostileEnvironmentTests) run in
# step 1 only: they test process behaviour, not memory safety, and under full unwinding they alone took over ten
# minutes of this step (measured 2026-12-02: the step went from about 16 to 42 minutes, CI past its 40-minute budget).
# The library tests run with LeakSanitizer: a tool that links the library lives long, so a leak there matters. Its
# suppressions (scripts/lsan.supp) match on the whole allocation stack, and the fast unwinder stops inside libcrypto
# (built without frame pointers): an allocation libcrypto makes keeps only its allocator's frame, so OpenSSL's
# per-thread random generators, which the suppressions name by their constructors, would be reported as leaks. Full
# unwinding names them, but costs about 30 times as much on every allocation (measured 2026-12-06: one Bech32 test 2.2 s
# against 70 s, and this step 98 s against 18 minutes, CI 62 minutes). So the step runs twice: every library test with
# the fast unwinder, where what libcrypto allocates is not counted (scripts/lsan-fast.supp adds its allocators); then
# the suites that reach libcrypto (certificate and token custodians, the golden custodian vaults: those whose files name
# them, found below) with full unwinding and the narrow suppressions, where a libcrypto object keyvault loses is caught.
# The command-line tests run the keyvault binary hundreds of times; each run under
# full unwinding and leak checking took 0.68 s against 0.12 s without (measured 2026-12-02), which had pushed this step
# to 42 minutes. There, memory errors are still caught in every run of the binary; leaks at its exit are not checked.
# The library's longest sweeps and randomized tests (salvage past every byte of a commit, the index fast path against
# the full check, file patches, the restore rule's short lists) run every 5th case here and under ThreadSanitizer, an
# odd stride so that a sweep over bytes still reaches every position within a word (KEYVAULT_TEST_SWEEP_STRIDE,
# Tests/Support/TestScale.swift); step 1 ran them all. Serially under AddressSanitizer they
# took 6 of this step's 13 minutes (measured 2026-12-04 with `swift test --no-parallel`, after a test building megabyte
# chunks a byte at a time had been mended from over 11 minutes to 5 seconds; CI had reached 51 minutes).
step "library tests under AddressSanitizer (with LeakSanitizer)"
swift build --build-tests --sanitize=address --scratch-path .build-asan
cat scripts/lsan.supp scripts/lsan-fast.supp > "$logs/lsan-fast.supp"
LSAN_OPTIONS="suppressions=$logs/lsan-fast.supp:print_suppressions=0" KEYVAULT_TEST_SWEEP_STRIDE=5 \
    run_tests --skip-build --sanitize=address --scratch-path .build-asan --filter KeyVaultTests \
    --skip 'aSmallSecretIsLockedAndKeptOutOfCoreDumps' "$@"
libcrypto_suites=$(grep -rlE 'ertificate|\.pem|PKCS11|TokenKey|PrivateKey|OpenSSL|custodians[/"]' Tests/KeyVaultTests --include='*.swift' |
    xargs grep -hoE '^(@Suite[^ ]* )?struct [A-Za-z0-9_]+Tests\b' | awk '{print $NF}' | sort -u | paste -sd'|')
echo "suites that reach libcrypto, again with full unwinding: $libcrypto_suites" >&2
ASAN_OPTIONS="fast_unwind_on_malloc=0" LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp:print_suppressions=0" KEYVAULT_TEST_SWEEP_STRIDE=5 \
    run_tests --skip-build --sanitize=address --scratch-path .build-asan --filter "KeyVaultTests\.($libcrypto_suites)/" \
    --skip 'aSmallSecretIsLockedAndKeptOutOfCoreDumps' "$@"
# Of the command-line suites, those that hand the binary hostile, damaged or unusual input run here (argument checks,
# bad and damaged files, the host rule, the hostile environment, the format vectors, forged trust records and
# roll-backs, and tokens, whose C shim is instrumented too); the operator workflows, SSH, the recovery scenario,
# custodian key generation and the generated docs run in step 1 only. All of them took 13 minutes here (measured
# 2026-12-02, CI 37 minutes in all).
# DamageCLITests' sweeps (a flipped byte, a truncation, each one run of the binary) try every 5th of the offsets step 1
# tried (every 4th until 2026-12-04; odd, so that every position within a word is reached): version 2's sweeps had
# taken this step from about 6 to 22 minutes (measured 2026-12-03, CI 46 minutes in all).
step "command-line tests under AddressSanitizer (hostile-input suites)"
ASAN_OPTIONS="detect_leaks=0" KEYVAULT_TEST_SWEEP_STRIDE=5 \
    run_tests --skip-build --sanitize=address --scratch-path .build-asan \
    --filter 'ArgumentCheckTests|BadInputCLITests|DamageCLITests|HostRuleCLITests|HostileEnvironmentTests|VectorSuiteTests|TrustCLITests|RollbackCLITests|TokenCustodianCLITests' \
    --skip 'aFailedMemoryLockIsWarnedAboutOnceWithoutALength|fatalSignalsDuringRestoresPrintNoKeyBytes|aRestoreKilledBeforeItsOutputIsNamedLeavesNothing|aForcedRestoreKilledAtAnyPointLeavesNoHiddenCopy' "$@"

step "library tests under ThreadSanitizer"
swift build --build-tests --sanitize=thread --scratch-path .build-tsan
KEYVAULT_TEST_SWEEP_STRIDE=5 run_tests --skip-build --sanitize=thread --scratch-path .build-tsan --filter KeyVaultTests \
    --skip 'aSmallSecretIsLockedAndKeptOutOfCoreDumps' "$@"

step "fuzzing"
bash scripts/fuzz.sh "${FUZZ_SECONDS:-60}"
step "all passed"
