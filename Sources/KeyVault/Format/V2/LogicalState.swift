// What a version-2 file's commits add up to: version 1's logical vault (index, sections, audit log), replayed from the
// changes and turned into the bytes version 1's parser checks (docs/FORMAT-V2-DESIGN.md, "Replay").

/// Version 1's logical vault as byte-level pieces: the index records, each section's body, and the audit log's items.
///
/// Replaying a version-2 file's changes builds one; ``header(copy:)`` lays it out as a version-1 header, so that every
/// rule of version 1 (entries, host names, sections, caps) is checked by the parser that checks version-1 files.
struct LogicalState: Equatable, Sendable {
    /// Index records (`meta_len u16 ‖ meta ‖ nonce[24]`), concatenated in index order.
    var records: [UInt8] = []
    var entryCount = 0
    /// Section bodies by type; the audit log (`06`) is kept apart, in ``log``.
    var sections: [UInt8: [UInt8]] = [:]
    /// Records dropped from the log's start and the mac they ended on (section `06`'s header).
    var dropped: UInt64 = 0
    var anchor = [UInt8](repeating: 0, count: 32)
    /// The audit log's items (`item_len u16 ‖ fields`), each whole.
    var logItems: [[UInt8]] = []

    static let logType: UInt8 = 0x06
    /// Sections whose items each name one entry (role, host, version: fields 1-3), which change `05` upserts.
    static let perEntrySections: Set<UInt8> = [0x04, 0x05, 0x08]

    /// The state of a version-1 header: what an upgrade's first commit carries.
    init(v1 header: VaultHeader) throws {
        records = Array(header.bytes[(header.entryCountOffset + 4)..<header.indexEnd])
        entryCount = header.entryCount
        guard header.identity.hasExtensions else { return }
        var r = ByteReader(header.bytes[header.indexEnd..<header.checksumOffset], base: header.indexEnd)
        let count = Int(try r.u8("section count"))
        for _ in 0..<count {
            let type = try r.u8("section type")
            let body = try r.bytes(Int(try r.u32("section length")), "section")
            if type == Self.logType {
                var b = ByteReader(body, base: 0)
                dropped = try b.u64("dropped")
                anchor = Array(try b.bytes(32, "anchor"))
                logItems = try Self.items(Array(try b.bytes(b.remaining, "items")))
            } else {
                sections[type] = Array(body)
            }
        }
    }

    init() {}

    /// Applies one change of commit `number` (base and log base only in the first).
    mutating func apply(_ change: Change, commit number: UInt64) throws {
        switch Change.Kind(rawValue: change.type) {
        case .base:
            guard number == 1 else { throw KeyVaultError.damaged("vault damaged: commit \(number) has a base change; only the first may") }
        case .logBase:
            guard number == 1, change.body.count == 40 else { throw KeyVaultError.damaged("vault damaged: a misplaced or malformed audit-log base in commit \(number)") }
            var r = ByteReader(change.body[...])
            dropped = try r.u64("dropped")
            anchor = Array(try r.bytes(32, "anchor"))
        case .entries:
            var r = ByteReader(change.body[...])
            while !r.isAtEnd {
                let metaCount = Int(try r.u16("metadata length"))
                _ = try r.bytes(metaCount + AEAD.nonceCount, "index record")
                entryCount += 1
            }
            records += change.body
        case .sectionReplaced:
            guard let type = change.body.first, type != Self.logType else { throw KeyVaultError.damaged("vault damaged: a section change without a type, or replacing the audit log") }
            if change.body.count == 1 { sections.removeValue(forKey: type) } else { sections[type] = Array(change.body.dropFirst()) }
        case .itemsUpserted:
            guard let type = change.body.first, Self.perEntrySections.contains(type) else {
                throw KeyVaultError.damaged("vault damaged: an item upsert for a section whose items do not name entries")
            }
            var items = try Self.items(sections[type] ?? [0, 0, 0, 0])
            for item in try Self.items(Array(change.body.dropFirst())) {
                let key = try Self.entryKey(of: item)
                if let i = try items.firstIndex(where: { try Self.entryKey(of: $0) == key }) { items[i] = item } else { items.append(item) }
            }
            sections[type] = Self.itemList(items)
        case .auditRecords:
            logItems += try Self.items(change.body)
            if logItems.count > FormatV1.maxLogRecords {
                let cut = logItems.count - FormatV1.maxLogRecords
                anchor = Array(logItems[cut - 1].suffix(32))
                dropped += UInt64(cut)
                logItems.removeFirst(cut)
            }
        case .checkIn:
            throw KeyVaultError(.unsupportedVersion, "vault holds a lone custodian's check-in commit, which this keyvault does not read yet")
        case .padding, nil:
            // Informational changes this version does not know: kept as they are by a rewrite, skipped here.
            guard change.type >= 0x80 else { throw KeyVaultError(.unsupportedVersion, "vault has a change of type \(change.type); upgrade keyvault") }
        }
    }

    /// Replays `commits` (a file's, in order) from nothing.
    static func replay(_ commits: [Commit]) throws -> LogicalState {
        var state = LogicalState()
        for commit in commits {
            for change in commit.changes { try state.apply(change, commit: commit.number) }
        }
        return state
    }

    /// This state laid out as a version-1 header for the slots of `copy`, with a valid checksum and a vault tag of
    /// zeros (a version-2 vault is authenticated by its chain, not by a tag).
    func header(copy: SlotCopy) -> [UInt8] {
        var w = ByteWriter(capacity: 256 + records.count + sections.values.reduce(0) { $0 + $1.count + 5 } + logItems.count * 120)
        w.append(copy.identityBytes.prefix(10))
        let flags = UInt16(copy.identityBytes[10]) << 8 | UInt16(copy.identityBytes[11])
        let all = allSections
        w.u16(all.isEmpty ? flags : flags | FormatV1.flagExtensions)
        w.u32(0)  // header_size, below
        w.append(copy.identityBytes.suffix(24))
        w.u8(UInt8(copy.slots.count))
        if let threshold = copy.threshold { w.u8(threshold) }
        for slot in copy.slots {
            w.u8(slot.kind)
            w.u16(UInt16(slot.body.count))
            w.append(slot.body)
        }
        w.u32(UInt32(entryCount))
        w.append(records)
        if !all.isEmpty {
            w.u8(UInt8(all.count))
            for (type, body) in all {
                w.u8(type)
                w.u32(UInt32(body.count))
                w.append(body)
            }
        }
        var bytes = w.bytes
        let size = UInt32(bytes.count + 64)
        for i in 0..<4 { bytes[12 + i] = UInt8((size >> UInt32(24 - 8 * i)) & 0xFF) }
        bytes += Hashing.blake2b(bytes)
        bytes += [UInt8](repeating: 0, count: 32)
        return bytes
    }

    /// Every section, the audit log's included, in ascending type.
    var allSections: [(UInt8, [UInt8])] {
        var all = sections.map { ($0.key, $0.value) }
        if !logItems.isEmpty || dropped > 0 {
            var w = ByteWriter()
            w.u64(dropped)
            w.append(anchor)
            w.append(Self.itemList(logItems))
            all.append((Self.logType, w.bytes))
        }
        return all.sorted { $0.0 < $1.0 }
    }

    /// The items of `item_count u32 ‖ (item_len u16 ‖ fields) × item_count`, each with its length.
    static func items(_ list: [UInt8]) throws -> [[UInt8]] {
        var r = ByteReader(list[...])
        let count = Int(try r.u32("item count"))
        guard count <= r.remaining / 2 else { throw KeyVaultError.damaged("vault damaged: an item count of \(count) that the bytes cannot hold") }
        var items: [[UInt8]] = []
        items.reserveCapacity(count)
        for _ in 0..<count {
            let length = Int(try r.u16("item length"))
            items.append([UInt8(length >> 8), UInt8(length & 0xFF)] + (try r.bytes(length, "item")))
        }
        try r.expectEnd("an item list")
        return items
    }

    static func itemList(_ items: [[UInt8]]) -> [UInt8] {
        var w = ByteWriter(capacity: 4 + items.reduce(0) { $0 + $1.count })
        w.u32(UInt32(items.count))
        for item in items { w.append(item) }
        return w.bytes
    }

    /// Fields 1-3 of a per-entry item (role, host ignoring ASCII case, version), as bytes.
    static func entryKey(of item: [UInt8]) throws -> [UInt8] {
        var r = ByteReader(item.dropFirst(2))
        var key: [UInt8] = []
        for tag in 1...3 as ClosedRange<UInt8> {
            guard try r.u8("field tag") == tag else { throw KeyVaultError.damaged("vault damaged: an item that does not start with role, host and version") }
            let value = try r.bytes(Int(try r.u16("field length")), "field")
            key += [UInt8(value.count)] + (tag == 2 ? value.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 } : Array(value))
        }
        return key
    }
}
