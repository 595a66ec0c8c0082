// XChaCha20-Poly1305 (IETF) sealing and opening, through libsodium.
internal import CSodium

/// XChaCha20-Poly1305-IETF with a 256-bit key and a 192-bit random nonce.
enum AEAD {
    static let keyCount = 32
    static let nonceCount = 24
    static let tagCount = 16

    /// A fresh random nonce.
    static func randomNonce() -> [UInt8] {
        var nonce = [UInt8](repeating: 0, count: nonceCount)
        nonce.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, nonceCount) }
        return nonce
    }

    /// Encrypts `plaintext` and returns ciphertext followed by the 16-byte tag.
    static func seal(_ plaintext: SecretBytes, key: SecretBytes, nonce: [UInt8], associatedData: [UInt8]) -> [UInt8] {
        precondition(key.count == keyCount && nonce.count == nonceCount)
        var out = [UInt8](repeating: 0, count: plaintext.count + tagCount)
        var outCount: UInt64 = 0
        let rc = out.withUnsafeMutableBytes { o in
            plaintext.withUnsafeBytes { p in
                key.withUnsafeBytes { k in
                    associatedData.withUnsafeBytes { ad in
                        crypto_aead_xchacha20poly1305_ietf_encrypt(
                            o.baseAddress!.assumingMemoryBound(to: UInt8.self), &outCount,
                            p.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(p.count),
                            ad.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(ad.count),
                            nil, nonce, k.baseAddress!.assumingMemoryBound(to: UInt8.self))
                    }
                }
            }
        }
        precondition(rc == 0 && Int(outCount) == out.count, "XChaCha20-Poly1305 encryption cannot fail")
        return out
    }

    /// Decrypts and authenticates; returns the plaintext in guarded memory, or nil when authentication fails.
    static func open(_ ciphertext: some ContiguousBytes, key: SecretBytes, nonce: [UInt8], associatedData: [UInt8]) throws -> SecretBytes? {
        precondition(key.count == keyCount && nonce.count == nonceCount)
        return try ciphertext.withUnsafeBytes { c -> SecretBytes? in
            guard c.count >= tagCount else { return nil }
            let plain = try SecretBytes(zeroedCount: c.count - tagCount)
            var plainCount: UInt64 = 0
            let rc = plain.withUnsafeMutableBytes { p in
                key.withUnsafeBytes { k in
                    associatedData.withUnsafeBytes { ad in
                        crypto_aead_xchacha20poly1305_ietf_decrypt(
                            p.baseAddress!.assumingMemoryBound(to: UInt8.self), &plainCount, nil,
                            c.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(c.count),
                            ad.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(ad.count),
                            nonce, k.baseAddress!.assumingMemoryBound(to: UInt8.self))
                    }
                }
            }
            return rc == 0 ? plain : nil
        }
    }
}

/// Byte containers that can lend a contiguous read-only view.
protocol ContiguousBytes {
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}
extension Array: ContiguousBytes where Element == UInt8 {}
extension ArraySlice: ContiguousBytes where Element == UInt8 {}

extension AEAD {
    /// Decrypts and authenticates `ciphertext` into `plaintext` (exactly `ciphertext.count - tagCount` bytes, in memory
    /// the caller owns and wipes), without allocating: for loops over many keys. False when authentication fails.
    static func open(
        _ ciphertext: UnsafeRawBufferPointer, into plaintext: UnsafeMutableRawBufferPointer, key: SecretBytes,
        nonce: UnsafeRawBufferPointer, associatedData: UnsafeRawBufferPointer
    ) -> Bool {
        precondition(key.count == keyCount && nonce.count == nonceCount)
        guard ciphertext.count >= tagCount, plaintext.count == ciphertext.count - tagCount else { return false }
        var plainCount: UInt64 = 0
        let rc = key.withUnsafeBytes { k in
            crypto_aead_xchacha20poly1305_ietf_decrypt(
                plaintext.baseAddress?.assumingMemoryBound(to: UInt8.self), &plainCount, nil,
                ciphertext.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(ciphertext.count),
                associatedData.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(associatedData.count),
                nonce.baseAddress!.assumingMemoryBound(to: UInt8.self), k.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        return rc == 0
    }
}
