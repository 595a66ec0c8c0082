#!/usr/bin/python3
"""An independent reader of keyvault vaults, format version 1, written from docs/FORMAT.md alone.

Usage: read_vault.py VAULT [--passphrase-file FILE] [--identity FILE]...

Parses the whole file strictly and checks the unkeyed checksum. With a passphrase and/or X25519 identities it also
unwraps the vault key (combining Shamir shares in a threshold vault), checks the vault tag and opens every entry
(AEAD and fingerprint). Certificate slots (kind 3) are parsed but cannot be unlocked here: that would need RSA-OAEP
and ECDH, which are out of scope; their vaults report exit 7 when only a certificate key could unlock them.

Prints the entries (never key bytes) and exits 0 when everything holds; otherwise prints one line on stderr and exits
4 (the credentials unlock no slot), 5 (damaged or tampered), 6 (unsupported: written by a newer keyvault),
7 (out of scope), 2 (usage).
"""
import hashlib
import sys

import nacl.bindings as sodium
import nacl.exceptions

MAGIC = bytes.fromhex("894B5641554C540A")


class Refused(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def damaged(message): return Refused(5, "damaged: " + message)
def unsupported(message): return Refused(6, "unsupported: " + message)


def H(m, key=b""): return hashlib.blake2b(m, digest_size=32, key=key).digest()


def subkey(vault_key, ident):
    # libsodium's crypto_kdf_derive_from_key (BLAKE2b): key = master, salt = id as LE u64 ‖ 8 zero bytes,
    # personal = the 8-byte context ‖ 8 zero bytes.
    return hashlib.blake2b(b"", digest_size=32, key=vault_key, salt=ident.to_bytes(8, "little") + bytes(8),
                           person=b"KVAULT01" + bytes(8)).digest()


def aead_open(key, nonce, ciphertext, ad):
    try:
        return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(ciphertext, ad, nonce, key)
    except nacl.exceptions.CryptoError:
        return None


class Reader:
    def __init__(self, data, start=0, end=None):
        self.data, self.pos, self.end = data, start, len(data) if end is None else end

    def take(self, n, what):
        if n > self.end - self.pos:
            raise damaged(f"truncated in {what} at byte {self.pos}")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def uint(self, n, what): return int.from_bytes(self.take(n, what), "big")
    def left(self): return self.end - self.pos


# --- host names and text fields -------------------------------------------------------------------------------

DNS = set(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
NETBIOS = DNS | set(b"_!@#$%^&'(){}~")


def valid_host(raw):
    if not raw or raw.endswith(b".") or any(b >= 0x80 or b <= 0x20 or b == 0x7F for b in raw):
        return False
    if len(raw) <= 15 and b"." not in raw and all(b in NETBIOS for b in raw) and raw[:1] != b"-" and raw[-1:] != b"-":
        return True
    if len(raw) > 253:
        return False
    return all(1 <= len(l) <= 63 and all(b in DNS for b in l) and l[:1] != b"-" and l[-1:] != b"-" for l in raw.split(b"."))


def text(raw, lo, hi, forbid=""):
    try:
        s = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not lo <= len(raw) <= hi or any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in s) or any(c in s for c in forbid):
        return None
    return s


# --- parsing ---------------------------------------------------------------------------------------------------

def parse(data):
    if len(data) < 8 or data[:8] != MAGIC:
        raise damaged("not a vault (magic)")
    r = Reader(data)
    r.take(8, "magic")
    version = r.uint(2, "version")
    if version == 0: raise damaged("version 0")
    if version > 1: raise unsupported(f"format version {version}")
    flags = r.uint(2, "flags")
    if flags & ~5: raise unsupported(f"flags {flags:#06x}")
    header_size = r.uint(4, "header_size")
    if not 109 <= header_size <= 256 << 20 or header_size > len(data):
        raise damaged(f"header_size {header_size} (file {len(data)})")
    r = Reader(data, 16, header_size)
    vault_id = r.take(16, "vault_id")
    r.take(8, "created_at")
    # Flag bit 2 (extensions) is cleared in the identity bytes (FORMAT.md, "Identity").
    identity_bytes = data[0:10] + (flags & ~4).to_bytes(2, "big") + data[16:40]
    slot_count = r.uint(1, "slot_count")
    if not 1 <= slot_count <= 16: raise damaged(f"slot_count {slot_count}")
    threshold = None
    if flags & 1:
        threshold = r.uint(1, "threshold")
        if not 2 <= threshold <= slot_count: raise damaged(f"threshold {threshold} of {slot_count}")
    prefix = identity_bytes + (bytes([threshold]) if threshold else b"")
    wrapped_len = 49 if threshold else 48
    slots = [parse_slot(r, n, wrapped_len, prefix) for n in range(slot_count)]
    if sum(1 for s in slots if s["kind"] == 1) > 1: raise damaged("more than one passphrase slot")

    count = r.uint(4, "entry_count")
    if count > 1 << 20 or count * 94 > r.left() - 64: raise damaged(f"entry_count {count}")
    entries, seen, by_first_label = [], set(), {}
    for i in range(count):
        meta_len = r.uint(2, "meta_len")
        if meta_len > 4096: raise damaged(f"meta_len {meta_len}")
        meta = r.take(meta_len, "meta")
        e = parse_meta(meta)
        e["meta"], e["nonce"] = meta, r.take(24, "entry nonce")
        key = (e["role"], e["host"].lower(), e["version"])
        if key in seen: raise damaged(f"entry {i + 1} repeats role, host and version")
        # FORMAT.md: one computer, one series. Hosts name the same computer when their first labels are equal
        # (ignoring case) and at most one has a domain (the NetBIOS clause is not applied here).
        series = (e["role"], e["host"].lower().split(".")[0], e["version"])
        for host in by_first_label.get(series, []):
            if "." not in host or "." not in e["host"]:
                raise damaged(f"entry {i + 1} is a second version {e['version']} of the {e['role']} key of one computer")
        by_first_label.setdefault(series, []).append(e["host"].lower())
        seen.add(key)
        entries.append(e)
    extensions = parse_extensions(r, entries) if flags & 4 else None
    c = r.pos
    checksum = r.take(32, "checksum")
    tag = r.take(32, "vault_tag")
    if r.left(): raise damaged("bytes left in the header after the vault tag")
    expected = header_size + sum(e["size"] + 16 for e in entries)
    if len(data) != expected: raise damaged(f"file is {len(data)} bytes, the index accounts for {expected}")
    if H(data[:c]) != checksum: raise damaged("checksum")
    offset = header_size
    for e in entries:
        e["offset"], offset = offset, offset + e["size"] + 16
    return dict(vault_id=vault_id, threshold=threshold, slots=slots, entries=entries, tagged=data[:c + 32], tag=tag,
                extensions=extensions)


SECTION_FIELDS = {2: {1, 2, 3, 4, 5, 6, 7}, 3: {1, 2, 3}, 4: {1, 2, 3, 4, 5}, 5: {1, 2, 3, 4, 5, 6}, 6: set(range(1, 10)), 8: {1, 2, 3, 4, 5, 6}}
SECTION_CAPS = {2: 1024, 3: 1024, 4: 1 << 20, 5: 1 << 20, 6: 65536, 8: 1 << 20}


def parse_items(r, section):
    count = r.uint(4, "item_count")
    if count > SECTION_CAPS[section] or count * 2 > r.left(): raise damaged(f"section {section}: item_count {count}")
    items = []
    for _ in range(count):
        n = r.uint(2, "item_len")
        if n > 4096: raise damaged(f"section {section}: item of {n} bytes")
        raw = r.take(n, "item")
        f, last, ir = {}, -1, Reader(raw)   # tag 00 is no field: unknown, so unsupported (FORMAT.md, Conventions)
        while ir.left():
            tag = ir.uint(1, "field tag")
            if tag <= last: raise damaged(f"section {section}: field {tag} out of order")
            last = tag
            if tag not in SECTION_FIELDS[section]: raise unsupported(f"section {section}: field {tag}")
            f[tag] = ir.take(ir.uint(2, "field len"), "field")
        items.append((raw, f))
    return items


def parse_extensions(r, entries):
    """The extension area (FORMAT.md, "Extension area"); item fields are checked for presence, not every text rule."""
    n = r.uint(1, "section_count")
    if not 1 <= n <= 32: raise damaged(f"section_count {n}")
    out, last = {"unknown": []}, 0
    names = {(e["role"], e["host"].lower(), e["version"]) for e in entries}
    for _ in range(n):
        t = r.uint(1, "section type")
        if t == 0 or t <= last: raise damaged(f"section type {t} out of order")
        last = t
        body = r.take(r.uint(4, "section len"), "section body")
        br = Reader(body)
        if t == 1:
            if text(body, 1, 128) is None: raise damaged("management group")
            out["group"] = body.decode()
            br.take(len(body), "group")
        elif t in (2, 3, 4, 5, 8):
            out[t] = parse_items(br, t)
            if t == 2 and sum(1 for raw, f in out[t] if f.get(4) == b"\x01") > 1: raise damaged("two primary SM servers")
        elif t == 6:
            out["dropped"], out["anchor"] = br.uint(8, "dropped"), br.take(32, "anchor")
            out[6] = parse_items(br, 6)
            for raw, f in out[6]:
                if len(f.get(9, b"")) != 32: raise damaged("log record without its mac")
        elif t < 0x80:
            raise unsupported(f"extension section type {t}")
        else:
            out["unknown"].append(t)
            br.take(len(body), "unknown section")
        if br.left(): raise damaged(f"section {t}: bytes left over")
    for t in (4, 5, 8):
        for raw, f in out.get(t, []):
            if (f[1].decode(), f[2].decode().lower(), int.from_bytes(f[3], "big")) not in names:
                raise damaged(f"section {t}: names an entry that is not in the vault")
    return out


def parse_slot(r, n, wrapped_len, prefix):
    kind = r.uint(1, "slot kind")
    body_len = r.uint(2, "slot body_len")
    start = r.pos
    body = r.take(body_len, "slot body")
    slot = dict(kind=kind, body=body)
    if kind == 0: raise damaged(f"slot {n + 1} kind 0")
    if kind not in (1, 2, 3): return slot
    b = Reader(body)
    if kind == 1:
        if body_len != 49 + wrapped_len: raise damaged(f"passphrase slot body_len {body_len}")
        kdf = b.uint(1, "kdf")
        if kdf != 1: raise unsupported(f"passphrase KDF {kdf}")
        slot["ops"], slot["mem"] = b.uint(4, "ops_limit"), b.uint(4, "mem_limit_kib")
        if not 1 <= slot["ops"] <= 10 or not 8 <= slot["mem"] <= 1 << 20:
            raise damaged(f"Argon2id cost {slot['ops']} passes / {slot['mem']} KiB beyond the bounds")
        slot["salt"], slot["nonce"] = b.take(16, "salt"), b.take(24, "nonce")
    elif kind == 2:
        if body_len != 88 + wrapped_len: raise damaged(f"X25519 slot body_len {body_len}")
        slot["recipient"], slot["ephemeral"], slot["nonce"] = b.take(32, "recipient"), b.take(32, "ephemeral"), b.take(24, "nonce")
    else:
        algorithm = b.uint(1, "algorithm")
        if algorithm not in (1, 2, 3): raise unsupported(f"certificate algorithm {algorithm}")
        cert_len = b.uint(2, "cert_len")
        if not 1 <= cert_len <= 16384: raise damaged(f"cert_len {cert_len}")
        b.take(cert_len, "cert")
        encap_len = b.uint(2, "encap_len")
        if algorithm in (2, 3) and encap_len != {2: 65, 3: 97}[algorithm]: raise damaged(f"encap_len {encap_len}")
        b.take(encap_len, "encap")
        slot["nonce"] = b.take(24, "nonce")
        if b.left() != wrapped_len: raise damaged(f"certificate slot body_len {body_len}")
    slot["wrapped"] = body[body_len - wrapped_len:]
    slot["ad"] = prefix + bytes([kind]) + body_len.to_bytes(2, "big") + body[:body_len - wrapped_len]
    return slot


def parse_meta(meta):
    r, last, f = Reader(meta), -1, {}   # tag 00 falls to the critical branch: unsupported (FORMAT.md, Conventions)
    while r.left():
        tag = r.uint(1, "metadata tag")
        if tag <= last: raise damaged(f"metadata tag {tag} out of order or repeated")
        last = tag
        value = r.take(r.uint(2, "metadata length"), f"metadata field {tag}")
        if tag == 1:
            if not 1 <= len(value) <= 16 or any(b not in b"abcdefghijklmnopqrstuvwxyz0123456789" for b in value): raise damaged("role")
            f["role"] = value.decode()
        elif tag == 2:
            if not valid_host(value): raise damaged(f"host {value!r}")
            f["host"] = value.decode()
        elif tag in (3, 5):
            n = int.from_bytes(value, "big")
            if len(value) != 4 or n < 1 or (tag == 5 and n > 16 << 20): raise damaged(f"metadata field {tag}")
            f["version" if tag == 3 else "size"] = n
        elif tag == 4:
            if len(value) != 8: raise damaged("created_at")
            f["created"] = int.from_bytes(value, "big")
        elif tag == 6:
            if len(value) != 32: raise damaged("fingerprint")
            f["fingerprint"] = value
        elif tag == 7:
            f["label"] = text(value, 1, 256)
            if f["label"] is None: raise damaged("label")
        elif tag == 8:
            f["file_name"] = text(value, 1, 255, "/")
            if f["file_name"] is None: raise damaged("file_name")
        elif tag < 0x80:
            raise unsupported(f"critical metadata tag {tag:#04x}")
    if not {"role", "host", "version", "created", "size", "fingerprint"} <= f.keys(): raise damaged("a required field is missing")
    return f


# --- unlocking -------------------------------------------------------------------------------------------------

BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def bech32_decode(s):
    s = s.lower()
    hrp, data = s[:s.rindex("1")], [BECH32.index(c) for c in s[s.rindex("1") + 1:]]
    values, chk = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp] + data, 1
    for v in values:
        top, chk = chk >> 25, (chk & 0x1FFFFFF) << 5 ^ v
        for i, g in enumerate([0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]):
            chk ^= g if (top >> i) & 1 else 0
    if chk != 1: raise ValueError("bad Bech32 checksum")
    acc, bits, out = 0, 0, bytearray()
    for d in data[:-6]:
        acc, bits = (acc << 5) | d, bits + 5
        if bits >= 8:
            bits -= 8
            out.append((acc >> bits) & 0xFF)
    return hrp, bytes(out)


def load_identity(path):
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if line and not line.startswith("#"):
            hrp, secret = bech32_decode(line)
            if hrp != "kvault-secret-key-" or len(secret) != 32: raise ValueError(f"{path}: not an X25519 identity")
            return secret
    raise ValueError(f"{path}: no key line")


def gf_mul(a, b):
    p = 0
    while b:
        if b & 1: p ^= a
        a = ((a << 1) ^ 0x11B) if a & 0x80 else a << 1
        b >>= 1
    return p


def gf_inv(a):
    return next(b for b in range(1, 256) if gf_mul(a, b) == 1)


def combine(shares):
    xs = [s[0] for s in shares]
    if 0 in xs or len(set(xs)) != len(xs): raise damaged("threshold shares with number 0 or the same number")
    key = bytearray(32)
    for j, share in enumerate(shares):
        num = den = 1
        for m, xm in enumerate(xs):
            if m != j: num, den = gf_mul(num, xm), gf_mul(den, xm ^ xs[j])
        basis = gf_mul(num, gf_inv(den))
        for i in range(32): key[i] ^= gf_mul(share[1 + i], basis)
    return bytes(key)


def unwrap(slot, passphrase, identities):
    if slot["kind"] == 1 and passphrase is not None:
        kek = sodium.crypto_pwhash_alg(32, passphrase, slot["salt"], slot["ops"], slot["mem"] * 1024, sodium.crypto_pwhash_ALG_ARGON2ID13)
        return aead_open(kek, slot["nonce"], slot["wrapped"], slot["ad"])
    if slot["kind"] == 2:
        for secret in identities:
            if sodium.crypto_scalarmult_base(secret) != slot["recipient"]: continue
            try:
                shared = sodium.crypto_scalarmult(secret, slot["ephemeral"])
            except nacl.exceptions.RuntimeError:   # libsodium itself refuses an all-zero result
                return None
            if shared == bytes(32): return None
            kek = H(b"keyvault x25519 slot" + slot["ephemeral"] + slot["recipient"], shared)
            return aead_open(kek, slot["nonce"], slot["wrapped"], slot["ad"])
    return None


def open_vault(data, v, passphrase, identities, certificate_keys=0):
    need = v["threshold"] or 1
    if sum(1 for s in v["slots"] if s["kind"] in (1, 2, 3)) < need:
        raise unsupported("too few slots of kinds this reader knows")
    payloads = []
    for slot in v["slots"]:
        if len(payloads) == need: break
        p = unwrap(slot, passphrase, identities)
        if p is not None:
            if len(p) != (33 if v["threshold"] else 32): raise damaged("payload of the wrong length")
            payloads.append(p)
    if len(payloads) < need:
        if certificate_keys and any(s["kind"] == 3 for s in v["slots"]): raise Refused(7, "out of scope: certificate slots cannot be unlocked here")
        raise Refused(4, f"unlock failed: {len(payloads)} of {need} slots opened")
    vault_key = combine(payloads) if v["threshold"] else payloads[0]
    x = v["extensions"]
    if x is not None:
        # The log's chain first: it names the record, where the vault tag can only say "something changed".
        mac, log_key = x.get("anchor"), subkey(vault_key, 5)
        for i, (raw, f) in enumerate(x.get(6, [])):
            fields = raw[:-35]
            mac = H(mac + len(fields).to_bytes(2, "big") + fields, log_key)
            if mac != f[9]: raise damaged(f"audit log record {i + 1 + x['dropped']} does not follow from the one before")
        v["log_records"] = len(x.get(6, []))
    if H(v["tagged"], subkey(vault_key, 3)) != v["tag"]: raise damaged("vault tag")
    for e in v["entries"]:
        sealed = data[e["offset"]:e["offset"] + e["size"] + 16]
        key = aead_open(subkey(vault_key, 1), e["nonce"], sealed, v["vault_id"] + len(e["meta"]).to_bytes(2, "big") + e["meta"])
        if key is None: raise damaged(f"entry {e['role']} {e['host']} v{e['version']} fails authentication")
        if H(key, subkey(vault_key, 2)) != e["fingerprint"]: raise damaged(f"entry {e['role']} {e['host']} v{e['version']} fingerprint")
        e["sha256"] = hashlib.sha256(key).hexdigest()
    if x is None: return
    by_name = {(e["role"], e["host"].lower(), e["version"]): e for e in v["entries"]}
    for raw, f in x.get(4, []):
        e = by_name[(f[1].decode(), f[2].decode().lower(), int.from_bytes(f[3], "big"))]
        password = aead_open(subkey(vault_key, 4), f[4], f[5], v["vault_id"] + len(e["meta"]).to_bytes(2, "big") + e["meta"])
        if password is None: raise damaged(f"the export password of {e['role']} {e['host']} v{e['version']} fails authentication")
        e["password_sha256"] = hashlib.sha256(password).hexdigest()


def main(argv):
    args, passphrase, identities, certificate_keys = list(argv), None, [], 0
    try:
        path = args.pop(0)
        while args:
            option, value = args.pop(0), args.pop(0)
            if option == "--passphrase-file":
                raw = open(value, "rb").read()
                passphrase = raw[:-2] if raw.endswith(b"\r\n") else raw[:-1] if raw.endswith(b"\n") else raw
            elif option == "--identity":
                if "KVAULT-SECRET-KEY-" in open(value, encoding="utf-8", errors="replace").read():
                    identities.append(load_identity(value))
                else:
                    certificate_keys += 1   # a certificate's private key: out of scope, see the docstring
            else:
                raise ValueError(option)
    except (IndexError, ValueError, OSError) as error:
        print(f"usage: read_vault.py VAULT [--passphrase-file FILE] [--identity FILE]... ({error})", file=sys.stderr)
        return 2
    data = open(path, "rb").read()
    try:
        v = parse(data)
        if passphrase is not None or identities or certificate_keys:
            open_vault(data, v, passphrase, identities, certificate_keys)
    except Refused as refusal:
        print(f"read_vault: {path}: {refusal}", file=sys.stderr)
        return refusal.status
    for e in v["entries"]:
        print(f"{e['role']}\t{e['host']}\tv{e['version']}\t{e['size']} bytes\t{e.get('label', '')}" +
              (f"\tsha256 {e['sha256']}" if "sha256" in e else "") +
              (f"\tpassword-sha256 {e['password_sha256']}" if "password_sha256" in e else ""))
    if "log_records" in v: print(f"audit log: {v['log_records']} records, chain intact")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
