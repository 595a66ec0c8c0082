// The X25519 custodian (slot kind 2): a `kvr1…` recipient from `keyvault keygen`, opened with its identity file.

/// An X25519 public key to wrap to.
struct X25519Recipient: SlotRecipient {
    let publicKey: [UInt8]

    var sameness: String { "x25519:" + publicKey.hexString }

    func wrap(_ payload: SecretBytes, context: SlotContext) throws -> SlotRecord {
        try X25519Slot.make(payload: payload, recipient: publicKey, context: context).record
    }
}

/// An X25519 secret key (an identity file from `keyvault keygen`).
struct X25519Identity: SlotIdentity {
    let secret: SecretBytes
    let publicKey: [UInt8]

    func open(_ slot: any CustodianSlot, context: SlotContext) throws -> SlotOpening? {
        guard let slot = slot as? X25519Slot, let payload = try slot.unwrap(secret: secret, publicKey: publicKey, context: context) else { return nil }
        return SlotOpening(payload: payload, endorser: try macEndorser())
    }

    func endorser(for recipient: any SlotRecipient) throws -> Endorser? {
        guard let recipient = recipient as? X25519Recipient, recipient.publicKey == publicKey else { return nil }
        return try macEndorser()
    }

    /// Endorses with a MAC keyed `H_secret("keyvault endorsement key 1")`: only this custodian can make or check it.
    private func macEndorser() throws -> Endorser {
        let macKey = try Hashing.blake2bSecret(Array("keyvault endorsement key 1".utf8), key: secret)
        return Endorser { message in Hashing.blake2b(message, key: macKey) }
    }
}

extension X25519Slot: CustodianSlot {
    func custodian(slotNumber: Int) -> Custodian {
        let r = Recipient(publicKey: recipient)
        return Custodian(
            id: r.id, kind: .x25519, slotNumber: slotNumber, recipient: r.string, subject: nil,
            certificateSHA256: nil, algorithm: nil, notAfter: nil, isExpired: false, kdf: nil)
    }

    var sameness: String { X25519Recipient(publicKey: recipient).sameness }

    func recipient(rewrapping credentials: Credentials, verified: Bool, context: SlotContext) throws -> any SlotRecipient {
        X25519Recipient(publicKey: recipient)
    }

    /// A MAC: only the custodian's secret checks it.
    func checkEndorsement(_ proof: [UInt8], of message: [UInt8]) -> Bool? { nil }
}
