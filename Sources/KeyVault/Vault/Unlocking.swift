// Unlocking: trying the offered credentials on each slot, and combining shares in a threshold vault.

extension Vault {
    /// Unlocks the vault with any mix of passphrase and identities.
    ///
    /// Without a threshold, the first slot that one of the credentials opens gives the vault key. With a threshold
    /// of K, K different slots must open; their Shamir shares are combined into the vault key.
    ///
    /// - Parameter credentials: a passphrase and/or X25519 identities and certificate private keys.
    /// - Returns: the unlocked vault; its ``UnlockedVault/warnings`` say, for example, that a certificate expired.
    /// - Throws: ``KeyVaultError/Code-swift.struct/unlockFailed`` when the credentials do not open the vault (for a
    ///   threshold, saying how many custodians were given and how many are needed);
    ///   ``KeyVaultError/Code-swift.struct/damaged`` when the header is damaged.
    public func unlock(with credentials: Credentials) throws -> UnlockedVault {
        try about(path: path) { try unlockSlots(with: credentials) }
    }

    private func unlockSlots(with credentials: Credentials) throws -> UnlockedVault {
        let context = header.slotContext
        var payloads: [SecretBytes] = []
        var opened: [Int] = []
        var warnings: [String] = []
        var passphraseOpened = false
        var endorsers: SmallMap<Endorser> = [:]
        var checkKeys: SmallMap<CheckKey> = [:]
        let needed = header.threshold.map(Int.init) ?? 1
        let offered = credentials.slotIdentities
        // Which of `offered` opened a slot: after a failed unlock (every slot tried with each), the others are none
        // of this vault's custodians.
        var openedBy: Set<Int> = []
        // In a threshold vault one key opens one slot: a second certificate of a key already used (a renewal that kept
        // the key, which an earlier keyvault let be added) is not a second custodian.
        var certificateKeysUsed: [(key: OpenSSLKey, slot: Int)] = []
        var sameKeySlots: [(slot: Int, as: Int)] = []
        for (index, record) in header.slots.enumerated() where payloads.count < needed {
            guard let slot = try Slot.parse(record, at: 0, context: context) else { continue }
            let certificateKey = header.threshold == nil ? nil : (try? (slot as? CertificateSlot)?.parsedCertificate())?.publicKey
            if let certificateKey, let used = certificateKeysUsed.first(where: { $0.key.samePublicKey(as: certificateKey) }) {
                sameKeySlots.append((index, used.slot))
                continue
            }
            var payload: SecretBytes?
            for (which, identity) in offered.enumerated() {
                guard let opening = try identity.open(slot, context: context) else { continue }
                openedBy.insert(which)
                payload = opening.payload
                endorsers[index] = opening.endorser
                if opening.vouchesForKey { passphraseOpened = true }
                if let warning = opening.warning { warnings.append(warning) }
                break
            }
            if let payload {
                if header.threshold != nil { try Self.checkShareNumber(payload, slot: index, against: payloads, in: opened) }
                checkKeys[index] = try CheckKey.derive(payload: payload, vaultID: header.identity.id, slotDigest: record.digest)
                payloads.append(payload)
                opened.append(index)
                if let certificateKey { certificateKeysUsed.append((certificateKey, index)) }
            }
        }
        if payloads.count >= needed {
            let vaultKey = header.threshold == nil ? payloads[0] : try Shamir.combine(payloads)
            let unlocked = try UnlockedVault(
                vault: self, vaultKey: vaultKey, openedSlots: opened, passphraseVerified: passphraseOpened, warnings: warnings,
                endorsers: endorsers, checkKeys: checkKeys)
            // Only a threshold's shares combine into a key that is wrong as a whole (a vault without one keeps its
            // salvage path: the slot's payload is the key itself). A wrong key that opens nothing, from shares of which
            // some are not what the commitments of the key this user knows say: name those slots. (A set signed by
            // any other key is anyone's word, and is not allowed to blame a custodian.)
            if header.threshold != nil, !unlocked.isAuthentic, isChecksumValid, let set = header.extensions.commitments,
                let known = credentials.keyPins?.pinnedKey(ofVaultID: id) ?? KnownKeys.commitment(ofVaultID: id), set.keyCommitment == known,
                !unlocked.opensSomething
            {
                let suspects = opened.filter { header.extensions.shareLooksWrong(slot: $0, checkKey: checkKeys[$0]!, slots: header.slots, vaultID: header.identity.id) }
                if !suspects.isEmpty {
                    throw KeyVaultError.damaged(
                        "vault damaged or tampered with: the shares combine into a key that opens nothing, and \(suspects.count == 1 ? "the share in slot" : "the shares in slots") \(describeCustodiansOf(suspects)) \(suspects.count == 1 ? "is" : "are") not what the vault key committed to: \(suspects.count == 1 ? "that slot was" : "those slots were") probably replaced or corrupted; unlock with other custodians, then replace \(suspects.count == 1 ? "it" : "them") ('keyvault custodian remove', then 'add')"
                    )
                }
            }
            return unlocked
        }
        if !isChecksumValid {
            throw KeyVaultError.damaged("vault damaged: its header fails its checksum, so the credentials cannot be checked; run 'keyvault verify'")
        }
        // A credential is tried on a slot only until one opens it: one given twice (or a second file of the same
        // custodian) is tried again on the slots opened, so that it is not called no custodian's.
        for which in offered.indices where !openedBy.contains(which) {
            for index in opened {
                guard let slot = try Slot.parse(header.slots[index], at: 0, context: context), try offered[which].open(slot, context: context) != nil else { continue }
                openedBy.insert(which)
                break
            }
        }
        throw unlockFailure(credentials, opened: payloads.count, openedBy: openedBy, sameKeySlots: sameKeySlots)
    }

    /// Whether `passphrase` opens the vault's passphrase slot (one Argon2id computation); false when it does not or
    /// the vault has no passphrase custodian. Lets a program ask again before it goes on.
    ///
    /// - Parameter passphrase: the passphrase to try.
    /// - Throws: ``KeyVaultError/Code-swift.struct/damaged`` when the slot cannot be read.
    public func opensPassphraseSlot(_ passphrase: SecretBytes) throws -> Bool {
        try passphraseSlotKey(passphrase) != nil
    }

    /// As ``opensPassphraseSlot(_:)``, returning the key Argon2id derived for the slot when `passphrase` opens it, for
    /// ``Credentials/passphraseSlotKey`` (the unlock then derives nothing); nil when it does not.
    package func passphraseSlotKey(_ passphrase: SecretBytes, derived: PassphraseSlotKey? = nil) throws -> PassphraseSlotKey? {
        let context = header.slotContext
        for record in header.slots where record.kind == PassphraseSlot.kind {
            guard let slot = try Slot.parse(record, at: 0, context: context) as? PassphraseSlot else { return nil }
            let key = try slot.key(for: passphrase, derived: derived)
            return try slot.unwrap(kek: key.key, context: context) == nil ? nil : key
        }
        return nil
    }

    /// "2 (custodian 1a2b3c4d)" for slots (0-based).
    private func describeCustodiansOf(_ slots: [Int]) -> String {
        let custodians = self.custodians
        return slots.map { "\($0 + 1) (custodian \(custodians[$0].id))" }.joined(separator: " and ")
    }

    /// Shamir shares must have distinct, non-zero x: a file whose slots break that (a slot copied onto another, say)
    /// is damaged, and is refused here rather than reaching the combination.
    private static func checkShareNumber(_ share: SecretBytes, slot: Int, against earlier: [SecretBytes], in slots: [Int]) throws {
        let x = share.withUnsafeBytes { $0[0] }
        if x == 0 {
            throw KeyVaultError.damaged("vault damaged: slot \(slot + 1) holds a threshold share numbered 0, which no writer makes")
        }
        if let same = earlier.firstIndex(where: { $0.withUnsafeBytes { $0[0] } == x }) {
            throw KeyVaultError.damaged("vault damaged: slots \(slots[same] + 1) and \(slot + 1) hold threshold shares with the same number (\(x)); they cannot be combined")
        }
    }

    /// When nothing given opened a slot: the X25519 identities whose public key no slot names, which are surely no
    /// custodian's (a changed threshold byte fails every true custodian's slot too, so nothing more is said); "" when
    /// there are none.
    private func strangers(among credentials: Credentials) -> String {
        let context = header.slotContext
        let named = Set(header.slots.compactMap { try? Slot.parse($0, at: 0, context: context)?.sameness })
        let strangers = credentials.identities.filter { identity in identity.recipient.map { !named.contains(X25519Recipient(publicKey: $0.publicKey).sameness) } ?? false }
        guard !strangers.isEmpty else { return "" }
        let one = strangers.count == 1
        return
            "; \(NameList(strangers.map(\.source), separator: " and ", limit: 4)) \(one ? "is not a custodian" : "are not custodians") of this vault (\(one ? "its public key is" : "their public keys are") in none of its slots)"
    }

    private func unlockFailure(_ credentials: Credentials, opened: Int, openedBy: Set<Int>, sameKeySlots: [(slot: Int, as: Int)] = []) -> KeyVaultError {
        let kinds = Set(header.slots.map(\.kind))
        // Slots of kinds this version does not know are skipped; when too few are left, no credential can help.
        let known = Slot.knownKinds
        let usable = header.slots.filter { known.contains($0.kind) }.count
        let needed = header.threshold.map(Int.init) ?? 1
        if usable < needed {
            let unknown = kinds.subtracting(known).sorted().map(String.init).joined(separator: ", ")
            return KeyVaultError(
                .unsupportedVersion,
                usable == 0
                    ? "none of this vault's slots is of a kind this keyvault knows (kind \(unknown)); it was written by a newer keyvault: upgrade keyvault"
                    : "this vault needs \(needed) custodians but only \(usable) of its slots are of kinds this keyvault knows (not kind \(unknown)); it was written by a newer keyvault: upgrade keyvault"
            )
        }
        if let k = header.threshold {
            // What was given but opened no slot: named, so that a file that is no custodian's is not counted as one.
            // A passphrase that opens nothing where there is a passphrase slot is a wrong one, not a stranger.
            let offset = credentials.passphrase == nil ? 0 : 1
            let wrongPassphrase = offset == 1 && !openedBy.contains(0) && kinds.contains(PassphraseSlot.kind)
            let idle =
                credentials.identities.indices.filter { !openedBy.contains($0 + offset) }.map { credentials.identities[$0].source }
                + (offset == 1 && !openedBy.contains(0) && !wrongPassphrase ? ["the passphrase"] : [])
            // Said only when something given did open a slot: when nothing does, the slots themselves may be what is
            // wrong (a changed threshold byte fails every one), and the count alone says no more than is known.
            let noCustodian =
                opened == 0
                ? strangers(among: credentials)
                : (wrongPassphrase ? "; the passphrase does not open the passphrase slot (wrong, or the slot is damaged)" : "")
                    + (idle.isEmpty
                        ? ""
                        : "; \(NameList(idle, separator: " and ", limit: 4)) \(idle.count == 1 ? "opens" : "open") none of its slots (not \(idle.count == 1 ? "a custodian" : "custodians") of this vault, or \(idle.count == 1 ? "its slot is" : "their slots are") damaged)")
                    + sameKeySlots.map { "; slot \($0.slot + 1) holds a certificate of the same key as slot \($0.as + 1), which counts as one custodian" }.joined()
            return KeyVaultError(
                .unlockFailed, "unlock failed: \(opened) of the \(k) custodians this vault needs were given (threshold \(k) of \(header.slots.count))\(noCustodian)",
                remedy: .addCustodians(passphrase: kinds.contains(PassphraseSlot.kind)), context: KeyVaultError.Context(given: opened, needed: Int(k)))
        }
        if credentials.isEmpty {
            return KeyVaultError(.unlockFailed, "no passphrase or identity was given to unlock this vault")
        }
        if credentials.identities.isEmpty, credentials.passphrase != nil {
            if kinds.contains(PassphraseSlot.kind) { return KeyVaultError(.unlockFailed, "wrong passphrase: it does not unlock this vault") }
            return KeyVaultError(.unlockFailed, "this vault has no passphrase custodian", remedy: .useIdentity)
        }
        let sources = credentials.identities.map(\.source).joined(separator: ", ")
        return KeyVaultError(
            .unlockFailed, "none of the given credentials (\(credentials.passphrase == nil ? "" : "the passphrase, ")\(sources)) unlocks this vault; 'keyvault custodian list' shows who can")
    }
}

extension VaultHeader {
    func describeCustodians() -> [Custodian] {
        let endorsed = Set(extensions.endorsements.map(\.slotDigest))
        return describeSlots().enumerated().map { index, custodian in
            var out = custodian
            if custodian.kind == .x25519 || custodian.kind == .certificate { out.isEndorsed = endorsed.contains(slots[index].digest) }
            return out
        }
    }

    private func describeSlots() -> [Custodian] {
        let context = slotContext
        return slots.enumerated().map { index, record in
            if let slot = try? Slot.parse(record, at: 0, context: context) { return slot.custodian(slotNumber: index + 1) }
            return Custodian(
                id: "slot\(index + 1)", kind: .unknown, slotNumber: index + 1, recipient: nil, subject: nil,
                certificateSHA256: nil, algorithm: nil, notAfter: nil, isExpired: false, kdf: nil)
        }
    }
}
