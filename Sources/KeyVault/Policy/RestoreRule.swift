// The rule, in one place: a key restores only onto the same-named computer, for the same role.

/// Chooses the entry a restore may decrypt, or says why none may be.
public enum RestoreRule {
    /// Picks the entry of `role` that belongs to `host`: the newest version, or `version` when given.
    ///
    /// Only entries whose recorded computer name matches `host` (see ``HostName/matches(_:)``) are candidates, and
    /// only entries of exactly `role`: an SM key never serves a DW server.
    ///
    /// - Parameters:
    ///   - entries: the vault's entries.
    ///   - role: the role asked for.
    ///   - version: a specific version, or nil for the newest.
    ///   - host: the machine the restore runs on.
    /// - Returns: the entry to decrypt.
    /// - Throws: ``KeyVaultError/Code-swift.struct/noSuchEntry`` when the vault has no key of that role (or not that
    ///   version); ``KeyVaultError/Code-swift.struct/hostMismatch`` when the role's keys belong to other computers,
    ///   naming both.
    public static func select(from entries: [Entry], role: Role, version: UInt32?, host: HostIdentity) throws -> Entry {
        let ofRole = entries.filter { $0.role == role }
        guard !ofRole.isEmpty else {
            let others = Set(entries.map { "\($0.role) key of \($0.host)" }).sorted()
            let holds = others.isEmpty ? "it holds no keys" : "it holds: \(others.joined(separator: ", "))"
            throw KeyVaultError(.noSuchEntry, "no \(role) key in this vault (\(holds))")
        }
        let mine = ofRole.filter { $0.host.matches(host.name) }
        guard !mine.isEmpty else {
            let owners = uniqueHosts(ofRole).joined(separator: ", ")
            throw KeyVaultError(.hostMismatch,
                "refused: the \(role) key in this vault belongs to \(owners), but \(host.subject) is \(host.name); a key restores only onto a computer with the name it was exported from")
        }
        let names = uniqueHosts(mine)
        if names.count > 1, !allMatchEachOther(mine) {
            throw KeyVaultError(.hostMismatch,
                "refused: \(role) keys for \(names.joined(separator: " and ")) all match the name \(host.name) of \(host.subject); set its host name to its fully qualified name so exactly one matches")
        }
        if let version {
            guard let entry = mine.first(where: { $0.version == version }) else {
                let versions = mine.map { String($0.version) }.joined(separator: ", ")
                throw KeyVaultError(.noSuchEntry, "no version \(version) of the \(role) key of \(names[0]) (versions: \(versions))")
            }
            return entry
        }
        return mine.max { ($0.version, $0.index) < ($1.version, $1.index) }!
    }

    /// The next version number for (`host`, `role`): one more than the highest among entries whose host matches.
    public static func nextVersion(in entries: [Entry], role: Role, host: HostName) -> UInt32 {
        let highest = entries.filter { $0.role == role && $0.host.matches(host) }.map(\.version).max() ?? 0
        return highest + 1
    }

    private static func uniqueHosts(_ entries: [Entry]) -> [String] {
        var seen = Set<String>(), out: [String] = []
        for e in entries where seen.insert(e.host.value.lowercased()).inserted { out.append(e.host.value) }
        return out
    }

    private static func allMatchEachOther(_ entries: [Entry]) -> Bool {
        for a in entries { for b in entries where !a.host.matches(b.host) { return false } }
        return true
    }
}
