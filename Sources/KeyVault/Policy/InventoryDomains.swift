// Which computer a name is, by the inventory: the FQDN it records for it. A seal under the inventory's name drops the
// domain it was given, so a short name in the index is the inventory's computer, not any computer of that short name.

/// The FQDNs the inventory records, as a restore compares computers by them: SM01's entries, recorded as
/// `sm01.corp.example`, are not `sm01.other.example`'s; and a short host name that entries of two domains match is
/// ambiguous.
struct InventoryDomains {
    private let records: [InventoryHost]
    /// The restoring computer's FQDN: its own name when fully qualified; nil when it is short. A short name is not
    /// placed by the inventory: the computer reporting it (Windows over SSH reports `SM01`) may be another computer of
    /// that short name than the one recorded, so its candidates must agree among themselves instead.
    let wanted: String?

    init(_ inventory: Inventory, host: HostName) {
        records = inventory.hosts
        wanted = records.isEmpty || !host.isFullyQualified ? nil : Self.fqdn(of: host, in: records)
    }

    /// The FQDN of the computer the entry name `bytes` names (see ``wanted``); nil when the inventory does not say.
    func fqdn(of bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard !records.isEmpty, let name = try? HostName(String(decoding: bytes, as: UTF8.self)) else { return nil }
        return Self.fqdn(of: name, in: records)
    }

    private static func fqdn(of name: HostName, in records: [InventoryHost]) -> String? {
        if name.isFullyQualified { return normal(name) }
        var found: String?
        for record in records where record.matches(name) {
            guard let full = record.fqdn ?? (record.name.isFullyQualified ? record.name : nil) else { continue }
            let text = normal(full)
            if let found, found != text { return nil }
            found = text
        }
        return found
    }

    /// Lowercased, without a trailing dot: names compare so (``HostName/matches(_:)``).
    private static func normal(_ name: HostName) -> String {
        let lower = name.value.lowercased()
        return lower.hasSuffix(".") ? String(lower.dropLast()) : lower
    }
}
