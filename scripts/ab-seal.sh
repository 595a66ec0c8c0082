#!/usr/bin/env bash
# Seals alternating between builds of keyvault, each into its own copy of a version-1 vault that build upgraded to
# format 2 first (so each reads what it writes): prints each build's median wall time, CPU time and page faults.
# A machine's speed drifts by a third within an hour here; only builds run alternately compare.
#
# usage: scripts/ab-seal.sh ROUNDS V1-VAULT IDENTITY KEYVAULT-BINARY...
#   e.g. scripts/ab-seal.sh 25 /tmp/kvb5/big-100000.kv /tmp/kvb5/id /tmp/old/keyvault /tmp/new/keyvault
# Works in a new temporary folder; each build gets its own state folder (seen-vault records).
set -euo pipefail
[ $# -ge 4 ] || { sed -n 2,8p "$0" >&2; exit 2; }
rounds=$1 v1=$2 identity=$3
shift 3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$rounds" "$v1" "$identity" "$work" "$@" <<'PY'
import os, resource, shutil, statistics, subprocess, sys, time
rounds, v1, identity, work, bins = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
names = ["b%d" % i for i in range(len(bins))]
def env(n): return dict(os.environ, XDG_STATE_HOME=os.path.join(work, "state-" + n), HOME=work)
for b, n in zip(bins, names):
    vault = os.path.join(work, n + ".kv")
    shutil.copy(v1, vault)
    subprocess.run([b, "upgrade", vault, "--format", "2", "--identity", identity], check=True, stdout=subprocess.DEVNULL, env=env(n))
wall = {n: [] for n in names}; cpu = {n: [] for n in names}; faults = {n: [] for n in names}
key = os.path.join(work, "k.bin")
for i in range(rounds):
    for b, n in zip(bins, names):
        with open(key, "wb") as f: f.write(os.urandom(1300))
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN); t = time.perf_counter()
        p = subprocess.run([b, "seal", os.path.join(work, n + ".kv"), "--role", "sm", "--host", "ABSEAL%d" % i, "--key", key, "--identity", identity],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env(n))
        dt = time.perf_counter() - t; r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        if p.returncode: sys.exit("%s: %s" % (b, p.stderr.decode().strip()))
        wall[n].append(dt * 1000); cpu[n].append(1000 * (r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)); faults[n].append(r1.ru_minflt - r0.ru_minflt)
for b, n in zip(bins, names):
    print("%s: seal median %.1f ms (min %.1f), CPU %.1f ms, %d page faults" % (b, statistics.median(wall[n]), min(wall[n]), statistics.median(cpu[n]), statistics.median(faults[n])))
PY
