// What this process last wrote to a vault, as written: for remembering how far its history has come.

/// What this process last wrote to a vault, as written (read back before the rename, so not what another process may
/// have put at the path since): for remembering how far the vault's history has come, and for reporting counts.
public struct CommittedVault: Sendable {
    /// The vault's id (hex).
    public let id: String
    /// Its history after the write.
    public let progress: VaultProgress
    /// How many entries it holds.
    public let entryCount: Int
    /// How many custodians it has.
    public let custodianCount: Int
    /// Its threshold K, or nil when any one custodian unlocks it.
    public let threshold: Int?
    /// The fingerprint of its vault key, when this write knew it: set by ``Vault/create(atPath:custodians:threshold:keyPins:endorsers:formatVersion:)``, by re-keys (the new key)
    /// and by writes that kept the key.
    public let keyFingerprint: String?
    /// Its audit log as written (shared with the vault written, not copied): whether it continues a history seen before
    /// (``SeenVaults``) is told from it.
    let log: AuditLog

    /// The newest audit record's digest (``Vault/newestRecordDigest``), for telling a later history from another one.
    var newestRecordDigest: [UInt8]? { log.digest(ofRecord: progress.records) }

    private static let last = Locked<CommittedVault?>(nil)
    /// By the vault's path, links resolved: threads of one process writing different vaults each find their own.
    private static let byPath = Locked<[String: CommittedVault]>([:])

    /// The vault this process wrote last, or nil when it has written none. A program that writes several vaults, or
    /// from several threads, asks ``latest(forVaultAt:)`` instead.
    public static var latest: CommittedVault? { last.withLock { $0 } }

    /// What this process last wrote to the vault at `path` (links resolved), or nil when it has written none there.
    ///
    /// - Parameter path: the vault, as given to the call that wrote it or by any other name of the same file path.
    /// - Returns: the vault as written.
    public static func latest(forVaultAt path: String) -> CommittedVault? {
        let key = Vault.resolvedPath(path)
        return byPath.withLock { $0[key] }
    }

    static func note(_ vault: Vault, keyFingerprint: String? = nil) {
        let committed = CommittedVault(
            id: vault.id, progress: vault.progress, entryCount: vault.entryCount,
            custodianCount: vault.header.slots.count, threshold: vault.threshold,
            keyFingerprint: keyFingerprint, log: vault.header.extensions.log)
        let key = Vault.resolvedPath(vault.path)
        last.withLock { $0 = committed }
        byPath.withLock { $0[key] = committed }
    }
}
