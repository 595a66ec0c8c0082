// Extension section 5: the last drill result of each entry (docs/FORMAT.md, "Extension area").

/// The result of the last drill of one entry.
public struct DrillResult: Sendable, Hashable {
    static let fieldTags: ClosedRange<UInt8> = 1...6
    let role: Role
    let host: HostName
    let version: UInt32
    /// When the drill ran (UTC).
    public let time: Timestamp
    /// Why the entry failed, or nil when it opened and matched its fingerprint.
    public let problem: String?
}

extension ExtensionArea {
    static func parseDrills(_ r: inout ByteReader, entries: Set<String>) throws -> [DrillResult] {
        var out: [DrillResult] = []
        var seen = Set<String>()
        for (n, item) in try ItemList.parse(&r, what: "drill result", max: Int(FormatV1.maxEntries)).enumerated() {
            let f = try ItemFields(item.bytes, known: DrillResult.fieldTags, what: "drill result", number: n + 1, position: item.position)
            let (role, host, version) = try entryReference(f, entries: entries, seen: &seen, what: "result")
            let time = Timestamp(secondsSinceEpoch: try f.uint(4, "time", bytes: 8, required: true)!)
            let failed = try f.uint(5, "result", bytes: 1, required: true)!
            guard failed <= 1 else { throw f.bad("result must be 0 (ok) or 1 (failed)") }
            let problem = try f.text(6, "problem", max: 512, required: false)
            guard (failed == 1) == (problem != nil) else { throw f.bad("a failed drill result states its problem, and only a failed one") }
            out.append(DrillResult(role: role, host: host, version: version, time: time, problem: problem))
        }
        return out
    }

    /// The section's bytes.
    static func encode(_ items: [DrillResult]) -> [UInt8] {
        var b = ByteWriter()
        ItemList.encode(
            items.map { d in
                var f = TLVWriter()
                f.entryReference(d.role, d.host, d.version)
                f.uint(4, d.time.secondsSinceEpoch, bytes: 8)
                f.uint(5, d.problem == nil ? 0 : 1, bytes: 1)
                f.text(6, d.problem.map { AuditActor.clean($0, 512) })
                return f.bytes
            }, into: &b)
        return b.bytes
    }

    /// The drill result of an entry, if it was drilled.
    func drill(of entry: Entry) -> DrillResult? {
        drills.first { $0.role == entry.role && $0.version == entry.version && $0.host.value.lowercased() == entry.host.value.lowercased() }
    }

    /// The drill results by ``entryKey(_:_:_:)``.
    func drillsByEntry() -> [String: DrillResult] {
        Dictionary(drills.map { (Self.entryKey($0.role, $0.host, $0.version), $0) }, uniquingKeysWith: { a, _ in a })
    }
}
