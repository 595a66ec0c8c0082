// Adding and removing custodians, and re-keying: every change under the lock, written atomically.

extension Vault {
    /// Adds custodians. Without a threshold the existing vault key is wrapped for each new custodian; with one, the
    /// vault key is split again over all custodians (so the passphrase, if the vault has one, is needed too).
    /// With a new `threshold`, the vault is re-keyed for all custodians under it (as ``rekey(atPath:credentials:threshold:)``).
    ///
    /// - Parameters:
    ///   - new: the custodians to add.
    ///   - path: the vault.
    ///   - credentials: enough custodians to unlock the vault (and its passphrase, if it has one and the threshold
    ///     changes or stays above 1).
    ///   - threshold: K for "any K custodians", 1 for "any one"; nil keeps the vault's.
    /// - Returns: the vault's custodians afterwards.
    /// - Throws: ``KeyVaultError/Code-swift.struct/invalidArgument`` for a duplicate custodian, too many, or a threshold
    ///   the custodians cannot meet.
    @discardableResult
    public static func addCustodians(_ new: [NewCustodian], atPath path: String, credentials: Credentials, threshold: Int? = nil) throws -> [Custodian] {
        guard !new.isEmpty else { throw KeyVaultError.invalidArgument("name at least one custodian to add (--recipient, --cert or --new-passphrase-file)") }
        let added = new.map(\.slotRecipient)
        return try modify(path, credentials: credentials) { current, unlocked, out in
            let header = current.header
            // One already in the vault is said so, whichever way the vault is then written (a threshold vault's new
            // shares said "named twice", of a custodian named once).
            let existing = try header.slots.map { record in try Slot.parse(record, at: 0, context: header.slotContext)?.sameness ?? "slot:\(record.digest.hexString)" }
            for (i, source) in added.enumerated() {
                if let n = existing.firstIndex(of: source.sameness) {
                    throw KeyVaultError.invalidArgument(
                        source.sameness == "passphrase"
                            ? "this vault already has a passphrase custodian; nothing was added"
                            : "that custodian is already in this vault (custodian \(header.describeCustodians()[n].id), slot \(n + 1)); nothing was added")
                }
                if added[..<i].contains(where: { $0.sameness == source.sameness }) { throw KeyVaultError.invalidArgument("the same custodian is named twice") }
            }
            if let wanted = threshold, wanted != Int(header.threshold ?? 1) {
                let all = try SlotBuilder.existingSources(of: unlocked, credentials: credentials) + added
                let k = try SlotBuilder.validate(all, threshold: wanted)
                try rewriteWithNewKey(
                    current: current, unlocked: unlocked, sources: all, threshold: k.map(Int.init), endorsers: credentials.identities, out: out, action: .custodianAdd,
                    outcome: "ok: added \(added.count) custodian\(added.count == 1 ? "" : "s"); \(all.count) in all; threshold now \(Vault.thresholdWords(k)); vault re-keyed")
                return try out.writtenHeader().describeCustodians()
            }
            let slots: [SlotRecord]
            var extensions = header.extensions
            if header.threshold == nil {
                guard header.slots.count + added.count <= SlotBuilder.maxCustodians else {
                    throw KeyVaultError.invalidArgument("a vault has at most \(SlotBuilder.maxCustodians) custodians; it has \(header.slots.count) and \(added.count) were named")
                }
                var seen = Set(try header.slots.map { record in try Slot.parse(record, at: 0, context: header.slotContext)?.sameness ?? "slot:\(record.digest.hexString)" })
                for source in added where !seen.insert(source.sameness).inserted {
                    throw KeyVaultError.invalidArgument(
                        source.sameness == "passphrase" ? "this vault already has a passphrase custodian" : "that custodian is already in this vault, or named twice")
                }
                for source in added { try source.checkNew() }
                slots = header.slots + (try SlotBuilder.slots(for: added, vaultKey: unlocked.vaultKey, context: header.slotContext, commit: false).slots)
                // Every slot holds the vault key: the set names them all, with each old slot's baseline carried.
                // A custodian already there that nothing ever proved (no set) counts from the vault's creation, unless it
                // unlocked for this change.
                let vaultID = header.identity.id, now = Timestamp.now()
                let old = extensions.currentCommitments(for: header.slots, vaultID: vaultID, under: unlocked.keyCommitment)
                extensions.commitments = try SlotCommitments.make(
                    slots: try slots.enumerated().map { index, record in
                        let digest = record.digest
                        let since =
                            index >= header.slots.count || unlocked.openedSlots.contains(index)
                            ? now : min(old?.entry(for: digest)?.since ?? current.createdAt, now)
                        return SlotCommitments.Slot(
                            digest: digest, checkKey: try CheckKey.derive(payload: unlocked.vaultKey, vaultID: vaultID, slotDigest: digest).publicKey,
                            since: since)
                    }, vaultID: vaultID, vaultKey: unlocked.vaultKey, time: now)
            } else {
                let all = try SlotBuilder.existingSources(of: unlocked, credentials: credentials) + added
                let k = try SlotBuilder.validate(all, threshold: Int(header.threshold!))
                let baselines = extensions.baselines(
                    of: header.slots, context: header.slotContext, opened: unlocked.openedSlots, keyCommitment: unlocked.keyCommitment, now: .now(),
                    unknownSince: current.createdAt)
                let new = try SlotBuilder.slots(
                    for: all, vaultKey: unlocked.vaultKey, context: SlotContext(identity: header.identity, threshold: k), baselines: baselines, commit: true)
                slots = new.slots
                // Every share is new: the old check-ins name slots that are gone (the audit log keeps them).
                extensions.commitments = new.commitments
                extensions.keepCheckIns(for: slots)
                // And so are the slots the old endorsements named: the custodians whose secrets this write holds
                // endorse their new ones now (a passphrase among the unlockers would otherwise leave none, since the
                // identities alone cannot open the new file to endorse it after the write).
                extensions.endorsements = try Endorser.endorsements(
                    by: credentials.identities, sources: all, slots: slots, vaultID: header.identity.id,
                    commitment: unlocked.keyCommitment, strict: false
                ).endorsements
            }
            extensions.log.append(
                action: .custodianAdd, outcome: "ok: added \(added.count) custodian\(added.count == 1 ? "" : "s"); \(slots.count) in all",
                actor: .current(), key: unlocked.logKey)
            let rewritten = VaultHeader.encode(
                identity: header.identity, threshold: header.threshold, slots: slots,
                records: header.allRecords(), extensions: extensions, tagKey: unlocked.tagKey)
            try out.writeHeader(rewritten.encoded, vaultKey: unlocked.vaultKey)
            try out.keepCiphertexts()
            return rewritten.describeCustodians()
        }
    }

    /// Removes a custodian and re-keys the vault: a new vault key for the remaining custodians, and every entry
    /// re-sealed under it, so the removed custodian's key opens nothing written from now on. (A copy of the vault
    /// file they kept from before still opens with their key.)
    ///
    /// - Parameters:
    ///   - id: the custodian's id from ``custodians`` (or its `kvr1…` recipient, or its certificate's SHA-256).
    ///   - path: the vault.
    ///   - credentials: enough custodians to unlock the vault, and the passphrase if a passphrase custodian remains.
    ///   - threshold: a new K for the remaining custodians (1 for "any one"), or nil to keep the vault's.
    /// - Returns: the removed custodian.
    /// - Throws: ``KeyVaultError/Code-swift.struct/noSuchEntry`` for an unknown id;
    ///   ``KeyVaultError/Code-swift.struct/invalidArgument`` when fewer custodians than the threshold would remain.
    @discardableResult
    public static func removeCustodian(id: String, atPath path: String, credentials: Credentials, threshold: Int? = nil) throws -> Custodian {
        try modify(path, credentials: credentials) { current, unlocked, out in
            let custodians = current.custodians
            let wanted = id.trimmingASCIIWhitespace.lowercased()
            let matches = custodians.filter { c in
                c.id.lowercased() == wanted || c.recipient?.lowercased() == wanted
                    || (wanted.count >= 8 && (c.certificateSHA256?.hasPrefix(wanted) ?? false))
            }
            guard matches.count == 1, let removed = matches.first else {
                let known = custodians.map(\.id).joined(separator: ", ")
                throw KeyVaultError(
                    .noSuchEntry,
                    matches.isEmpty
                        ? "no custodian '\(id.printable)' in this vault (custodians: \(known))"
                        : "'\(id.printable)' names more than one custodian; use the full id")
            }
            guard custodians.count > 1 else {
                throw KeyVaultError.invalidArgument("refused: \(removed.id) is the vault's only custodian; add another one first")
            }
            let newThreshold = threshold ?? current.threshold
            if threshold == nil, let k = current.threshold, custodians.count - 1 < k {
                throw KeyVaultError.invalidArgument(
                    "refused: removing \(removed.id) would leave \(custodians.count - 1) custodians for a threshold of \(k); add a custodian first, or lower the threshold with --threshold")
            }
            let sources = try SlotBuilder.existingSources(of: unlocked, credentials: credentials, skipping: removed.slotNumber - 1)
            let k = try SlotBuilder.validate(sources, threshold: newThreshold)
            try rewriteWithNewKey(
                current: current, unlocked: unlocked, sources: sources, threshold: k.map(Int.init), endorsers: credentials.identities, out: out,
                action: .custodianRemove,
                outcome: "ok: removed custodian \(removed.id) (\(removed.kind.rawValue)); \(threshold == nil ? "" : "threshold now \(Vault.thresholdWords(k)); ")vault re-keyed")
            return removed
        }
    }

    /// Re-keys the vault: a new random vault key, wrapped again for the same custodians (a passphrase custodian
    /// needs its passphrase), and every entry re-sealed under it.
    ///
    /// - Parameters:
    ///   - path: the vault.
    ///   - credentials: enough custodians to unlock the vault, and the passphrase if it has a passphrase custodian.
    ///   - threshold: a new K ("any K custodians"; 1 for "any one"), or nil to keep the vault's.
    /// - Throws: ``KeyVaultError/Code-swift.struct/invalidArgument`` for a threshold the custodians cannot meet.
    public static func rekey(atPath path: String, credentials: Credentials, threshold: Int? = nil) throws {
        try modify(path, credentials: credentials) { current, unlocked, out in
            let sources = try SlotBuilder.existingSources(of: unlocked, credentials: credentials)
            let k = try SlotBuilder.validate(sources, threshold: threshold ?? current.threshold)
            try rewriteWithNewKey(
                current: current, unlocked: unlocked, sources: sources, threshold: k.map(Int.init), endorsers: credentials.identities, out: out,
                action: .rekey, outcome: "ok: new vault key, every entry re-sealed\(threshold == nil ? "" : "; threshold now \(Vault.thresholdWords(k))")")
        }
    }

    /// "2 of N" style words for a threshold (nil: any one custodian).
    static func thresholdWords(_ k: UInt8?) -> String { k.map { "any \($0) custodians together" } ?? "any one custodian" }

    /// Writes the vault under a new vault key: new slots for `sources`, every entry decrypted, fingerprinted and
    /// sealed again (two passes, one entry in memory at a time). Metadata bytes are kept but for the fingerprint.
    /// Escrowed passwords are sealed again under the new password subkey, and the audit log is chained again under
    /// the new log subkey (after its chain is checked under the old one), with a record of this change.
    private static func rewriteWithNewKey(
        current: Vault, unlocked: UnlockedVault, sources: [any SlotRecipient], threshold: Int?,
        endorsers: [CustodianIdentity], out: VaultOutput,
        action: AuditAction, outcome: String
    ) throws {
        let k = threshold.map { UInt8($0) }  // callers checked that enough custodians remain
        let newKey = try SecretBytes.random(count: 32)
        let identity = current.header.identity.withThreshold(k != nil)
        let context = SlotContext(identity: identity, threshold: k)
        let baselines = current.header.extensions.baselines(
            of: current.header.slots, context: current.header.slotContext, opened: unlocked.openedSlots, keyCommitment: unlocked.keyCommitment, now: .now(),
            unknownSince: current.createdAt)
        let (slots, commitments) = try SlotBuilder.slots(for: sources, vaultKey: newKey, context: context, baselines: baselines)
        let entryKey = try KeyDerivation.subkey(.entrySealing, of: newKey)
        let fingerprintKey = try KeyDerivation.subkey(.fingerprint, of: newKey)
        let tagKey = try KeyDerivation.subkey(.vaultTag, of: newKey)
        let passwordKey = try KeyDerivation.subkey(.keyPassword, of: newKey)
        let logKey = try KeyDerivation.subkey(.auditLog, of: newKey)
        var extensions = current.header.extensions
        if let broken = extensions.log.firstBrokenLink(key: unlocked.logKey) {
            throw KeyVaultError.damaged("vault damaged or tampered with: audit log record \(broken + 1 + Int(extensions.log.dropped)) does not follow from the one before; the vault was not re-keyed")
        }
        extensions.passwords = []
        // New slots: a commitment to them, each custodian's check-in age carried; the old slots' check-ins stay in
        // the audit log only.
        extensions.commitments = commitments
        extensions.keepCheckIns(for: slots)
        // Every slot is new: the old endorsements name nothing. The old key signs the step to the new one, so that a
        // user who pinned the old key accepts the new one without anyone's word.
        // The custodians whose secrets this write holds endorse their new slots and the new key in the same write.
        let commitment = try UnlockedVault.commitmentKeyPair(of: newKey).publicKey
        out.newKeyFingerprint = UnlockedVault.fingerprintText(commitment)
        extensions.endorsements = try Endorser.endorsements(
            by: endorsers, sources: sources, slots: slots, vaultID: identity.id,
            commitment: commitment, strict: false
        ).endorsements
        extensions.keyHistory.append(try unlocked.transition(to: newKey, at: .now()))
        KnownKeys.remember(commitment, vaultID: current.id)
        if extensions.keyHistory.count > KeyTrustSections.maxTransitions { extensions.keyHistory.removeFirst() }

        var records: [IndexRecord] = []
        var progress = EntryProgress("re-keying entries", total: 2 * current.entryCount)
        defer { progress.finish() }
        for entry in current.entries {
            progress.advance()
            let plain = try unlocked.open(entry)
            let fingerprint = Hashing.blake2b(secret: plain, key: fingerprintKey)
            let metadata = EntryMetadata.replacingFingerprint(in: current.header.record(at: entry.index).metadata, with: fingerprint)
            let rebuilt = try EntryMetadata.decode(metadata[...], index: entry.index, position: 0)
            let record = IndexRecord(metadata: metadata, nonce: AEAD.randomNonce(), entry: rebuilt)
            if let password = try unlocked.keyPassword(of: entry) {
                extensions.passwords.append(UnlockedVault.sealPassword(password, for: record, vaultID: identity.id, key: passwordKey))
            }
            records.append(record)
        }
        extensions.log = extensions.log.rechained(key: logKey)
        extensions.log.append(action: action, outcome: outcome, actor: .current(), key: logKey)
        let header = VaultHeader.encode(
            identity: identity, threshold: k, slots: slots, records: records,
            extensions: extensions, tagKey: tagKey)
        try out.writeHeader(header.encoded, vaultKey: newKey)
        for (entry, record) in zip(current.entries, records) {
            progress.advance()
            let plain = try unlocked.open(entry)
            try out.write(AEAD.seal(plain, key: entryKey, nonce: record.nonce, associatedData: record.associatedData(vaultID: identity.id)))
        }
    }
}

extension EntryMetadata {
    /// `meta` with the fingerprint field's value replaced; every other field kept byte for byte.
    static func replacingFingerprint(in meta: [UInt8], with fingerprint: [UInt8]) -> [UInt8] {
        var out = meta
        for (tag, value) in CheckedTLV(meta[...]) where tag == Tag.fingerprint.rawValue && value.count == 32 {
            out.replaceSubrange(value, with: fingerprint)
        }
        return out
    }
}
