#!/usr/bin/env python3
"""An attacker's tool for the trust-model tests (issue 10, attack 1): someone who can write a vault file but holds no
secret wraps a vault key of their own choosing to the vault's public X25519 custodians (threshold vaults too), chains
the audit log again, and re-makes checksum and vault tag. Written from docs/FORMAT.md alone; no keyvault code.

    forge_vault.py VAULT --endorsements drop|keep|claim     rewrites VAULT, prints the chosen key (hex)
    forge_vault.py VAULT --open-newest KEYHEX               prints the newest entry's plaintext (hex) under that key
"""
import os
import sys

import nacl.bindings as sodium

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from read_vault import H, Reader, subkey, gf_mul, parse  # noqa: E402


def u16(n): return n.to_bytes(2, "big")
def u32(n): return n.to_bytes(4, "big")


def split(key, k, n):
    """Shamir over GF(2^8) (FORMAT.md, Threshold): share j is x=j followed by f_i(j) for each key byte."""
    coefficients = [[b] + list(os.urandom(k - 1)) for b in key]
    shares = []
    for x in range(1, n + 1):
        ys = []
        for poly in coefficients:
            y, power = 0, 1
            for c in poly:
                y ^= gf_mul(c, power)
                power = gf_mul(power, x)
            ys.append(y)
        shares.append(bytes([x] + ys))
    return shares


def walk(data):
    """Offsets of the header's parts: (slots start, slots end, index end, extensions end, header size)."""
    flags = int.from_bytes(data[10:12], "big")
    header_size = int.from_bytes(data[12:16], "big")
    r = Reader(data, 40, header_size)
    count = r.uint(1, "slot_count")
    if flags & 1: r.uint(1, "threshold")
    slots_start = r.pos
    for _ in range(count):
        r.uint(1, "kind")
        r.take(r.uint(2, "len"), "body")
    slots_end = r.pos
    for _ in range(r.uint(4, "entry_count")):
        r.take(r.uint(2, "meta_len"), "meta")
        r.take(24, "nonce")
    return flags, slots_start, slots_end, r.pos, header_size


def forge(path, mode):
    data = open(path, "rb").read()
    v = parse(data)
    flags, slots_start, slots_end, index_end, header_size = walk(data)
    key = os.urandom(32)
    k = v["threshold"]
    payloads = split(key, k, len(v["slots"])) if k else [key] * len(v["slots"])
    identity = data[0:10] + (flags & ~4).to_bytes(2, "big") + data[16:40]
    prefix = identity + (bytes([k]) if k else b"")
    slots = b""
    new_digests = []
    for slot, payload in zip(v["slots"], payloads):
        assert slot["kind"] == 2, "the attacker can re-make X25519 slots only"
        recipient = slot["recipient"]
        eph_secret = os.urandom(32)
        ephemeral = sodium.crypto_scalarmult_base(eph_secret)
        shared = sodium.crypto_scalarmult(eph_secret, recipient)
        kek = H(b"keyvault x25519 slot" + ephemeral + recipient, shared)
        nonce = os.urandom(24)
        body_len = 88 + len(payload) + 16
        ad = prefix + b"\x02" + u16(body_len) + recipient + ephemeral + nonce
        body = recipient + ephemeral + nonce + sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(payload, ad, nonce, kek)
        record = b"\x02" + u16(len(body)) + body
        new_digests.append(H(record))
        slots += record
    extensions = b""
    if flags & 4:
        r = Reader(data, index_end, header_size - 64)
        count = r.uint(1, "sections")
        sections = []
        for _ in range(count):
            t = r.uint(1, "type")
            body = r.take(r.uint(4, "len"), "body")
            if t == 6:  # the audit log, chained again under the chosen key's Subkey(5)
                br = Reader(body)
                dropped, anchor = br.take(8, "dropped"), br.take(32, "anchor")
                items, mac = [], anchor
                for _ in range(br.uint(4, "count")):
                    item = br.take(br.uint(2, "item_len"), "item")
                    fields = item[:-35]
                    mac = H(mac + u16(len(fields)) + fields, subkey(key, 5))
                    items.append(fields + b"\x09" + u16(32) + mac)
                body = dropped + anchor + u32(len(items)) + b"".join(u16(len(i)) + i for i in items)
            elif t == 0x82:
                if mode == "drop":
                    continue
                if mode == "claim":  # the old proofs, now naming the new slots
                    br = Reader(body)
                    items = []
                    for n in range(br.uint(4, "count")):
                        item = br.take(br.uint(2, "item_len"), "item")
                        if n < len(new_digests):
                            items.append(b"\x01" + u16(32) + new_digests[n] + item[35:])
                    body = u32(len(items)) + b"".join(u16(len(i)) + i for i in items)
            sections.append(bytes([t]) + u32(len(body)) + body)
        if sections:
            extensions = bytes([len(sections)]) + b"".join(sections)
    new_flags = (flags & ~4) | (4 if extensions else 0)
    head = (data[0:10] + new_flags.to_bytes(2, "big") + b"\0\0\0\0" + data[16:slots_start] + slots
            + data[slots_end:index_end] + extensions)
    size = len(head) + 64
    head = head[:12] + u32(size) + head[16:]
    head += H(head)
    head += H(head, subkey(key, 3))
    open(path, "wb").write(head + data[header_size:])
    print(key.hex())


def open_newest(path, key_hex):
    data = open(path, "rb").read()
    v = parse(data)
    e = v["entries"][-1]
    sealed = data[e["offset"]:e["offset"] + e["size"] + 16]
    ad = v["vault_id"] + u16(len(e["meta"])) + e["meta"]
    print(sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(sealed, ad, e["nonce"], subkey(bytes.fromhex(key_hex), 1)).hex())


if __name__ == "__main__":
    if sys.argv[2] == "--endorsements":
        forge(sys.argv[1], sys.argv[3])
    else:
        open_newest(sys.argv[1], sys.argv[3])
