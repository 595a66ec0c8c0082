// Extension section 6: the audit log, a chain of MACed records (docs/FORMAT.md, "Extension area").

extension AuditLog {
    /// Parses the section at `r`. `base`: a log already checked. When the section starts as `base` would be stored
    /// — its `dropped`, anchor and every record, byte for byte — and has more records after them (a writer's own
    /// append), only the new records are checked and the kept ones reused. Anything else is read in full, so the
    /// result and any error are the same either way.
    static func parse(_ r: inout ByteReader, extending base: AuditLog? = nil) throws -> AuditLog {
        if let base, !base.stored.isEmpty, let log = parseAppended(&r, to: base) { return log }
        return try parseWhole(&r)
    }

    /// `base`'s records and the ones after them, or nil (and `r` untouched) when `r` does not repeat `base` byte for
    /// byte before them, or a new record is not one ``check(_:number:position:)`` accepts.
    static func parseAppended(_ r: inout ByteReader, to base: AuditLog) -> AuditLog? {
        var probe = r
        guard let dropped = try? probe.u64("audit log dropped count"), dropped == base.dropped,
            let anchor = try? probe.bytes(32, "audit log anchor"), anchor.elementsEqual(base.anchor),
            let count = try? probe.u32("audit log record count"), Int(count) >= base.stored.count, Int(count) <= FormatV1.maxLogRecords
        else { return nil }
        for record in base.stored {
            guard let length = try? probe.u16("audit log record length"), Int(length) == record.bytes.count,
                let kept = try? probe.bytes(Int(length), "audit log record"), LogicalState.sameBytes(record.bytes, kept)
            else { return nil }
        }
        var log = base
        log.stored.reserveCapacity(Int(count))
        for n in (base.stored.count + 1)..<(Int(count) + 1) {
            guard let length = try? probe.u16("audit log record length"), Int(length) <= FormatV1.maxItemBytes else { return nil }
            let position = probe.position
            guard let item = try? probe.bytes(Int(length), "audit log record"),
                isPlainRecord(item) || (try? check(item, number: n, position: position)) != nil
            else { return nil }
            log.stored.append(StoredAuditRecord(checked: Array(item)))
        }
        r = probe
        return log
    }

    private static func parseWhole(_ r: inout ByteReader) throws -> AuditLog {
        let dropped = try r.u64("audit log dropped count")
        // No writer can have dropped 2^48 records (each is a write of the vault); a count beyond would only overflow
        // the arithmetic that numbers records.
        guard dropped <= FormatV1.maxDroppedLogRecords else {
            throw KeyVaultError.damaged("vault damaged: the audit log claims \(dropped) dropped records (at most \(FormatV1.maxDroppedLogRecords))")
        }
        let anchor = Array(try r.bytes(32, "audit log anchor"))
        var log = AuditLog(dropped: dropped, anchor: anchor, stored: [])
        // The list's framing first, as ItemList.parse checks it (its errors come before any record's), without an
        // array of its items: a log of 65,536 records is read on every open.
        var framing = r
        _ = try ItemList.checkFraming(&framing, what: "audit log record", max: FormatV1.maxLogRecords)
        let count = try ItemList.count(&r, what: "audit log record", max: FormatV1.maxLogRecords)
        log.stored.reserveCapacity(count)
        for n in stride(from: 1, through: count, by: 1) {
            let (item, position) = try ItemList.item(&r, what: "audit log record", number: n)
            // Checked here, decoded only when asked (StoredAuditRecord.decoded reads the same fields).
            if !isPlainRecord(item) { try check(item, number: n, position: position) }
            log.stored.append(StoredAuditRecord(checked: Array(item)))
        }
        return log
    }

    /// Checks one record (the `number`th, at byte `position`) as ``StoredAuditRecord/decoded`` will read it; throws
    /// *damaged* (or *unsupported* for an unknown field) with what is wrong.
    static func check(_ item: ArraySlice<UInt8>, number: Int, position: Int) throws {
        let f = try ItemFields(item, known: fieldTags, what: "audit log record", number: number, position: position)
        // The mac is the last field (tags ascend, 9 is the last known): it covers every byte of the record before it.
        let mac = try f.required(9, "mac")
        guard mac.count == 32 else { throw f.bad("mac must be 32 bytes") }
        guard let action = f.optional(2), AuditAction.isStoredForm(action) else {
            _ = try f.text(2, "action", max: 32, required: true)
            throw f.bad("action must be a-z and -")
        }
        _ = try f.uint(1, "time", bytes: 8, required: true)
        _ = try f.role(3, required: false)
        try f.checkHost(4, "host", required: false)
        _ = try f.uint(5, "version", bytes: 4, required: false)
        try f.checkText(6, "user", max: 64, required: true)
        try f.checkText(7, "machine", max: 255, required: true)
        try f.checkText(8, "outcome", max: 512, required: true)
    }

    /// Whether `item` is a record the checks of ``parse(_:)`` accept, in its usual form — printable ASCII text, a
    /// plain DNS host name — walked once without allocating (a log of 65,536 records is read on every open). False
    /// sends the item through those checks, which accept other text or word the error.
    static func isPlainRecord(_ item: ArraySlice<UInt8>) -> Bool {
        item.withUnsafeBufferPointer { b in
            var i = 0, seen: UInt16 = 0, last = 0
            while i < b.count {
                guard b.count - i >= 3 else { return false }
                let tag = Int(b[i]), length = Int(b[i + 1]) << 8 | Int(b[i + 2])
                guard tag > last, (1...9).contains(tag), b.count - (i + 3) >= length else { return false }
                let value = UnsafeBufferPointer(rebasing: b[(i + 3)..<(i + 3 + length)])
                let ok: Bool
                switch tag {
                case 1: ok = length == 8
                case 2: ok = AuditAction.isStoredForm(value)
                case 3: ok = (1...16).contains(length) && value.allSatisfy { ($0 &- 0x61) < 26 || ($0 &- 0x30) < 10 }
                case 4: ok = length <= 253 && value.last != 0x2E && HostName.isPlainDNSName(value)
                case 5: ok = length == 4
                // Printable ASCII (0x20-0x7E), eight bytes a step: user, machine and outcome are most of a record.
                case 6: ok = (1...64).contains(length) && RecordLocation.isPrintable(value, allowingSlash: true)
                case 7: ok = (1...255).contains(length) && RecordLocation.isPrintable(value, allowingSlash: true)
                case 8: ok = (1...512).contains(length) && RecordLocation.isPrintable(value, allowingSlash: true)
                default: ok = length == 32 && i + 3 + length == b.count
                }
                guard ok else { return false }
                seen |= 1 << tag
                last = tag
                i += 3 + length
            }
            // time, action, user, machine, outcome and mac are required.
            let required: UInt16 = 1 << 1 | 1 << 2 | 1 << 6 | 1 << 7 | 1 << 8 | 1 << 9
            return seen & required == required
        }
    }

    func encode(into w: inout ByteWriter) {
        w.u64(dropped)
        w.append(anchor)
        ItemList.encode(stored.map(\.bytes), into: &w)
    }
}
