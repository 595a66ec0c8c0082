// Changing a vault: lock, re-read, unlock, write a new file beside it, and rename it into place.

extension Vault {
    /// Runs `change` with the vault at `path` locked, re-read and unlocked, and commits the file it writes.
    ///
    /// Argon2id is slow, so the vault is unlocked before the lock is taken and the key is reused when the slots did
    /// not change meanwhile. If `change` throws, nothing replaces the vault.
    static func modify<T>(_ path: String, credentials: Credentials,
                          _ change: (_ current: Vault, _ unlocked: UnlockedVault, _ out: AtomicFile) throws -> T) throws -> T {
        let target = resolvedPath(path)
        let early = try Vault.open(atPath: target).unlock(with: credentials)
        return try modify(target, early: early, credentials: credentials, change)
    }

    /// As ``modify(_:credentials:_:)``, with the vault already unlocked (a restore or drill that records itself).
    /// Without `credentials`, a vault whose slots changed since `early` was unlocked is refused rather than unlocked again.
    static func modify<T>(_ path: String, early: UnlockedVault, credentials: Credentials? = nil,
                          _ change: (_ current: Vault, _ unlocked: UnlockedVault, _ out: AtomicFile) throws -> T) throws -> T {
        let target = resolvedPath(path)
        let lock = try VaultLock.acquire(target)
        AtomicFile.removeLeftovers(for: target)
        // Writers never change a vault in place, they rename a new file over it: if the locked file is the very file
        // read before (same inode, size and modification time), its parse is still current and is not redone.
        let current = try early.vault.isSameFile(as: lock.file) ? early.vault.reading(from: lock.file) : Vault.read(from: lock.file, path: target)
        let unlocked: UnlockedVault
        // Slots do not bind flag bit 2 (extensions), so a vault that gained an extension area keeps the same key.
        if current.header.identity.withExtensions(false) == early.vault.header.identity.withExtensions(false)
            && current.header.threshold == early.vault.header.threshold
            && current.header.slots == early.vault.header.slots {
            unlocked = try UnlockedVault(vault: current, vaultKey: early.vaultKey, openedSlots: early.openedSlots,
                                         passphraseVerified: early.passphraseVerified, warnings: early.warnings)
        } else if let credentials {
            unlocked = try current.unlock(with: credentials)
        } else {
            throw KeyVaultError(.io, "the vault's custodians changed while this command ran; run it again")
        }
        try unlocked.requireAuthentic()
        let out = try AtomicFile(finalPath: target)
        let result = try change(current, unlocked, out)
        try out.commit(replacing: true)
        withExtendedLifetime(lock) {}
        return result
    }
}
