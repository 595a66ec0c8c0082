// X25519 key pairs and Diffie-Hellman, through libsodium.
internal import CSodium

enum X25519 {
    static let keyCount = 32

    /// A new key pair: (secret in guarded memory, public).
    static func generate() throws -> (secret: SecretBytes, publicKey: [UInt8]) {
        let secret = try SecretBytes.random(count: keyCount)
        return (secret, try publicKey(of: secret))
    }

    static func publicKey(of secret: SecretBytes) throws -> [UInt8] {
        var pk = [UInt8](repeating: 0, count: keyCount)
        let rc = secret.withUnsafeBytes { s in crypto_scalarmult_base(&pk, s.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
        guard rc == 0 else { throw KeyVaultError(.crypto, "X25519 public key computation failed") }
        return pk
    }

    /// The shared secret, or nil for a low-order public key (all-zero result).
    static func sharedSecret(_ secret: SecretBytes, _ peer: [UInt8]) throws -> SecretBytes? {
        precondition(peer.count == keyCount)
        let shared = try SecretBytes(zeroedCount: keyCount)
        let rc = shared.withUnsafeMutableBytes { out in
            secret.withUnsafeBytes { s in
                crypto_scalarmult(
                    out.baseAddress!.assumingMemoryBound(to: UInt8.self),
                    s.baseAddress!.assumingMemoryBound(to: UInt8.self), peer)
            }
        }
        return rc == 0 && !shared.isAllZero ? shared : nil
    }
}
