// Argon2id passphrase hashing (crypto_pwhash), through libsodium.
internal import CSodium

enum PasswordKDF {
    static let saltCount = 16

    /// Derives a 32-byte key-encryption key from `passphrase` with Argon2id v1.3.
    /// The caller has already checked `parameters` against ``KDFParameters`` bounds.
    static func deriveKey(passphrase: SecretBytes, salt: [UInt8], parameters: KDFParameters) throws -> SecretBytes {
        precondition(salt.count == saltCount)
        try Sodium.ensureReady()
        if let kept = try last.withLock({ try $0?.key(for: passphrase, salt: salt, parameters: parameters) }) { return kept }
        let key = try computeKey(passphrase: passphrase, salt: salt, parameters: parameters)
        let entry = try Derivation(passphrase: passphrase, salt: salt, parameters: parameters, key: key)
        last.withLock { $0 = entry }
        return key
    }

    /// The last derivation, in guarded memory: a passphrase typed at a prompt is first checked against the vault, then
    /// unlocks it, and the second derivation (the same inputs, so the same key) is taken from here instead of spending
    /// Argon2id's time and memory again — a second or more at the stronger settings. Copies go in and out, so that
    /// no caller's wiping of its own key or passphrase reaches it.
    private static let last = Locked<Derivation?>(nil)

    private struct Derivation {
        let passphrase: SecretBytes
        let salt: [UInt8]
        let parameters: KDFParameters
        let key: SecretBytes

        init(passphrase: SecretBytes, salt: [UInt8], parameters: KDFParameters, key: SecretBytes) throws {
            self.passphrase = try passphrase.withUnsafeBytes { try SecretBytes(copying: $0) }
            self.salt = salt
            self.parameters = parameters
            self.key = try key.withUnsafeBytes { try SecretBytes(copying: $0) }
        }

        /// A copy of the key when the inputs are these; nil otherwise.
        func key(for passphrase: SecretBytes, salt: [UInt8], parameters: KDFParameters) throws -> SecretBytes? {
            guard parameters == self.parameters, salt == self.salt, passphrase.count == self.passphrase.count,
                passphrase.withUnsafeBytes({ p in self.passphrase.withUnsafeBytes { constantTimeEqual(p, $0) } })
            else { return nil }
            return try key.withUnsafeBytes { try SecretBytes(copying: $0) }
        }
    }

    private static func computeKey(passphrase: SecretBytes, salt: [UInt8], parameters: KDFParameters) throws -> SecretBytes {
        let key = try SecretBytes(zeroedCount: 32)
        let task = "deriving the key from the passphrase (Argon2id, \(parameters.memLimitKiB / 1024) MiB)"
        let rc = ProgressReport.around(task) {
            key.withUnsafeMutableBytes { k in
                passphrase.withUnsafeBytes { p in
                    crypto_pwhash(
                        k.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(k.count),
                        p.baseAddress!.assumingMemoryBound(to: CChar.self), UInt64(p.count),
                        salt, UInt64(parameters.opsLimit), Int(parameters.memLimitKiB) * 1024,
                        crypto_pwhash_alg_argon2id13())
                }
            }
        }
        guard rc == 0 else {
            throw KeyVaultError(.crypto, "Argon2id could not allocate \(parameters.memLimitKiB / 1024) MiB; free memory or raise the process's memory limit")
        }
        return key
    }
}
