// Slot kind 3: the payload wrapped to an X.509 certificate's key (docs/FORMAT.md, "Certificate slot").

/// A certificate custodian's slot:
/// `algorithm u8 ‖ cert_len u16 ‖ cert_der ‖ encap_len u16 ‖ encap ‖ nonce[24] ‖ wrapped`.
///
/// - algorithm 1 (RSA-OAEP-SHA-256): encap = RSA-OAEP(SHA-256, MGF1-SHA-256, no label) of a random 32-byte KEK.
/// - algorithm 2/3 (ECDH P-256/P-384): encap = the ephemeral public point, uncompressed; KEK = BLAKE2b-256 keyed
///   with the ECDH shared secret (the x-coordinate) over `"keyvault ecdh slot" ‖ encap ‖ SHA-256(cert_der)`.
struct CertificateSlot: Sendable {
    static let kind: UInt8 = 3
    static let label = Array("keyvault ecdh slot".utf8)
    static let maxCertificateCount = 16 * 1024

    let algorithm: CertificateAlgorithm
    let certificate: [UInt8]
    let encapsulation: [UInt8]
    let nonce: [UInt8]
    let wrapped: [UInt8]

    private var parameterBytes: [UInt8] {
        var w = ByteWriter(capacity: 5 + certificate.count + encapsulation.count + 24)
        w.u8(algorithm.rawValue)
        w.u16(UInt16(certificate.count))
        w.append(certificate)
        w.u16(UInt16(encapsulation.count))
        w.append(encapsulation)
        w.append(nonce)
        return w.bytes
    }

    var body: [UInt8] { parameterBytes + wrapped }

    private static func ecKEK(shared: SecretBytes, encapsulation: [UInt8], certificateHash: [UInt8]) throws -> SecretBytes {
        try Hashing.blake2bSecret(label + encapsulation + certificateHash, key: shared)
    }

    static func make(payload: SecretBytes, certificate: ParsedCertificate, context: SlotContext) throws -> CertificateSlot {
        let kek: SecretBytes, encapsulation: [UInt8]
        switch certificate.algorithm {
        case .rsaOAEPSHA256:
            kek = try SecretBytes.random(count: 32)
            encapsulation = try OpenSSL.rsaEncrypt(kek, to: certificate.publicKey)
        case .ecdhP256, .ecdhP384:
            let (shared, point) = try OpenSSL.ecdhEphemeral(to: certificate.publicKey)
            encapsulation = point
            kek = try ecKEK(shared: shared, encapsulation: point, certificateHash: certificate.sha256)
        }
        let unsealed = CertificateSlot(
            algorithm: certificate.algorithm, certificate: certificate.der, encapsulation: encapsulation,
            nonce: AEAD.randomNonce(), wrapped: [])
        let params = unsealed.parameterBytes
        let ad = context.associatedData(kind: kind, bodyCount: params.count + context.wrappedCount, parameters: params)
        return CertificateSlot(
            algorithm: unsealed.algorithm, certificate: unsealed.certificate, encapsulation: encapsulation,
            nonce: unsealed.nonce, wrapped: AEAD.seal(payload, key: kek, nonce: unsealed.nonce, associatedData: ad))
    }

    /// The payload, or nil when `key` is not this certificate's private key.
    func unwrap(privateKey key: any CertificatePrivateKey, certificate parsed: ParsedCertificate, context: SlotContext) throws -> SecretBytes? {
        guard try key.matches(parsed) else { return nil }
        let kek: SecretBytes
        switch algorithm {
        case .rsaOAEPSHA256:
            guard let k = try key.rsaDecrypt(encapsulation, certificate: parsed), k.count == 32 else { return nil }
            kek = k
        case .ecdhP256, .ecdhP384:
            guard let shared = try key.ecdh(point: encapsulation, certificate: parsed) else { return nil }
            kek = try Self.ecKEK(shared: shared, encapsulation: encapsulation, certificateHash: parsed.sha256)
        }
        let params = parameterBytes
        let ad = context.associatedData(kind: Self.kind, bodyCount: params.count + wrapped.count, parameters: params)
        guard let payload = try AEAD.open(wrapped, key: kek, nonce: nonce, associatedData: ad), payload.count == context.payloadCount else { return nil }
        return payload
    }

    /// The certificate, parsed (and its key type checked) again.
    func parsedCertificate() throws -> ParsedCertificate {
        try OpenSSL.certificate(from: certificate, source: "certificate in the vault")
    }

    static func parse(_ body: ArraySlice<UInt8>, at position: Int, context: SlotContext) throws -> CertificateSlot {
        var r = ByteReader(body, base: position)
        let rawAlgorithm = try r.u8("certificate slot algorithm")
        guard let algorithm = CertificateAlgorithm(rawValue: rawAlgorithm) else {
            throw KeyVaultError(.unsupportedVersion, "vault uses certificate algorithm \(rawAlgorithm), which this keyvault does not know; upgrade keyvault")
        }
        let certCount = Int(try r.u16("certificate length"))
        guard (1...maxCertificateCount).contains(certCount) else {
            throw KeyVaultError.damaged("vault damaged: certificate slot at byte \(position) claims a \(certCount)-byte certificate")
        }
        let cert = Array(try r.bytes(certCount, "certificate"))
        let encapCount = Int(try r.u16("certificate slot encapsulation length"))
        if let point = algorithm.pointCount, encapCount != point {
            throw KeyVaultError.damaged("vault damaged: certificate slot at byte \(position) has a \(encapCount)-byte EC point, expected \(point)")
        }
        guard (1...1024).contains(encapCount) else {
            throw KeyVaultError.damaged("vault damaged: certificate slot at byte \(position) has a \(encapCount)-byte encapsulated key")
        }
        let encap = Array(try r.bytes(encapCount, "certificate slot encapsulated key"))
        let nonce = Array(try r.bytes(24, "certificate slot nonce"))
        let wrapped = Array(try r.bytes(context.wrappedCount, "certificate slot wrapped key"))
        try r.expectEnd("certificate slot")
        return CertificateSlot(algorithm: algorithm, certificate: cert, encapsulation: encap, nonce: nonce, wrapped: wrapped)
    }
}
