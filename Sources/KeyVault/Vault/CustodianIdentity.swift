// The secret side of a custodian: an X25519 identity from `keyvault keygen`, or a PEM private key for a certificate.

/// Something that can unlock a custodian slot: an X25519 identity, or the private key of a certificate custodian.
public final class CustodianIdentity: @unchecked Sendable {
    static let secretHRP = Array("kvault-secret-key-".utf8)
    /// The secret, as the kind of custodian it opens (Custodians/).
    let secret: any SlotIdentity
    /// Where it was read from, for messages.
    public let source: String

    init(secret: any SlotIdentity, source: String) {
        self.secret = secret
        self.source = source
    }

    /// A new random X25519 identity.
    ///
    /// - Returns: the identity; write it with ``write(toPath:)`` and share its ``recipient``.
    public static func generate() throws -> CustodianIdentity {
        let (secret, publicKey) = try X25519.generate()
        return CustodianIdentity(secret: X25519Identity(secret: secret, publicKey: publicKey), source: "new identity")
    }

    /// For X25519 identities: the public recipient; nil for a PEM private key.
    public var recipient: Recipient? {
        (secret as? X25519Identity).map { Recipient(publicKey: $0.publicKey) }
    }

    /// Writes an X25519 identity file (mode 0600, atomically; never over an existing file).
    ///
    /// - Parameter path: where to write it.
    /// - Throws: ``KeyVaultError/Code-swift.struct/fileConflict`` when `path` exists.
    public func write(toPath path: String) throws {
        try about(path: path) {
            guard let identity = secret as? X25519Identity, let recipient else {
                throw KeyVaultError.invalidArgument("only X25519 identities can be written by keyvault")
            }
            try Vault.checkCanCreate(path, what: "identity file", hint: "keyvault keygen never overwrites an identity")
            let header = Array(
                "# keyvault custodian identity (X25519). Keep this file secret: it unlocks every vault sealed to its recipient.\n# created: \(Timestamp.now().iso8601)\n# recipient: \(recipient.string)\n"
                    .utf8)
            let encodedCount = Bech32.encodedCount(hrpCount: Self.secretHRP.count, dataCount: identity.secret.count)
            let contents = try SecretBytes(zeroedCount: header.count + encodedCount + 1)
            contents.withUnsafeMutableBytes { out in
                header.withUnsafeBytes { out.copyMemory(from: $0) }
                identity.secret.withUnsafeBytes { s in
                    Bech32.encode(
                        hrp: Self.secretHRP, data: s,
                        into: UnsafeMutableRawBufferPointer(rebasing: out[header.count..<(header.count + encodedCount)]), uppercase: true)
                }
                out[out.count - 1] = 0x0A
            }
            AtomicFile.removeLeftovers(for: path)
            let file = try AtomicFile(finalPath: path, unnamed: true)
            try contents.withUnsafeBytes { try file.write($0) }
            try file.commit(replacing: false)

        }
    }

    /// Reads an identity file: an X25519 identity (`KVAULT-SECRET-KEY-1…`), or a PEM private key (PKCS#8 or
    /// traditional RSA/EC, possibly encrypted).
    ///
    /// - Parameters:
    ///   - path: the file.
    ///   - password: called only for an encrypted PEM key, with a prompt naming the file; returns its password.
    /// - Returns: the identity.
    /// - Throws: ``KeyVaultError/Code-swift.struct/unlockFailed`` for a wrong private-key password;
    ///   ``KeyVaultError/Code-swift.struct/invalidArgument`` when the file holds no identity.
    public static func load(fromFile path: String, password: (String) throws -> SecretBytes) throws -> CustodianIdentity {
        try about(path: path) {
            let contents = try SecretInput.read(path, maxCount: 64 * 1024, what: "identity file \(path)", regularOnly: true)
            let kind: Int = contents.withUnsafeBytes { raw in
                if find(Array("KVAULT-SECRET-KEY-1".utf8), in: raw) != nil { return 1 }
                if find(Array("PRIVATE KEY-----".utf8), in: raw) != nil { return 2 }
                return 0
            }
            switch kind {
            case 1:
                let secret = try SecretBytes(zeroedCount: 32)
                let error: Bech32Error? = contents.withUnsafeBytes { raw in
                    let start = find(Array("KVAULT-SECRET-KEY-1".utf8), in: raw)!
                    var end = start
                    while end < raw.count && raw[end] > 0x20 { end += 1 }
                    return secret.withUnsafeMutableBytes { out in
                        Bech32.decode(UnsafeRawBufferPointer(rebasing: raw[start..<end]), hrp: secretHRP, into: out)
                    }
                }
                if let error { throw KeyVaultError.invalidArgument("identity file \(path) is damaged: its secret key line \(error.reason)") }
                return CustodianIdentity(secret: X25519Identity(secret: secret, publicKey: try X25519.publicKey(of: secret)), source: path)
            case 2:
                let encrypted = contents.withUnsafeBytes { raw in
                    find(Array("ENCRYPTED".utf8), in: raw) != nil
                }
                let pass = encrypted ? try password("Password for the private key \(path): ") : nil
                guard let key = try OpenSSL.privateKey(pem: contents, password: pass) else {
                    if encrypted { throw KeyVaultError(.unlockFailed, "wrong password for the private key \(path)") }
                    throw KeyVaultError.invalidArgument("\(path) holds a PEM private key that OpenSSL cannot read")
                }
                _ = try OpenSSL.classify(key, source: path)
                return CustodianIdentity(secret: PrivateKeyIdentity(key: key), source: path)
            default:
                throw KeyVaultError.invalidArgument("\(path) is not an identity: expected a keyvault identity (from keyvault keygen) or a PEM private key")
            }

        }
    }

    /// A certificate custodian's private key on a PKCS#11 token (a smartcard, an HSM): it opens the custodian's slot
    /// and endorses it on the token, and never leaves it. The same custodian may move from a PEM key to a token holding
    /// that key: the slot is the certificate's either way.
    ///
    /// - Parameters:
    ///   - uri: the key (``PKCS11URI``: `pkcs11:token=…;object=…`).
    ///   - modulePath: the token's PKCS#11 module (a shared library), when the URI names none.
    ///   - pin: called only when the token needs a login and has no PIN pad, once, with a prompt naming the token;
    ///     returns the user PIN. A wrong PIN is never retried (tokens lock after a few).
    /// - Returns: the identity, holding a logged-in session until it is released.
    /// - Throws: ``KeyVaultError/Code-swift.struct/invalidArgument`` for a module that does not load, or no token or no
    ///   key (or several) matching the URI; ``KeyVaultError/Code-swift.struct/unlockFailed`` for a wrong or locked PIN;
    ///   ``KeyVaultError/Code-swift.struct/token`` for other failures of the token.
    public static func token(_ uri: PKCS11URI, modulePath: String?, pin: (PINRequest) throws -> SecretBytes) throws -> CustodianIdentity {
        if let named = uri.modulePath, let given = modulePath, named != given {
            throw KeyVaultError.invalidArgument("the token URI names the module \(named.printable), but \(given.printable) was given too; name one")
        }
        guard let module = uri.modulePath ?? modulePath else {
            throw KeyVaultError.invalidArgument(
                "no PKCS#11 module for \(uri.text.printable): name its shared library (module-path in the URI, or the module option: --pkcs11-module or KEYVAULT_PKCS11_MODULE for keyvault's commands)"
            )
        }
        // keyvault's libcrypto first: a module that links its own copy would otherwise load it, and be the one used.
        try OpenSSL.requireLoaded()
        let token = try PKCS11Token.open(uri, modulePath: module, pin: pin)
        return CustodianIdentity(secret: PrivateKeyIdentity(key: try TokenKey.find(uri, on: token)), source: uri.text)
    }

    private static func find(_ needle: [UInt8], in haystack: UnsafeRawBufferPointer) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
            var match = true
            for j in 1..<needle.count where haystack[i + j] != needle[j] { match = false; break }
            if match { return i }
        }
        return nil
    }
}

/// Everything offered to unlock a vault: a passphrase and any number of identities.
public struct Credentials: Sendable {
    /// The vault passphrase, if given. Setting it drops a key derived from the passphrase it replaces.
    public var passphrase: SecretBytes? { didSet { passphraseSlotKey = nil } }
    /// X25519 identities and certificate private keys.
    public var identities: [CustodianIdentity]
    /// Where this user's vault-key pins are kept (``SeenVaults``): a write checks the key against the pin, and pins it
    /// afterwards. Nil: no pins (only endorsements and the passphrase can vouch for a key).
    public var keyPins: SeenVaults?
    /// The operator has checked the vault key's fingerprint and vouches for it (`--endorse`): a write goes ahead
    /// although nothing else vouches for the key, and the custodians given endorse it. Never set this without a person's
    /// decision: it is what a forged vault needs.
    public var vouchForKey = false
    /// The operator accepts a vault behind, or off, the history ``keyPins`` last saw of it (`--accept-rollback`): a
    /// write goes ahead. Without it, a write refuses such a vault found under its lock (an older copy put in place
    /// while the command ran, after the command's own check of what it read).
    package var acceptRollback = false
    /// With ``acceptRollback``: the words of the operator's acceptance, recorded in the audit log by the first write
    /// that finds the vault behind under its lock, in the same commit as that write's change.
    package var rollbackAcceptance: RollbackAcceptance?
    /// The passphrase's key for the vault's passphrase slot, derived when the passphrase was checked
    /// (``Vault/passphraseSlotKey(_:)``), so that the unlock does not derive it again. Only with that passphrase.
    package var passphraseSlotKey: PassphraseSlotKey?

    /// Credentials from a passphrase and identities.
    ///
    /// - Parameters:
    ///   - passphrase: the vault passphrase, or nil.
    ///   - identities: identities and private keys.
    public init(passphrase: SecretBytes? = nil, identities: [CustodianIdentity] = []) {
        self.passphrase = passphrase
        self.identities = identities
    }

    var isEmpty: Bool { passphrase == nil && identities.isEmpty }

    /// Every secret offered, passphrase first, as the custodian kinds they open.
    var slotIdentities: [any SlotIdentity] {
        (passphrase.map { [PassphraseIdentity(passphrase: $0, derived: passphraseSlotKey)] } ?? []) + identities.map(\.secret)
    }
}
