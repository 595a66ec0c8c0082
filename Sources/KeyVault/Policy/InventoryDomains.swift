// Which computer a name is, by the inventory: the FQDN it records for it. A seal under the inventory's name drops the
// domain it was given, so a short name in the index is the inventory's computer, not any computer of that short name.

/// The FQDNs the inventory records, as a restore compares computers by them: SM01's entries, recorded as
/// `sm01.corp.example`, are not `sm01.other.example`'s; and a short host name that entries of two domains match is
/// ambiguous. Restores, `retire` and the command line's check of a computer reached over SSH all ask it.
package struct InventoryDomains {
    private let records: [InventoryHost]
    /// The restoring computer's FQDN: its own name when fully qualified; nil when it is short. A short name is not
    /// placed by the inventory: the computer reporting it (Windows over SSH reports `SM01`) may be another computer of
    /// that short name than the one recorded, so its candidates must agree among themselves instead.
    package let wanted: String?

    package init(_ inventory: Inventory, host: HostName) {
        records = inventory.hosts
        wanted = records.isEmpty || !host.isFullyQualified ? nil : Self.fqdn(of: host, in: records)
    }

    /// For comparing names with one another (``isOneComputer(_:_:)``), no restoring computer being in question.
    package init(_ inventory: Inventory) {
        records = inventory.hosts
        wanted = nil
    }

    /// For a plan: the computer the operator names is the inventory's `recorded` one when it records one of that name,
    /// so its FQDN is known even from a short name; else `failed` when fully qualified.
    package init(_ inventory: Inventory, planFor failed: HostName, recorded: InventoryHost?) {
        records = inventory.hosts
        if let full = recorded?.fullyQualifiedName {
            wanted = Self.normal(full)
        } else {
            wanted = failed.isFullyQualified ? Self.normal(failed) : nil
        }
    }

    /// The FQDN of the computer the entry name `bytes` names (see ``wanted``); nil when the inventory does not say.
    func fqdn(of bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard !records.isEmpty, let name = try? HostName(String(decoding: bytes, as: UTF8.self)) else { return nil }
        return Self.fqdn(of: name, in: records)
    }

    /// The FQDN of the computer `name` names (see ``wanted``); nil when the inventory does not say.
    package func fqdn(of name: HostName) -> String? { records.isEmpty ? nil : Self.fqdn(of: name, in: records) }

    /// Whether the inventory gives `name` (one that matches the restoring computer's) to another computer than the
    /// restoring one: both FQDNs known, and different.
    func isAnotherComputer(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        // Nothing parsed when the inventory cannot say (a restore's path with no inventory).
        guard wanted != nil, let parsed = try? HostName(String(decoding: name, as: UTF8.self)) else { return false }
        return isAnotherComputer(parsed)
    }

    /// As the other, for a name already parsed.
    package func isAnotherComputer(_ name: HostName) -> Bool {
        guard let wanted, let theirs = fqdn(of: name) else { return false }
        return theirs != wanted
    }

    /// Whether two names are one computer's: they match (``HostName/matches(_:)``) and the inventory does not give
    /// them two different FQDNs.
    package func isOneComputer(_ a: HostName, _ b: HostName) -> Bool {
        guard a.matches(b) else { return false }
        guard let one = fqdn(of: a), let other = fqdn(of: b) else { return true }
        return one == other
    }

    /// Of `entries`, whose names match `host` (``HostName/matches(_:)``), those of the same computer by the
    /// inventory: with a fully qualified `host`, those the inventory does not give to another computer; with a short
    /// one, all of them, unless they belong to computers of two domains, which is refused (naming them).
    func sameComputer(_ entries: [Entry], as host: HostName, role: Role) throws -> [Entry] {
        guard !records.isEmpty else { return entries }
        if wanted != nil { return entries.filter { !isAnotherComputer($0.host) } }
        var domains: [String: HostName] = [:]
        for entry in entries { if let theirs = Self.fqdn(of: entry.host, in: records) { domains[theirs] = domains[theirs] ?? entry.host } }
        guard domains.count <= 1 else {
            let names = domains.keys.sorted().joined(separator: " and ")
            throw KeyVaultError(.hostMismatch, "\(role) keys of \(names) all match the name \(host): name the computer by its fully qualified name")
        }
        return entries
    }

    private static func fqdn(of name: HostName, in records: [InventoryHost]) -> String? {
        if name.isFullyQualified { return normal(name) }
        var found: String?
        for record in records where record.matches(name) {
            guard let full = record.fullyQualifiedName else { continue }
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
