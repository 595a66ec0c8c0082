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
        // Built from bytes: `list` prints one per entry, and vaults hold up to a million.
        var out: [UInt8] = []
        out.reserveCapacity(19)
        for (i, b) in bytes.prefix(8).enumerated() {
            if i > 0 && i % 2 == 0 { out.append(0x2D) }
            out.append(hexDigits[Int(b >> 4)])
            out.append(hexDigits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public var description: String { hex }
}

extension Sequence where Element == UInt8 {
    /// Lowercase hex.
    var hexString: String {
        var out: [UInt8] = []
        out.reserveCapacity(underestimatedCount * 2)
        for b in self { out.append(hexDigits[Int(b >> 4)]); out.append(hexDigits[Int(b & 0xF)]) }
        return String(decoding: out, as: UTF8.self)
    }
}

/// `0123456789abcdef` as ASCII bytes.
private let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
