// The vault header: fixed fields, slots, the entry index, checksum and vault tag (docs/FORMAT.md, "Header").

#if canImport(Glibc)
    @preconcurrency import Glibc  // memcmp
#endif

/// A slot as stored: kind and body. Kinds this version does not know are kept and skipped.
struct SlotRecord: Hashable, Sendable {
    let kind: UInt8
    let body: [UInt8]
}

/// Everything before the ciphertext area, parsed.
///
/// The index is checked whole when the header is parsed, but kept as the header's bytes plus a location per
/// record: an ``Entry`` is built only when asked for (``entry(at:)``), so opening a vault of 100,000 entries to
/// restore one does not build 100,000 of them.
struct VaultHeader: Sendable {
    let identity: VaultIdentity
    /// K of a K-of-N vault; nil when any one slot unlocks it.
    let threshold: UInt8?
    let slots: [SlotRecord]
    /// The header's bytes, exactly `header_size` of them.
    let bytes: [UInt8]
    /// Each index record's place in ``bytes``, in index order.
    let locations: [RecordLocation]
    /// Offset of `entry_count`.
    let entryCountOffset: Int
    /// Offset of the first byte after the index: the extension area, or the checksum when there is none.
    let indexEnd: Int
    /// Offset of the checksum.
    let checksumOffset: Int
    /// Vault-level sections (flag bit 2): inventory, escrowed passwords, drills, the audit log. Empty without the flag.
    var extensions: ExtensionArea
    /// Unkeyed BLAKE2b-256 over the bytes before it matched.
    let checksumValid: Bool
    /// The ciphertext area's expected length: the sum over entries of size + 16.
    let ciphertextAreaCount: Int
    /// Each record's two hashes for the check for repeats (``DuplicateEntryCheck/hashes``), from this process's parse:
    /// a writer's check of the header it is about to write reuses them for the records it keeps. Empty for an encoded
    /// header.
    var repeatHashes: [UInt64] = []
    /// The tables of that check, built over every record in this process's parse: a writer's check of the header it
    /// is about to write looks its new records up in them. Nil for an encoded header, and for one whose check only
    /// entered the records added to another's.
    var repeatTable: DuplicateEntryCheck.Table?

    /// The bytes the vault tag covers: everything before it.
    var taggedBytes: ArraySlice<UInt8> { bytes[..<(checksumOffset + FormatV1.checksumCount)] }
    /// The stored vault tag.
    var tag: [UInt8] { Array(bytes[(checksumOffset + FormatV1.checksumCount)...]) }
    /// Total header bytes (`header_size`): where the ciphertext area starts.
    var size: Int { bytes.count }
    var entryCount: Int { locations.count }

    var slotContext: SlotContext { SlotContext(identity: identity, threshold: threshold) }

    /// The entry of index record `index` (0-based).
    func entry(at index: Int) -> Entry {
        EntryMetadata.entry(checked: bytes[locations[index].metadataRange], index: index)
    }

    /// Index record `index`, with its entry.
    func record(at index: Int) -> IndexRecord {
        let location = locations[index]
        return IndexRecord(metadata: Array(bytes[location.metadataRange]), nonce: Array(bytes[location.nonceRange]), entry: entry(at: index))
    }

    /// Every index record, built: for rewrites that touch every entry.
    func allRecords() -> [IndexRecord] { locations.indices.map(record(at:)) }

    /// Offset of each entry's ciphertext from the start of the file.
    func ciphertextOffsets() -> [Int] {
        var offsets: [Int] = []
        offsets.reserveCapacity(locations.count)
        var next = size
        for location in locations {
            offsets.append(next)
            next += location.ciphertextCount
        }
        return offsets
    }

    /// Reads magic, version, flags and header_size from the first 16 bytes, checking what can be checked there.
    /// - Returns: header_size.
    static func parsePreamble(_ first: ArraySlice<UInt8>, fileSize: Int) throws -> Int {
        guard first.count >= 8, Array(first.prefix(8)) == FormatV1.magic else {
            throw KeyVaultError.damaged("not a keyvault vault: the file does not start with the vault magic bytes")
        }
        var r = ByteReader(first)
        _ = try r.bytes(8, "magic")
        let version = try r.u16("format version")
        guard version == FormatV1.version else {
            if version > FormatV1.version {
                throw KeyVaultError(.unsupportedVersion, "vault format version \(version) is newer than this keyvault reads (version \(FormatV1.version)); upgrade keyvault")
            }
            throw KeyVaultError.damaged("vault damaged: format version \(version) does not exist")
        }
        let flags = try r.u16("flags")
        guard flags & ~FormatV1.knownFlags == 0 else {
            throw KeyVaultError(.unsupportedVersion, "vault sets feature flags 0x\(String(flags, radix: 16)) that this keyvault does not know; upgrade keyvault")
        }
        let headerSize = try r.u32("header size")
        let minimum = FormatV1.fixedHeaderCount + 4 + FormatV1.checksumCount + FormatV1.vaultTagCount
        guard headerSize >= minimum, headerSize <= FormatV1.maxHeaderSize else {
            throw KeyVaultError.damaged("vault damaged: header size \(headerSize) is outside \(minimum)-\(FormatV1.maxHeaderSize) bytes")
        }
        guard Int(headerSize) <= fileSize else {
            throw KeyVaultError.damaged("vault damaged or truncated: header claims \(headerSize) bytes but the file has \(fileSize)")
        }
        return Int(headerSize)
    }

    /// Parses the whole header (exactly `header_size` bytes) of a file of `fileSize` bytes; `fileSize` nil for the
    /// header a version-2 file replays to, whose sealed keys are not one area after it (``ChainFile/keyOffsets(for:)``).
    /// `checksummed` false for such a header laid out in memory: its checksum is not checked (its commits were).
    /// `base`: a header whose index these bytes may repeat byte for byte (a write that added no entry); its parse of
    /// the index is then reused instead of checking 100,000 records again.
    static func parse(_ bytes: [UInt8], fileSize given: Int?, checksummed: Bool = true, sameIndexAs base: VaultHeader? = nil) throws -> VaultHeader {
        let fileSize = given ?? Int.max
        let headerSize = try parsePreamble(bytes[...], fileSize: fileSize)
        guard bytes.count == headerSize else {
            throw KeyVaultError.damaged("vault damaged: header is \(bytes.count) bytes, expected \(headerSize)")
        }
        var r = ByteReader(bytes[...])
        let identity = try parseIdentity(&r)
        let (threshold, slots) = try parseSlots(&r, identity: identity)
        let entryCountOffset = r.position
        let locations: [RecordLocation], ciphertextAreaCount: Int
        var repeatHashes: [UInt64] = []
        var repeatTable: DuplicateEntryCheck.Table?
        if let base, base.entryCountOffset == entryCountOffset, bytes.count >= base.indexEnd,
            base.bytes.withUnsafeBytes({ b in
                bytes.withUnsafeBytes { n in memcmp(b.baseAddress! + entryCountOffset, n.baseAddress! + entryCountOffset, base.indexEnd - entryCountOffset) == 0 }
            })
        {
            (locations, ciphertextAreaCount, repeatHashes, repeatTable) = (base.locations, base.ciphertextAreaCount, base.repeatHashes, base.repeatTable)
            r = ByteReader(bytes[base.indexEnd...], base: base.indexEnd)
        } else if let base, base.entryCountOffset == entryCountOffset, bytes.count >= base.indexEnd,
            base.bytes.withUnsafeBytes({ b in
                bytes.withUnsafeBytes { n in
                    memcmp(b.baseAddress! + entryCountOffset + 4, n.baseAddress! + entryCountOffset + 4, base.indexEnd - entryCountOffset - 4) == 0
                }
            })
        {
            // The same records, and more after them (a seal): only the new ones are checked as records; every one
            // still takes part in the check for repeats.
            (locations, ciphertextAreaCount, repeatHashes, repeatTable) = try parseIndex(&r, bytes: bytes, headerSize: headerSize, after: base)
        } else {
            (locations, ciphertextAreaCount, repeatHashes, repeatTable) = try parseIndex(&r, bytes: bytes, headerSize: headerSize)
        }
        let indexEnd = r.position
        let extensions =
            identity.hasExtensions
            ? try ExtensionArea.parse(
                &r,
                // A writer's check of the header it is about to write: the audit log it keeps is not checked again.
                keptLog: base?.extensions.log,
                entryKeys: { [locations] in
                    Set(
                        locations.indices.map { i in
                            let e = EntryMetadata.entry(checked: bytes[locations[i].metadataRange], index: i)
                            return ExtensionArea.entryKey(e.role, e.host, e.version)
                        })
                })
            : .empty
        let checksumOffset = r.position
        let checksum = Array(try r.bytes(FormatV1.checksumCount, "header checksum"))
        _ = try r.bytes(FormatV1.vaultTagCount, "vault tag")
        try r.expectEnd("the vault tag")

        let expected = headerSize + ciphertextAreaCount
        guard expected == fileSize || given == nil else {
            throw KeyVaultError.damaged(
                fileSize < expected
                    ? "vault damaged or truncated: the index accounts for \(expected) bytes but the file has \(fileSize)"
                    : "vault damaged: \(fileSize - expected) unexpected trailing bytes after the last entry")
        }
        return VaultHeader(
            identity: identity, threshold: threshold, slots: slots, bytes: bytes, locations: locations,
            entryCountOffset: entryCountOffset, indexEnd: indexEnd, checksumOffset: checksumOffset, extensions: extensions,
            checksumValid: !checksummed || constantTimeEqual(Hashing.blake2b(bytes[0..<checksumOffset]), checksum),
            ciphertextAreaCount: ciphertextAreaCount, repeatHashes: repeatHashes, repeatTable: repeatTable)
    }

    /// The preamble's fields (checked by ``parsePreamble(_:fileSize:)``) and the identity: offsets 0-39.
    private static func parseIdentity(_ r: inout ByteReader) throws -> VaultIdentity {
        _ = try r.bytes(8, "magic")
        let version = try r.u16("format version")
        let flags = try r.u16("flags")
        _ = try r.u32("header size")
        let id = Array(try r.bytes(FormatV1.vaultIDCount, "vault id"))
        let created = try r.u64("created-at")
        return VaultIdentity(version: version, flags: flags, id: id, createdAt: Timestamp(secondsSinceEpoch: created))
    }

    /// `slot_count`, the threshold when flag bit 0 is set, and each slot, checked by its kind's parser.
    private static func parseSlots(_ r: inout ByteReader, identity: VaultIdentity) throws -> (UInt8?, [SlotRecord]) {
        let slotCount = Int(try r.u8("slot count"))
        guard (1...FormatV1.maxSlots).contains(slotCount) else {
            throw KeyVaultError.damaged("vault damaged: slot count \(slotCount) is outside 1-\(FormatV1.maxSlots)")
        }
        var threshold: UInt8?
        if identity.flags & FormatV1.flagThreshold != 0 {
            let k = try r.u8("threshold")
            guard k >= 2, Int(k) <= slotCount else {
                throw KeyVaultError.damaged("vault damaged: threshold \(k) must be 2 to the slot count (\(slotCount))")
            }
            threshold = k
        }
        let context = SlotContext(identity: identity, threshold: threshold)
        var slots: [SlotRecord] = []
        var passphraseSlots = 0
        for n in 1...slotCount {
            let position = r.position
            let kind = try r.u8("slot \(n) kind")
            let length = Int(try r.u16("slot \(n) length"))
            let body = try r.bytes(length, "slot \(n) body")
            let record = SlotRecord(kind: kind, body: Array(body))
            guard kind != 0 else { throw KeyVaultError.damaged("vault damaged: slot \(n) has kind 0") }
            // A certificate custodian needs OpenSSL: without it, say so here rather than show an unreadable certificate.
            if kind == CertificateSlot.kind { try OpenSSL.requireLoaded() }
            _ = try Slot.parse(record, at: position + 3, context: context)
            if kind == PassphraseSlot.kind { passphraseSlots += 1 }
            slots.append(record)
        }
        guard passphraseSlots <= 1 else { throw KeyVaultError.damaged("vault damaged: it has \(passphraseSlots) passphrase slots; at most one is allowed") }
        return (threshold, slots)
    }

    /// `entry_count` and the index records, located (not decoded) and checked: one computer, one series. Leaves `r`
    /// after the index; returns the records' locations and the size of the ciphertext area they account for.
    /// `known`: a header whose records these bytes begin with, byte for byte (checked by the caller): its records are
    /// taken as located and checked there, and only those after them are read.
    private static func parseIndex(_ r: inout ByteReader, bytes: [UInt8], headerSize: Int, after known: VaultHeader? = nil) throws -> (
        [RecordLocation], Int, [UInt64], DuplicateEntryCheck.Table?
    ) {
        let entryCount = try r.u32("entry count")
        // The smallest possible index record is 2 + 7 fields' headers and values + 24; refuse counts the bytes cannot hold.
        let smallestRecord = 2 + 3 * 6 + 1 + 1 + 4 + 8 + 4 + 32 + AEAD.nonceCount
        guard entryCount <= FormatV1.maxEntries,
            Int(entryCount) <= (r.remaining - FormatV1.checksumCount - FormatV1.vaultTagCount) / smallestRecord
        else {
            throw KeyVaultError.damaged("vault damaged: entry count \(entryCount) cannot fit in a \(headerSize)-byte header (limit \(FormatV1.maxEntries) entries)")
        }
        var locations: [RecordLocation] = []
        locations.reserveCapacity(Int(entryCount))
        var duplicates = DuplicateEntryCheck(capacity: Int(entryCount))
        var ciphertextAreaCount = 0
        var position = r.position
        var first = 0
        if let known, known.entryCount <= Int(entryCount) {
            locations += known.locations
            if known.repeatHashes.count == 2 * known.entryCount {
                duplicates.add(hashes: known.repeatHashes)
            } else {
                for location in known.locations { duplicates.add(location, in: bytes) }
            }
            ciphertextAreaCount = known.ciphertextAreaCount
            position = known.indexEnd
            first = known.entryCount
        }
        for index in first..<Int(entryCount) {
            let location: RecordLocation
            if let common = bytes.withUnsafeBufferPointer({ RecordLocation.common(in: $0, at: position) }) {
                location = common
            } else {
                // Anything but the common record takes the full check, which words the error if there is one.
                var rest = ByteReader(bytes[position...], base: position)
                location = try IndexRecord.locate(&rest, index: index)
            }
            position += location.recordCount
            locations.append(location)
            ciphertextAreaCount += location.ciphertextCount
            duplicates.add(location, in: bytes)
        }
        // The known records' table when they were checked in this process (then only the new ones are entered).
        let checked = known?.repeatTable.flatMap { $0.count == first ? $0 : nil }
        if let (earlier, index) = duplicates.firstRepeat(in: locations, bytes: bytes, checked: checked) {
            let location = locations[index]
            let entry = EntryMetadata.entry(checked: bytes[location.metadataRange], index: index)
            let first = EntryMetadata.entry(checked: bytes[locations[earlier].metadataRange], index: earlier)
            if HostName.equalIgnoringASCIICase(bytes[locations[earlier].hostRange], bytes[location.hostRange]) {
                throw KeyVaultError.damaged("vault damaged: entry \(index + 1) repeats \(entry.displayName)")
            }
            throw KeyVaultError.damaged(
                "vault damaged: entries \(earlier + 1) and \(index + 1) are both version \(entry.version) of the \(entry.role) key of one computer (\(first.host) and \(entry.host) name the same computer)"
            )
        }
        r = ByteReader(bytes[position...], base: position)
        return (locations, ciphertextAreaCount, duplicates.hashes, duplicates.table)
    }

    /// Encodes a header for `slots`, `records` and `extensions`, with checksum and a tag under `tagKey`. Flag bit 2
    /// is set exactly when `extensions` holds something.
    static func encode(
        identity given: VaultIdentity, threshold: UInt8?, slots: [SlotRecord], records: [IndexRecord],
        extensions: ExtensionArea = .empty, tagKey: SecretBytes
    ) -> VaultHeader {
        let identity = given.withExtensions(!extensions.isEmpty)
        precondition((threshold != nil) == (identity.flags & FormatV1.flagThreshold != 0))
        var w = ByteWriter(capacity: 256 + records.count * 160)
        w.append(FormatV1.magic)
        w.u16(identity.version)
        w.u16(identity.flags)
        w.u32(0)  // header_size, patched below
        w.append(identity.id)
        w.u64(identity.createdAt.secondsSinceEpoch)
        w.u8(UInt8(slots.count))
        if let threshold { w.u8(threshold) }
        for slot in slots {
            w.u8(slot.kind)
            w.u16(UInt16(slot.body.count))
            w.append(slot.body)
        }
        let entryCountOffset = w.bytes.count
        w.u32(UInt32(records.count))
        var locations: [RecordLocation] = []
        locations.reserveCapacity(records.count)
        for record in records {
            locations.append(
                RecordLocation(
                    start: UInt32(w.bytes.count), metaCount: UInt16(record.metadata.count),
                    roleCount: UInt8(record.entry.role.rawValue.utf8.count),
                    hostCount: UInt8(record.entry.host.value.utf8.count), size: record.entry.size))
            record.encode(into: &w)
        }
        let indexEnd = w.bytes.count
        if !extensions.isEmpty { extensions.encode(into: &w) }
        var bytes = w.bytes
        let checksumOffset = bytes.count
        seal(&bytes, tagKey: tagKey)
        return VaultHeader(
            identity: identity, threshold: threshold, slots: slots, bytes: bytes, locations: locations,
            entryCountOffset: entryCountOffset, indexEnd: indexEnd, checksumOffset: checksumOffset,
            extensions: extensions, checksumValid: true,
            ciphertextAreaCount: records.reduce(0) { $0 + $1.ciphertextCount })
    }

    /// This header's bytes with `records` added at the end of the index and `extensions` in place of the extension
    /// area; `flags` bit 2, `entry_count`, `header_size`, checksum and tag (under `tagKey`) recomputed. Everything
    /// else is copied byte for byte, as ``encode(identity:threshold:slots:records:extensions:tagKey:)`` would write it
    /// again.
    ///
    /// `sealed` false leaves zeros where the checksum and the vault tag go: for a format-version-2 write, which lays
    /// the header out again and authenticates it by a commit (hashing 13 MiB twice for nothing at 100,000 entries).
    func appending(_ records: [IndexRecord], extensions: ExtensionArea, tagKey: SecretBytes, sealed: Bool = true) -> [UInt8] {
        // Room for the checksum and tag, and for the extension area to grow by a command's records, so that megabytes
        // of index are copied once, never again to grow.
        var w = ByteWriter(
            capacity: indexEnd + records.reduce(0) { $0 + $1.metadata.count + 26 } + FormatV1.checksumCount + FormatV1.vaultTagCount
                + (checksumOffset - indexEnd) + 16_384)
        w.append(bytes[..<indexEnd])
        for record in records { record.encode(into: &w) }
        if !extensions.isEmpty { extensions.encode(into: &w) }
        var out = w.take()
        let flags = identity.withExtensions(!extensions.isEmpty).flags
        out[10] = UInt8(flags >> 8)
        out[11] = UInt8(flags & 0xFF)
        let count = UInt32(locations.count + records.count)
        for i in 0..<4 { out[entryCountOffset + i] = UInt8((count >> UInt32(24 - 8 * i)) & 0xFF) }
        Self.seal(&out, tagKey: sealed ? tagKey : nil)
        return out
    }

    /// Patches `header_size` into `bytes` (everything up to the checksum) and appends checksum and vault tag (zeros
    /// for both without `tagKey`).
    private static func seal(_ bytes: inout [UInt8], tagKey: SecretBytes?) {
        let headerSize = UInt32(bytes.count + FormatV1.checksumCount + FormatV1.vaultTagCount)
        for i in 0..<4 { bytes[12 + i] = UInt8((headerSize >> UInt32(24 - 8 * i)) & 0xFF) }
        guard let tagKey else {
            bytes += [UInt8](repeating: 0, count: FormatV1.checksumCount + FormatV1.vaultTagCount)
            return
        }
        bytes += Hashing.blake2b(bytes)
        bytes += Hashing.blake2b(bytes, key: tagKey)
    }

    /// The header's bytes as written to a file.
    var encoded: [UInt8] { bytes }
}
