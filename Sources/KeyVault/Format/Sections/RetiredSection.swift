// Extension section 8: entries taken out of service on purpose (docs/FORMAT.md, "Extension area").

/// An entry taken out of service on purpose (sealed under the wrong role, say): it stays in the vault and its history,
/// but restores, plans and drill coverage leave it out, and its key may be sealed again for the right role.
public struct RetiredEntry: Sendable, Hashable {
    static let fieldTags: ClosedRange<UInt8> = 1...6
    let role: Role
    let host: HostName
    let version: UInt32
    /// When it was retired (UTC).
    public let time: Timestamp
    /// Why, in the words of whoever retired it.
    public let reason: String
    /// Who retired it (the OS user, as the audit log records users).
    public let user: String
}

extension ExtensionArea {
    static func parseRetired(_ r: inout ByteReader, entries: Set<String>) throws -> [RetiredEntry] {
        var out: [RetiredEntry] = []
        var seen = Set<String>()
        for (n, item) in try ItemList.parse(&r, what: "retired entry", max: Int(FormatV1.maxEntries)).enumerated() {
            let f = try ItemFields(item.bytes, known: RetiredEntry.fieldTags, what: "retired entry", number: n + 1, position: item.position)
            let (role, host, version) = try entryReference(f, entries: entries, seen: &seen, what: "retirement")
            out.append(
                RetiredEntry(
                    role: role, host: host, version: version,
                    time: Timestamp(secondsSinceEpoch: try f.uint(4, "time", bytes: 8, required: true)!),
                    reason: try f.text(5, "reason", max: 512, required: true)!, user: try f.text(6, "user", max: 64, required: true)!))
        }
        return out
    }

    /// The section's bytes.
    static func encode(_ items: [RetiredEntry]) -> [UInt8] {
        var b = ByteWriter()
        ItemList.encode(
            items.map { e in
                var f = TLVWriter()
                f.entryReference(e.role, e.host, e.version)
                f.uint(4, e.time.secondsSinceEpoch, bytes: 8)
                f.text(5, AuditActor.clean(e.reason, 512))
                f.text(6, AuditActor.clean(e.user, 64))
                return f.bytes
            }, into: &b)
        return b.bytes
    }

    /// The retirement of `entry`, if it was retired.
    func retirement(of entry: Entry) -> RetiredEntry? {
        retired.first { $0.role == entry.role && $0.version == entry.version && $0.host.value.lowercased() == entry.host.value.lowercased() }
    }

}
