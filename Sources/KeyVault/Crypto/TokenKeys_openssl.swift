// What OpenSSL does for a key held on a token: the public parts to match it with a certificate, the OAEP padding a
// token's raw RSA leaves, SHA-256 digests to sign there, and ECDSA signatures in the DER form certificates verify.
internal import COpenSSL

extension OpenSSL {
    /// The public part of `key` that a token also reports: the RSA modulus (big-endian, CKA_MODULUS) or the EC point
    /// (uncompressed, CKA_EC_POINT without its DER wrapping).
    static func publicComponent(of key: OpenSSLKey) -> [UInt8]? {
        if kv_ossl_EVP_PKEY_get_base_id(key.pointer) == kv_pkey_rsa() {
            var out = [UInt8](repeating: 0, count: 2048)
            let count = kv_rsa_modulus(key.pointer, &out, Int32(out.count))
            kv_ossl_ERR_clear_error()
            return count > 0 ? Array(out.prefix(Int(count))) : nil
        }
        var encoded: UnsafeMutablePointer<UInt8>?
        let count = kv_ossl_EVP_PKEY_get1_encoded_public_key(key.pointer, &encoded)
        defer { kv_openssl_free(encoded); kv_ossl_ERR_clear_error() }
        guard count > 0, let encoded else { return nil }
        return Array(UnsafeBufferPointer(start: encoded, count: count))
    }

    /// The size in bytes of a shared secret on the curve of `template` when `point` is a valid point on it; nil when
    /// it is not (off the curve, or not an encoded point).
    static func validECPointFieldCount(_ point: [UInt8], curveOf template: OpenSSLKey) -> Int? {
        defer { kv_ossl_ERR_clear_error() }
        guard peerKey(point: point, curveOf: template) != nil else { return nil }
        return (Int(kv_ossl_EVP_PKEY_get_bits(template.pointer)) + 7) / 8
    }

    /// Removes OAEP padding (SHA-256, MGF1-SHA-256, no label) from a raw RSA `block` of the modulus's size; nil when it
    /// is not a valid padding (not this key, or damaged).
    static func removeOAEPSHA256Padding(_ block: SecretBytes) throws -> SecretBytes? {
        try requireLoaded()
        let out = try SecretBytes(zeroedCount: block.count)
        let count = out.withUnsafeMutableBytes { o in
            block.withUnsafeBytes { b in
                kv_rsa_oaep_sha256_unpad(
                    o.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(o.count),
                    b.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(b.count))
            }
        }
        kv_ossl_ERR_clear_error()
        return count >= 0 ? try out.prefix(Int(count)) : nil
    }

    /// SHA-256 of `message`.
    static func sha256(_ message: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        var count: UInt32 = 0
        _ = kv_ossl_EVP_Digest(message, message.count, &digest, &count, kv_sha256(), nil)
        return digest
    }

    /// An ECDSA signature `r ‖ s` (as PKCS#11 returns it) in DER, as ``sign(_:with:)`` makes and ``verify(_:of:certificate:)``
    /// checks; nil when it is not an even-length pair.
    static func ecdsaDER(fromRaw raw: [UInt8]) -> [UInt8]? {
        guard !raw.isEmpty, raw.count % 2 == 0 else { return nil }
        var out: UnsafeMutablePointer<UInt8>?
        let count = kv_ecdsa_raw_to_der(raw, Int32(raw.count / 2), &out)
        defer { kv_openssl_free(out) }
        guard count > 0, let out else { return nil }
        return Array(UnsafeBufferPointer(start: out, count: Int(count)))
    }
}
