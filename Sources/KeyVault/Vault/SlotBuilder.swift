// Making the slots for a set of custodians: the vault key wrapped for each, or split into shares for a threshold.

/// A custodian's public material, enough to wrap a payload to it (and, for a passphrase, the passphrase).
enum CustodianSource {
    case passphrase(SecretBytes, KDFParameters)
    case recipient([UInt8])
    case certificate(ParsedCertificate)

    init(_ new: NewCustodian) {
        switch new {
        case .passphrase(let p, let kdf): self = .passphrase(p, kdf)
        case .recipient(let r): self = .recipient(r.publicKey)
        case .certificate(let c): self = .certificate(c.parsed)
        }
    }

    /// What makes two custodians the same one.
    var identityKey: String {
        switch self {
        case .passphrase: return "passphrase"
        case .recipient(let pk): return "x25519:" + pk.hexString
        case .certificate(let c): return "cert:" + c.sha256.hexString
        }
    }
}

enum SlotBuilder {
    static let maxCustodians = FormatV1.maxSlots

    /// Checks a custodian set and threshold; returns the threshold to store (nil for "any one").
    static func validate(_ sources: [CustodianSource], threshold: Int?) throws -> UInt8? {
        guard !sources.isEmpty else { throw KeyVaultError.invalidArgument("a vault needs at least one custodian") }
        guard sources.count <= maxCustodians else {
            throw KeyVaultError.invalidArgument("a vault has at most \(maxCustodians) custodians; \(sources.count) were named")
        }
        var seen = Set<String>()
        for s in sources where !seen.insert(s.identityKey).inserted {
            throw KeyVaultError.invalidArgument(
                s.identityKey == "passphrase"
                    ? "a vault has at most one passphrase custodian"
                    : "the same custodian is named twice")
        }
        for case .passphrase(let p, _) in sources { try Vault.checkNewPassphrase(p) }
        guard let threshold, threshold > 1 else {
            if let threshold, threshold < 1 { throw KeyVaultError.invalidArgument("--threshold must be at least 1") }
            return nil
        }
        guard threshold <= sources.count else {
            throw KeyVaultError.invalidArgument("a threshold of \(threshold) needs at least \(threshold) custodians; \(sources.count) are named")
        }
        return UInt8(threshold)
    }

    /// Wraps `vaultKey` (or its shares) for each custodian, in order.
    static func slots(for sources: [CustodianSource], vaultKey: SecretBytes, context: SlotContext) throws -> [SlotRecord] {
        let payloads: [SecretBytes]
        if let k = context.threshold {
            payloads = try Shamir.split(vaultKey, threshold: Int(k), count: sources.count)
        } else {
            payloads = Array(repeating: vaultKey, count: sources.count)
        }
        return try zip(sources, payloads).map { source, payload in
            switch source {
            case .passphrase(let p, let kdf):
                return Slot.passphrase(try PassphraseSlot.make(payload: payload, passphrase: p, parameters: kdf, context: context)).record
            case .recipient(let pk):
                return Slot.x25519(try X25519Slot.make(payload: payload, recipient: pk, context: context)).record
            case .certificate(let c):
                return Slot.certificate(try CertificateSlot.make(payload: payload, certificate: c, context: context)).record
            }
        }
    }

    /// The sources of a vault's existing custodians; a passphrase slot needs the passphrase in `credentials`.
    static func existingSources(of unlocked: UnlockedVault, credentials: Credentials, skipping removed: Int? = nil) throws -> [CustodianSource] {
        let header = unlocked.vault.header
        let context = header.slotContext
        var sources: [CustodianSource] = []
        for (index, record) in header.slots.enumerated() where index != removed {
            switch try Slot.parse(record, at: 0, context: context) {
            case .passphrase(let s):
                guard let passphrase = credentials.passphrase else {
                    throw KeyVaultError.invalidArgument(
                        "this change re-wraps the vault key for every custodian, including the passphrase: give the passphrase too (--passphrase-file FILE, or on the terminal)")
                }
                if !unlocked.passphraseVerified, try s.unwrap(passphrase: passphrase, context: context) == nil {
                    throw KeyVaultError(.unlockFailed, "wrong passphrase: it does not open this vault's passphrase slot")
                }
                sources.append(.passphrase(passphrase, s.parameters))
            case .x25519(let s):
                sources.append(.recipient(s.recipient))
            case .certificate(let s):
                sources.append(.certificate(try s.parsedCertificate()))
            case .unknown(let r):
                throw KeyVaultError(.unsupportedVersion, "slot \(index + 1) has kind \(r.kind), which this keyvault cannot re-wrap; upgrade keyvault")
            }
        }
        return sources
    }
}
