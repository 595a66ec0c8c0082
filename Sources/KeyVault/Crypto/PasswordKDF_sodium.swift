// Argon2id passphrase hashing (crypto_pwhash), through libsodium.
internal import CSodium

enum PasswordKDF {
    static let saltCount = 16

    /// Derives a 32-byte key-encryption key from `passphrase` with Argon2id v1.3.
    /// The caller has already checked `parameters` against ``KDFParameters`` bounds.
    static func deriveKey(passphrase: SecretBytes, salt: [UInt8], parameters: KDFParameters) throws -> SecretBytes {
        precondition(salt.count == saltCount)
        try Sodium.ensureReady()
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
