// Slot kind 1: the vault key wrapped under an Argon2id-derived key (docs/FORMAT.md, "Passphrase slot").

/// A passphrase slot: Argon2id parameters and salt, and the vault key sealed with XChaCha20-Poly1305.
struct PassphraseSlot: Hashable, Sendable {
    static let kind: UInt8 = 1
    static let kdfArgon2id13: UInt8 = 1
    /// kdf(1) ops(4) mem(4) salt(16) nonce(24) wrapped(48)
    static let bodyCount = 1 + 4 + 4 + 16 + 24 + 48

    let parameters: KDFParameters
    let salt: [UInt8]
    let nonce: [UInt8]
    let wrappedKey: [UInt8]

    /// The body without the wrapped key: what the seal authenticates besides the vault identity.
    private var parameterBytes: [UInt8] {
        var w = ByteWriter(capacity: 49)
        w.u8(Self.kdfArgon2id13)
        w.u32(parameters.opsLimit)
        w.u32(parameters.memLimitKiB)
        w.append(salt)
        w.append(nonce)
        return w.bytes
    }

    var body: [UInt8] { parameterBytes + wrappedKey }

    private static func associatedData(identity: VaultIdentity, parameterBytes: [UInt8]) -> [UInt8] {
        var w = ByteWriter(capacity: 36 + 3 + parameterBytes.count)
        w.append(identity.associatedBytes)
        w.u8(kind)
        w.u16(UInt16(bodyCount))
        w.append(parameterBytes)
        return w.bytes
    }

    /// Wraps `vaultKey` under `passphrase`.
    static func make(vaultKey: SecretBytes, passphrase: SecretBytes, parameters: KDFParameters, identity: VaultIdentity) throws -> PassphraseSlot {
        let salt = randomBytes(PasswordKDF.saltCount)
        let kek = try PasswordKDF.deriveKey(passphrase: passphrase, salt: salt, parameters: parameters)
        let nonce = AEAD.randomNonce()
        var slot = PassphraseSlot(parameters: parameters, salt: salt, nonce: nonce, wrappedKey: [])
        let ad = associatedData(identity: identity, parameterBytes: slot.parameterBytes)
        slot = PassphraseSlot(parameters: parameters, salt: salt, nonce: nonce,
                              wrappedKey: AEAD.seal(vaultKey, key: kek, nonce: nonce, associatedData: ad))
        return slot
    }

    /// The vault key, or nil when `passphrase` is not this slot's.
    func unwrap(passphrase: SecretBytes, identity: VaultIdentity) throws -> SecretBytes? {
        let kek = try PasswordKDF.deriveKey(passphrase: passphrase, salt: salt, parameters: parameters)
        let ad = Self.associatedData(identity: identity, parameterBytes: parameterBytes)
        guard let key = try AEAD.open(wrappedKey, key: kek, nonce: nonce, associatedData: ad), key.count == 32 else { return nil }
        return key
    }

    /// Parses a slot body; checks the KDF parameters against their bounds before anything else is done.
    static func parse(_ body: ArraySlice<UInt8>, at position: Int) throws -> PassphraseSlot {
        var r = ByteReader(body, base: position)
        guard body.count == bodyCount else {
            throw KeyVaultError.damaged("vault damaged: passphrase slot at byte \(position) is \(body.count) bytes, expected \(bodyCount)")
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
        let wrapped = Array(try r.bytes(48, "passphrase slot wrapped key"))
        try r.expectEnd("passphrase slot")
        return PassphraseSlot(parameters: parameters, salt: salt, nonce: nonce, wrappedKey: wrapped)
    }
}
