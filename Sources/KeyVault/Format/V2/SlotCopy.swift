// One of the two copies of a version-2 vault's slot area (docs/FORMAT-V2-DESIGN.md, "Slot copies").

/// A slot copy: self-describing (its own size, sequence number and vault identity), checked by an unkeyed BLAKE2b over
/// its bytes before the check, so one damaged sector — the preamble's included — never invalidates both copies.
///
/// `slot_copy = "KVSLOTS2" ‖ seq u64 ‖ slot_copy_size u32 ‖ identity_bytes[36] ‖ slot_count u8 ‖ threshold u8? ‖
/// slot × slot_count ‖ zeros ‖ check[32]`, exactly `slot_copy_size` bytes.
struct SlotCopy: Hashable, Sendable {
    /// The file's generation: 1 when created or upgraded, one more on every rewrite.
    let seq: UInt64
    /// The 36 bytes every slot's associated data begins with (``VaultIdentity/associatedBytes``).
    let identityBytes: [UInt8]
    let threshold: UInt8?
    let slots: [SlotRecord]

    /// Bytes from the magic to the end of the last slot: what `slot_digest` in a chain's base change covers.
    var digestedBytes: [UInt8] {
        var w = ByteWriter(capacity: 128 + slots.reduce(0) { $0 + 3 + $1.body.count })
        w.append(FormatV2.slotCopyMagic)
        w.u64(seq)
        w.u32(0)  // the size is not part of what the chain binds: a copy may be moved to a larger area
        w.append(identityBytes)
        w.u8(UInt8(slots.count))
        if let threshold { w.u8(threshold) }
        for slot in slots {
            w.u8(slot.kind)
            w.u16(UInt16(slot.body.count))
            w.append(slot.body)
        }
        return w.bytes
    }

    /// `H(digestedBytes)`: what the first commit's base change names.
    var digest: [UInt8] { Hashing.blake2b(digestedBytes) }

    /// The smallest `slot_copy_size` (a multiple of 4096) that holds this copy.
    var minimumSize: Int { FormatV2.roundUp(digestedBytes.count + FormatV2.checkCount, to: FormatV2.blockSize) }

    /// The copy's bytes in an area of `size` bytes (a multiple of 4096, at least ``minimumSize``).
    func encoded(size: Int) -> [UInt8] {
        precondition(size % FormatV2.blockSize == 0 && size >= minimumSize && size <= FormatV2.maxSlotCopySize)
        var bytes = digestedBytes
        for i in 0..<4 { bytes[16 + i] = UInt8((UInt32(size) >> UInt32(24 - 8 * i)) & 0xFF) }
        bytes += [UInt8](repeating: 0, count: size - FormatV2.checkCount - bytes.count)
        bytes += Hashing.blake2b(bytes)
        return bytes
    }

    /// Parses a copy from `bytes` (read at `offset` of the file, for messages), which must hold at least its size.
    /// - Returns: the copy and its size, or nil when it is not a valid copy (magic, size, check, or a slot that
    ///   does not parse): the caller tries the other one.
    /// - Throws: only when a certificate slot needs OpenSSL's libcrypto and it cannot be loaded (not damage).
    static func parse(_ bytes: ArraySlice<UInt8>, offset: Int) throws -> (SlotCopy, Int)? {
        guard bytes.count >= FormatV2.slotCopyHeadCount, bytes.prefix(8).elementsEqual(FormatV2.slotCopyMagic) else { return nil }
        var r = ByteReader(bytes, base: offset)
        guard (try? r.bytes(8, "slot copy magic")) != nil, let seq = try? r.u64("slot copy sequence"),
            let size = (try? r.u32("slot copy size")).map(Int.init),
            size % FormatV2.blockSize == 0, size >= FormatV2.blockSize, size <= FormatV2.maxSlotCopySize, size <= bytes.count
        else { return nil }
        let copy = bytes.prefix(size)
        let checked = copy.dropLast(FormatV2.checkCount)
        guard constantTimeEqual(Hashing.blake2b(Array(checked)), Array(copy.suffix(FormatV2.checkCount))) else { return nil }
        do {
            return (try parseBody(&r, end: checked.endIndex)(seq), size)
        } catch let error as KeyVaultError where error.code == .crypto {
            throw error
        } catch {
            return nil
        }
    }

    /// identity_bytes, slot count, threshold and slots, each slot checked by its kind's parser as version 1 does.
    private static func parseBody(_ r: inout ByteReader, end: Int) throws -> (UInt64) -> SlotCopy {
        let identityBytes = Array(try r.bytes(36, "identity bytes"))
        guard identityBytes.prefix(8).elementsEqual(FormatV1.magic) else { throw KeyVaultError.damaged("bad identity magic") }
        var ir = ByteReader(identityBytes[...])
        _ = try ir.bytes(8, "magic")
        let version = try ir.u16("version"), flags = try ir.u16("flags")
        let id = Array(try ir.bytes(16, "vault id")), created = try ir.u64("created at")
        guard version == 1 || version == FormatV2.version, flags & ~FormatV1.flagThreshold == 0 else {
            throw KeyVaultError.damaged("unknown identity")
        }
        let identity = VaultIdentity(version: version, flags: flags, id: id, createdAt: Timestamp(secondsSinceEpoch: created))
        let count = Int(try r.u8("slot count"))
        guard (1...FormatV1.maxSlots).contains(count) else { throw KeyVaultError.damaged("slot count") }
        var threshold: UInt8?
        if flags & FormatV1.flagThreshold != 0 {
            let k = try r.u8("threshold")
            guard k >= 2, Int(k) <= count else { throw KeyVaultError.damaged("threshold") }
            threshold = k
        }
        let context = SlotContext(identity: identity, threshold: threshold)
        var slots: [SlotRecord] = []
        for n in 1...count {
            let position = r.position
            let kind = try r.u8("slot \(n) kind"), length = Int(try r.u16("slot \(n) length"))
            let record = SlotRecord(kind: kind, body: Array(try r.bytes(length, "slot \(n) body")))
            guard kind != 0 else { throw KeyVaultError.damaged("slot kind 0") }
            if kind == CertificateSlot.kind { try OpenSSL.requireLoaded() }
            _ = try Slot.parse(record, at: position + 3, context: context)
            slots.append(record)
        }
        guard slots.filter({ $0.kind == PassphraseSlot.kind }).count <= 1 else { throw KeyVaultError.damaged("passphrase slots") }
        // Between the last slot and the check: zeros only.
        let rest = try r.bytes(end - r.offset, "padding")
        guard rest.allSatisfy({ $0 == 0 }) else { throw KeyVaultError.damaged("padding") }
        return { seq in SlotCopy(seq: seq, identityBytes: identityBytes, threshold: threshold, slots: slots) }
    }
}
