// X.509 certificates and their keys through OpenSSL 3: parsing, RSA-OAEP-SHA-256, ephemeral ECDH on P-256/P-384.
internal import COpenSSL

/// An `EVP_PKEY*` that frees itself.
final class OpenSSLKey: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { kv_ossl_EVP_PKEY_free(pointer) }

    /// Whether two keys have the same public part.
    func samePublicKey(as other: OpenSSLKey) -> Bool { kv_ossl_EVP_PKEY_eq(pointer, other.pointer) == 1 }
}

/// The algorithm a certificate custodian's slot uses, by the certificate's key.
enum CertificateAlgorithm: UInt8, Sendable {
    case rsaOAEPSHA256 = 1
    case ecdhP256 = 2
    case ecdhP384 = 3

    var name: String {
        switch self {
        case .rsaOAEPSHA256: return "RSA-OAEP-SHA-256"
        case .ecdhP256: return "ECDH P-256"
        case .ecdhP384: return "ECDH P-384"
        }
    }

    /// Encoded ephemeral point length for EC; nil for RSA.
    var pointCount: Int? {
        switch self {
        case .rsaOAEPSHA256: return nil
        case .ecdhP256: return 65
        case .ecdhP384: return 97
        }
    }
}

/// A parsed certificate: DER, public key and what people need to recognise it.
struct ParsedCertificate: @unchecked Sendable {
    let der: [UInt8]
    let publicKey: OpenSSLKey
    let algorithm: CertificateAlgorithm
    let keyDescription: String
    let subject: String
    let sha256: [UInt8]
    let notAfter: Timestamp?
    let isExpired: Bool
}

enum OpenSSL {
    /// The earliest OpenSSL error still queued (the one that started the failure), as text, clearing the queue.
    static func lastError() -> String {
        let code = kv_ossl_ERR_get_error()
        kv_ossl_ERR_clear_error()
        guard code != 0 else { return "unknown OpenSSL error" }
        var buffer = [CChar](repeating: 0, count: 256)
        kv_ossl_ERR_error_string_n(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Parses a PEM (or DER) certificate and checks its key is one keyvault can wrap to.
    static func certificate(from bytes: [UInt8], source: String) throws -> ParsedCertificate {
        try requireLoaded()
        let x509: OpaquePointer? = bytes.withUnsafeBytes { raw -> OpaquePointer? in
            guard let base = raw.baseAddress else { return nil }
            if bytes.starts(with: Array("-----".utf8)) || bytes.contains(0x2D) && String(decoding: bytes.prefix(4096), as: UTF8.self).contains("-----BEGIN CERTIFICATE-----") {
                guard let bio = kv_bio_from_memory(base, Int32(raw.count)) else { return nil }
                defer { kv_ossl_BIO_free(bio) }
                return kv_ossl_PEM_read_bio_X509(bio, nil, nil, nil)
            }
            var p: UnsafePointer<UInt8>? = base.assumingMemoryBound(to: UInt8.self)
            return kv_ossl_d2i_X509(nil, &p, raw.count)
        }
        guard let x509 else {
            kv_ossl_ERR_clear_error()
            throw KeyVaultError.invalidArgument("\(source) is not an X.509 certificate in PEM or DER form")
        }
        defer { kv_ossl_X509_free(x509) }
        return try describe(x509, source: source)
    }

    private static func describe(_ x509: OpaquePointer, source: String) throws -> ParsedCertificate {
        guard let pkey = kv_ossl_X509_get_pubkey(x509) else { throw KeyVaultError.invalidArgument("\(source): the certificate's public key cannot be read (\(lastError()))") }
        let key = OpenSSLKey(pkey)
        let (algorithm, keyDescription) = try classify(key, source: source)

        let derCount = kv_ossl_i2d_X509(x509, nil)
        guard derCount > 0 else { throw KeyVaultError.invalidArgument("\(source): the certificate cannot be encoded (\(lastError()))") }
        var der = [UInt8](repeating: 0, count: Int(derCount))
        der.withUnsafeMutableBufferPointer { buffer in
            var p: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            _ = kv_ossl_i2d_X509(x509, &p)
        }

        var digest = [UInt8](repeating: 0, count: 32)
        var digestCount: UInt32 = 0
        _ = kv_ossl_X509_digest(x509, kv_sha256(), &digest, &digestCount)

        var subject = "(no subject)"
        if let name = kv_ossl_X509_get_subject_name(x509), let bio = kv_ossl_BIO_new(kv_ossl_BIO_s_mem()) {
            defer { kv_ossl_BIO_free(bio) }
            if kv_ossl_X509_NAME_print_ex(bio, name, 0, kv_xn_flag_rfc2253()) >= 0 {
                var text = [UInt8](repeating: 0, count: 1024)
                let n = kv_ossl_BIO_read(bio, &text, Int32(text.count))
                if n > 0 { subject = String(decoding: text[0..<Int(n)], as: UTF8.self) }
            }
        }

        var notAfter: Timestamp?
        var expired = false
        if let end = kv_ossl_X509_get0_notAfter(x509) {
            var parts = tm()
            if kv_ossl_ASN1_TIME_to_tm(end, &parts) == 1 {
                let seconds = timegm(&parts)
                if seconds >= 0 { notAfter = Timestamp(secondsSinceEpoch: UInt64(seconds)) }
            }
            expired = kv_ossl_X509_cmp_current_time(end) < 0
        }
        return ParsedCertificate(
            der: der, publicKey: key, algorithm: algorithm, keyDescription: keyDescription,
            subject: subject, sha256: digest, notAfter: notAfter, isExpired: expired)
    }

    /// The slot algorithm for a key, or a refusal that names the key type.
    static func classify(_ key: OpenSSLKey, source: String) throws -> (CertificateAlgorithm, String) {
        let type = kv_ossl_EVP_PKEY_get_base_id(key.pointer)
        let bits = Int(kv_ossl_EVP_PKEY_get_bits(key.pointer))
        if type == kv_pkey_rsa() {
            guard bits >= 2048 else {
                throw KeyVaultError.invalidArgument("\(source): RSA key of \(bits) bits is too short; keyvault needs RSA of 2048 bits or more, or EC P-256/P-384")
            }
            return (.rsaOAEPSHA256, "RSA \(bits)")
        }
        if type == kv_pkey_ec() {
            var name = [CChar](repeating: 0, count: 64)
            var length = 0
            _ = kv_ossl_EVP_PKEY_get_group_name(key.pointer, &name, name.count, &length)
            let group = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            switch group {
            case "prime256v1", "P-256", "secp256r1": return (.ecdhP256, "EC P-256")
            case "secp384r1", "P-384": return (.ecdhP384, "EC P-384")
            default:
                throw KeyVaultError.invalidArgument("\(source): EC key on curve \(group.isEmpty ? "(unknown)" : group) is not supported; use P-256 or P-384, or RSA of 2048 bits or more")
            }
        }
        let typeName: String
        switch type {
        case kv_pkey_ed25519(): typeName = "Ed25519"
        case kv_pkey_ed448(): typeName = "Ed448"
        case kv_pkey_dsa(): typeName = "DSA"
        case kv_pkey_rsa_pss(): typeName = "RSA-PSS"
        case kv_pkey_x25519(): typeName = "X25519"
        default: typeName = kv_ossl_OBJ_nid2sn(type).map { String(cString: $0) } ?? "this key type"
        }
        throw KeyVaultError.invalidArgument("\(source): \(typeName) keys are not supported for certificate custodians; use RSA of 2048 bits or more, or EC P-256/P-384")
    }

    /// RSA-OAEP with SHA-256 and MGF1-SHA-256, no label.
    static func rsaEncrypt(_ plaintext: SecretBytes, to key: OpenSSLKey) throws -> [UInt8] {
        guard let ctx = kv_ossl_EVP_PKEY_CTX_new(key.pointer, nil) else { throw KeyVaultError(.crypto, "RSA context: \(lastError())") }
        defer { kv_ossl_EVP_PKEY_CTX_free(ctx) }
        guard kv_ossl_EVP_PKEY_encrypt_init(ctx) == 1, kv_ossl_EVP_PKEY_CTX_set_rsa_padding(ctx, kv_rsa_oaep_padding()) == 1,
            kv_ossl_EVP_PKEY_CTX_set_rsa_oaep_md(ctx, kv_sha256()) == 1, kv_ossl_EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, kv_sha256()) == 1
        else {
            throw KeyVaultError(.crypto, "RSA-OAEP setup: \(lastError())")
        }
        var count = 0
        return try plaintext.withUnsafeBytes { p in
            let input = p.baseAddress!.assumingMemoryBound(to: UInt8.self)
            guard kv_ossl_EVP_PKEY_encrypt(ctx, nil, &count, input, p.count) == 1 else { throw KeyVaultError(.crypto, "RSA-OAEP: \(lastError())") }
            var out = [UInt8](repeating: 0, count: count)
            guard kv_ossl_EVP_PKEY_encrypt(ctx, &out, &count, input, p.count) == 1 else { throw KeyVaultError(.crypto, "RSA-OAEP: \(lastError())") }
            return Array(out[0..<count])
        }
    }

    /// RSA-OAEP decryption into guarded memory; nil when it fails (wrong key or damaged).
    static func rsaDecrypt(_ ciphertext: [UInt8], with key: OpenSSLKey) throws -> SecretBytes? {
        guard let ctx = kv_ossl_EVP_PKEY_CTX_new(key.pointer, nil) else { return nil }
        defer { kv_ossl_EVP_PKEY_CTX_free(ctx); kv_ossl_ERR_clear_error() }
        guard kv_ossl_EVP_PKEY_decrypt_init(ctx) == 1, kv_ossl_EVP_PKEY_CTX_set_rsa_padding(ctx, kv_rsa_oaep_padding()) == 1,
            kv_ossl_EVP_PKEY_CTX_set_rsa_oaep_md(ctx, kv_sha256()) == 1, kv_ossl_EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, kv_sha256()) == 1
        else { return nil }
        let out = try SecretBytes(zeroedCount: max(ciphertext.count, 1))
        var count = out.count
        let ok = out.withUnsafeMutableBytes { o in
            kv_ossl_EVP_PKEY_decrypt(ctx, o.baseAddress!.assumingMemoryBound(to: UInt8.self), &count, ciphertext, ciphertext.count) == 1
        }
        return ok ? try out.prefix(count) : nil
    }

    /// Ephemeral ECDH to `peer`: (shared secret, encoded ephemeral public point).
    static func ecdhEphemeral(to peer: OpenSSLKey) throws -> (SecretBytes, [UInt8]) {
        guard let kctx = kv_ossl_EVP_PKEY_CTX_new(peer.pointer, nil) else { throw KeyVaultError(.crypto, "EC context: \(lastError())") }
        defer { kv_ossl_EVP_PKEY_CTX_free(kctx) }
        var ephemeralPointer: OpaquePointer?
        guard kv_ossl_EVP_PKEY_keygen_init(kctx) == 1, kv_ossl_EVP_PKEY_keygen(kctx, &ephemeralPointer) == 1, let ephemeralPointer else {
            throw KeyVaultError(.crypto, "EC key generation: \(lastError())")
        }
        let ephemeral = OpenSSLKey(ephemeralPointer)
        var encoded: UnsafeMutablePointer<UInt8>?
        let encodedCount = kv_ossl_EVP_PKEY_get1_encoded_public_key(ephemeral.pointer, &encoded)
        guard encodedCount > 0, let encoded else { throw KeyVaultError(.crypto, "EC point encoding: \(lastError())") }
        defer { kv_openssl_free(encoded) }
        let point = Array(UnsafeBufferPointer(start: encoded, count: encodedCount))
        guard let shared = try derive(ephemeral, peer) else { throw KeyVaultError(.crypto, "ECDH: \(lastError())") }
        return (shared, point)
    }

    /// ECDH between our private `key` and the encoded `point` on the same curve as `template`; nil when invalid.
    static func ecdh(_ key: OpenSSLKey, point: [UInt8], curveOf template: OpenSSLKey) throws -> SecretBytes? {
        defer { kv_ossl_ERR_clear_error() }
        guard let peer = peerKey(point: point, curveOf: template) else { return nil }
        return try derive(key, peer)
    }

    /// The public key at the encoded `point` on the curve of `template`; nil when the point is not on it (OpenSSL
    /// checks the encoding and the curve equation).
    static func peerKey(point: [UInt8], curveOf template: OpenSSLKey) -> OpenSSLKey? {
        guard let raw = kv_ossl_EVP_PKEY_new() else { return nil }
        let peer = OpenSSLKey(raw)
        guard kv_ossl_EVP_PKEY_copy_parameters(peer.pointer, template.pointer) == 1,
            kv_ossl_EVP_PKEY_set1_encoded_public_key(peer.pointer, point, point.count) == 1
        else { return nil }
        return peer
    }

    private static func derive(_ mine: OpenSSLKey, _ peer: OpenSSLKey) throws -> SecretBytes? {
        guard let ctx = kv_ossl_EVP_PKEY_CTX_new(mine.pointer, nil) else { return nil }
        defer { kv_ossl_EVP_PKEY_CTX_free(ctx) }
        var count = 0
        guard kv_ossl_EVP_PKEY_derive_init(ctx) == 1, kv_ossl_EVP_PKEY_derive_set_peer(ctx, peer.pointer) == 1,
            kv_ossl_EVP_PKEY_derive(ctx, nil, &count) == 1, count > 0, count <= 64
        else { return nil }
        let shared = try SecretBytes(zeroedCount: count)
        let ok = shared.withUnsafeMutableBytes { kv_ossl_EVP_PKEY_derive(ctx, $0.baseAddress!.assumingMemoryBound(to: UInt8.self), &count) == 1 }
        return ok && count == shared.count ? shared : nil
    }

    /// Loads a PEM private key (PKCS#8, traditional, or encrypted with `password`) from guarded memory.
    /// - Returns: the key, or nil when the password is missing or wrong.
    static func privateKey(pem: SecretBytes, password: SecretBytes?) throws -> OpenSSLKey? {
        try requireLoaded()
        _ = secureHeapReady
        // OpenSSL wants the password NUL-terminated: copy it into guarded memory with room for the terminator.
        let terminated: SecretBytes? = try password.map { pw in
            let t = try SecretBytes(zeroedCount: pw.count + 1)
            t.withUnsafeMutableBytes { out in pw.withUnsafeBytes { out.copyMemory(from: $0) } }
            return t
        }
        defer { kv_ossl_ERR_clear_error() }
        return pem.withUnsafeBytes { raw -> OpenSSLKey? in
            guard let bio = kv_bio_from_memory(raw.baseAddress!, Int32(raw.count)) else { return nil }
            defer { kv_ossl_BIO_free(bio) }
            let key: OpaquePointer? =
                if let terminated {
                    terminated.withUnsafeBytes { kv_read_private_key(bio, UnsafeMutableRawPointer(mutating: $0.baseAddress!)) }
                } else {
                    kv_read_private_key(bio, nil)
                }
            return key.map(OpenSSLKey.init)
        }
    }

    /// OpenSSL's secure heap (mlocked, guard pages, cleared on free), set up before the first private key is parsed:
    /// OpenSSL 3 then allocates the private components of RSA and EC keys there (`BN_secure_new`). 1 when it is
    /// ready, 2 when ready but not locked in memory, 0 when it could not be set up (keys then live in the ordinary heap).
    static let secureHeapReady: Int32 = kv_ossl_CRYPTO_secure_malloc_init(1 << 18, 16)

    /// Bytes of OpenSSL's secure heap in use (for tests).
    static var secureHeapUsed: Int { Int(kv_ossl_CRYPTO_secure_used()) }
}

extension OpenSSL {
    /// A signature of `message` with a certificate custodian's private key: RSA-PSS (SHA-256, MGF1-SHA-256, salt of
    /// 32 bytes) for RSA, ECDSA with SHA-256 (DER) for EC.
    static func sign(_ message: [UInt8], with key: OpenSSLKey) throws -> [UInt8] {
        guard let ctx = kv_ossl_EVP_MD_CTX_new() else { throw KeyVaultError(.crypto, "signature context: \(lastError())") }
        defer { kv_ossl_EVP_MD_CTX_free(ctx); kv_ossl_ERR_clear_error() }
        var pctx: OpaquePointer?
        guard kv_ossl_EVP_DigestSignInit(ctx, &pctx, kv_sha256(), nil, key.pointer) == 1 else { throw KeyVaultError(.crypto, "signature setup: \(lastError())") }
        if kv_ossl_EVP_PKEY_get_base_id(key.pointer) == kv_pkey_rsa() {
            guard kv_ossl_EVP_PKEY_CTX_set_rsa_padding(pctx, kv_rsa_pss_padding()) == 1,
                kv_ossl_EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, kv_rsa_pss_saltlen_digest()) == 1
            else {
                throw KeyVaultError(.crypto, "RSA-PSS setup: \(lastError())")
            }
        }
        var count = 0
        guard kv_ossl_EVP_DigestSign(ctx, nil, &count, message, message.count) == 1, count > 0 else { throw KeyVaultError(.crypto, "signature: \(lastError())") }
        var out = [UInt8](repeating: 0, count: count)
        guard kv_ossl_EVP_DigestSign(ctx, &out, &count, message, message.count) == 1 else { throw KeyVaultError(.crypto, "signature: \(lastError())") }
        return Array(out[0..<count])
    }

    /// Whether `signature` is a signature of `message` by the private key of `certificate` (as ``sign(_:with:)`` makes).
    static func verify(_ signature: [UInt8], of message: [UInt8], certificate: ParsedCertificate) -> Bool {
        guard let ctx = kv_ossl_EVP_MD_CTX_new() else { return false }
        defer { kv_ossl_EVP_MD_CTX_free(ctx); kv_ossl_ERR_clear_error() }
        var pctx: OpaquePointer?
        guard kv_ossl_EVP_DigestVerifyInit(ctx, &pctx, kv_sha256(), nil, certificate.publicKey.pointer) == 1 else { return false }
        if certificate.algorithm == .rsaOAEPSHA256 {
            guard kv_ossl_EVP_PKEY_CTX_set_rsa_padding(pctx, kv_rsa_pss_padding()) == 1,
                kv_ossl_EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, kv_rsa_pss_saltlen_digest()) == 1
            else { return false }
        }
        return kv_ossl_EVP_DigestVerify(ctx, signature, signature.count, message, message.count) == 1
    }
}
