// Changing a vault: lock, re-read, unlock, and write the change: a new file renamed into place, or (format version 2)
// a commit appended.

extension Vault {
    /// Runs `change` with the vault at `path` locked, re-read and unlocked, and commits the file it writes.
    ///
    /// Argon2id is slow, so the vault is unlocked before the lock is taken and the key is reused when the slots did
    /// not change meanwhile. If `change` throws, nothing replaces the vault.
    ///
    /// - Parameter opened: the vault at `path` as the caller already read it, if it did: used instead of reading it
    ///   again before the lock (it is still re-read under the lock if the file changed meanwhile).
    static func modify<T>(
        _ path: String, opened: Vault? = nil, credentials: Credentials, rewritingAsVersion2: Bool = false,
        _ change: (_ current: Vault, _ unlocked: UnlockedVault, _ out: VaultOutput) throws -> T
    ) throws -> T {
        let target = resolvedPath(path)
        return try about(path: path, resolved: target) {
            if let opened { try opened.requireValidChecksum() }
            let early = try (opened ?? Vault.open(atPath: target)).unlock(with: credentials)
            try requireVouchedOrChanged(early, credentials: credentials)
            let (result, written) = try modifyWritten(target, early: early, credentials: credentials, rewritingAsVersion2: rewritingAsVersion2, change)
            endorseAndPin(target, written: written, before: early, credentials: credentials)
            return result
        }
    }

    /// ``UnlockedVault/requireVouched(_:)``, except that a contradiction by a file whose slots have changed since
    /// `early` was read is "run it again" (exit 1): a re-key by another command of this user pins its new key, which
    /// the copy read before it contradicts, and that is no forgery. The file as it is now is what the next run checks.
    static func requireVouchedOrChanged(_ early: UnlockedVault, credentials: Credentials) throws {
        do { try early.requireVouched(credentials) } catch let error as KeyVaultError where error.code == .damaged {
            if early.vault.slotsChanged() {
                throw KeyVaultError(.io, "the vault's key changed while this command ran (a re-key elsewhere, or the file was replaced); nothing was written; run it again")
            }
            throw error
        }
    }

    /// After a write that something vouched for (or the operator did): pins the key as written and lets the custodians
    /// whose secrets were given endorse their slots, in one more small write the first time only. Best effort: the
    /// command's own write is done, and what fails here is done by the next write.
    static func endorseAndPin(_ target: String, written: Vault, before: UnlockedVault, credentials: Credentials) {
        let after: UnlockedVault
        if written.header.slots == before.vault.header.slots, written.header.threshold == before.vault.header.threshold {
            guard
                let kept = try? UnlockedVault(
                    vault: written, vaultKey: before.vaultKey, openedSlots: before.openedSlots,
                    passphraseVerified: before.passphraseVerified, endorsers: before.endorsers, checkKeys: before.checkKeys,
                    provenChain: before.isAuthentic ? before.vault.chain?.commits ?? [] : [], sibling: before)
            else { return }
            after = kept
        } else {
            // New slots (a custodian change or a re-key): unlock the new file with the identities alone, so that a
            // passphrase custodian does not pay for Argon2id twice; a vault that needs the passphrase to open is
            // then endorsed by its next write.
            var identities = credentials
            identities.passphrase = nil
            // (Its pin then stays on the old key, from which the re-key's signed transition leads.)
            guard !identities.identities.isEmpty, let unlocked = try? written.unlock(with: identities) else { return }
            after = unlocked
        }
        // Only the key vouched for before the write, or one this process made (a re-key), is pinned and endorsed.
        guard after.isAuthentic,
            after.keyCommitment == before.keyCommitment
                || KnownKeys.commitment(ofVaultID: written.id) == after.keyCommitment
        else { return }
        KnownKeys.remember(after.keyCommitment, vaultID: written.id)
        try? credentials.keyPins?.pin(after.keyCommitment, vaultID: written.id)
        guard after.lacksEndorsements else { return }
        _ = try? writeEndorsements(target, unlocked: after, rollbackGuard: credentials)
    }

    /// Writes the endorsements `unlocked`'s custodians can add (with an audit record); 0 when there were none to add.
    static func writeEndorsements(_ target: String, unlocked early: UnlockedVault, rollbackGuard: Credentials?) throws -> Int {
        try updateExtensions(target, early: early, rollbackGuard: rollbackGuard) { _, unlocked, area in
            guard let list = try unlocked.updatedEndorsements() else { return 0 }
            let slots = unlocked.openedSlots.filter { unlocked.endorsers[$0] != nil }.map { String($0 + 1) }
            area.endorsements = list
            area.log.append(
                action: .endorse,
                outcome:
                    "ok: \(slots.count == 1 ? "slot" : "slots") \(slots.joined(separator: ", ")) endorsed by \(slots.count == 1 ? "its custodian" : "their custodians") (key \(unlocked.keyFingerprint))",
                actor: .current(), key: unlocked.logKey)
            return slots.count
        }
    }

    /// Lets the custodians in `credentials` endorse their slots and the vault key, and pins the key for this user
    /// (`keyvault upgrade`): what every write does the first time, for a vault written before endorsements existed or
    /// made from public keys alone.
    ///
    /// - Parameters:
    ///   - path: the vault.
    ///   - credentials: the custodians who endorse (a passphrase vouches for a key but has no slot to endorse), with
    ///     ``Credentials/vouchForKey`` set when nothing else vouches for the key.
    /// - Returns: how many slots were endorsed now (0: they already were, or only a passphrase was given).
    /// - Throws: the errors of ``UnlockedVault/requireVouched(_:)``, and those of unlocking and writing.
    @discardableResult
    public static func endorse(atPath path: String, credentials: Credentials) throws -> Int {
        let target = resolvedPath(path)
        let unlocked = try Vault.open(atPath: target).unlock(with: credentials)
        try unlocked.requireAuthentic()
        try unlocked.requireVouched(credentials)
        try credentials.keyPins?.pin(unlocked: unlocked)
        guard unlocked.lacksEndorsements else { return 0 }
        return try writeEndorsements(target, unlocked: unlocked, rollbackGuard: credentials)
    }

    /// As ``modify(_:opened:credentials:_:)``, with the vault already unlocked (a restore or drill that records itself).
    /// Without `credentials`, a vault whose slots changed since `early` was unlocked is refused rather than unlocked again.
    static func modify<T>(
        _ path: String, early: UnlockedVault, credentials: Credentials? = nil, rollbackGuard: Credentials? = nil,
        _ change: (_ current: Vault, _ unlocked: UnlockedVault, _ out: VaultOutput) throws -> T
    ) throws -> T {
        try about(path: path, resolved: resolvedPath(path)) {
            try modifyWritten(path, early: early, credentials: credentials, rollbackGuard: rollbackGuard, change).0
        }
    }

    /// As ``modify(_:early:credentials:_:)``, also returning the vault as written (read back before the rename).
    ///
    /// - Parameters:
    ///   - rewritingAsVersion2: write a new format-version-2 file whatever the vault's version (an upgrade, a
    ///     compaction), instead of a new version-1 file or an append.
    ///   - rollbackGuard: when `credentials` are not given (the vault is not unlocked again), the credentials whose
    ///     ``Credentials/keyPins`` and ``Credentials/acceptRollback`` the roll-back check under the lock uses.
    static func modifyWritten<T>(
        _ path: String, early: UnlockedVault, credentials: Credentials? = nil, rollbackGuard: Credentials? = nil, rewritingAsVersion2: Bool = false,
        _ change: (_ current: Vault, _ unlocked: UnlockedVault, _ out: VaultOutput) throws -> T
    ) throws -> (T, Vault) {
        // A vault read past damage for salvage is only read: its history is not one a writer may continue.
        guard !early.vault.isSalvaged else {
            throw KeyVaultError.damaged("vault damaged: it was read past damage for salvage, and nothing is written to it; 'keyvault verify' says what is damaged")
        }
        let target = resolvedPath(path)
        let lock = try VaultLock.acquire(target)
        AtomicFile.removeLeftovers(for: target)
        // Version-1 writers never change a vault in place, they rename a new file over it: if the locked file is the
        // very file read before (same inode), its parse is still current and is not redone. A version-2 vault is
        // changed in place by appends, so it is always read again under the lock: an append from an older parse would
        // write over a commit another writer acknowledged meanwhile.
        var unchanged = early.vault.chain == nil && early.vault.isSameFile(as: lock.file)
        var current: Vault
        if unchanged {
            current = early.vault.reading(from: lock.file)
        } else if let before = early.vault.chain, early.vault.isSameFile(inode: lock.file), let now = before.unchangedHistory(in: lock.file) {
            // Nothing appended since it was read (no commit head where the next goes, no new chunk linked): the same
            // history, without reading and hashing every chunk again.
            current = early.vault.reading(from: lock.file, chain: now)
            unchanged = true
        } else if let before = early.vault.chain, early.vault.isSameFile(inode: lock.file),
            var now = try? ChainFile.read(from: lock.file), now.holdsTheSameHistory(as: before)
        {
            now.forgetChanges()
            // The same commits (each one's check, mac and keys_offset), chunks and slot copies as read before: the
            // replay would give the same vault, so only the file's structure is read again (its end, any torn commit).
            current = early.vault.reading(from: lock.file, chain: now)
            unchanged = true
        } else {
            current = try Vault.read(from: lock.file, path: target)
        }
        // A file put back by someone else while this command ran (an older copy) is not written over unnoticed; nor is
        // one whose history is not a continuation of the one read (an older copy written to since, put in its place
        // after the command's roll-back check passed on what it read).
        if !unchanged && current.progress.records < early.vault.progress.records {
            throw KeyVaultError.damaged(
                "the vault went back in its history while this command ran (record \(early.vault.progress.records) when read, \(current.progress.records) now): an older copy was put in its place; nothing was written"
            )
        }
        let unlocked: UnlockedVault
        // Slots do not bind flag bit 2 (extensions), so a vault that gained an extension area keeps the same key.
        if current.header.identity.withExtensions(false) == early.vault.header.identity.withExtensions(false)
            && current.header.threshold == early.vault.header.threshold
            && current.header.slots == early.vault.header.slots
        {
            // The same parse (same bytes) was authenticated under this key a moment ago: no need to hash it again.
            unlocked = try UnlockedVault(
                vault: current, vaultKey: early.vaultKey, openedSlots: early.openedSlots,
                passphraseVerified: early.passphraseVerified, warnings: early.warnings,
                endorsers: early.endorsers, checkKeys: early.checkKeys, knownAuthentic: unchanged ? early.isAuthentic : nil, sibling: early)
        } else if let credentials {
            unlocked = try current.unlock(with: credentials)
            // The key vouched for before the lock is the only one this write may use: a file put in its place meanwhile
            // (a re-key by someone else, or a forgery) is re-read, not written under.
            guard unlocked.keyCommitment == early.keyCommitment else {
                throw KeyVaultError(.io, "the vault's key changed while this command ran (a re-key elsewhere, or the file was replaced); nothing was written; run it again")
            }
        } else {
            throw KeyVaultError(.io, "the vault's custodians changed while this command ran; run it again")
        }
        if !unchanged && SeenVaults.wentAnotherWay(current, from: early.vault.progress, newest: early.vault.newestRecordDigest) {
            throw KeyVaultError.damaged(
                "the vault's history changed to another one while this command ran (its audit record \(early.vault.progress.records) is not the one read): another copy was put in its place; nothing was written"
            )
        }
        // What this user saw of the vault, checked again under the lock: the command's own check ran on a read made
        // before it (and before a passphrase was hashed), which an older copy put in place since would pass.
        // Accepted (`--accept-rollback`), the acceptance goes into this write's own commit: a command refused after this
        // point leaves no record of it.
        var acceptance: RollbackAcceptance?, accepting: RollbackAcceptance?
        if let guarding = credentials ?? rollbackGuard, let seen = guarding.keyPins,
            !guarding.acceptRollback || guarding.rollbackAcceptance != nil, seen.rollback(of: current) != nil
        {
            guard guarding.acceptRollback, let accepted = guarding.rollbackAcceptance else {
                throw KeyVaultError.damaged(
                    "the vault is not the copy this user last saw, nor a later one: an older copy was put in its place while this command ran; nothing was written"
                )
            }
            // Accepted for the copy the operator was told about (then for what this command wrote): not for another
            // one put in its place since.
            guard accepted.allows(current) else {
                throw KeyVaultError.damaged(
                    "the vault is not the copy whose roll-back was accepted, nor a later one: another copy was put in its place while this command ran; nothing was written; run the command again to see what it holds now"
                )
            }
            acceptance = accepted
            if !accepted.isRecorded { accepting = accepted }
        }
        try unlocked.requireAuthentic()
        if let accepting {
            current.header.extensions.log.append(
                action: .acceptRollback, outcome: "ok: roll-back accepted: \(accepting.words)", actor: .current(), key: unlocked.logKey)
        }
        // Check-ins of custodians who checked in alone wait beside the vault: this write takes them in.
        let pending = PendingCheckIns.read(vaultPath: target, vaultID: current.header.identity.id)
        let hasPending = !pending.checkIns.isEmpty || pending.ignored > 0
        var folded: [CheckIn] = []
        var leftAhead = false
        if hasPending {
            (folded, leftAhead) = current.header.extensions.fold(
                pending.checkIns, slots: current.header.slots, vaultID: current.header.identity.id, keyCommitment: unlocked.keyCommitment,
                logKey: unlocked.logKey, now: .now())
        }
        // Check-ins of slots that are gone (kept by a writer that did not know them) are dropped.
        current.header.extensions.keepCheckIns(for: current.header.slots)
        let out = try VaultOutput(current: current, target: target, lock: lock, rewritingAsVersion2: rewritingAsVersion2)
        let result = try change(current, unlocked, out)
        let written = try out.finish(keptKey: unlocked)
        acceptance?.markWritten(written)
        if hasPending && !leftAhead {
            // Removed only when what it held is in the vault now (or names a slot the write replaced): the lock is
            // held, so no check-in was appended meanwhile.
            let area = written.header.extensions
            let slots = Set(written.header.slots.map(\.digest))
            if folded.allSatisfy({ c in !slots.contains(c.slotDigest) || area.checkIns.contains { $0.slotDigest == c.slotDigest && $0.time >= c.time } }) {
                PendingCheckIns.remove(vaultPath: target)
            }
        }
        CommittedVault.note(written, keyFingerprint: written.header.slots == unlocked.vault.header.slots ? unlocked.keyFingerprint : out.newKeyFingerprint)
        // A new file renamed into place is locked by `out` until here (``AtomicFile/holdVaultLockAfterCommit()``): a
        // lone custodian's check-in could otherwise be appended to the file of pending check-ins just removed.
        withExtendedLifetime(lock) {}
        withExtendedLifetime(out) {}
        return (result, written)
    }

    /// Reads back the file `out` holds as a reader would, before it replaces anything: the writer never commits bytes
    /// the reader refuses. The whole structure and the checksum are checked; when the vault key did not change
    /// (`keptKey`), the vault tag and the audit log's chain too.
    @discardableResult
    static func checkWritten(_ out: AtomicFile, keptKey: UnlockedVault?) throws -> Vault {
        let written: Vault
        do {
            written = try Vault.read(from: OpenFile.open(out.temporaryPath, what: "new vault"), path: out.finalPath)
            try written.requireValidChecksum()
        } catch let error as KeyVaultError {
            throw KeyVaultError(.internalError, "refused to write \(out.finalPath): the new file would not open (\(error.message)); the vault was not changed")
        }
        guard let keptKey, written.header.slots == keptKey.vault.header.slots else { return written }
        let check = try UnlockedVault(vault: written, vaultKey: keptKey.vaultKey, sibling: keptKey)
        guard check.isAuthentic, check.vault.header.extensions.log.firstBrokenLink(key: check.logKey) == nil else {
            throw KeyVaultError(.internalError, "refused to write \(out.finalPath): the new file would fail authentication; the vault was not changed")
        }
        return written
    }
}
