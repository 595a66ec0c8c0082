// Slot kind 2: the payload wrapped to an X25519 recipient (docs/FORMAT.md, "X25519 slot").

/// An X25519 custodian's slot: `recipient[32] ‖ ephemeral[32] ‖ nonce[24] ‖ wrapped`.
/// KEK = BLAKE2b-256 keyed with the X25519 shared secret over `"keyvault x25519 slot" ‖ ephemeral ‖ recipient`.
struct X25519Slot: Hashable, Sendable {
    static let kind: UInt8 = 2
    static let parameterCount = 32 + 32 + 24
    static let label = Array("keyvault x25519 slot".utf8)

    let recipient: [UInt8]
    let ephemeral: [UInt8]
    let nonce: [UInt8]
    let wrapped: [UInt8]

    var body: [UInt8] { recipient + ephemeral + nonce + wrapped }

    private static func kek(shared: SecretBytes, ephemeral: [UInt8], recipient: [UInt8]) -> SecretBytes? {
        try? Hashing.blake2bSecret(label + ephemeral + recipient, key: shared)
    }

    static func make(payload: SecretBytes, recipient: [UInt8], context: SlotContext) throws -> X25519Slot {
        let (ephemeralSecret, ephemeral) = try X25519.generate()
        guard let shared = try X25519.sharedSecret(ephemeralSecret, recipient), let kek = kek(shared: shared, ephemeral: ephemeral, recipient: recipient) else {
            throw KeyVaultError.invalidArgument("the X25519 recipient is not a usable public key (low-order point)")
        }
        let nonce = AEAD.randomNonce()
        let ad = context.associatedData(kind: kind, bodyCount: parameterCount + context.wrappedCount, parameters: recipient + ephemeral + nonce)
        return X25519Slot(
            recipient: recipient, ephemeral: ephemeral, nonce: nonce,
            wrapped: AEAD.seal(payload, key: kek, nonce: nonce, associatedData: ad))
    }

    /// The payload, or nil when `secret` is not this slot's recipient.
    func unwrap(secret: SecretBytes, publicKey: [UInt8], context: SlotContext) throws -> SecretBytes? {
        guard constantTimeEqual(publicKey, recipient), let shared = try X25519.sharedSecret(secret, ephemeral),
            let kek = Self.kek(shared: shared, ephemeral: ephemeral, recipient: recipient)
        else { return nil }
        let ad = context.associatedData(kind: Self.kind, bodyCount: Self.parameterCount + wrapped.count, parameters: recipient + ephemeral + nonce)
        guard let payload = try AEAD.open(wrapped, key: kek, nonce: nonce, associatedData: ad), payload.count == context.payloadCount else { return nil }
        return payload
    }

    static func parse(_ body: ArraySlice<UInt8>, at position: Int, context: SlotContext) throws -> X25519Slot {
        let expected = parameterCount + context.wrappedCount
        guard body.count == expected else {
            throw KeyVaultError.damaged("vault damaged: X25519 slot at byte \(position) is \(body.count) bytes, expected \(expected)")
        }
        var r = ByteReader(body, base: position)
        return X25519Slot(
            recipient: Array(try r.bytes(32, "X25519 recipient")), ephemeral: Array(try r.bytes(32, "X25519 ephemeral key")),
            nonce: Array(try r.bytes(24, "X25519 slot nonce")), wrapped: Array(try r.bytes(context.wrappedCount, "X25519 wrapped key")))
    }
}
