// The entries a seal must check against, indexed so that a batch does not rescan the vault for every key.

/// The same-key rule and the next version, for a seal or a batch of seals. For the first key, the vault's index is
/// scanned in place (only matching entries are built); from the second on, every entry is built once and indexed by
/// fingerprint (the same-key rule) and by role and short name (versions), so that sealing item n of a batch does not
/// rescan the n entries before it.
struct SealBook {
    private let vault: Vault
    /// Before indexing: the entries added by this batch. After: every entry, the vault's first.
    private var entries: [Entry] = []
    private var indexed = false
    private var byFingerprint: [Fingerprint: [Int]] = [:]
    private var byShortName: [String: [Int]] = [:]
    var count: Int { indexed ? entries.count : vault.entryCount + entries.count }

    /// Retired entries: their keys may be sealed again (for the right computer and role).
    private let retired: Set<Int>

    init(_ vault: Vault) {
        self.vault = vault
        retired = vault.retiredIndexes
    }

    /// Role and lowercased first label: every host that can match another shares its first label.
    private static func group(_ role: Role, _ host: HostName) -> String {
        "\(role.rawValue)|\(host.matchGroup)"
    }

    private mutating func index(_ position: Int) {
        let entry = entries[position]
        byFingerprint[entry.fingerprint, default: []].append(position)
        byShortName[SealBook.group(entry.role, entry.host), default: []].append(position)
    }

    private var items = 0

    /// Call before checking each item: from the second item on, the entries are built and indexed (once).
    mutating func beginItem() {
        items += 1
        guard items == 2, !indexed else { return }
        entries = vault.entries + entries
        indexed = true
        byFingerprint.reserveCapacity(entries.count)
        for position in entries.indices { index(position) }
    }

    mutating func add(_ entry: Entry) {
        entries.append(entry)
        if indexed { index(entries.count - 1) }
    }

    /// Refuses a key already sealed for another computer or role (by `domains`: SM01 of another domain is another
    /// computer); returns the latest entry holding the same bytes.
    func check(_ fingerprint: Fingerprint, role: Role, host: HostName, domains: InventoryDomains) throws -> Entry? {
        let all =
            indexed
            ? (byFingerprint[fingerprint] ?? []).map { entries[$0] }
            : vault.entries(withFingerprint: fingerprint) + entries.filter { $0.fingerprint == fingerprint }
        let same = all.filter { !retired.contains($0.index) || $0.index >= vault.entryCount }
        if let clash = same.first(where: { !($0.role == role && domains.isOneComputer($0.host, host)) }) {
            throw KeyVaultError.invalidArgument(
                "refused: this key file is already sealed as the \(clash.displayName); each server's key is different (and SM and DW keys are never the same), so check that you picked the right file; if that entry was the mistake, 'keyvault retire VAULT --role \(clash.role) --host \(clash.host) --version \(clash.version) --reason TEXT' sets it aside first"
            )
        }
        return same.last
    }

    /// One more than the highest version among entries of `role` whose host matches `host` (``RestoreRule/nextVersion(in:role:host:)``).
    ///
    /// - Throws: ``KeyVaultError/Code-swift.struct/invalidArgument`` when no version is left.
    func nextVersion(role: Role, host: HostName) throws -> UInt32 {
        let candidates =
            indexed
            ? (byShortName[SealBook.group(role, host)] ?? []).map { entries[$0] }
            : vault.entries(of: role, matching: host) + entries
        guard let next = RestoreRule.nextVersion(in: candidates, role: role, host: host) else {
            throw KeyVaultError.invalidArgument(
                "refused: the \(role) key of \(host) already has version \(UInt32.max), the highest a version can be; nothing was written")
        }
        return next
    }
}
