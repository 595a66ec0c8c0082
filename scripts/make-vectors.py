#!/usr/bin/python3
"""Makes the test vectors in Fixtures/vectors/: vaults written from docs/FORMAT.md, then damaged on purpose.

Each case is NAME.kv (or the file named by `vault:`) and NAME.expect. The expected exit code of every case is
written here, from the spec; the script runs the real keyvault on the new file and writes the case only when
keyvault agrees, recording the exact error line it printed (so a later change of message is noticed). A case whose
files exist is never made again: existing vectors are never regenerated.

Usage: scripts/make-vectors.py [--keyvault PATH] [--only SUBSTRING]
Needs python3-nacl (Debian) or pynacl, root (restore cases run under `unshare --uts` with the expected host name).
"""
import argparse
import hashlib
import os
import subprocess
import sys
import tempfile

import nacl.bindings as sodium

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Fixtures", "vectors")
MAGIC = bytes.fromhex("894B5641554C540A")
PASSPHRASE = b"vector passphrase"


def u16(v): return v.to_bytes(2, "big")
def u32(v): return v.to_bytes(4, "big")
def u64(v): return v.to_bytes(8, "big")
def h(m, key=None): return hashlib.blake2b(m, digest_size=32, key=key or b"").digest()


def subkey(vault_key, ident):
    # crypto_kdf_derive_from_key: BLAKE2b keyed with the master key, salt = id (LE u64) ‖ 0*8, personal = ctx ‖ 0*8.
    return hashlib.blake2b(b"", digest_size=32, key=vault_key, salt=ident.to_bytes(8, "little") + bytes(8),
                           person=b"KVAULT01" + bytes(8)).digest()


def aead(key, nonce, plaintext, ad):
    return sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, ad, nonce, key)


def argon2id(passphrase, salt, ops, mem_kib):
    return sodium.crypto_pwhash_alg(32, passphrase, salt, ops, mem_kib * 1024, sodium.crypto_pwhash_ALG_ARGON2ID13)


BECH = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def bech32_secret(path):
    """The 32-byte X25519 secret of an identity file (no checksum check: these are our own files)."""
    line = next(l.strip() for l in open(path) if l.strip() and not l.startswith("#"))
    data = [BECH.index(c) for c in line.lower()[line.rindex("1") + 1:-6]]
    acc, bits, out = 0, 0, bytearray()
    for d in data:
        acc, bits = (acc << 5) | d, bits + 5
        while bits >= 8:
            bits -= 8
            out.append((acc >> bits) & 0xFF)
    return bytes(out[:32])


# ---------------------------------------------------------------------------------------------------------------
# A vault as a model, written exactly as docs/FORMAT.md says.

class Entry:
    def __init__(self, role, host, version, key, label=None, file_name=None, created=1764040000, extra=()):
        self.role, self.host, self.version, self.key = role, host, version, key
        self.label, self.file_name, self.created, self.extra = label, file_name, created, list(extra)
        self.nonce = os.urandom(24)
        self.meta_override = None

    def meta(self, vault_key):
        if self.meta_override is not None:
            return self.meta_override
        fields = [(1, self.role.encode()), (2, self.host.encode()), (3, u32(self.version)), (4, u64(self.created)),
                  (5, u32(len(self.key))), (6, h(self.key, subkey(vault_key, 2)))]
        if self.label: fields.append((7, self.label.encode()))
        if self.file_name: fields.append((8, self.file_name.encode()))
        fields += self.extra
        return b"".join(bytes([t]) + u16(len(v)) + v for t, v in sorted(fields, key=lambda f: f[0]))


class Vault:
    def __init__(self, threshold=None, created=1764040000):
        self.vault_key = os.urandom(32)
        self.vault_id = os.urandom(16)
        self.created = created
        self.version, self.flags = 1, (1 if threshold else 0)
        self.threshold = threshold
        self.slots = []      # (kind, body)
        self.entries = []
        self.shares = None
        self.extensions = None   # the extension area's bytes (flag bit 2), or None

    def identity(self):
        # Flag bit 2 (extensions) is written as 0 in the identity bytes (FORMAT.md, "Identity").
        return MAGIC + u16(self.version) + u16(self.flags & ~4) + self.vault_id + u64(self.created)

    def prefix(self):
        return self.identity() + (bytes([self.threshold]) if self.threshold else b"")

    def payload(self, slot_number):
        return self.shares[slot_number] if self.threshold else self.vault_key

    def split(self, n):
        """Shamir over GF(2^8), one share x = j for the slot in position j (1-based)."""
        k = self.threshold
        coeffs = [[b] + list(os.urandom(k - 1)) for b in self.vault_key]
        self.shares = [bytes([x]) + bytes(_poly(c, x) for c in coeffs) for x in range(1, n + 1)]

    def add_passphrase(self, passphrase=PASSPHRASE, ops=1, mem=8):
        salt, nonce = os.urandom(16), os.urandom(24)
        params = bytes([1]) + u32(ops) + u32(mem) + salt + nonce
        body_len = len(params) + len(self.payload(len(self.slots))) + 16
        ad = self.prefix() + bytes([1]) + u16(body_len) + params
        self.slots.append((1, params + aead(argon2id(passphrase, salt, ops, mem), nonce, self.payload(len(self.slots)), ad)))

    def add_x25519(self, recipient, ephemeral_secret=None):
        esk = ephemeral_secret or os.urandom(32)
        eph = sodium.crypto_scalarmult_base(esk)
        shared = sodium.crypto_scalarmult(esk, recipient)
        kek = h(b"keyvault x25519 slot" + eph + recipient, shared)
        nonce = os.urandom(24)
        params = recipient + eph + nonce
        body_len = len(params) + len(self.payload(len(self.slots))) + 16
        ad = self.prefix() + bytes([2]) + u16(body_len) + params
        self.slots.append((2, params + aead(kek, nonce, self.payload(len(self.slots)), ad)))

    def build(self, tag=True):
        """The file's bytes and a map of where each structure starts."""
        at = {}
        head = bytearray(MAGIC + u16(self.version) + u16(self.flags) + u32(0) + self.vault_id + u64(self.created))
        at["slot_count"] = len(head)
        head += bytes([len(self.slots)])
        if self.threshold:
            at["threshold"] = len(head)
            head += bytes([self.threshold])
        for n, (kind, body) in enumerate(self.slots):
            at[f"slot{n}"] = len(head)
            head += bytes([kind]) + u16(len(body)) + body
        at["entry_count"] = len(head)
        head += u32(len(self.entries))
        metas = []
        for n, e in enumerate(self.entries):
            meta = e.meta(self.vault_key)
            metas.append(meta)
            at[f"record{n}"] = len(head)
            at[f"meta{n}"] = len(head) + 2
            at[f"nonce{n}"] = len(head) + 2 + len(meta)
            head += u16(len(meta)) + meta + e.nonce
        if self.extensions is not None:
            head[10:12] = u16(self.flags | 4)
            at["extensions"] = len(head)
            head += self.extensions
        at["checksum"] = len(head)
        head[12:16] = u32(len(head) + 64)
        head += h(bytes(head))
        at["tag"] = len(head)
        head += h(bytes(head), subkey(self.vault_key, 3))
        at["ciphertext"] = len(head)
        for n, (e, meta) in enumerate(zip(self.entries, metas)):
            at[f"sealed{n}"] = len(head)
            head += aead(subkey(self.vault_key, 1), e.nonce, e.key, self.vault_id + u16(len(meta)) + meta)
        return bytes(head), at


def _mul(a, b):
    p = 0
    while b:
        if b & 1: p ^= a
        a = ((a << 1) ^ 0x11B) if a & 0x80 else (a << 1)
        b >>= 1
    return p


def _poly(coeffs, x):
    y = 0
    for c in reversed(coeffs):
        y = _mul(y, x) ^ c
    return y


def rehash(data, key=None):
    """Recomputes the checksum (and, given the vault key, the vault tag) after an edit; header_size is trusted."""
    d = bytearray(data)
    hs = int.from_bytes(d[12:16], "big")
    d[hs - 64:hs - 32] = h(bytes(d[:hs - 64]))
    if key is not None:
        d[hs - 32:hs] = h(bytes(d[:hs - 32]), subkey(key, 3))
    return bytes(d)


def patch(data, offset, new):
    return data[:offset] + new + data[offset + len(new):]


def set_header_size(data, size):
    return patch(data, 12, u32(size))


# ---------------------------------------------------------------------------------------------------------------
# Running keyvault and writing cases.

class Maker:
    def __init__(self, keyvault):
        self.keyvault = keyvault
        self.made, self.kept, self.failed = 0, 0, []

    def run(self, vault_path, command, passphrase=None, identities=(), host=None):
        # Run in the vectors folder with relative names, as the Swift test does, so messages hold no absolute path.
        words = command.split()
        argv = [self.keyvault, words[0], vault_path] + words[1:]
        out = None
        if words[0] == "restore":
            out = tempfile.mktemp(prefix="kv-vector-")
            argv += ["--out", out]
        if passphrase: argv += ["--passphrase-file", passphrase]
        for i in identities: argv += ["--identity", i]
        if host:
            argv = ["unshare", "--uts", "/bin/sh", "-c", 'hostname "$0" && exec "$@"', host] + argv
        r = subprocess.run(["setsid", "-w"] + argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, cwd=OUT)
        digest = None
        if out and os.path.exists(out):
            digest = hashlib.sha256(open(out, "rb").read()).hexdigest()
            os.unlink(out)
        error = next((l[len("keyvault: error: "):] for l in r.stderr.splitlines() if l.startswith("keyvault: error: ")), None)
        last = (r.stdout.strip().splitlines() or [""])[-1]
        return r.returncode, error, last, digest

    def case(self, name, description, data, command="verify", exit=5, passphrase="passphrase.txt", identities=(),
             host=None, key=None, vault=None, max_seconds=None, intact=None):
        """Writes NAME.kv (unless `vault` names an existing file) and NAME.expect, if keyvault agrees on `exit`."""
        expect_path = os.path.join(OUT, name + ".expect")
        vault_name = vault or name + ".kv"
        vault_path = os.path.join(OUT, vault_name)
        if os.path.exists(expect_path) or (data is not None and os.path.exists(vault_path)):
            self.kept += 1
            return
        if data is not None:
            with open(vault_path, "xb") as f:
                f.write(data)
        status, error, last, digest = self.run(vault_name, command, passphrase, identities, host)
        want_digest = hashlib.sha256(key).hexdigest() if key is not None else None
        if status != exit or (want_digest and digest != want_digest) or (exit != 0 and error is None and command.split()[0] != "verify"):
            self.failed.append(f"{name}: spec says exit {exit}, keyvault gave {status} ({error or last})")
            if data is not None: os.unlink(vault_path)
            return
        lines = [f"description: {description}", f"vault: {vault_name}", f"command: {command}"]
        if passphrase: lines.append(f"passphrase-file: {passphrase}")
        if identities: lines.append("identity: " + " ".join(identities))
        if host: lines.append(f"host: {host}")
        lines.append(f"exit: {exit}")
        if exit != 0:
            lines.append(f"error: {error if error is not None else 'none'}")
            if error is None: lines.append(f"output: {last}")
        if want_digest: lines.append(f"restored-sha256: {want_digest}")
        if max_seconds: lines.append(f"max-seconds: {max_seconds}")
        # Whether the file is a whole, valid vault for these credentials (every entry included): what a strict
        # independent reader must conclude. Restore can succeed on a vault that is not (one entry damaged, salvage).
        lines.append("intact: " + ("yes" if (exit in (0, 3, 6) if intact is None else intact) else "no"))
        with open(expect_path, "x") as f:
            f.write("\n".join(lines) + "\n")
        self.made += 1


def side_files(keyvault):
    """Credentials the cases name; made once, never replaced."""
    for name, text in [("passphrase.txt", PASSPHRASE + b"\n"), ("wrong-passphrase.txt", b"not the vector passphrase\n"),
                       ("passphrase-crlf.txt", PASSPHRASE + b"\r\n"), ("passphrase-two-newlines.txt", PASSPHRASE + b"\n\n")]:
        path = os.path.join(OUT, name)
        if not os.path.exists(path):
            with open(path, "xb") as f: f.write(text)
    for name in ["custodian.id", "other.id"]:
        path = os.path.join(OUT, name)
        if not os.path.exists(path):
            subprocess.run([keyvault, "keygen", "--out", path], check=True, capture_output=True)
    for name in ["p256.pem", "p256.key"]:
        path = os.path.join(OUT, name)
        if not os.path.exists(path):
            with open(os.path.join(ROOT, "Fixtures", "custodians", name), "rb") as src, open(path, "xb") as dst:
                dst.write(src.read())


def recipient(name):
    return sodium.crypto_scalarmult_base(bech32_secret(os.path.join(OUT, name)))


# ---------------------------------------------------------------------------------------------------------------
# The cases. Each states the exit code docs/FORMAT.md and the CLI's exit-code table call for.

def base(threshold=None, entries=True, slots="passphrase", shares=None):
    v = Vault(threshold=threshold)
    kinds = slots.split("+")
    if threshold: v.split(len(kinds))
    if shares: shares(v.shares)
    for kind in kinds:
        if kind == "passphrase": v.add_passphrase()
        elif kind == "custodian": v.add_x25519(recipient("custodian.id"))
        elif kind == "other": v.add_x25519(recipient("other.id"))
    if entries:
        v.entries = [Entry("sm", "SM01", 1, os.urandom(96), label="primary SM"),
                     Entry("dw", "DW01.corp.example", 1, os.urandom(80), file_name="dw01.bin"),
                     Entry("sm", "sm01.corp.example", 2, os.urandom(64), label="re-exported — Zoë")]
    return v


def cert_vault(keyvault, key):
    with tempfile.TemporaryDirectory() as d:
        path, key_path = os.path.join(d, "v.kv"), os.path.join(d, "k.bin")
        open(key_path, "wb").write(key)
        subprocess.run([keyvault, "init", path, "--cert", os.path.join(OUT, "p256.pem")], check=True, capture_output=True)
        subprocess.run([keyvault, "seal", path, "--role", "sm", "--host", "SM01", "--key", key_path,
                        "--identity", os.path.join(OUT, "p256.key")], check=True, capture_output=True)
        return open(path, "rb").read()


def make_all(m):
    c = m.case
    # -- accepted: every shape the format allows ----------------------------------------------------------------
    v = base(entries=False); c("ok-empty-verify", "a passphrase vault with no entries verifies", v.build()[0], exit=0)
    v = base(entries=False); c("ok-empty-list", "a vault with no entries lists, authenticated", v.build()[0], "list", exit=0)
    v = base(); c("ok-passphrase-verify", "three entries, Argon2id 1 pass / 8 KiB: all verify", v.build()[0], exit=0)
    v = base(); c("ok-passphrase-info", "info needs no passphrase", v.build()[0], "info", exit=0, passphrase=None)
    v = base(); c("ok-passphrase-list-unauthenticated", "list without a credential reads the clear metadata", v.build()[0], "list", exit=0, passphrase=None)
    v = base(); c("ok-restore-newest-sm", "sm versions 1 (SM01) and 2 (sm01.corp.example) both match SM01: the newest, 2, is restored",
                  v.build()[0], "restore --role sm", exit=0, host="SM01", key=v.entries[2].key)
    v = base(); c("ok-restore-sm-version-1", "--version 1 restores the first sm key", v.build()[0], "restore --role sm --version 1",
                  exit=0, host="sm01", key=v.entries[0].key)
    v = base(); c("ok-restore-dw-short-host", "DW01 matches DW01.corp.example (first labels equal)", v.build()[0], "restore --role dw",
                  exit=0, host="dw01", key=v.entries[1].key)
    v = base(); c("refused-restore-dw-on-sm01", "the dw key belongs to DW01, not SM01: host rule", v.build()[0], "restore --role dw",
                  exit=3, host="SM01")
    v = base(); c("no-entry-sm-version-3", "there is no version 3", v.build()[0], "restore --role sm --version 3", exit=6, host="SM01")
    v = base(entries=False); c("no-entry-empty-vault", "restore from an empty vault", v.build()[0], "restore --role sm", exit=6, host="SM01")
    v = base(); c("ok-passphrase-crlf", "one trailing CR LF is stripped from the passphrase file", v.build()[0], exit=0,
                  passphrase="passphrase-crlf.txt")
    v = base(); c("unlock-passphrase-two-newlines", "only one trailing newline is stripped: the passphrase ends in LF",
                  v.build()[0], exit=4, passphrase="passphrase-two-newlines.txt")
    v = base(); c("unlock-wrong-passphrase", "a wrong passphrase", v.build()[0], exit=4, passphrase="wrong-passphrase.txt")
    v = base(slots="custodian"); c("ok-x25519-verify", "an X25519 custodian", v.build()[0], exit=0, passphrase=None, identities=["custodian.id"])
    v = base(slots="custodian"); c("ok-x25519-restore", "an X25519 custodian restores the sm key on SM01", v.build()[0],
                                   "restore --role sm", exit=0, passphrase=None, identities=["custodian.id"], host="SM01", key=v.entries[2].key)
    v = base(slots="custodian"); c("unlock-x25519-other-identity", "an identity that is not a custodian", v.build()[0],
                                   exit=4, passphrase=None, identities=["other.id"])
    v = base(slots="passphrase+custodian"); c("ok-two-slots-identity", "passphrase and X25519 slots; the identity alone unlocks",
                                              v.build()[0], exit=0, passphrase=None, identities=["custodian.id"])
    v = base(slots="custodian+passphrase"); c("ok-two-slots-passphrase", "X25519 then passphrase slot; the passphrase alone unlocks",
                                              v.build()[0], exit=0)
    v = base(threshold=2, slots="passphrase+custodian+other")
    c("ok-threshold-2-of-3", "2 of 3: passphrase and one identity", v.build()[0], exit=0, identities=["custodian.id"])
    v = base(threshold=2, slots="passphrase+custodian+other")
    c("ok-threshold-2-of-3-identities", "2 of 3: two identities, no passphrase", v.build()[0], exit=0, passphrase=None,
      identities=["custodian.id", "other.id"])
    v = base(threshold=2, slots="passphrase+custodian+other")
    c("ok-threshold-restore", "2 of 3 restores dw on DW01", v.build()[0], "restore --role dw", exit=0, identities=["custodian.id"],
      host="DW01", key=v.entries[1].key)
    v = base(threshold=2, slots="passphrase+custodian+other")
    c("unlock-threshold-one-custodian", "2 of 3 with only the passphrase", v.build()[0], exit=4)
    v = base(threshold=3, slots="passphrase+custodian+other")
    c("ok-threshold-3-of-3", "3 of 3", v.build()[0], exit=0, identities=["custodian.id", "other.id"])
    v = base(); v.slots.insert(0, (0x09, b"a slot of a kind from the future")); c("ok-unknown-slot-kind-skipped",
        "an unknown slot kind (9) before the passphrase slot is skipped", v.build()[0], exit=0)
    v = base(); v.slots.append((0xFF, b"")); c("ok-unknown-slot-kind-ff-empty", "an unknown slot kind 255 with an empty body is skipped",
        v.build()[0], exit=0)
    v = base(); v.entries[0].extra = [(0x80, b"informational")]; c("ok-tlv-0x80-skipped", "informational metadata tag 0x80 is skipped",
        v.build()[0], exit=0)
    v = base(); v.entries[0].extra = [(0xFF, b"")]; c("ok-tlv-0xff-empty-restore", "informational tag 0xFF (empty) is skipped; the entry restores",
        v.build()[0], "restore --role sm --version 1", exit=0, host="SM01", key=v.entries[0].key)
    v = base(entries=False); v.entries = [Entry("sm", "SM01", n, os.urandom(40 + n)) for n in (1, 2, 3, 4)]
    c("ok-four-versions-newest", "four sm versions: the newest is restored", v.build()[0], "restore --role sm", exit=0, host="SM01",
      key=v.entries[3].key)
    v = base(entries=False); v.entries = [Entry("sm", "SM01", 1, b"\x42")]; c("ok-one-byte-key", "a key of 1 byte (the smallest size)",
        v.build()[0], "restore --role sm", exit=0, host="SM01", key=b"\x42")
    v = base(entries=False); v.entries = [Entry("ab12", "host-a", 1, os.urandom(20))]
    c("ok-other-role-name", "any role of 1-16 a-z 0-9 is allowed", v.build()[0], exit=0)
    v = base(entries=False); v.entries = [Entry("sm", "WEB_01!", 1, os.urandom(20))]
    c("ok-netbios-host", "a NetBIOS-style host with _ and !", v.build()[0], exit=0)
    v = Vault(); v.add_passphrase(ops=10); v.entries = [Entry("sm", "SM01", 1, os.urandom(32))]
    c("ok-kdf-ops-10", "10 passes is the largest accepted", v.build()[0], exit=0)
    v = base(); v.entries[0].label = "x" * 256; c("ok-label-256-bytes", "a 256-byte label is the largest", v.build()[0], exit=0)

    # -- preamble -----------------------------------------------------------------------------------------------
    good, at = base().build()
    c("bad-magic-first-byte", "first magic byte 88 instead of 89", patch(good, 0, b"\x88"), exit=5)
    c("bad-magic-ascii", "magic without the non-ASCII byte", patch(good, 0, b"KVAULT\n\n"), exit=5)
    c("bad-magic-empty-file", "an empty file", b"", exit=5)
    c("truncated-in-magic", "7 bytes of magic", good[:7], exit=5)
    c("truncated-in-version", "magic and one version byte", good[:9], exit=5)
    c("truncated-in-flags", "cut inside flags", good[:11], exit=5)
    c("truncated-in-header-size", "cut inside header_size", good[:15], exit=5)
    c("truncated-after-preamble", "only the 16-byte preamble", good[:16], exit=5)
    for ver in (0, 2, 0x0100, 0xFFFF):
        c(f"version-{ver:04x}", f"format version {ver}: " + ("does not exist (damaged)" if ver == 0 else "newer (unsupported)"),
          patch(good, 8, u16(ver)), exit=5)
    for flags in (0x0002, 0x8000, 0xFFFF, 0x0003):
        c(f"flags-{flags:04x}", f"unknown flag bits {flags:#06x}", patch(good, 10, u16(flags)), exit=5)
    c("flags-threshold-on-plain-vault", "threshold flag set on a vault written without one (checksum recomputed)",
      rehash(patch(good, 10, u16(1))), exit=5)
    hs = at["ciphertext"]
    for name, size in [("zero", 0), ("108", 108), ("one-less", hs - 1), ("one-more", hs + 1), ("past-file", len(good) + 1),
                       ("256mib-plus-1", (256 << 20) + 1), ("max", 0xFFFFFFFF)]:
        c(f"header-size-{name}", f"header_size {size} (true value {hs})", set_header_size(good, size), exit=5, max_seconds=1)

    # -- truncation inside each structure (file cut; then cut with header_size made to agree) -------------------
    for name, cut in [("vault-id", 30), ("created-at", 36), ("slot-count", 40), ("slot-kind", at["slot0"]),
                      ("slot-length", at["slot0"] + 2), ("slot-body", at["slot0"] + 60), ("entry-count", at["entry_count"] + 2),
                      ("record-meta-length", at["record0"] + 1), ("metadata", at["meta0"] + 10), ("entry-nonce", at["nonce0"] + 5),
                      ("checksum", at["checksum"] + 16), ("vault-tag", at["tag"] + 16), ("ciphertext", at["sealed1"] + 20),
                      ("last-ciphertext-byte", len(good) - 1)]:
        c(f"truncated-in-{name}", f"file cut at byte {cut}, inside the {name.replace('-', ' ')}", good[:cut], exit=5)
    for name, cut in [("slot-body", at["slot0"] + 80), ("entry-count", at["entry_count"] + 2), ("metadata", at["meta0"] + 10),
                      ("entry-nonce", at["nonce0"] + 5), ("checksum", at["checksum"] + 16), ("vault-tag", at["tag"] + 16)]:
        c(f"cut-header-size-agrees-{name}", f"file cut inside the {name.replace('-', ' ')}, header_size set to the cut",
          set_header_size(good[:cut], cut), exit=5)
    c("trailing-byte", "one byte after the last sealed key", good + b"\x00", exit=5)
    c("trailing-16-bytes", "16 bytes after the last sealed key", good + bytes(16), exit=5)

    # -- slots --------------------------------------------------------------------------------------------------
    for n in (0, 17, 255):
        c(f"slot-count-{n}", f"slot_count {n}", rehash(patch(good, at["slot_count"], bytes([n]))), exit=5)
    c("slot-kind-0", "slot kind 0 is invalid", rehash(patch(good, at["slot0"], b"\x00")), exit=5)
    v = base(); v.slots.append(v.slots[0]); c("slot-two-passphrase", "two passphrase slots", v.build()[0], exit=5)
    for name, blen in [("96", 96), ("98", 98), ("ffff", 0xFFFF)]:
        c(f"passphrase-slot-length-{name}", f"passphrase slot body_len {blen} (must be 97)", rehash(patch(good, at["slot0"] + 1, u16(blen))), exit=5)
    c("passphrase-slot-kdf-2", "KDF id 2 is unknown", rehash(patch(good, at["slot0"] + 3, b"\x02")), exit=5)
    c("passphrase-slot-kdf-0", "KDF id 0 is unknown", rehash(patch(good, at["slot0"] + 3, b"\x00")), exit=5)
    for name, ops, mem in [("ops-0", 0, 8), ("ops-11", 11, 8), ("ops-max", 0xFFFFFFFF, 8), ("mem-7kib", 1, 7), ("mem-0", 1, 0),
                           ("mem-1gib-plus-1", 1, (1 << 20) + 1), ("mem-1tib", 1, 1 << 30), ("mem-max", 1, 0xFFFFFFFF),
                           ("both-huge", 0xFFFFFFFF, 0xFFFFFFFF)]:
        body = bytes([1]) + u32(ops) + u32(mem)
        c(f"kdf-{name}", f"Argon2id {ops} passes / {mem} KiB: refused before any KDF work",
          rehash(patch(good, at["slot0"] + 3, body)), exit=5, max_seconds=1)
    wrapped_flip = bytearray(good); wrapped_flip[at["entry_count"] - 3] ^= 0x01
    c("passphrase-slot-wrapped-flipped", "a flipped bit in the wrapped key, checksum not recomputed: damaged, not a wrong passphrase",
      bytes(wrapped_flip), exit=5)
    c("passphrase-slot-wrapped-flipped-rehashed", "a flipped bit in the wrapped key with the checksum recomputed: indistinguishable from a wrong passphrase",
      rehash(bytes(wrapped_flip)), exit=4)
    salt_flip = bytearray(good); salt_flip[at["slot0"] + 3 + 9] ^= 0x80
    c("passphrase-slot-salt-flipped-rehashed", "the salt changed, checksum recomputed: the slot no longer opens", rehash(bytes(salt_flip)), exit=4)
    other = base(); other.vault_id = bytes(16)
    ob, oat = other.build()
    moved = good[:at["slot0"]] + ob[oat["slot0"]:oat["entry_count"]] + good[at["entry_count"]:]
    c("slot-from-another-vault", "the passphrase slot of another vault (same passphrase), checksum recomputed: its AD names the other vault",
      rehash(moved), exit=4)
    x, xat = base(slots="custodian").build()
    for name, blen in [("135", 135), ("137", 137)]:
        c(f"x25519-slot-length-{name}", f"X25519 slot body_len {blen} (must be 136)", rehash(patch(x, xat["slot0"] + 1, u16(blen))),
          exit=5, passphrase=None, identities=["custodian.id"])
    c("x25519-ephemeral-zero", "an all-zero ephemeral key gives an all-zero shared secret, which is refused",
      rehash(patch(x, xat["slot0"] + 3 + 32, bytes(32))), exit=4, passphrase=None, identities=["custodian.id"])
    c("x25519-recipient-changed", "the recipient field changed: the identity is not this slot's", rehash(patch(x, xat["slot0"] + 3, bytes(32))),
      exit=4, passphrase=None, identities=["custodian.id"])

    # -- threshold ----------------------------------------------------------------------------------------------
    t, tat = base(threshold=2, slots="passphrase+custodian+other").build()
    for k in (0, 1, 4):
        c(f"threshold-{k}-of-3", f"threshold byte {k} with 3 slots", rehash(patch(t, tat["threshold"], bytes([k]))), exit=5,
          identities=["custodian.id"])
    c("threshold-byte-changed-2-to-3", "threshold 2 changed to 3 (checksum recomputed): every slot's AD holds the threshold",
      rehash(patch(t, tat["threshold"], b"\x03")), exit=4, identities=["custodian.id", "other.id"])
    c("threshold-flag-cleared", "threshold flag cleared on a threshold vault (checksum recomputed)", rehash(patch(t, 10, u16(0))),
      exit=5, identities=["custodian.id"])
    def same_x(shares): shares[2] = bytes([2]) + shares[2][1:]   # slot 3's share claims x = 2, like slot 2's
    v = base(threshold=2, slots="passphrase+custodian+other", shares=same_x)
    c("threshold-duplicate-share-x", "two slots hold shares with the same x: refused as damaged, never combined",
      v.build()[0], exit=5, passphrase=None, identities=["custodian.id", "other.id"])
    def x_zero(shares): shares[1] = bytes([0]) + shares[1][1:]
    v = base(threshold=2, slots="passphrase+custodian+other", shares=x_zero)
    c("threshold-share-x-0", "a share with x = 0: refused as damaged", v.build()[0], exit=5, identities=["custodian.id"])
    def off_polynomial(shares): shares[1] = bytes([2]) + os.urandom(32)
    v = base(threshold=2, slots="passphrase+custodian+other", shares=off_polynomial)
    c("threshold-wrong-share", "a share that does not lie on the polynomial: wrong vault key, the vault tag rejects it",
      v.build()[0], exit=5, identities=["custodian.id"])
    v = base(threshold=2, slots="passphrase+custodian")
    v.slots.append(v.slots[1])
    c("threshold-slot-copied", "slot 2 copied into slot 3: the same custodian opens two slots with the same share",
      v.build()[0], exit=5, passphrase=None, identities=["custodian.id"])

    # -- index and entry count ----------------------------------------------------------------------------------
    for name, n in [("max", 0xFFFFFFFF), ("1048577", 1048577), ("one-more", 4), ("one-less", 2), ("zero", 0)]:
        c(f"entry-count-{name}", f"entry_count {n} (true value 3)", rehash(patch(good, at["entry_count"], u32(n))), exit=5, max_seconds=1)
    for name, n in [("4097", 4097), ("ffff", 0xFFFF), ("zero", 0), ("one-more", None), ("one-less", None)]:
        true = int.from_bytes(good[at["record0"]:at["record0"] + 2], "big")
        n = true + 1 if name == "one-more" else true - 1 if name == "one-less" else n
        c(f"meta-length-{name}", f"entry 1 meta_len {n} (true value {true})", rehash(patch(good, at["record0"], u16(n))), exit=5)

    # -- metadata TLV: every field wrong, with checksum, tag and seal all recomputed (so only the parser refuses) ---
    def tlv(fields):
        return b"".join(bytes([t]) + u16(len(val)) + val for t, val in fields)

    def entry_case(name, description, fields_fn, exit=5):
        v = base()
        e = v.entries[0]
        fields = [(1, b"sm"), (2, b"SM01"), (3, u32(1)), (4, u64(e.created)), (5, u32(len(e.key))), (6, h(e.key, subkey(v.vault_key, 2)))]
        made = fields_fn(fields)
        e.meta_override = made if isinstance(made, bytes) else tlv(made)
        c(name, description, v.build()[0], exit=exit)

    def replace(tag, value):
        return lambda fs: [(t, value if t == tag else val) for t, val in fs]

    entry_case("tlv-critical-0x09", "unknown critical tag 09: unsupported", lambda fs: fs + [(0x09, b"x")])
    entry_case("tlv-critical-0x7f", "unknown critical tag 7F: unsupported", lambda fs: fs + [(0x7F, b"")])
    entry_case("tlv-out-of-order", "host before role", lambda fs: [fs[1], fs[0]] + fs[2:])
    entry_case("tlv-repeated-tag", "the role field twice", lambda fs: fs[:1] + fs)
    entry_case("tlv-missing-fingerprint", "no fingerprint field", lambda fs: fs[:5])
    entry_case("tlv-missing-role", "no role field", lambda fs: fs[1:])
    entry_case("tlv-length-past-end", "the last field's length runs past meta_len",
               lambda fs: tlv(fs)[:-32 - 2] + u16(33) + tlv(fs)[-32:])
    entry_case("tlv-trailing-byte", "one stray byte after the last field", lambda fs: tlv(fs) + b"\x07")
    entry_case("tlv-version-0", "version 0", replace(3, u32(0)))
    entry_case("tlv-version-8-bytes", "version in 8 bytes (non-canonical)", replace(3, u64(1)))
    entry_case("tlv-version-2-bytes", "version in 2 bytes", replace(3, u16(1)))
    entry_case("tlv-created-4-bytes", "created_at in 4 bytes", replace(4, u32(1764040000)))
    entry_case("tlv-size-0", "size 0", replace(5, u32(0)))
    entry_case("tlv-size-16mib-plus-1", "size 16 MiB + 1", replace(5, u32((16 << 20) + 1)))
    entry_case("tlv-size-4gib", "size 0xFFFFFFFF (4 GiB claimed)", replace(5, u32(0xFFFFFFFF)))
    entry_case("tlv-size-8-bytes", "size in 8 bytes (non-canonical)", replace(5, u64(96)))
    entry_case("tlv-fingerprint-31", "a 31-byte fingerprint", lambda fs: fs[:5] + [(6, fs[5][1][:31])])
    entry_case("tlv-role-uppercase", "role SM (upper case)", replace(1, b"SM"))
    entry_case("tlv-role-empty", "an empty role", replace(1, b""))
    entry_case("tlv-role-17", "a 17-character role", replace(1, b"a" * 17))
    entry_case("tlv-host-trailing-dot", "host with a trailing dot", replace(2, b"SM01."))
    entry_case("tlv-host-space", "host with a space", replace(2, b"SM 01"))
    entry_case("tlv-host-bad-utf8", "host that is not UTF-8", replace(2, b"SM\xff01"))
    entry_case("tlv-host-empty", "an empty host", replace(2, b""))
    entry_case("tlv-host-label-64", "a DNS label of 64 characters", replace(2, b"a" * 64 + b".example"))
    entry_case("tlv-label-empty", "a label field of length 0", lambda fs: fs + [(7, b"")])
    entry_case("tlv-label-257", "a 257-byte label", lambda fs: fs + [(7, b"x" * 257)])
    entry_case("tlv-label-control", "a label with a line feed", lambda fs: fs + [(7, b"one\ntwo")])
    entry_case("tlv-label-bad-utf8", "a label that is not UTF-8", lambda fs: fs + [(7, b"caf\xe9")])
    entry_case("tlv-file-name-slash", "a file name with '/'", lambda fs: fs + [(8, b"../sm.bin")])
    entry_case("tlv-file-name-256", "a 256-byte file name", lambda fs: fs + [(8, b"f" * 256)])
    v = base(); v.entries[2].host = "sm01"; v.entries[2].version = 1
    c("duplicate-entry-case-insensitive", "two sm version-1 entries for SM01 and sm01", v.build()[0], exit=5)
    v = base(); v.entries.append(v.entries[0])
    c("duplicate-entry-copied", "entry 1 appended again (same nonce and sealed bytes)", v.build()[0], exit=5)

    # -- tampering the keyed vault tag must catch (the unkeyed checksum recomputed, as anyone can) ---------------
    def edit_meta(tag, new):
        v = base()
        key = v.vault_key
        data, at2 = v.build()
        meta = v.entries[0].meta(key)
        fields, i = [], 0
        while i < len(meta):
            t, ln = meta[i], int.from_bytes(meta[i + 1:i + 3], "big")
            fields.append((t, new if t == tag else meta[i + 3:i + 3 + ln]))
            i += 3 + ln
        new_meta = tlv(fields)
        assert len(new_meta) == len(meta)
        return patch(data, at2["meta0"], new_meta)

    for field, tag, new in [("host", 2, b"SM02"), ("role", 1, b"dw"), ("version", 3, u32(5)), ("label", 7, b"primary DW")]:
        tampered = edit_meta(tag, new)
        c(f"tamper-{field}-list", f"entry 1's {field} changed, checksum not recomputed: list refuses", tampered, "list",
          exit=5, passphrase=None)
        c(f"tamper-{field}-rehashed-list", f"entry 1's {field} changed, checksum recomputed: authenticated list refuses (vault tag)",
          rehash(tampered), "list", exit=5)
        c(f"tamper-{field}-rehashed-verify", f"entry 1's {field} changed, checksum recomputed: verify reports the index",
          rehash(tampered), exit=5)
    v = base(); key = v.entries[2].key; data0, at0 = v.build()
    meta0 = v.entries[0].meta(v.vault_key)
    c("salvage-entry-after-index-tamper", "entry 1's label edited (checksum recomputed); --salvage still restores entry 3 from its own seal",
      rehash(patch(data0, at0["meta0"], meta0.replace(b"primary SM", b"primary XX"))), "restore --role sm --salvage", exit=0,
      host="SM01", key=key, intact=False)
    c("tamper-host-rehashed-restore", "host SM01 changed to SM02, checksum recomputed: restore on SM02 refuses",
      rehash(edit_meta(2, b"SM02")), "restore --role sm --version 1", exit=5, host="SM02")

    v = base(); data, at2 = v.build()
    recs = [data[at2[f"record{n}"]:at2[f"record{n + 1}"] if n < 2 else at2["checksum"]] for n in range(3)]
    seals = [data[at2[f"sealed{n}"]:at2[f"sealed{n + 1}"] if n < 2 else len(data)] for n in range(3)]

    def index(order, seal_order=None, count=None):
        seal_order = order if seal_order is None else seal_order
        head = data[:at2["entry_count"]] + u32(count if count is not None else len(order)) + b"".join(recs[i] for i in order)
        head = set_header_size(head, len(head) + 64)
        head += h(head) + bytes(32)
        head = rehash(head)
        return head + b"".join(seals[i] for i in seal_order)

    c("tamper-entries-reordered", "entries 1 and 2 swapped with their sealed keys, checksum recomputed", index([1, 0, 2]), exit=5)
    c("tamper-entry-removed", "entry 2 and its sealed key removed, checksum recomputed", index([0, 2]), exit=5)
    c("tamper-entry-removed-restore", "entry 3 removed, checksum recomputed: restore refuses (vault tag)", index([0, 1]),
      "restore --role sm", exit=5, host="SM01")
    c("tamper-sealed-keys-swapped", "sealed keys 1 and 3 swapped in the ciphertext area (sizes differ): damaged",
      data[:at2["ciphertext"]] + seals[2] + seals[1] + seals[0], exit=5)
    c("tamper-vault-tag-flipped", "a flipped bit in the vault tag", patch(data, at2["tag"], bytes([data[at2["tag"]] ^ 1])), exit=5)
    c("tamper-checksum-flipped", "a flipped bit in the checksum", patch(data, at2["checksum"], bytes([data[at2["checksum"]] ^ 1])),
      "list", exit=5, passphrase=None)
    c("tamper-ciphertext-flipped", "a flipped bit in sealed key 2", patch(data, at2["sealed1"] + 7, bytes([data[at2["sealed1"] + 7] ^ 1])),
      exit=5)
    c("tamper-ciphertext-flipped-restore-other", "sealed key 2 (dw) damaged: the sm key still restores",
      patch(data, at2["sealed1"] + 7, bytes([data[at2["sealed1"] + 7] ^ 1])), "restore --role sm", exit=0, host="SM01", key=v.entries[2].key, intact=False)
    c("tamper-entry-nonce-flipped", "entry 1's nonce changed, checksum recomputed", rehash(patch(data, at2["nonce0"], bytes([data[at2["nonce0"]] ^ 1]))),
      exit=5)
    c("tamper-vault-id-rehashed", "the vault id changed, checksum recomputed: every slot's AD changes", rehash(patch(data, 16, bytes(16))), exit=4)
    c("tamper-created-at-rehashed", "created_at changed, checksum recomputed", rehash(patch(data, 32, u64(1))), exit=4)
    w = base(); w.vault_key = v.vault_key; w.vault_id = v.vault_id; w.slots = v.slots
    w.entries = [v.entries[0], v.entries[1], Entry("sm", "sm01.corp.example", 2, os.urandom(64))]
    c("tamper-fingerprint-mismatch", "an entry whose fingerprint is not its key's (everything else authentic)",
      _with_fingerprint(w), exit=5)
    # An entry (record and sealed key) copied from another vault that uses the same passphrase.
    o = base(); od, oat = o.build()
    orec = od[oat["record2"]:oat["checksum"]]
    head = data[:at2["entry_count"]] + u32(3) + recs[0] + recs[1] + orec
    head = set_header_size(head, len(head) + 64)
    head = rehash(head + bytes(64))
    c("tamper-entry-from-other-vault", "entry 3 replaced by an entry of another vault, checksum recomputed",
      head + seals[0] + seals[1] + od[oat["sealed2"]:], exit=5)

    # -- certificate slots (made by keyvault itself: the generator does no RSA/EC) -------------------------------
    ckey = os.urandom(72)
    cv = cert_vault(m.keyvault, ckey)
    c("ok-certificate-verify", "a P-256 certificate custodian", cv, exit=0, passphrase=None, identities=["p256.key"])
    c("ok-certificate-restore", "a P-256 certificate custodian restores sm on SM01", cert_vault(m.keyvault, ckey), "restore --role sm",
      exit=0, passphrase=None, identities=["p256.key"], host="SM01", key=ckey)
    s0 = 41 + 3
    for name, alg in [("0", 0), ("4", 4)]:
        c(f"certificate-algorithm-{name}", f"certificate slot algorithm {alg}: unsupported", rehash(patch(cv, s0, bytes([alg]))),
          exit=5, passphrase=None, identities=["p256.key"])
    cert_len = int.from_bytes(cv[s0 + 1:s0 + 3], "big")
    for name, n in [("0", 0), ("16385", 16385), ("one-more", cert_len + 1)]:
        c(f"certificate-length-{name}", f"cert_len {n} (true value {cert_len})", rehash(patch(cv, s0 + 1, u16(n))),
          exit=5, passphrase=None, identities=["p256.key"])
    e0 = s0 + 3 + cert_len
    c("certificate-encap-length-64", "a P-256 point of 64 bytes (must be 65)", rehash(patch(cv, e0, u16(64))),
      exit=5, passphrase=None, identities=["p256.key"])
    c("certificate-point-changed", "the ephemeral point changed (checksum recomputed): the slot does not open",
      rehash(patch(cv, e0 + 2 + 1, bytes(8))), exit=4, passphrase=None, identities=["p256.key"])


def make_more(m):
    """Cases added after the first batch (the script skips every case that exists)."""
    c = m.case
    good, at = base().build()
    c("unknown-slot-body-past-end", "an unknown slot kind whose body_len runs past the header",
      rehash(patch(good, at["slot0"], b"\x09\xff\xff")), exit=5)
    v = Vault(threshold=2); v.split(2); v.add_passphrase(); v.add_x25519(recipient("custodian.id")); v.slots.append((9, b"future"))
    v.entries = [Entry("sm", "SM01", 1, os.urandom(50))]
    c("ok-threshold-unknown-slot-kind", "2 of 3 where slot 3 is of an unknown kind (skipped)", v.build()[0], exit=0,
      identities=["custodian.id"])
    v = base(slots="custodian"); c("unlock-no-passphrase-custodian", "a passphrase for a vault with only an X25519 custodian",
                                   v.build()[0], exit=4)
    v = base(); v.slots = [(9, b"future")]; c("only-unknown-slot-kinds", "no slot of a kind this version knows: unsupported",
                                              v.build()[0], exit=5)
    v = Vault(threshold=2); v.split(2); v.add_passphrase(); v.slots.append((9, b"future"))
    v.entries = [Entry("sm", "SM01", 1, os.urandom(50))]
    c("threshold-too-few-known-slot-kinds", "2 of 2 where slot 2 is of an unknown kind: unsupported", v.build()[0], exit=5)
    v = base(); c("unlock-list-wrong-passphrase", "list authenticated with a wrong passphrase", v.build()[0], "list", exit=4,
                  passphrase="wrong-passphrase.txt")
    v = base(); data, at2 = v.build()
    meta = v.entries[0].meta(v.vault_key)
    c("ok-info-does-not-authenticate", "info reads a tampered index whose checksum was recomputed: without a secret nothing can tell",
      rehash(patch(data, at2["meta0"], meta.replace(b"primary SM", b"primary XX"))), "info", exit=0, passphrase=None)
    v = base(); v.entries[0].label = "line\u2028separator"
    c("ok-label-line-separator", "U+2028 is not a control character (category Zl): allowed in a label", v.build()[0], exit=0)
    v = base(); v.entries[0].label = "next\u0085line"
    c("tlv-label-c1-control", "U+0085 is a C1 control character (category Cc): refused", v.build()[0], exit=5)
    ckey = os.urandom(40)
    cv = cert_vault(m.keyvault, ckey)
    s0 = 41 + 3
    cert_len = int.from_bytes(cv[s0 + 1:s0 + 3], "big")
    e0 = s0 + 3 + cert_len
    c("certificate-encap-length-66", "a P-256 point of 66 bytes (must be 65)", rehash(patch(cv, e0, u16(66))),
      exit=5, passphrase=None, identities=["p256.key"])
    body_len = int.from_bytes(cv[42:44], "big")
    end = 44 + body_len
    grown = cv[:42] + u16(body_len + 1) + cv[44:end - 48] + b"\x00" + cv[end - 48:]
    grown = set_header_size(grown, int.from_bytes(cv[12:16], "big") + 1)
    c("certificate-slot-trailing-byte", "a stray byte between nonce and wrapped key (body_len and header_size agree)",
      rehash(grown), exit=5, passphrase=None, identities=["p256.key"])


# ---------------------------------------------------------------------------------------------------------------
# The extension area (flag bit 2, FORMAT.md "Extension area"): the recovery workflow's vault-level data.

def item(fields):
    body = b"".join(bytes([t]) + u16(len(v)) + v for t, v in fields)
    return u16(len(body)) + body


def items(list_of_fields):
    return u32(len(list_of_fields)) + b"".join(item(f) for f in list_of_fields)


def section(kind, body):
    return bytes([kind]) + u32(len(body)) + body


def area(*sections):
    return bytes([len(sections)]) + b"".join(sections)


def log_section(vault_key, records, dropped=0, anchor=bytes(32)):
    """Records as field lists without the mac; each gets mac_i = H_k(mac_{i-1} ‖ u16(len) ‖ fields) under Subkey(5)."""
    mac, out = anchor, []
    for fields in records:
        raw = b"".join(bytes([t]) + u16(len(v)) + v for t, v in fields)
        mac = h(mac + u16(len(raw)) + raw, subkey(vault_key, 5))
        out.append(list(fields) + [(9, mac)])
    return section(6, u64(dropped) + anchor + items(out))


def log_record(action, outcome, at=1764040100, role=None, host=None, version=None):
    fields = [(1, u64(at)), (2, action.encode())]
    if role: fields.append((3, role.encode()))
    if host: fields.append((4, host.encode()))
    if version: fields.append((5, u32(version)))
    return fields + [(6, b"vector"), (7, b"LAB01"), (8, outcome.encode())]


def recovery_vault(log=True, password=True, extra=()):
    """base() with a management group, two hosts, a database, an escrowed password for entry 1 and a 3-record log."""
    v = base()
    sections = [section(1, b"MG-VECTORS"),
                section(2, items([[(1, b"SM01"), (2, b"sm01.corp.example"), (3, b"sm"), (4, bytes([1])), (5, b"10.22.1068.0")],
                                  [(1, b"SQL01"), (3, b"sql")]])),
                section(3, items([[(1, b"ServiceManager"), (2, b"SQL01"), (3, b"SMINST")]]))]
    if password:
        e = v.entries[0]
        meta, nonce = e.meta(v.vault_key), os.urandom(24)
        sealed = aead(subkey(v.vault_key, 4), nonce, b"vector export password", v.vault_id + u16(len(meta)) + meta)
        sections.append(section(4, items([[(1, b"sm"), (2, b"SM01"), (3, u32(1)), (4, nonce), (5, sealed)]])))
    if log:
        sections.append(log_section(v.vault_key, [log_record("seal", "ok: sealed version 1", role="sm", host="SM01", version=1),
                                                   log_record("inventory", "ok: host recorded (primary sm)", host="SM01"),
                                                   log_record("drill", "ok: 3 entries opened and matched their fingerprints")]))
    sections += list(extra)
    v.extensions = area(*sections)
    return v


def make_recovery(m):
    """The recovery workflow's extension area (issue 6). Only commands that never write the vault (a restore or a
    drill would record itself in it)."""
    c = m.case
    v = recovery_vault(); c("ok-extensions-verify", "an extension area: inventory, an escrowed password, a 3-record log", v.build()[0], exit=0)
    v = recovery_vault(); c("ok-extensions-log", "the audit log's chain holds", v.build()[0], "log", exit=0)
    v = recovery_vault(); c("ok-extensions-inventory", "the inventory reads without a secret", v.build()[0], "inventory", exit=0, passphrase=None)
    v = recovery_vault(); c("ok-extensions-plan", "a plan for the primary SM server from the inventory", v.build()[0], "plan --failed SM01",
                            exit=0, passphrase=None)
    v = recovery_vault(); c("extensions-plan-unknown-host", "a plan for a host the vault knows nothing about", v.build()[0],
                            "plan --failed WEB07", exit=6, passphrase=None)
    v = recovery_vault(extra=[section(0x80, b"informational")])
    c("ok-extensions-informational-section", "an unknown informational section (type 0x80) is skipped", v.build()[0], exit=0)
    v = recovery_vault(extra=[section(0x07, b"critical")])
    c("extensions-unknown-critical-section", "an unknown critical section (type 0x07): unsupported", v.build()[0], exit=5)
    v = base(); v.extensions = b"\x00"
    c("extensions-section-count-0", "flag bit 2 with no section", v.build()[0], exit=5)
    v = base(); v.extensions = area(section(2, items([[(1, b"SM01"), (3, b"dw")]])), section(1, b"MG"))
    c("extensions-sections-out-of-order", "section types must ascend", v.build()[0], exit=5)
    v = base(); v.extensions = area(section(2, u32(0xFFFFFFFF)))
    c("extensions-host-count-huge", "2^32-1 hosts: refused before allocating", v.build()[0], exit=5, max_seconds=2)
    v = base(); v.extensions = area(section(6, u64(0) + bytes(32) + u32(70000) + bytes(140000)))
    c("extensions-log-count-over-cap", "70,000 log records: more than the cap of 65,536", v.build()[0], exit=5, max_seconds=2)
    v = base(); v.extensions = area(section(2, items([[(1, b"SM01"), (3, b"sm"), (4, bytes([1]))], [(1, b"SM02"), (3, b"sm"), (4, bytes([1]))]])))
    c("extensions-two-primaries", "two primary SM servers", v.build()[0], exit=5)
    v = base(); v.extensions = area(section(1, b"MG"), section(2, b"\x00\x00"))
    c("extensions-section-truncated", "a hosts section too short for its count", v.build()[0], exit=5)
    # A password record that names an entry that is not in the vault.
    v = base(); v.extensions = area(section(4, items([[(1, b"sm"), (2, b"SM09"), (3, u32(1)), (4, bytes(24)), (5, bytes(40))]])))
    c("extensions-password-for-no-entry", "an escrowed password naming an entry that is not in the vault", v.build()[0], exit=5)
    # The log edited by someone holding the vault key, who re-made the tag but not the chain: only the chain tells.
    v = recovery_vault(); data, at = v.build()
    i = data.index(b"ok: host recorded")
    edited = patch(data, i, b"OK")
    c("extensions-log-record-edited-tag-recomputed", "log record 2 edited, checksum and vault tag recomputed: the chain fails",
      rehash(edited, v.vault_key), "log", exit=5)
    c("extensions-log-record-edited-verify", "the same edit: verify checks the keys, not the log's chain (drill and log do)",
      None, exit=0, vault="extensions-log-record-edited-tag-recomputed.kv", intact=False)


def _with_fingerprint(v):
    e = v.entries[2]
    meta = e.meta(v.vault_key)
    e.meta_override = meta[:-32] + bytes(32)  # the fingerprint is the last field (no label or file name)
    return v.build()[0]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--keyvault", default=os.path.join(ROOT, ".build-vec", "debug", "keyvault"))
    args = p.parse_args()
    os.makedirs(OUT, exist_ok=True)
    side_files(args.keyvault)
    m = Maker(args.keyvault)
    make_all(m)
    make_more(m)
    make_recovery(m)
    print(f"made {m.made} cases, kept {m.kept} existing ones")
    for f in m.failed:
        print("NOT WRITTEN (keyvault disagrees with the spec):", f, file=sys.stderr)
    return 1 if m.failed else 0


if __name__ == "__main__":
    sys.exit(main())
