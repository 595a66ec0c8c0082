// Computer names: validation, and the case-insensitive short-name/FQDN/NetBIOS-name matching rule.

/// A Windows computer name as recorded for an entry: a DNS name (short or fully qualified) or a NetBIOS name.
///
/// Accepted forms:
/// - a DNS name of at most 253 characters (a trailing dot is ignored), of labels of 1–63 characters from
///   `A–Z a–z 0–9 -`, no label starting or ending with `-`;
/// - a NetBIOS-style single label of 1–15 characters, which may also use `_ ! @ # $ % ^ & ' ( ) { } ~` (but, like
///   a DNS label, neither starts nor ends with `-`).
///
/// Refused, each with a message saying what is wrong: the empty name, spaces, control characters, non-ASCII
/// characters, and any of `\ / : * ? " < > |`.
///
/// Names compare case-insensitively. Two names *match* (``matches(_:)``) when their first labels are equal and,
/// if both carry a domain, their domains are equal too: `SM01` matches `sm01.corp.example`, but
/// `dw01.contoso.com` does not match `dw01.other.example`.
///
/// They also match when one is the NetBIOS form of the other: Windows gives a computer whose name is longer than 15
/// characters a NetBIOS name of its first 15 characters, and tools record either. So a name that is a single label
/// of exactly 15 characters matches a name (short or fully qualified) whose first label is longer than 15
/// characters and begins with those 15: `AVERYVERYVERYLO` matches `averyveryverylongname` and
/// `averyveryverylongname.corp.example`. Nothing else matches by prefix: `SM01` does not match `sm01x`, a
/// 15-character first label with a domain (`averyveryverylo.corp.example`) is a DNS name and follows the first rule
/// only, and `averyveryverylongname` does not match `averyveryverylongnamf`.
public struct HostName: Hashable, Sendable, CustomStringConvertible {
    /// The name as given, minus a trailing dot.
    public let value: String

    /// Validates `text` as a computer name.
    ///
    /// - Parameter text: the name as typed or read from the system.
    /// - Throws: ``KeyVaultError/Code-swift.struct/invalidArgument`` saying what is wrong with it.
    public init(_ text: String) throws {
        if let problem = HostName.problem(in: text) {
            throw KeyVaultError.invalidArgument("invalid host name '\(text.printable)': \(problem)")
        }
        value = text.hasSuffix(".") ? String(text.dropLast()) : text
    }

    /// A name already checked with ``problem(in:)`` and without a trailing dot (parsing a vault checks each once).
    init(validated text: String) { value = text }

    /// Labels, lowercased.
    var labels: [Substring] { value.lowercased().split(separator: ".", omittingEmptySubsequences: false).map { Substring($0) } }

    /// The first label (the short computer name), as given.
    public var shortName: String { String(value.split(separator: ".", maxSplits: 1).first ?? Substring(value)) }

    /// Whether the name carries a domain (has more than one label).
    public var isFullyQualified: Bool { value.contains(".") }

    /// Whether `other` names the same computer under the matching rule described on ``HostName``.
    ///
    /// - Parameter other: the name to compare with.
    /// - Returns: `true` when, ignoring case, the first labels are equal and, where both names carry a domain, the
    ///   domains are equal too; or when one name is a single label of exactly 15 characters and the other's first
    ///   label is longer than 15 characters and begins with it (a NetBIOS name and its DNS name).
    public func matches(_ other: HostName) -> Bool {
        HostName.matches(value.utf8, other.value.utf8)
    }

    /// The length of a NetBIOS name that Windows cuts a longer computer name to.
    static let netBIOSLength = 15

    /// The lowercased first ``netBIOSLength`` characters of the first label: names that match always share it, so it
    /// can key an index of candidates (which ``matches(_:)`` then filters).
    var matchGroup: String { String(shortName.lowercased().prefix(HostName.netBIOSLength)) }

    /// The matching rule without its NetBIOS clause: first labels equal ignoring case and, where both carry a domain,
    /// the whole names equal. What readers of the inventory checked before the NetBIOS clause existed.
    func sameFirstLabelAndDomain(as other: HostName) -> Bool {
        guard shortName.lowercased() == other.shortName.lowercased() else { return false }
        return !(isFullyQualified && other.isFullyQualified) || value.lowercased() == other.value.lowercased()
    }

    /// ``matches(_:)`` on the names' bytes, so that a vault's stored names are compared without building strings.
    static func matches<A: Collection<UInt8>, B: Collection<UInt8>>(_ mine: A, _ theirs: B) -> Bool {
        // Valid names are ASCII, so comparing bytes with ASCII case folding is comparing the lowercased labels,
        // without building them: restores and seals compare against every entry of a vault. Names that match begin
        // with the same character ignoring case (every clause compares from the first byte), so most names are
        // turned away by their first byte alone.
        if let a = mine.first, let b = theirs.first, a | 0x20 != b | 0x20 { return false }
        let myDot = mine.firstIndex(of: 0x2E), theirDot = theirs.firstIndex(of: 0x2E)
        // Both fully qualified: neither is a NetBIOS name, so the whole names must be equal.
        if myDot != nil && theirDot != nil { return HostName.equalIgnoringASCIICase(mine, theirs) }
        let myLabel = mine[..<(myDot ?? mine.endIndex)], theirLabel = theirs[..<(theirDot ?? theirs.endIndex)]
        if HostName.equalIgnoringASCIICase(myLabel, theirLabel) { return true }
        return (myDot == nil && isNetBIOSForm(mine, of: theirLabel)) || (theirDot == nil && isNetBIOSForm(theirs, of: myLabel))
    }

    /// Whether `name`, a single label, is the NetBIOS form of a computer whose first label is `label`: exactly 15
    /// characters, the first 15 of a longer label. A shorter name is a whole name, never a cut one.
    private static func isNetBIOSForm<A: Collection<UInt8>, B: Collection<UInt8>>(_ name: A, of label: B) -> Bool {
        name.count == netBIOSLength && label.count > netBIOSLength
            && equalIgnoringASCIICase(name, label.prefix(netBIOSLength))
    }

    static func equalIgnoringASCIICase<A: Collection<UInt8>, B: Collection<UInt8>>(_ a: A, _ b: B) -> Bool {
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) where x != y {
            let lx = (0x41...0x5A).contains(x) ? x | 0x20 : x, ly = (0x41...0x5A).contains(y) ? y | 0x20 : y
            if lx != ly { return false }
        }
        return true
    }

    public var description: String { value }

    /// Why `text` is not a valid computer name, or nil when it is.
    static func problem(in text: String) -> String? {
        // Vaults hold thousands of names: accept a plain DNS name in one pass over its bytes; anything else (or any
        // problem) goes through the full check below, which alone words the messages.
        if isPlainDNSName(text) { return nil }
        if text.isEmpty { return "it is empty" }
        let bytes = Array(text.utf8)
        for (index, byte) in bytes.enumerated() {
            let position = index + 1
            if byte >= 0x80 { return "it contains a non-ASCII character (at byte \(position)); computer names are ASCII" }
            if byte < 0x20 || byte == 0x7F { return "it contains a control character (at position \(position))" }
            if byte == 0x20 { return "it contains a space (at position \(position))" }
            if let c = forbidden.first(where: { $0 == byte }) {
                return "the character '\(Character(Unicode.Scalar(c)))' (at position \(position)) is not allowed in a computer name"
            }
        }
        let name = text.hasSuffix(".") ? String(text.dropLast()) : text
        if name.isEmpty { return "it is only a dot" }
        if name.utf8.count > 253 { return "it is \(name.utf8.count) characters long; the limit is 253" }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        if labels.count == 1, isNetBIOSName(name) { return nil }
        for label in labels {
            if label.isEmpty { return "it has an empty label (two dots in a row, or a leading dot)" }
            if label.utf8.count > 63 { return "the label '\(label)' is \(label.utf8.count) characters long; the limit is 63" }
            if label.hasPrefix("-") { return "the label '\(label)' starts with '-'" }
            if label.hasSuffix("-") { return "the label '\(label)' ends with '-'" }
            if let bad = label.utf8.first(where: { !isDNSByte($0) }) {
                let c = Character(Unicode.Scalar(bad))
                return labels.count == 1
                    ? "the character '\(c)' is allowed only in a NetBIOS name of at most 15 characters"
                    : "the character '\(c)' is not allowed in a DNS name (use A-Z, a-z, 0-9 and '-')"
            }
        }
        return nil
    }

    /// Whether `text` is a DNS name (optionally with a trailing dot) of at most 253 characters, with labels of 1–63
    /// characters of `A–Z a–z 0–9 -` neither starting nor ending with `-`: names ``problem(in:)`` accepts.
    static func isPlainDNSName(_ text: String) -> Bool { isPlainDNSName(text.utf8) }

    /// ``isPlainDNSName(_:)`` on bytes.
    static func isPlainDNSName<Bytes: BidirectionalCollection<UInt8>>(_ bytes: Bytes) -> Bool {
        let total = bytes.last == 0x2E ? bytes.count - 1 : bytes.count
        guard total >= 1 else { return false }
        return bytes.withContiguousStorageIfAvailable { isPlainDNSName($0.baseAddress!, count: total) }
            ?? Array(bytes).withUnsafeBufferPointer { isPlainDNSName($0.baseAddress!, count: total) }
    }

    /// ``isPlainDNSName(_:)`` on the `count` bytes at `start`, without a trailing dot: one tight pass, as every stored
    /// host name is checked on each open (``RecordLocation/common(in:at:)``).
    static func isPlainDNSName(_ start: UnsafePointer<UInt8>, count: Int) -> Bool {
        guard count >= 1, count <= 253 else { return false }
        var labelStart = 0
        for i in 0..<count {
            let b = start[i]
            if b == 0x2E {
                guard i > labelStart, i - labelStart <= 63, start[i - 1] != 0x2D else { return false }
                labelStart = i + 1
            } else if !isDNSByte(b) {
                return false
            } else if b == 0x2D && i == labelStart {
                return false
            }
        }
        return count > labelStart && count - labelStart <= 63 && start[count - 1] != 0x2D
    }

    private static let forbidden: [UInt8] = Array("\\/:*?\"<>|".utf8)
    private static let netBIOSExtras: [UInt8] = Array("_!@#$%^&'(){}~-".utf8)

    private static func isDNSByte(_ b: UInt8) -> Bool {
        // 0-9, A-Z or a-z (case folded), '-': plain arithmetic, as every stored host name is checked on each open.
        (b &- 0x30) < 10 || ((b | 0x20) &- 0x61) < 26 || b == 0x2D
    }

    private static func isNetBIOSName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        return (1...15).contains(bytes.count) && bytes.first != 0x2D && bytes.last != 0x2D
            && bytes.allSatisfy { isDNSByte($0) || netBIOSExtras.contains($0) }
    }
}

extension String {
    /// The string with control and non-ASCII characters escaped, safe to put in a one-line message.
    var printable: String {
        var out = ""
        for scalar in unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F || scalar.value > 0x7E {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out.count > 80 ? String(out.prefix(77)) + "..." : out
    }
}
