// Slot kind 1: the payload wrapped under an Argon2id-derived key (docs/FORMAT.md, "Passphrase slot").

/// A passphrase slot: Argon2id parameters and salt, and the payload sealed with XChaCha20-Poly1305.
struct PassphraseSlot: Hashable, Sendable {
    static let kind: UInt8 = 1
    static let kdfArgon2id13: UInt8 = 1
    /// kdf(1) ops(4) mem(4) salt(16) nonce(24)
    static let parameterCount = 1 + 4 + 4 + 16 + 24

    let parameters: KDFParameters
    let salt: [UInt8]
    let nonce: [UInt8]
    let wrapped: [UInt8]

    /// The body without the wrapped payload: what the seal authenticates besides the context.
    private var parameterBytes: [UInt8] {
        var w = ByteWriter(capacity: Self.parameterCount)
        w.u8(Self.kdfArgon2id13)
        w.u32(parameters.opsLimit)
        w.u32(parameters.memLimitKiB)
        w.append(salt)
        w.append(nonce)
        return w.bytes
    }

    var body: [UInt8] { parameterBytes + wrapped }

    /// Wraps `payload` under `passphrase`.
    static func make(payload: SecretBytes, passphrase: SecretBytes, parameters: KDFParameters, context: SlotContext) throws -> PassphraseSlot {
        let salt = randomBytes(PasswordKDF.saltCount)
        let kek = try PasswordKDF.deriveKey(passphrase: passphrase, salt: salt, parameters: parameters)
        let nonce = AEAD.randomNonce()
        let unsealed = PassphraseSlot(parameters: parameters, salt: salt, nonce: nonce, wrapped: [])
        let ad = context.associatedData(kind: kind, bodyCount: parameterCount + context.wrappedCount, parameters: unsealed.parameterBytes)
        return PassphraseSlot(
            parameters: parameters, salt: salt, nonce: nonce,
            wrapped: AEAD.seal(payload, key: kek, nonce: nonce, associatedData: ad))
    }

    /// The payload, or nil when `passphrase` is not this slot's.
    func unwrap(passphrase: SecretBytes, context: SlotContext, derived: PassphraseSlotKey? = nil) throws -> SecretBytes? {
        try unwrap(kek: try key(for: passphrase, derived: derived).key, context: context)
    }

    /// The key `passphrase` gives for this slot: `derived` when it was derived for this slot's salt and parameters,
    /// else Argon2id's.
    func key(for passphrase: SecretBytes, derived: PassphraseSlotKey?) throws -> PassphraseSlotKey {
        if let derived, derived.salt == salt, derived.parameters == parameters { return derived }
        return PassphraseSlotKey(salt: salt, parameters: parameters, key: try PasswordKDF.deriveKey(passphrase: passphrase, salt: salt, parameters: parameters))
    }

    /// The payload, or nil when `kek` is not this slot's key.
    func unwrap(kek: SecretBytes, context: SlotContext) throws -> SecretBytes? {
        let ad = context.associatedData(kind: Self.kind, bodyCount: Self.parameterCount + wrapped.count, parameters: parameterBytes)
        guard let payload = try AEAD.open(wrapped, key: kek, nonce: nonce, associatedData: ad), payload.count == context.payloadCount else { return nil }
        return payload
    }

    /// Parses a slot body; checks the KDF parameters against their bounds before anything else is done.
    static func parse(_ body: ArraySlice<UInt8>, at position: Int, context: SlotContext) throws -> PassphraseSlot {
        var r = ByteReader(body, base: position)
        let expected = parameterCount + context.wrappedCount
        guard body.count == expected else {
            throw KeyVaultError.damaged("vault damaged: passphrase slot at byte \(position) is \(body.count) bytes, expected \(expected)")
        }
        let kdf = try r.u8("passphrase slot KDF id")
        guard kdf == kdfArgon2id13 else {
            throw KeyVaultError(.unsupportedVersion, "vault uses passphrase KDF id \(kdf), which this keyvault does not know (1 = Argon2id); upgrade keyvault")
        }
        let ops = try r.u32("Argon2id passes")
        let mem = try r.u32("Argon2id memory")
        let parameters = try KDFParameters.checked(ops: ops, memKiB: mem).get()
        let salt = Array(try r.bytes(16, "passphrase slot salt"))
        let nonce = Array(try r.bytes(24, "passphrase slot nonce"))
        let wrapped = Array(try r.bytes(context.wrappedCount, "passphrase slot wrapped key"))
        try r.expectEnd("passphrase slot")
        return PassphraseSlot(parameters: parameters, salt: salt, nonce: nonce, wrapped: wrapped)
    }
}

/// The key Argon2id derived from a passphrase for one passphrase slot (its salt and parameters), in guarded memory:
/// a passphrase typed at a prompt is checked against the vault, and the unlock that follows uses this key instead
/// of deriving it again (a second or more at the stronger settings). It is as secret as the passphrase it came from,
/// lives as long as the ``Credentials`` that carry it, and opens only a slot of the same salt.
package struct PassphraseSlotKey: Sendable {
    let salt: [UInt8]
    let parameters: KDFParameters
    let key: SecretBytes
}
