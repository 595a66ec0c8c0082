// Making the slots for a set of custodians: the vault key wrapped for each, or split into shares for a threshold.

enum SlotBuilder {
    static let maxCustodians = FormatV1.maxSlots

    /// Checks a custodian set and threshold; returns the threshold to store (nil for "any one").
    static func validate(_ sources: [any SlotRecipient], threshold: Int?) throws -> UInt8? {
        guard !sources.isEmpty else { throw KeyVaultError.invalidArgument("a vault needs at least one custodian") }
        guard sources.count <= maxCustodians else {
            throw KeyVaultError.invalidArgument("a vault has at most \(maxCustodians) custodians; \(sources.count) were named")
        }
        var seen = Set<String>()
        for s in sources where !seen.insert(s.sameness).inserted {
            throw KeyVaultError.invalidArgument(
                s.sameness == "passphrase"
                    ? "a vault has at most one passphrase custodian"
                    : "the same custodian is named twice")
        }
        for source in sources { try source.checkNew() }
        if let threshold, threshold > 1 { try requireOneSlotPerKey(sources) }
        guard let threshold, threshold > 1 else {
            if let threshold, threshold < 1 { throw KeyVaultError.invalidArgument("--threshold must be at least 1") }
            return nil
        }
        guard threshold <= sources.count else {
            throw KeyVaultError.invalidArgument("a threshold of \(threshold) needs at least \(threshold) custodians; \(sources.count) are named")
        }
        return UInt8(threshold)
    }

    /// Refuses two certificates of one key among a threshold's custodians (a certificate renewed with its key kept):
    /// whoever holds that key would count as two custodians.
    static func requireOneSlotPerKey(_ sources: [any SlotRecipient]) throws {
        let certificates = sources.compactMap { ($0 as? CertificateRecipient)?.certificate }
        for (i, a) in certificates.enumerated() {
            for b in certificates[(i + 1)...] where a.publicKey.samePublicKey(as: b.publicKey) {
                throw KeyVaultError.invalidArgument(
                    "the certificates of \(a.subject) and \(b.subject) hold the same key: in a threshold vault each custodian has a key of their own, or one person would count twice; keep one of them (a certificate renewed with the same key needs no new slot: its key still opens the old one)"
                )
            }
        }
    }

    /// Wraps `vaultKey` (or its shares) for each custodian, in order, with the vault key's commitment to the slots
    /// (docs/FORMAT.md, "Slot commitments and check-ins") made at `time`, each custodian's check-in age counting from
    /// `baselines[sameness]` (or `time`), when `commit` (by default: when there is more than one custodian; a vault's
    /// only custodian proves itself at every use, and its vault stays a plain one).
    static func slots(
        for sources: [any SlotRecipient], vaultKey: SecretBytes, context: SlotContext, time: Timestamp = .now(),
        baselines: [String: Timestamp] = [:], commit: Bool? = nil
    ) throws -> (slots: [SlotRecord], commitments: SlotCommitments?) {
        let payloads: [SecretBytes]
        if let k = context.threshold {
            payloads = try Shamir.split(vaultKey, threshold: Int(k), count: sources.count)
        } else {
            payloads = Array(repeating: vaultKey, count: sources.count)
        }
        let slots = try zip(sources, payloads).map { source, payload in try source.wrap(payload, context: context) }
        guard commit ?? (sources.count > 1) else { return (slots, nil) }
        let vaultID = context.identity.id
        let entries = try zip(sources, zip(slots, payloads)).map { source, made in
            let digest = made.0.digest
            return SlotCommitments.Slot(
                digest: digest, checkKey: try CheckKey.derive(payload: made.1, vaultID: vaultID, slotDigest: digest).publicKey,
                since: baselines[source.sameness] ?? time)
        }
        return (slots, try SlotCommitments.make(slots: entries, vaultID: vaultID, vaultKey: vaultKey, time: time))
    }

    /// The recipients of a vault's existing custodians; a passphrase slot needs the passphrase in `credentials`.
    static func existingSources(of unlocked: UnlockedVault, credentials: Credentials, skipping removed: Int? = nil) throws -> [any SlotRecipient] {
        let header = unlocked.vault.header
        let context = header.slotContext
        var sources: [any SlotRecipient] = []
        for (index, record) in header.slots.enumerated() where index != removed {
            guard let slot = try Slot.parse(record, at: 0, context: context) else {
                throw KeyVaultError(.unsupportedVersion, "slot \(index + 1) has kind \(record.kind), which this keyvault cannot re-wrap; upgrade keyvault")
            }
            sources.append(try slot.recipient(rewrapping: credentials, verified: unlocked.passphraseVerified, context: context))
        }
        return sources
    }
}
