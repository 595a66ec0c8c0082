#!/usr/bin/env bash
# Whole-process `keyvault restore` with and without the audit-log record, on the vaults scripts/bench.sh left in its
# work folder: each vault once through a read-only bind mount (the restore works and says it could not record
# itself) and once writable (the restore rewrites the vault to append its log record). Needs root (unshare).
# Usage: scripts/bench-restore-unrecorded.sh WORKDIR [RUNS]   (WORKDIR as given to bench.sh --workdir)
set -euo pipefail
work=$(realpath "$1"); runs=${2:-7}
bin=$(cd "$(dirname "$0")/.." && bash scripts/build-release.sh --show-bin-path)/keyvault
scratch=$(mktemp -d); trap 'rm -rf "$scratch"' EXIT
exec unshare --uts --mount bash -c '
set -euo pipefail
work=$1 runs=$2 bin=$3 scratch=$4
hostname SM01
mkdir "$scratch/ro" && mount --bind "$work" "$scratch/ro" && mount -o remount,ro,bind "$scratch/ro"
python3 - "$work" "$scratch" "$runs" "$bin" <<"PY"
import os, statistics, subprocess, sys, time
work, scratch, runs, bin = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
sizes = sorted(int(f[4:-3]) for f in os.listdir(work) if f.startswith("big-") and f.endswith(".kv"))
print("| entries | restore, vault read-only (not recorded) | restore, vault writable (recorded) |")
print("|---|---|---|")
for n in sizes:
    cells = []
    for folder in (scratch + "/ro", work):
        times = []
        for i in range(runs):
            out = f"{scratch}/out.bin"
            if os.path.exists(out): os.remove(out)
            start = time.perf_counter()
            r = subprocess.run([bin, "restore", f"{folder}/big-{n}.kv", "--role", "sm", "--out", out,
                                "--identity", f"{work}/id"], capture_output=True, text=True)
            times.append(time.perf_counter() - start)
            if r.returncode != 0: sys.exit(f"restore failed: {r.stderr.strip()}")
        cells.append(f"{statistics.median(times) * 1000:.1f} ms ({min(times) * 1000:.1f}–{max(times) * 1000:.1f})")
    print(f"| {n:,} | {cells[0]} | {cells[1]} |")
PY
' x "$work" "$runs" "$bin" "$scratch"
