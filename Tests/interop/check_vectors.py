#!/usr/bin/python3
"""Runs Tests/interop/read_vault.py (written from docs/FORMAT.md alone) over the golden vaults and every test vector,
and checks that it agrees with keyvault: on accept/reject for each vector (its `intact:` line), on the kind of
refusal (unlock failed versus damaged/unsupported), and on the key bytes the golden manifests list.

Usage: Tests/interop/check_vectors.py   (exit 0 when every case agrees; needs python3-nacl)
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
READER = os.path.join(HERE, "read_vault.py")
VECTORS = os.path.join(ROOT, "Fixtures", "vectors")


def read(vault, cwd, passphrase=None, identities=()):
    argv = [sys.executable, READER, vault]
    if passphrase: argv += ["--passphrase-file", passphrase]
    for i in identities: argv += ["--identity", i]
    r = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr.strip()


def check_vectors(problems):
    checked = skipped = 0
    for name in sorted(os.listdir(VECTORS)):
        if not name.endswith(".expect"): continue
        f = dict(line.split(": ", 1) for line in open(os.path.join(VECTORS, name)).read().splitlines() if ": " in line)
        status, _, err = read(f["vault"], VECTORS, f.get("passphrase-file"), f.get("identity", "").split())
        if status == 7:
            skipped += 1
            continue
        checked += 1
        want_ok, exit = f["intact"] == "yes", int(f["exit"])
        if (status == 0) != want_ok:
            problems.append(f"{name}: keyvault says intact={f['intact']} (exit {exit}), the reader exited {status}: {err}")
        elif not want_ok and exit == 4 and status != 4:
            problems.append(f"{name}: keyvault says unlock failed, the reader: {err}")
        elif not want_ok and exit == 5 and status not in (5, 6):
            problems.append(f"{name}: keyvault says damaged/unsupported, the reader: {err}")
    return checked, skipped


def check_golden(problems):
    checked = 0
    with tempfile.TemporaryDirectory() as tmp:
        def passfile(text):
            path = os.path.join(tmp, "pass")
            open(path, "w").write(text)
            return path

        folder = os.path.join(ROOT, "Fixtures", "v1")
        for v in json.load(open(os.path.join(folder, "manifest.json")))["vaults"]:
            status, out, err = read(v["file"], folder, passfile(v["passphrase"]))
            checked += 1
            want = sorted(e["sha256"] for e in v["entries"])
            got = sorted(l.rsplit("sha256 ", 1)[1] for l in out.splitlines())
            if status != 0 or got != want:
                problems.append(f"Fixtures/v1/{v['file']}: reader exited {status} ({err}), keys {'match' if got == want else 'differ'}")
        folder = os.path.join(ROOT, "Fixtures", "custodians")
        for v in json.load(open(os.path.join(folder, "manifest.json")))["vaults"]:
            status, _, err = read(v["file"], folder)
            checked += 1
            if status != 0: problems.append(f"Fixtures/custodians/{v['file']}: unauthenticated read exited {status} ({err})")
            for outcome in ("opens", "refuses"):
                for creds in v.get(outcome, []):
                    ids = creds.get("identities", [])
                    if any(not i.endswith(".id") for i in ids): continue   # certificate keys: out of scope
                    status, out, err = read(v["file"], folder, passfile(creds["passphrase"]) if "passphrase" in creds else None, ids)
                    checked += 1
                    if outcome == "refuses" and status != 4:
                        problems.append(f"Fixtures/custodians/{v['file']} with {creds}: should not unlock, reader exited {status} ({err})")
                    if outcome == "opens":
                        got = sorted(l.rsplit("sha256 ", 1)[1] for l in out.splitlines())
                        if status != 0 or got != sorted(e["sha256"] for e in v["entries"]):
                            problems.append(f"Fixtures/custodians/{v['file']} with {creds}: reader exited {status} ({err})")
    return checked


def main():
    problems = []
    golden = check_golden(problems)
    checked, skipped = check_vectors(problems)
    for p in problems: print("DISAGREE", p)
    print(f"interop: {golden} golden checks, {checked} vectors checked, {skipped} skipped (certificate keys are out of scope), "
          f"{len(problems)} disagreements")
    if checked < 90: print("interop: fewer than 90 vectors found"); return 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
