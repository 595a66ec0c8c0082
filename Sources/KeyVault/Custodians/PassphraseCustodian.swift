// The passphrase custodian (slot kind 1): at most one per vault, opened with Argon2id.

/// A passphrase to wrap to, with its Argon2id cost.
struct PassphraseRecipient: SlotRecipient {
    let passphrase: SecretBytes
    let parameters: KDFParameters
    /// The vault's own passphrase, wrapped again (a re-key, a custodian change): only a new passphrase must be one a
    /// prompt can take; a vault made before that rule keeps the one it has.
    var isExisting = false

    var sameness: String { "passphrase" }

    func checkNew() throws {
        if isExisting { try Vault.checkPassphraseLength(passphrase) } else { try Vault.checkNewPassphrase(passphrase) }
    }

    func wrap(_ payload: SecretBytes, context: SlotContext) throws -> SlotRecord {
        try PassphraseSlot.make(payload: payload, passphrase: passphrase, parameters: parameters, context: context).record
    }
}

/// A passphrase offered to unlock.
struct PassphraseIdentity: SlotIdentity {
    let passphrase: SecretBytes
    /// The passphrase's key for a slot, derived when it was checked (``PassphraseSlotKey``).
    var derived: PassphraseSlotKey? = nil

    func open(_ slot: any CustodianSlot, context: SlotContext) throws -> SlotOpening? {
        guard let slot = slot as? PassphraseSlot, let payload = try slot.unwrap(passphrase: passphrase, context: context, derived: derived) else { return nil }
        return SlotOpening(payload: payload, endorser: nil, vouchesForKey: true)
    }

    /// A passphrase slot needs no endorsement: only the passphrase makes it.
    func endorser(for recipient: any SlotRecipient) throws -> Endorser? { nil }
}

extension PassphraseSlot: CustodianSlot {
    func custodian(slotNumber: Int) -> Custodian {
        Custodian(
            id: "passphrase", kind: .passphrase, slotNumber: slotNumber, recipient: nil, subject: nil,
            certificateSHA256: nil, algorithm: nil, notAfter: nil, isExpired: false, kdf: parameters)
    }

    var sameness: String { "passphrase" }

    func recipient(rewrapping credentials: Credentials, verified: Bool, context: SlotContext) throws -> any SlotRecipient {
        guard let passphrase = credentials.passphrase else {
            throw KeyVaultError.invalidArgument(
                "this change re-wraps the vault key for every custodian, including the passphrase: give the passphrase too (--passphrase-file FILE, or on the terminal)")
        }
        if !verified, try unwrap(passphrase: passphrase, context: context, derived: credentials.passphraseSlotKey) == nil {
            throw KeyVaultError(.unlockFailed, "wrong passphrase: it does not open this vault's passphrase slot")
        }
        return PassphraseRecipient(passphrase: passphrase, parameters: parameters, isExisting: true)
    }

    func checkEndorsement(_ proof: [UInt8], of message: [UInt8]) -> Bool? { nil }
}
