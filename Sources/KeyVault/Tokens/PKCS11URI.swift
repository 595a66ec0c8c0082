// RFC 7512 `pkcs11:` URIs naming a private key on a token.

/// A private key on a PKCS#11 token, as an RFC 7512 URI names it: `pkcs11:token=…;object=…;id=%01`.
///
/// Path attributes understood: `token`, `manufacturer`, `model`, `serial` (which token), `object`, `id` (which key),
/// `type` (`private` only), and `slot-id`. The query attribute `module-path` names the module. A PIN is never taken from
/// the URI (`pin-value`, `pin-source`): it would sit in the command line or a shell history.
public struct PKCS11URI: Sendable, Equatable, CustomStringConvertible {
    /// The token's label (`token=`).
    public var token: String?
    /// The token's manufacturer (`manufacturer=`).
    public var manufacturer: String?
    /// The token's model (`model=`).
    public var model: String?
    /// The token's serial number (`serial=`).
    public var serial: String?
    /// The slot number (`slot-id=`).
    public var slotID: UInt?
    /// The key's label (`object=`).
    public var object: String?
    /// The key's CKA_ID (`id=`, percent-encoded bytes).
    public var id: [UInt8]?
    /// The module named in the URI (`?module-path=`).
    public var modulePath: String?
    /// The URI as given.
    public let text: String

    /// Whether `text` is meant as a token URI (starts with `pkcs11:`), rather than a file.
    public static func isTokenURI(_ text: String) -> Bool { text.lowercased().hasPrefix("pkcs11:") }

    /// Parses a `pkcs11:` URI.
    ///
    /// - Throws: ``KeyVaultError/Code-swift.struct/invalidArgument`` for a malformed URI, an attribute this version
    ///   does not know, a PIN in the URI, or a URI that names no key (neither `object` nor `id`).
    public init(parsing text: String) throws {
        self.text = text
        guard Self.isTokenURI(text) else { throw Self.bad(text, "it does not start with pkcs11:") }
        let body = text.dropFirst("pkcs11:".count)
        let parts = body.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = parts[0], query = parts.count > 1 ? parts[1] : ""
        // A PIN in the URI is refused before anything else, so that no other message can echo it: wherever it is
        // written (after the wrong separator, inside another attribute's value, percent-encoded, with '_').
        // Each escape decoded where it is valid (an invalid one elsewhere must not stop the rest being decoded), case,
        // spaces, '-' and '_' folded away: "pinvalue=" or "pinsource=" anywhere is a PIN.
        let folded = String(decoding: PercentEncoding.decodedLeniently(text), as: UTF8.self).lowercased().filter { $0 != " " && $0 != "\t" && $0 != "-" && $0 != "_" }
        if folded.contains("pinvalue=") || folded.contains("pinsource=") {
            throw KeyVaultError.invalidArgument(
                "a PIN is never read from the token URI (pin-value, pin-source): give it on the terminal or from a file, never on the command line")
        }
        var seen = Set<String>()
        for attribute in path.split(separator: ";") + query.split(separator: "&") {
            let pair = attribute.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(pair[0]).lowercased()
            guard pair.count == 2 else { throw Self.bad(text, "attribute '\(name)' has no value") }
            guard seen.insert(name).inserted else { throw Self.bad(text, "attribute '\(name)' is given twice") }
            let bytes = try Self.percentDecoded(pair[1], uri: text)
            guard name == "id" || !bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
                throw Self.bad(text, "attribute '\(name)' holds a control character")
            }
            let value = String(decoding: bytes, as: UTF8.self)
            switch name {
            case "token": token = value
            case "manufacturer": manufacturer = value
            case "model": model = value
            case "serial": serial = value
            case "object": object = value
            case "id": id = bytes
            case "slot-id":
                guard let number = UInt(value) else { throw Self.bad(text, "slot-id must be a number") }
                slotID = number
            case "type":
                guard value == "private" else { throw Self.bad(text, "type=\(value) is not a private key; name the private key (type=private)") }
            case "module-path": modulePath = value
            case "library-manufacturer", "library-description", "library-version", "slot-manufacturer", "slot-description",
                "module-name":
                throw Self.bad(text, "attribute '\(name)' is not supported; name the module file with module-path or the module option")
            default:
                throw Self.bad(text, "attribute '\(name)' is unknown; use token, serial, object, id, slot-id, module-path")
            }
        }
        guard object != nil || id != nil else { throw Self.bad(text, "it names no key: add object=LABEL or id=%XX") }
        if let id, id.isEmpty { throw Self.bad(text, "id is empty") }
    }

    public var description: String { text }

    private static func bad(_ uri: String, _ why: String) -> KeyVaultError {
        KeyVaultError.invalidArgument("token URI '\(String(uri.prefix(200)).printable)' is not usable: \(why)")
    }

    private static func percentDecoded(_ text: Substring, uri: String) throws -> [UInt8] {
        var out: [UInt8] = []
        var bytes = Array(text.utf8)[...]
        while let byte = bytes.popFirst() {
            guard byte == UInt8(ascii: "%") else {
                out.append(byte)
                continue
            }
            guard bytes.count >= 2, let high = PercentEncoding.hexValue(bytes.removeFirst()), let low = PercentEncoding.hexValue(bytes.removeFirst()) else {
                throw bad(uri, "a % is not followed by two hex digits")
            }
            out.append(high << 4 | low)
        }
        return out
    }
}
