// Extension section 6: the audit log, a chain of MACed records (docs/FORMAT.md, "Extension area").

extension AuditLog {
    static func parse(_ r: inout ByteReader) throws -> AuditLog {
        let dropped = try r.u64("audit log dropped count")
        // No writer can have dropped 2^48 records (each is a write of the vault); a count beyond would only overflow
        // the arithmetic that numbers records.
        guard dropped <= FormatV1.maxDroppedLogRecords else {
            throw KeyVaultError.damaged("vault damaged: the audit log claims \(dropped) dropped records (at most \(FormatV1.maxDroppedLogRecords))")
        }
        let anchor = Array(try r.bytes(32, "audit log anchor"))
        var log = AuditLog(dropped: dropped, anchor: anchor, records: [])
        for (n, item) in try ItemList.parse(&r, what: "audit log record", max: FormatV1.maxLogRecords).enumerated() {
            let f = try ItemFields(item.bytes, known: fieldTags, what: "audit log record", number: n + 1, position: item.position)
            let mac = try f.required(9, "mac")
            guard mac.count == 32 else { throw f.bad("mac must be 32 bytes") }
            // The mac is the last field: it covers every byte of the record before it.
            let fieldsCount = item.bytes.count - 35
            guard let action = AuditAction(rawValue: try f.text(2, "action", max: 32, required: true)!) else { throw f.bad("action must be a-z and -") }
            log.records.append(
                AuditRecord(
                    time: Timestamp(secondsSinceEpoch: try f.uint(1, "time", bytes: 8, required: true)!),
                    action: action, role: try f.role(3, required: false), host: try f.host(4, "host", required: false),
                    version: try f.uint(5, "version", bytes: 4, required: false).map { UInt32($0) },
                    user: try f.text(6, "user", max: 64, required: true)!, machine: try f.text(7, "machine", max: 255, required: true)!,
                    outcome: try f.text(8, "outcome", max: 512, required: true)!,
                    mac: Array(mac), fields: Array(item.bytes.prefix(fieldsCount))))
        }
        return log
    }

    func encode(into w: inout ByteWriter) {
        w.u64(dropped)
        w.append(anchor)
        ItemList.encode(
            records.map { r in
                var f = TLVWriter()
                f.field(9, r.mac)
                return r.fields + f.bytes
            }, into: &w)
    }
}
