// The certificate custodian (slot kind 3): an X.509 certificate (RSA or EC), opened with its private key.

/// A certificate to wrap to.
struct CertificateRecipient: SlotRecipient {
    let certificate: ParsedCertificate

    var sameness: String { "cert:" + certificate.sha256.hexString }

    func wrap(_ payload: SecretBytes, context: SlotContext) throws -> SlotRecord {
        try CertificateSlot.make(payload: payload, certificate: certificate, context: context).record
    }
}

/// A certificate's private key: in a PEM file (``OpenSSLKey``) or on a PKCS#11 token (``TokenKey``).
protocol CertificatePrivateKey: Sendable {
    /// Whether this is the private key of `certificate`.
    func matches(_ certificate: ParsedCertificate) throws -> Bool
    /// RSA-OAEP-SHA-256 decryption; nil when it fails (another key, or damage).
    func rsaDecrypt(_ ciphertext: [UInt8], certificate: ParsedCertificate) throws -> SecretBytes?
    /// ECDH with the encoded `point` on the certificate's curve: the shared x-coordinate; nil for an invalid point.
    func ecdh(point: [UInt8], certificate: ParsedCertificate) throws -> SecretBytes?
    /// RSA-PSS-SHA-256 or ECDSA-SHA-256 (DER) of `message`, as ``OpenSSL/verify(_:of:certificate:)`` checks.
    func sign(_ message: [UInt8]) throws -> [UInt8]
}

extension OpenSSLKey: CertificatePrivateKey {
    func matches(_ certificate: ParsedCertificate) -> Bool { samePublicKey(as: certificate.publicKey) }
    func rsaDecrypt(_ ciphertext: [UInt8], certificate: ParsedCertificate) throws -> SecretBytes? {
        try OpenSSL.rsaDecrypt(ciphertext, with: self)
    }
    func ecdh(point: [UInt8], certificate: ParsedCertificate) throws -> SecretBytes? {
        try OpenSSL.ecdh(self, point: point, curveOf: certificate.publicKey)
    }
    func sign(_ message: [UInt8]) throws -> [UInt8] { try OpenSSL.sign(message, with: self) }
}

/// A certificate's private key, wherever it is kept.
struct PrivateKeyIdentity: SlotIdentity {
    let key: any CertificatePrivateKey

    func open(_ slot: any CustodianSlot, context: SlotContext) throws -> SlotOpening? {
        guard let slot = slot as? CertificateSlot, let parsed = try? slot.parsedCertificate(),
            let payload = try slot.unwrap(privateKey: key, certificate: parsed, context: context)
        else { return nil }
        var opening = SlotOpening(payload: payload, endorser: signer(checkedAgainst: parsed))
        if parsed.isExpired {
            opening.warning =
                "warning: the certificate of custodian \(parsed.subject) expired on \(parsed.notAfter?.iso8601 ?? "an unknown date"); it still unlocks, but replace it (keyvault custodian add, then remove)"
        }
        return opening
    }

    func endorser(for recipient: any SlotRecipient) throws -> Endorser? {
        guard let recipient = recipient as? CertificateRecipient, try key.matches(recipient.certificate) else { return nil }
        return signer(checkedAgainst: recipient.certificate)
    }

    /// Endorses with a signature (RSA-PSS-SHA-256 or ECDSA-SHA-256) that anyone can check against the certificate,
    /// checked before it is used: a key on a token is matched to its certificate through objects stored beside it,
    /// and an endorsement by another key would contradict the vault's own key for every later reader.
    private func signer(checkedAgainst certificate: ParsedCertificate) -> Endorser {
        let key = self.key
        return Endorser { message in
            let proof = try key.sign(message)
            guard OpenSSL.verify(proof, of: message, certificate: certificate) else {
                throw KeyVaultError(.token, "the private key given for \(certificate.subject) made a signature its certificate does not verify; it is not that certificate's key")
            }
            return proof
        }
    }
}

extension CertificateSlot: CustodianSlot {
    func custodian(slotNumber: Int) -> Custodian {
        let parsed = try? parsedCertificate()
        let hash = parsed?.sha256.hexString ?? Hashing.blake2b(certificate).hexString
        return Custodian(
            id: String(hash.prefix(8)), kind: .certificate, slotNumber: slotNumber, recipient: nil,
            subject: parsed?.subject ?? "(unreadable certificate)", certificateSHA256: hash,
            algorithm: parsed.map { "\($0.keyDescription), \(algorithm.name)" } ?? algorithm.name,
            notAfter: parsed?.notAfter, isExpired: parsed?.isExpired ?? false, kdf: nil)
    }

    var sameness: String {
        (try? parsedCertificate()).map { CertificateRecipient(certificate: $0).sameness } ?? "cert:" + Hashing.blake2b(certificate).hexString
    }

    func recipient(rewrapping credentials: Credentials, verified: Bool, context: SlotContext) throws -> any SlotRecipient {
        CertificateRecipient(certificate: try parsedCertificate())
    }

    func checkEndorsement(_ proof: [UInt8], of message: [UInt8]) -> Bool? {
        guard let parsed = try? parsedCertificate() else { return false }
        return OpenSSL.verify(proof, of: message, certificate: parsed)
    }
}
