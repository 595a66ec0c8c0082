// The keyed fingerprint that identifies an escrowed key without revealing anything about it.

/// BLAKE2b-256 of the key bytes, keyed with a subkey of the vault key.
///
/// Because the hash is keyed, the fingerprint says nothing about the key to someone without the vault's secret
/// (no dictionary of known keys can be checked against it). It is specific to one vault.
public struct Fingerprint: Hashable, Sendable, CustomStringConvertible {
    /// The 32 digest bytes.
    public let bytes: [UInt8]

    init?(_ bytes: ArraySlice<UInt8>) {
        guard bytes.count == 32 else { return nil }
        self.bytes = Array(bytes)
    }

    /// A fingerprint from 32 bytes already checked.
    init(checked bytes: [UInt8]) { self.bytes = bytes }

    /// All 64 hex digits.
    public var hex: String { bytes.hexString }

    /// The first 16 hex digits in groups of four, for tables: `3f2a-91c0-5be7-0d44`.
    public var short: String {
        let h = Array(hex.prefix(16))
        return stride(from: 0, to: 16, by: 4).map { String(h[$0..<$0 + 4]) }.joined(separator: "-")
    }

    public var description: String { hex }
}

extension Sequence where Element == UInt8 {
    /// Lowercase hex.
    var hexString: String {
        let digits = Array("0123456789abcdef")
        var out = ""
        for b in self { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0xF)]) }
        return out
    }
}
