// A vault whose key is in guarded memory: restore, verify, and the fingerprint of a key.

/// A vault unlocked with its secret. Holds the vault key and its per-purpose subkeys in guarded memory, wiped
/// when the object is released.
public final class UnlockedVault: @unchecked Sendable {
    /// The vault this was unlocked from.
    public let vault: Vault
    let vaultKey: SecretBytes
    let entryKey: SecretBytes
    let fingerprintKey: SecretBytes
    let tagKey: SecretBytes
    let passwordKey: SecretBytes
    let logKey: SecretBytes
    /// The vault's escrowed password records by entry (built once: rekey and drill look up every entry).
    let passwordsByEntry: [String: KeyPasswordRecord]
    /// Whether the header and index are authentic: the checksum matched and the vault tag verified under the key (in
    /// format version 2, every commit's chain). When false, something besides the sealed keys was damaged or tampered with.
    public let isAuthentic: Bool
    /// Slots (0-based) whose custodians opened them.
    let openedSlots: [Int]
    /// Whether the offered passphrase opened the passphrase slot.
    let passphraseVerified: Bool
    /// Things the operator should know, e.g. an expired certificate that still unlocked.
    public let warnings: [String]
    /// The secret side of each opened slot that its custodian can endorse (by 0-based slot).
    let endorsers: SmallMap<Endorser>
    /// The vault key's public commitment: the Ed25519 public key whose seed is `Subkey(7)`.
    let keyCommitment: [UInt8]
    /// The check key of each opened slot (by 0-based slot), derived from its payload: for check-ins and commitments.
    let checkKeys: SmallMap<CheckKey>

    /// - Parameters:
    ///   - knownAuthentic: the result of checking this very header (same bytes) under the same key before, so that
    ///     re-reading a vault under its lock does not hash its header again.
    ///   - provenChain: the commits of this vault as an earlier read found them authentic under the same key (a
    ///     format-version-2 file this process then appended to): only the commits after them are checked.
    ///   - sibling: a vault unlocked under this very key object (`vaultKey`): its subkeys and key commitment are
    ///     shared instead of derived again into fresh guarded memory (a write unlocks the same key up to four times).
    ///     Safe because nothing changes or wipes a vault key or subkey in place: they are wiped when the last holder
    ///     releases them.
    init(
        vault: Vault, vaultKey: SecretBytes, openedSlots: [Int] = [], passphraseVerified: Bool = false, warnings: [String] = [],
        endorsers: SmallMap<Endorser> = [:], checkKeys: SmallMap<CheckKey> = [:], knownAuthentic: Bool? = nil, provenChain: [Commit] = [],
        sibling: UnlockedVault? = nil
    ) throws {
        self.checkKeys = checkKeys
        self.vault = vault
        self.vaultKey = vaultKey
        passwordsByEntry = vault.header.extensions.passwordsByEntry()
        self.openedSlots = openedSlots
        self.passphraseVerified = passphraseVerified
        self.warnings = warnings
        self.endorsers = endorsers
        if let sibling, sibling.vaultKey === vaultKey {
            keyCommitment = sibling.keyCommitment
            entryKey = sibling.entryKey
            fingerprintKey = sibling.fingerprintKey
            tagKey = sibling.tagKey
            passwordKey = sibling.passwordKey
            logKey = sibling.logKey
        } else {
            keyCommitment = try Self.commitmentKeyPair(of: vaultKey).publicKey
            entryKey = try KeyDerivation.subkey(.entrySealing, of: vaultKey)
            fingerprintKey = try KeyDerivation.subkey(.fingerprint, of: vaultKey)
            tagKey = try KeyDerivation.subkey(.vaultTag, of: vaultKey)
            passwordKey = try KeyDerivation.subkey(.keyPassword, of: vaultKey)
            logKey = try KeyDerivation.subkey(.auditLog, of: vaultKey)
        }
        if vault.isSalvaged {
            // Read past damage for salvage: even a chain that holds (the commits before a lost last one, or every
            // commit past a damaged link) may not be the whole history.
            isAuthentic = false
        } else if let knownAuthentic {
            isAuthentic = knownAuthentic
        } else if let chain = vault.chain {
            // Format version 2: every commit chained under Subkey(8), the first naming the slots it was made under.
            isAuthentic = CommitChain.firstBroken(chain.commits, key: try KeyDerivation.subkey(.commitChain, of: vaultKey), proven: provenChain) == nil
        } else {
            let expected = Hashing.blake2b(vault.header.taggedBytes, key: tagKey)
            isAuthentic = vault.header.checksumValid && constantTimeEqual(expected, vault.header.tag)
        }
    }

    /// Throws unless ``isAuthentic``.
    ///
    /// - Throws: ``KeyVaultError/Code-swift.struct/damaged`` when the header or index fails authentication.
    public func requireAuthentic() throws {
        guard isAuthentic else {
            throw KeyVaultError.damaged("vault damaged or tampered with: its header and index fail authentication; run 'keyvault verify' to see which entries are intact")
        }
    }

    /// The keyed fingerprint `key` would have in this vault.
    ///
    /// - Parameter key: key bytes.
    /// - Returns: BLAKE2b-256 of the bytes under the vault's fingerprint subkey.
    public func fingerprint(of key: SecretBytes) -> Fingerprint {
        Fingerprint(Hashing.blake2b(secret: key, key: fingerprintKey)[...])!
    }

    /// Decrypts the key `entry` holds, checking its seal and fingerprint. Internal: public callers go through the
    /// host rule in ``restore(role:version:on:salvage:recording:)``.
    func open(_ entry: Entry) throws -> SecretBytes {
        let header = vault.header
        let location = header.locations[entry.index]
        let ciphertext = try vault.file.read(count: location.ciphertextCount, at: vault.offsets[entry.index], what: "sealed key of \(entry.displayName)")
        // vault_id ‖ meta_len ‖ meta: the record's own bytes in the header follow the vault id.
        let ad = header.identity.id + header.bytes[Int(location.start)..<location.metadataRange.upperBound]
        guard let key = try AEAD.open(ciphertext, key: entryKey, nonce: Array(header.bytes[location.nonceRange]), associatedData: ad) else {
            throw KeyVaultError.damaged("vault damaged or tampered with: the \(entry.displayName) fails authentication")
        }
        guard fingerprint(of: key) == entry.fingerprint else {
            throw KeyVaultError.damaged("vault damaged: the \(entry.displayName) decrypts but does not match its recorded fingerprint")
        }
        return key
    }

    /// Restores the key of `role` that belongs to the machine `host`, applying the host/role rule.
    ///
    /// - Parameters:
    ///   - role: the role asked for.
    ///   - version: a specific version, or nil for the newest.
    ///   - host: the machine the restore runs on; its only public constructor reads the operating system.
    ///   - salvage: restore even when the vault's index fails authentication, as long as the entry's own seal
    ///     is intact. Other entries may then have been removed or reordered undetected.
    ///   - recording: whether the restore appends a `restore` record to the vault's audit log (the default), or the
    ///     caller records it itself (``record(_:entry:outcome:actor:)``, with what it did with the key) or not at all.
    /// - Returns: the entry and its key bytes in guarded memory; ``RestoredKey/recordProblem`` says why the record
    ///   could not be written (a read-only copy of the vault, say): the key is returned all the same.
    /// - Throws: the errors of ``RestoreRule/select(from:role:version:host:inventory:)``, and
    ///   ``KeyVaultError/Code-swift.struct/damaged`` when the index or the entry fails authentication.
    public func restore(
        role: Role, version: UInt32? = nil, on host: HostIdentity, salvage: Bool = false,
        recording: RestoreRecording = .recordInAuditLog
    ) throws -> RestoredKey {
        try about(path: vault.path) { try restoreEntry(role: role, version: version, on: host, salvage: salvage, recording: recording) }
    }

    private func restoreEntry(role: Role, version: UInt32?, on host: HostIdentity, salvage: Bool, recording: RestoreRecording) throws -> RestoredKey {
        if !salvage { try requireAuthentic() }
        let entry = try vault.entry(for: role, version: version, on: host)
        let key: SecretBytes
        do { key = try open(entry) } catch let error as KeyVaultError {
            if recording == .recordInAuditLog { try? record(.restore, entry: entry, outcome: "failed: \(error.message)") }
            throw error
        }
        var problem: String?
        if recording == .recordInAuditLog {
            do { try record(.restore, entry: entry, outcome: "ok: restored on \(host.name)") } catch let error as KeyVaultError {
                problem = error.message
            }
        }
        return RestoredKey(entry: entry, key: key, recordProblem: problem)
    }

    /// Opens every entry in memory and reports each one's state. Nothing is written.
    ///
    /// - Returns: the report; ``VerificationReport/isIntact`` is true when everything authenticated.
    public func verify() -> VerificationReport {
        let problems = sweepEntries()
        let results = problems.indices.map { VerificationReport.EntryResult(entry: vault.header.entry(at: $0), problem: problems[$0]) }
        let log = vault.header.extensions.log
        let logProblem = log.firstBrokenLink(key: logKey).map {
            "audit log record \($0 + 1 + Int(log.dropped)) does not follow from the one before (removed or edited)"
        }
        return VerificationReport(isIndexAuthentic: isAuthentic, entries: results, auditLogProblem: logProblem)
    }
}

/// Whether a restore records itself in the vault's audit log.
public enum RestoreRecording: Sendable, Equatable {
    /// Append a `restore` record (the default): every restore leaves a trace.
    case recordInAuditLog
    /// Do not: the caller records the restore itself, with what it did with the key, or chose to leave no trace.
    case callerRecords
}

/// A key taken out of the vault.
public struct RestoredKey: Sendable {
    /// Which entry it came from.
    public let entry: Entry
    /// The key file's bytes, in guarded memory.
    public let key: SecretBytes
    /// Why the restore could not be recorded in the audit log, or nil (recorded, or not asked to be).
    public let recordProblem: String?

    init(entry: Entry, key: SecretBytes, recordProblem: String? = nil) {
        self.entry = entry
        self.key = key
        self.recordProblem = recordProblem
    }
}

/// What ``UnlockedVault/verify()`` found.
public struct VerificationReport: Sendable {
    /// One entry's result.
    public struct EntryResult: Sendable {
        /// The entry.
        public let entry: Entry
        /// Why it failed, or nil when it opened and matched its fingerprint.
        public let problem: String?
    }

    /// Whether the header and index authenticated.
    public let isIndexAuthentic: Bool
    /// Every entry, in order.
    public let entries: [EntryResult]
    /// Why the audit log's chain fails (a record removed or edited), or nil when it holds or there is no log.
    public let auditLogProblem: String?

    /// True when the index, every entry and the audit log's chain authenticated.
    public var isIntact: Bool { isIndexAuthentic && entries.allSatisfy { $0.problem == nil } && auditLogProblem == nil }
}
