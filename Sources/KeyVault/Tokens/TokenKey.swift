// A certificate custodian's private key on a PKCS#11 token: decryption, ECDH and signatures happen on the token.

/// The private key an RFC 7512 URI names on a token, with the public part that matches it to a certificate.
struct TokenKey: CertificatePrivateKey {
    let token: PKCS11Token
    let handle: UInt
    let isRSA: Bool
    /// The RSA modulus or the uncompressed EC point, when the token shows it; nil when it does not (an EC key without
    /// a public-key or certificate object beside it): the key is then matched by a signature it makes.
    let publicComponent: [UInt8]?
    /// Bytes in the RSA modulus (0 for EC).
    let modulusCount: Int

    // PKCS#11 object classes, attributes and key types.
    private static let classCertificate: UInt = 1, classPublicKey: UInt = 2, classPrivateKey: UInt = 3
    private static let attributeValue: UInt = 0x11, attributeKeyType: UInt = 0x100, attributeID: UInt = 0x102
    private static let attributeModulus: UInt = 0x120, attributeECPoint: UInt = 0x181
    private static let keyTypeRSA: UInt = 0, keyTypeEC: UInt = 3

    /// Finds the one private key `uri` names on `token`.
    static func find(_ uri: PKCS11URI, on token: PKCS11Token) throws -> TokenKey {
        let handles = try token.find(classPrivateKey, label: uri.object, id: uri.id)
        let named = [uri.object.map { "object=\($0)" }, uri.id.map { "id=" + $0.map { "%" + Self.hex($0) }.joined() }]
            .compactMap { $0 }.joined(separator: ";").printable
        guard let handle = handles.first else {
            throw KeyVaultError.invalidArgument(
                "token '\(token.label)' has no private key with \(named) (after login; check the URI with pkcs11-tool --list-objects)")
        }
        guard handles.count == 1 else {
            throw KeyVaultError.invalidArgument("\(handles.count) private keys on token '\(token.label)' match \(named); add id= to the URI to name one")
        }
        guard let typeBytes = try token.attribute(handle, attributeKeyType) else {
            throw KeyVaultError(.token, "token '\(token.label)' does not say what type of key \(named) is")
        }
        let keyType = typeBytes.withUnsafeBytes { raw in raw.count == MemoryLayout<UInt>.size ? raw.loadUnaligned(as: UInt.self) : UInt.max }
        switch keyType {
        case keyTypeRSA:
            guard let modulus = try token.attribute(handle, attributeModulus).map(Self.withoutLeadingZeros), !modulus.isEmpty else {
                throw KeyVaultError(.token, "token '\(token.label)' does not show the modulus of RSA key \(named)")
            }
            return TokenKey(token: token, handle: handle, isRSA: true, publicComponent: modulus, modulusCount: modulus.count)
        case keyTypeEC:
            let id = try uri.id ?? token.attribute(handle, attributeID)
            return TokenKey(token: token, handle: handle, isRSA: false, publicComponent: try ecPoint(id: id, label: uri.object, on: token), modulusCount: 0)
        default:
            throw KeyVaultError.invalidArgument("key \(named) on token '\(token.label)' is neither RSA nor EC; a certificate custodian needs one of those")
        }
    }

    /// The EC point of the public key or certificate stored beside the private key (same id, else same label).
    private static func ecPoint(id: [UInt8]?, label: String?, on token: PKCS11Token) throws -> [UInt8]? {
        let searches: [(String?, [UInt8]?)] = [(nil, id.flatMap { $0.isEmpty ? nil : $0 }), (label, nil)].filter { $0.0 != nil || $0.1 != nil }
        for (label, id) in searches {
            if let object = try token.find(classPublicKey, label: label, id: id).first, let point = try token.attribute(object, attributeECPoint) {
                return unwrappedPoint(point)
            }
            if let object = try token.find(classCertificate, label: label, id: id).first, let der = try token.attribute(object, attributeValue),
                let certificate = try? OpenSSL.certificate(from: der, source: "certificate on token '\(token.label)'")
            {
                return OpenSSL.publicComponent(of: certificate.publicKey)
            }
        }
        return nil
    }

    /// CKA_EC_POINT is a DER OCTET STRING holding the point on most tokens, the bare point on a few. An uncompressed
    /// point on P-256, P-384 or P-521 is 65, 97 or 133 bytes.
    private static func unwrappedPoint(_ bytes: [UInt8]) -> [UInt8] {
        let pointCounts: Set<Int> = [65, 97, 133]
        if bytes.count > 2, bytes[0] == 0x04, Int(bytes[1]) == bytes.count - 2, pointCounts.contains(bytes.count - 2) { return Array(bytes[2...]) }
        if bytes.count > 3, bytes[0] == 0x04, bytes[1] == 0x81, Int(bytes[2]) == bytes.count - 3, pointCounts.contains(bytes.count - 3) {
            return Array(bytes[3...])
        }
        return bytes
    }

    private static func withoutLeadingZeros(_ bytes: [UInt8]) -> [UInt8] { Array(bytes.drop { $0 == 0 }) }
    private static func hex(_ byte: UInt8) -> String { String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true) }

    // MARK: CertificatePrivateKey

    func matches(_ certificate: ParsedCertificate) throws -> Bool {
        guard (certificate.algorithm == .rsaOAEPSHA256) == isRSA else { return false }
        if let publicComponent, let theirs = OpenSSL.publicComponent(of: certificate.publicKey) {
            return publicComponent == (isRSA ? Self.withoutLeadingZeros(theirs) : theirs)
        }
        // A key that cannot sign (derive-only, say) is simply not matched this way.
        let probe = Array("keyvault token key match".utf8)
        guard let signature = try? sign(probe) else { return false }
        return OpenSSL.verify(signature, of: probe, certificate: certificate)
    }

    func rsaDecrypt(_ ciphertext: [UInt8], certificate: ParsedCertificate) throws -> SecretBytes? {
        try token.rsaOAEPDecrypt(ciphertext, key: handle, modulusCount: modulusCount)
    }

    func ecdh(point: [UInt8], certificate: ParsedCertificate) throws -> SecretBytes? {
        // The point comes from the vault file: it must be on the certificate's curve before the token sees it (a token
        // that does not check would leak its key, bit by bit, to invalid-curve points), as OpenSSL checks for a PEM key.
        guard let fieldCount = OpenSSL.validECPointFieldCount(point, curveOf: certificate.publicKey) else { return nil }
        guard let shared = try token.ecdh(key: handle, point: point), shared.count == fieldCount else { return nil }
        return shared
    }

    func sign(_ message: [UInt8]) throws -> [UInt8] {
        let signature = try token.sign(digest: OpenSSL.sha256(message), key: handle, rsa: isRSA)
        if isRSA { return signature }
        guard let der = OpenSSL.ecdsaDER(fromRaw: signature) else {
            throw KeyVaultError(.token, "token '\(token.label)' returned an ECDSA signature of \(signature.count) bytes, not r ‖ s")
        }
        return der
    }
}
