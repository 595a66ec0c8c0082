// What a version-2 file's commits add up to: version 1's logical vault (index, sections, audit log), replayed from the
// changes and turned into the bytes version 1's parser checks (docs/FORMAT-V2-DESIGN.md, "Replay").
#if canImport(Glibc)
    @preconcurrency import Glibc  // memcmp
#endif

/// Version 1's logical vault as byte-level pieces: the index records, each section's body, and the audit log's items.
///
/// Replaying a version-2 file's changes builds one; ``header(copy:)`` lays it out as a version-1 header, so that every
/// rule of version 1 (entries, host names, sections, caps) is checked by the parser that checks version-1 files.
struct LogicalState: Equatable, Sendable {
    /// Index records (`meta_len u16 ‖ meta ‖ nonce[24]`) in index order, held where they were read (a header's bytes,
    /// each commit's change), so that 13 MiB of them is not copied to be held or appended to.
    var records = RecordRuns()
    var entryCount = 0
    /// Section bodies by type; the audit log (`06`) is kept apart, in ``log``.
    var sections = SmallMap<[UInt8]>()
    /// Records dropped from the log's start and the mac they ended on (section `06`'s header).
    var dropped: UInt64 = 0
    var anchor = [UInt8](repeating: 0, count: 32)
    /// The audit log's items (`item_len u16 ‖ fields`), each whole.
    var logItems = LogItems()
    /// Per-entry sections being upserted into, as items with an index by entry: built at a section's first upsert in
    /// a replay and laid out again by ``finish()``, so that a replay of many upserts stays linear.
    private var upserting = SmallMap<ItemIndex>()

    private struct ItemIndex: Equatable, Sendable {
        var items: [[UInt8]]
        var byEntry: [[UInt8]: Int]
    }

    /// Equal states, comparing the large byte arrays with `memcmp` (a 100,000-entry vault's records are 13 MiB).
    static func == (l: LogicalState, r: LogicalState) -> Bool {
        l.entryCount == r.entryCount && l.dropped == r.dropped && l.anchor == r.anchor && l.records == r.records
            && l.sections.count == r.sections.count
            && zip(l.sections.pairs, r.sections.pairs).allSatisfy { $0.key == $1.key && sameBytes($0.value, $1.value[...]) }
            && l.logItems == r.logItems && l.upserting == r.upserting
    }

    /// Whether `a` and `b` hold the same bytes.
    static func sameBytes(_ a: [UInt8], _ b: ArraySlice<UInt8>) -> Bool { sameBytes(a[...], b) }

    /// Whether `a` and `b` hold the same bytes, compared where they are (no copy of either).
    static func sameBytes(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBytes { x in b.withUnsafeBytes { y in a.isEmpty || memcmp(x.baseAddress!, y.baseAddress!, a.count) == 0 } }
    }

    static let logType: UInt8 = 0x06
    /// Whether the items of sections of `type` each name one entry (role, host, version: fields 1-3): the sections
    /// change `05` upserts (passwords, drills, retired).
    static func isPerEntry(_ type: UInt8) -> Bool { type == 0x04 || type == 0x05 || type == 0x08 }

    /// The state of a version-1 header: what an upgrade's first commit carries.
    init(v1 header: VaultHeader) throws {
        records = RecordRuns(header.bytes[(header.entryCountOffset + 4)..<header.indexEnd])
        entryCount = header.entryCount
        guard header.identity.hasExtensions else { return }
        try readSections(header.bytes, from: header.indexEnd, to: header.checksumOffset)
    }

    /// The state of a version-1 header without its index records (none, and an entry count of 0): what a change can
    /// touch besides adding entries, for comparing with a state that keeps the same index (see
    /// ``init(v1:extending:)``) without copying megabytes of records that are the same in both.
    init(sectionsOf header: VaultHeader) throws {
        guard header.identity.hasExtensions else { return }
        try readSections(header.bytes, from: header.indexEnd, to: header.checksumOffset)
    }

    /// The state of `bytes`, a version-1 header a command wrote for `base` (the vault's current header), when it keeps
    /// `base`'s identity, slots and every index record byte for byte and only adds records after them; nil when it
    /// does not (then the header is parsed whole). Only the new records are walked: the final layout is parsed by
    /// version 1's rules anyway before anything is written.
    init?(v1 bytes: [UInt8], extending base: VaultHeader) throws {
        let countAt = base.entryCountOffset
        // The same magic and version, the same threshold flag (flag bit 2 may change), the same identity and slots.
        let flagsMask = ~FormatV1.flagExtensions
        guard bytes.count >= base.indexEnd + FormatV1.checksumCount + FormatV1.vaultTagCount,
            Self.sameBytes(base.bytes[0..<10], bytes[0..<10]),
            (UInt16(base.bytes[10]) << 8 | UInt16(base.bytes[11])) & flagsMask == (UInt16(bytes[10]) << 8 | UInt16(bytes[11])) & flagsMask,
            Self.sameBytes(base.bytes[16..<countAt], bytes[16..<countAt]),
            Self.sameBytes(base.bytes[(countAt + 4)..<base.indexEnd], bytes[(countAt + 4)..<base.indexEnd])
        else { return nil }
        var r = ByteReader(bytes[countAt..<(bytes.count - FormatV1.checksumCount - FormatV1.vaultTagCount)], base: countAt)
        let count = Int(try r.u32("entry count"))
        guard count >= base.entryCount else { return nil }
        try r.skip(base.indexEnd - countAt - 4, "index")
        for _ in base.entryCount..<count {
            try r.skip(Int(try r.u16("metadata length")) + AEAD.nonceCount, "index record")
        }
        let indexEnd = r.position
        records = RecordRuns(bytes[(countAt + 4)..<indexEnd])
        entryCount = count
        let flags = UInt16(bytes[10]) << 8 | UInt16(bytes[11])
        guard flags & FormatV1.flagExtensions != 0 else {
            guard indexEnd == bytes.count - FormatV1.checksumCount - FormatV1.vaultTagCount else { return nil }
            return
        }
        try readSections(bytes, from: indexEnd, to: bytes.count - FormatV1.checksumCount - FormatV1.vaultTagCount)
    }

    /// The sections in `bytes[start..<end]` (count, then type, length and body each), the audit log's apart.
    private mutating func readSections(_ bytes: [UInt8], from start: Int, to end: Int) throws {
        var r = ByteReader(bytes[start..<end], base: start)
        let count = Int(try r.u8("section count"))
        for _ in 0..<count {
            let type = try r.u8("section type")
            let body = try r.bytes(Int(try r.u32("section length")), "section")
            if type == Self.logType {
                var b = ByteReader(body, base: 0)
                dropped = try b.u64("dropped")
                anchor = Array(try b.bytes(32, "anchor"))
                logItems = LogItems()
                try logItems.append(list: try b.bytes(b.remaining, "items"), max: FormatV1.maxLogRecords)
            } else {
                sections[type] = Array(body)
            }
        }
        try r.expectEnd("the sections")
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
            guard dropped <= FormatV1.maxDroppedLogRecords else {
                throw KeyVaultError.damaged("vault damaged: the audit log claims \(dropped) dropped records (at most \(FormatV1.maxDroppedLogRecords))")
            }
        case .entries:
            var r = ByteReader(change.body[...])
            while !r.isAtEnd {
                let metaCount = Int(try r.u16("metadata length"))
                try r.skip(metaCount + AEAD.nonceCount, "index record")
                entryCount += 1
            }
            // Held where it lies, as the first (an upgrade's or a compaction's: megabytes) is: never copied to append.
            records.append(change.body)
        case .sectionReplaced:
            guard let type = change.body.first, type != 0, type != Self.logType else {
                throw KeyVaultError.damaged("vault damaged: a section change without a type, of type 0, or replacing the audit log")
            }
            upserting.removeValue(forKey: type)
            if change.body.count == 1 { sections.removeValue(forKey: type) } else { sections[type] = Array(change.body.dropFirst()) }
        case .itemsUpserted:
            guard let type = change.body.first, Self.isPerEntry(type) else {
                throw KeyVaultError.damaged("vault damaged: an item upsert for a section whose items do not name entries")
            }
            var index: ItemIndex
            if let cached = upserting[type] {
                index = cached
            } else {
                let items = try Self.items((sections[type] ?? [0, 0, 0, 0])[...], max: Int(FormatV1.maxEntries))
                index = ItemIndex(items: items, byEntry: [:])
                for (i, item) in items.enumerated() { index.byEntry[try Self.entryKey(of: item)] = i }
            }
            for item in try Self.items(change.body.dropFirst(), max: Int(FormatV1.maxEntries)) {
                let key = try Self.entryKey(of: item)
                if let i = index.byEntry[key] {
                    index.items[i] = item
                } else {
                    guard index.items.count < Int(FormatV1.maxEntries) else { throw KeyVaultError.damaged("vault damaged: a section of more items than entries can have") }
                    index.byEntry[key] = index.items.count
                    index.items.append(item)
                }
            }
            upserting[type] = index
        case .auditRecords:
            try logItems.append(list: change.body, max: FormatV1.maxLogRecords)
            // Dropping the oldest once the log is twice its cap keeps a long replay linear; ``trimLog()`` finishes.
            if logItems.count > 2 * FormatV1.maxLogRecords { trimLog() }
        case .checkIn:
            throw KeyVaultError(.unsupportedVersion, "vault holds a lone custodian's check-in commit, which this keyvault does not read yet")
        case .padding, nil:
            // Informational changes this version does not know: skipped here (and not carried by a rewrite).
            guard change.type >= 0x80 else { throw KeyVaultError(.unsupportedVersion, "vault has a change of type \(change.type); upgrade keyvault") }
        }
    }

    /// Drops the audit log's oldest records beyond its cap of 65,536, as version 1 does: counted in ``dropped``, the
    /// last one's mac becoming the ``anchor``. Dropping at the end of a replay gives what dropping after each commit
    /// would.
    mutating func trimLog() {
        guard logItems.count > FormatV1.maxLogRecords else { return }
        let cut = logItems.count - FormatV1.maxLogRecords
        anchor = Array(logItems[cut - 1].suffix(32))
        dropped += UInt64(cut)
        logItems.removeFirst(cut)
    }

    /// Lays out the sections upserted into (``upserting``) and drops the log's records beyond its cap: the state as
    /// a reader compares and writes it. A replay ends with this.
    mutating func finish() {
        for (type, index) in upserting.pairs { sections[type] = Self.itemList(index.items) }
        upserting.removeAll()
        trimLog()
    }

    /// Replays `commits` (a file's, in order) from nothing; the first must begin with the base change naming `copy`
    /// (its generation and slot digest), so that a history made under other slots is not read under these.
    ///
    /// Without `requiringBase` (salvage past a lost first commit only), the history is replayed under `copy` whatever
    /// its first commit is.
    static func replay(_ commits: [Commit], copy: SlotCopy, requiringBase: Bool = true) throws -> LogicalState {
        try requireBase(commits, copy: copy, requiringBase: requiringBase)
        var state = LogicalState()
        // The audit records' bytes, all of them already in memory: the log's buffer is allocated once.
        var logBytes = 0
        for commit in commits {
            for change in commit.changes where change.type == Change.Kind.auditRecords.rawValue { logBytes += change.body.count }
        }
        state.logItems.reserve(bytes: logBytes)
        for commit in commits {
            for change in commit.changes { try state.apply(change, commit: commit.number) }
        }
        state.finish()
        return state
    }

    /// That `commits` were made under `copy`: the first begins with the base change naming it (unless not
    /// `requiringBase`).
    private static func requireBase(_ commits: [Commit], copy: SlotCopy, requiringBase: Bool) throws {
        guard !requiringBase || commits.first?.changes.first == ChainWriter.base(copy) else {
            throw KeyVaultError.damaged("vault damaged: its history was not made under this slot area (the first commit's base change does not name it)")
        }
    }

    /// Salvage only: the entries `commits` add, and nothing else (no section, no audit log): what is left to read
    /// when commits lost to damage leave the rest not replayable by version 1's rules. The base is required as
    /// ``replay(_:copy:requiringBase:)`` requires it.
    static func entries(of commits: [Commit], copy: SlotCopy, requiringBase: Bool) throws -> LogicalState {
        try requireBase(commits, copy: copy, requiringBase: requiringBase)
        var state = LogicalState()
        for commit in commits {
            for change in commit.changes where change.type == Change.Kind.entries.rawValue { try state.apply(change, commit: commit.number) }
        }
        state.finish()
        return state
    }

    /// This state laid out as a version-1 header for the slots of `copy`, with a valid checksum (or, `checksum`
    /// false, zeros where it goes: for a parse that does not check it) and a vault tag of zeros (a version-2 vault is
    /// authenticated by its chain, not by a tag).
    func header(copy: SlotCopy, checksum: Bool = true) throws -> [UInt8] {
        let all = try checkedSections()
        // Exactly the header's size, so that 13 MiB of metadata is laid out once, never copied to grow.
        let size = headerSize(copy: copy, sections: all)
        var w = ByteWriter(capacity: size)
        layOut(copy: copy, sections: all, size: size) {
            w.append($0)
            return true
        }
        w.append(checksum ? Hashing.blake2b(w.bytes) : [UInt8](repeating: 0, count: 32))
        w.append([UInt8](repeating: 0, count: 32))
        return w.bytes
    }

    /// Whether `bytes` are, byte for byte, what ``header(copy:checksum:)`` lays out for `copy` with `checksum` false
    /// (zeros for the checksum and the tag): compared in place, so that a writer whose state was read from `bytes`
    /// (``init(v1:extending:)``) parses them as the header a reader will replay, without laying 13 MiB out again.
    func isLaidOut(as bytes: [UInt8], copy: SlotCopy) -> Bool {
        guard let all = try? checkedSections() else { return false }
        let size = headerSize(copy: copy, sections: all)
        guard bytes.count == size else { return false }
        var at = 0
        var same = true
        bytes.withUnsafeBytes { whole in
            layOut(copy: copy, sections: all, size: size) { piece in
                same = piece.withUnsafeBytes { p in
                    // A run of the records read from `bytes` themselves, at the place it came from, is equal as it is.
                    p.baseAddress == whole.baseAddress! + at || p.isEmpty || memcmp(whole.baseAddress! + at, p.baseAddress!, p.count) == 0
                }
                at += piece.count
                return same
            }
            same = same && whole[at...].allSatisfy { $0 == 0 }
        }
        return same
    }

    /// Every section, checked against version 1's cap on their number.
    private func checkedSections() throws -> [(UInt8, [UInt8])] {
        let all = allSections
        guard all.count <= FormatV1.maxSections else {
            throw KeyVaultError.damaged("vault damaged: its history leaves \(all.count) sections (at most \(FormatV1.maxSections))")
        }
        return all
    }

    /// The size of the version-1 header this state lays out for `copy`, checksum and tag included.
    private func headerSize(copy: SlotCopy, sections all: [(UInt8, [UInt8])]) -> Int {
        40 + 1 + (copy.threshold == nil ? 0 : 1) + copy.slots.reduce(0) { $0 + 3 + $1.body.count } + 4 + records.count
            + (all.isEmpty ? 0 : 1 + all.reduce(0) { $0 + 5 + $1.1.count }) + FormatV1.checksumCount + FormatV1.vaultTagCount
    }

    /// The header's bytes before its checksum, in order, as pieces handed to `emit` (which returns false to stop):
    /// the fixed fields and slots, each run of records, each section's type and length and its body.
    private func layOut(copy: SlotCopy, sections all: [(UInt8, [UInt8])], size: Int, _ emit: (ArraySlice<UInt8>) -> Bool) {
        var w = ByteWriter(capacity: 64 + copy.slots.reduce(0) { $0 + 3 + $1.body.count })
        w.append(copy.identityBytes.prefix(10))
        let flags = UInt16(copy.identityBytes[10]) << 8 | UInt16(copy.identityBytes[11])
        w.u16(all.isEmpty ? flags : flags | FormatV1.flagExtensions)
        w.u32(UInt32(size))
        w.append(copy.identityBytes.suffix(24))
        w.u8(UInt8(copy.slots.count))
        if let threshold = copy.threshold { w.u8(threshold) }
        for slot in copy.slots {
            w.u8(slot.kind)
            w.u16(UInt16(slot.body.count))
            w.append(slot.body)
        }
        w.u32(UInt32(entryCount))
        guard emit(w.take()[...]) else { return }
        for run in records.runs { guard emit(run) else { return } }
        guard !all.isEmpty, emit([UInt8(all.count)][...]) else { return }
        for (type, body) in all {
            var h = ByteWriter(capacity: 5)
            h.u8(type)
            h.u32(UInt32(body.count))
            guard emit(h.take()[...]), emit(body[...]) else { return }
        }
    }

    /// Every section, the audit log's included, in ascending type.
    var allSections: [(UInt8, [UInt8])] {
        var all = sections.pairs.map { (UInt8($0.key), $0.value) }
        if !logItems.isEmpty || dropped > 0 {
            var w = ByteWriter()
            w.u64(dropped)
            w.append(anchor)
            w.append(logItems.list())
            all.append((Self.logType, w.bytes))
        }
        return all.sorted { $0.0 < $1.0 }
    }

    /// The items of `item_count u32 ‖ (item_len u16 ‖ fields) × item_count`, each with its length.
    static func items(_ list: ArraySlice<UInt8>, max: Int) throws -> [[UInt8]] {
        var r = ByteReader(list)
        let count = Int(try r.u32("item count"))
        guard count <= r.remaining / 2, count <= max else {
            throw KeyVaultError.damaged("vault damaged: an item count of \(count) that the bytes cannot hold or that exceeds \(max)")
        }
        var items: [[UInt8]] = []
        items.reserveCapacity(count)
        for _ in 0..<count {
            let start = r.position
            try r.skip(Int(try r.u16("item length")), "item")
            items.append(Array(list[(list.startIndex + start)..<(list.startIndex + r.position)]))  // the length with the item, copied once
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
            key += [UInt8(value.count >> 8), UInt8(value.count & 0xFF)] + (tag == 2 ? value.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 } : Array(value))
        }
        return key
    }
}
