// Custodians: the people or keys that can unlock a vault, as named when adding them and as listed afterwards.

/// An X25519 recipient: the public half of a custodian identity from `keyvault keygen`.
///
/// Written as Bech32 text with the prefix `kvr1` and a checksum, e.g. `kvr1q…`, so a mistyped or lost character is
/// caught before anything is sealed.
public struct Recipient: Hashable, Sendable, CustomStringConvertible {
    static let hrp = "kvr"
    /// The X25519 public key.
    public let publicKey: [UInt8]

    init(publicKey: [UInt8]) { self.publicKey = publicKey }

    /// Parses a recipient string.
    ///
    /// - Parameter text: `kvr1…` as printed by `keyvault keygen`.
    /// - Throws: ``KeyVaultError/Code-swift.struct/invalidArgument`` saying what is wrong (checksum, prefix, length).
    public init(parsing text: String) throws {
        let trimmed = text.trimmingASCIIWhitespace
        switch Bech32.decode(trimmed, hrp: Recipient.hrp, count: 32) {
        case .failure(.wrongPrefix(let prefix)):
            throw KeyVaultError.invalidArgument("invalid recipient '\(trimmed.printable)': it starts '\(prefix)', but keyvault recipients start 'kvr1' (a secret identity file is not a recipient)")
        case .failure(let error):
            throw KeyVaultError.invalidArgument("invalid recipient '\(trimmed.printable)': \(error.reason)")
        case .success(let data):
            publicKey = data
        }
    }

    /// The `kvr1…` text.
    public var string: String { Bech32.encode(hrp: Recipient.hrp, data: publicKey) }
    public var description: String { string }

    /// The custodian id: the first 8 hex digits of BLAKE2b-256 of the public key.
    var id: String { String(Hashing.blake2b(publicKey).hexString.prefix(8)) }
}

/// An X.509 certificate named as a custodian; its key must be RSA (2048 bits or more) or EC P-256/P-384.
public struct CertificateCustodian: Sendable {
    let parsed: ParsedCertificate

    /// Reads a PEM (or DER) certificate file and checks its key type.
    ///
    /// - Parameter path: the certificate file.
    /// - Throws: ``KeyVaultError/Code-swift.struct/invalidArgument`` naming the key type when it is not supported,
    ///   or when the file is not a certificate.
    public static func load(fromFile path: String) throws -> CertificateCustodian {
        try about(path: path) {
            let file = try OpenFile.open(path, what: "certificate")
            let size = Int(try file.status(what: "certificate").st_size)
            guard size <= CertificateSlot.maxCertificateCount * 2 + 4096 else {
                throw KeyVaultError.invalidArgument("certificate \(path) is \(size) bytes; that is too large for one certificate")
            }
            return CertificateCustodian(parsed: try OpenSSL.certificate(from: try file.read(count: size, at: 0, what: "certificate"), source: path))

        }
    }

    /// The subject, RFC 2253.
    public var subject: String { parsed.subject }
    /// SHA-256 of the DER certificate, hex.
    public var sha256: String { parsed.sha256.hexString }
    /// When the certificate expires, if it says.
    public var notAfter: Timestamp? { parsed.notAfter }
    /// Whether it has expired. An expired certificate still unlocks: a recovery must not fail on a date.
    public var isExpired: Bool { parsed.isExpired }
    /// "RSA 3072", "EC P-256", …
    public var keyDescription: String { parsed.keyDescription }
}

/// A custodian to add to a vault: a passphrase, an X25519 recipient or an X.509 certificate.
public struct NewCustodian: Sendable {
    let slotRecipient: any SlotRecipient
    /// For an X25519 custodian, its recipient.
    public let x25519Recipient: Recipient?

    /// A passphrase (at most one per vault), with its Argon2id cost.
    public static func passphrase(_ passphrase: SecretBytes, _ kdf: KDFParameters) -> NewCustodian {
        NewCustodian(slotRecipient: PassphraseRecipient(passphrase: passphrase, parameters: kdf), x25519Recipient: nil)
    }

    /// An X25519 recipient.
    public static func recipient(_ recipient: Recipient) -> NewCustodian {
        NewCustodian(slotRecipient: X25519Recipient(publicKey: recipient.publicKey), x25519Recipient: recipient)
    }

    /// An X.509 certificate.
    public static func certificate(_ certificate: CertificateCustodian) -> NewCustodian {
        NewCustodian(slotRecipient: CertificateRecipient(certificate: certificate.parsed), x25519Recipient: nil)
    }
}

/// A custodian as listed from a vault, without any secret.
public struct Custodian: Sendable, Hashable {
    /// The kinds of custodian.
    public enum Kind: String, Sendable {
        case passphrase, x25519, certificate
        /// A slot kind this version does not know.
        case unknown
    }

    /// A short stable id, used by `keyvault custodian remove`: `passphrase`, or 8 hex digits.
    public let id: String
    /// The kind.
    public let kind: Kind
    /// 1-based position among the vault's slots.
    public let slotNumber: Int
    /// For X25519: the `kvr1…` recipient.
    public let recipient: String?
    /// For certificates: the subject.
    public let subject: String?
    /// For certificates: SHA-256 of the DER certificate, hex.
    public let certificateSHA256: String?
    /// For certificates: the key and algorithm, e.g. "RSA 3072, RSA-OAEP-SHA-256".
    public let algorithm: String?
    /// For certificates: when it expires.
    public let notAfter: Timestamp?
    /// For certificates: whether it has expired (it still unlocks).
    public let isExpired: Bool
    /// For passphrases: the Argon2id cost.
    public let kdf: KDFParameters?
    /// For X25519 and certificate custodians: whether the vault holds this custodian's endorsement of its slot
    /// (``KeyVouch``). Present is not checked: checking needs the vault key (and, for X25519, the custodian's secret).
    /// Nil for a passphrase, which needs none.
    public var isEndorsed: Bool? = nil

    /// For certificates: whole days from `now` until the certificate expires (negative once it has), or nil for other
    /// kinds and certificates without a date.
    public func daysUntilExpiry(from now: Timestamp = .now()) -> Int? {
        guard let notAfter else { return nil }
        // In unsigned seconds, so that no pair of times overflows; a day begun counts whole once it has passed.
        let end = notAfter.secondsSinceEpoch, start = now.secondsSinceEpoch
        if end >= start { return Int(clamping: (end - start) / 86_400) }
        let past = start - end
        return -Int(clamping: past / 86_400 + (past % 86_400 == 0 ? 0 : 1))
    }

    /// A line for a person when this custodian's certificate has expired or expires within `days` days; nil otherwise.
    /// It still unlocks after expiry, but a replacement should be in place before then.
    public func expiryWarning(within days: Int, from now: Timestamp = .now()) -> String? {
        guard let left = daysUntilExpiry(from: now), let notAfter, left < days else { return nil }
        let name = "custodian \(id) (\(subject ?? "certificate"))"
        if left < 0 { return "\(name): its certificate expired on \(notAfter.iso8601); it still unlocks, but add its replacement (keyvault custodian add), then remove it" }
        return "\(name): its certificate expires on \(notAfter.iso8601), in \(left) day\(left == 1 ? "" : "s"); add its replacement (keyvault custodian add), then remove it"
    }
}

extension String {
    var trimmingASCIIWhitespace: String {
        let bytes = Array(utf8)
        guard let first = bytes.firstIndex(where: { !($0 == 0x20 || (0x09...0x0D).contains($0)) }) else { return "" }
        let last = bytes.lastIndex(where: { !($0 == 0x20 || (0x09...0x0D).contains($0)) })!
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}
