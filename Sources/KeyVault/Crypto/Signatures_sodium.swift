// Ed25519 signatures through libsodium: the vault key's public commitment and the re-key transitions it signs.
internal import CSodium

enum Ed25519 {
    static let publicKeyCount = 32
    static let signatureCount = 64

    /// The key pair whose seed is `seed` (32 bytes): (secret in guarded memory, public).
    static func keyPair(seed: SecretBytes) throws -> (secret: SecretBytes, publicKey: [UInt8]) {
        precondition(seed.count == 32)
        let secret = try SecretBytes(zeroedCount: Int(crypto_sign_secretkeybytes()))
        var publicKey = [UInt8](repeating: 0, count: publicKeyCount)
        let rc = secret.withUnsafeMutableBytes { sk in
            seed.withUnsafeBytes { s in
                crypto_sign_seed_keypair(
                    &publicKey, sk.baseAddress!.assumingMemoryBound(to: UInt8.self),
                    s.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
        guard rc == 0 else { throw KeyVaultError(.crypto, "Ed25519 key pair derivation failed") }
        return (secret, publicKey)
    }

    /// The detached signature of `message` under `secret`.
    static func sign(_ message: [UInt8], secret: SecretBytes) -> [UInt8] {
        var signature = [UInt8](repeating: 0, count: signatureCount)
        let rc = secret.withUnsafeBytes { sk in
            crypto_sign_detached(&signature, nil, message, UInt64(message.count), sk.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        precondition(rc == 0, "crypto_sign_detached cannot fail")
        return signature
    }

    /// Whether `signature` is `publicKey`'s signature of `message`.
    static func verify(_ signature: some Collection<UInt8>, of message: [UInt8], publicKey: some Collection<UInt8>) -> Bool {
        guard signature.count == signatureCount, publicKey.count == publicKeyCount else { return false }
        return crypto_sign_verify_detached(Array(signature), message, UInt64(message.count), Array(publicKey)) == 0
    }
}
