// The two sides of every custodian kind, as age has Recipient and Identity: the public side wraps a payload into a
// slot, the secret side opens one. A kind is its slot's bytes (Format/) and one file here; `Slot.kinds` lists them.

/// A custodian's public side: wraps the vault key (or a share of it) into a slot of its kind.
protocol SlotRecipient: Sendable {
    /// What makes two custodians the same one, so that a vault never names one twice: `"passphrase"` for the
    /// passphrase (there is at most one), otherwise the kind and the public key.
    var sameness: String { get }
    /// Refuses a new custodian the rules do not allow (a passphrase too weak); called before any slot is made.
    func checkNew() throws
    /// The slot that holds `payload` for this custodian.
    func wrap(_ payload: SecretBytes, context: SlotContext) throws -> SlotRecord
}

extension SlotRecipient {
    func checkNew() throws {}
}

/// A custodian's secret side: opens the slots made for it, and endorses them.
protocol SlotIdentity: Sendable {
    /// The payload of `slot` when this secret opens it; nil for a slot of another kind or another custodian, or a
    /// passphrase that is not this slot's.
    func open(_ slot: any CustodianSlot, context: SlotContext) throws -> SlotOpening?
    /// How this secret endorses a slot made for `recipient`, when it is that recipient's secret; nil otherwise.
    func endorser(for recipient: any SlotRecipient) throws -> Endorser?
}

/// A stored slot of a kind this version knows: the bytes (``StoredSlot``) and what the vault needs of each kind.
protocol CustodianSlot: StoredSlot {
    /// The custodian as listed, without secrets.
    func custodian(slotNumber: Int) -> Custodian
    /// ``SlotRecipient/sameness`` of the custodian this slot was made for.
    var sameness: String { get }
    /// The recipient that makes this slot again at a re-key. The passphrase slot needs the passphrase from
    /// `credentials`, and checks it against the slot unless the vault was `verified` with it already.
    func recipient(rewrapping credentials: Credentials, verified: Bool, context: SlotContext) throws -> any SlotRecipient
    /// Whether `proof` is this slot's custodian's endorsement of `message`, when anyone can check it (a certificate's
    /// signature); nil when only the custodian's secret can (a MAC).
    func checkEndorsement(_ proof: [UInt8], of message: [UInt8]) -> Bool?
}

/// What opening a slot gave.
struct SlotOpening {
    /// The vault key, or this custodian's share of it.
    let payload: SecretBytes
    /// How the custodian endorses its slot and the key; nil for the passphrase, which needs none.
    let endorser: Endorser?
    /// Only the passphrase makes the passphrase slot, so its opening vouches for the key (``KeyVouch/passphrase``).
    var vouchesForKey = false
    /// Something the operator should know (a certificate has expired).
    var warning: String? = nil
}

/// The secret side of one opened custodian slot, kept while the vault is unlocked so the custodian can endorse it:
/// a MAC (X25519) or a signature (certificate) of the endorsement message.
struct Endorser: @unchecked Sendable {
    /// The proof of a message.
    let proof: ([UInt8]) throws -> [UInt8]
}

extension Slot {
    /// Every slot kind this version reads; a slot of a kind not here is kept as it is and skipped.
    static let kinds: [any CustodianSlot.Type] = [PassphraseSlot.self, X25519Slot.self, CertificateSlot.self]
    /// Their kind bytes.
    static let knownKinds = Set(kinds.map { $0.kind })

    /// The slot in `record`, or nil for a kind this version does not know.
    static func parse(_ record: SlotRecord, at position: Int, context: SlotContext) throws -> (any CustodianSlot)? {
        guard let type = kinds.first(where: { $0.kind == record.kind }) else { return nil }
        return try type.parse(record.body[...], at: position, context: context)
    }
}
