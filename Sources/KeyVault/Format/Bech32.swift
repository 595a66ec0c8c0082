// Bech32 (BIP 173) text encoding with its checksum, for recipient strings and identities that survive copy and paste.

/// Bech32: `hrp ‖ "1" ‖ data in 5-bit characters ‖ 6-character checksum`. A mistyped character is caught by the
/// checksum (a BCH code: any error in up to 4 characters is detected). The core works on raw buffers so that
/// secret identities can be encoded and decoded inside guarded memory.
enum Bech32 {
    static let charset = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)

    private struct Polymod {
        var chk: UInt32 = 1
        mutating func feed(_ v: UInt8) {
            let generator: [UInt32] = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3]
            let top = chk >> 25
            chk = (chk & 0x1ffffff) << 5 ^ UInt32(v)
            for i in 0..<5 { chk ^= generator[i] & (0 &- ((top >> UInt32(i)) & 1)) }
        }
        mutating func feed(hrp: [UInt8]) {
            for c in hrp { feed(c >> 5) }
            feed(0)
            for c in hrp { feed(c & 31) }
        }
    }

    /// Characters needed for `dataCount` bytes under an hrp of `hrpCount` characters.
    static func encodedCount(hrpCount: Int, dataCount: Int) -> Int { hrpCount + 1 + (dataCount * 8 + 4) / 5 + 6 }

    /// Encodes `data` under the lowercase `hrp` into `out` (exactly ``encodedCount(hrpCount:dataCount:)`` bytes).
    static func encode(hrp: [UInt8], data: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer, uppercase: Bool) {
        precondition(out.count == encodedCount(hrpCount: hrp.count, dataCount: data.count))
        var position = 0
        for c in hrp { out[position] = uppercase && (0x61...0x7A).contains(c) ? c - 32 : c; position += 1 }
        out[position] = 0x31
        position += 1
        var poly = Polymod()
        poly.feed(hrp: hrp)
        var acc = 0, bits = 0
        func emit(_ v: UInt8) {
            poly.feed(v)
            out[position] = v
            position += 1
        }
        for byte in data {
            acc = (acc << 8 | Int(byte)) & 0xFFF
            bits += 8
            while bits >= 5 { bits -= 5; emit(UInt8((acc >> bits) & 31)) }
        }
        if bits > 0 { emit(UInt8((acc << (5 - bits)) & 31)) }
        for _ in 0..<6 { poly.feed(0) }
        let mod = poly.chk ^ 1
        for i in 0..<6 { out[position] = UInt8((mod >> UInt32(5 * (5 - i))) & 31); position += 1 }
        for i in (hrp.count + 1)..<out.count {
            let c = charset[Int(out[i])]
            out[i] = uppercase && c >= 0x61 ? c - 32 : c
        }
    }

    /// Decodes `text` (all lowercase or all uppercase) whose hrp must be `hrp` into `out` (the expected data size).
    static func decode(_ text: UnsafeRawBufferPointer, hrp: [UInt8], into out: UnsafeMutableRawBufferPointer) -> Bech32Error? {
        var hasLower = false, hasUpper = false
        for c in text { if (0x61...0x7A).contains(c) { hasLower = true }; if (0x41...0x5A).contains(c) { hasUpper = true } }
        if hasLower && hasUpper { return .mixedCase }
        func lower(_ c: UInt8) -> UInt8 { (0x41...0x5A).contains(c) ? c + 32 : c }
        guard text.count == encodedCount(hrpCount: hrp.count, dataCount: out.count) else { return .malformed }
        for (i, c) in hrp.enumerated() where lower(text[i]) != c {
            return .wrongPrefix(String(decoding: text.prefix(hrp.count + 1).map(lower), as: UTF8.self))
        }
        guard text[hrp.count] == 0x31 else { return .malformed }
        var poly = Polymod()
        poly.feed(hrp: hrp)
        var acc = 0, bits = 0, written = 0
        let dataEnd = text.count - 6
        for i in (hrp.count + 1)..<text.count {
            guard let v = charset.firstIndex(of: lower(text[i])) else { return .badCharacter(Character(Unicode.Scalar(text[i]))) }
            poly.feed(UInt8(v))
            guard i < dataEnd else { continue }
            acc = (acc << 5 | v) & 0xFFF
            bits += 5
            if bits >= 8 {
                bits -= 8
                if written < out.count { out[written] = UInt8((acc >> bits) & 0xFF) }
                written += 1
            }
        }
        guard poly.chk == 1 else { return .checksum }
        guard written == out.count, bits < 5, acc & ((1 << bits) - 1) == 0 else { return .malformed }
        return nil
    }

    /// Encodes public `data` to a String.
    static func encode(hrp: String, data: [UInt8]) -> String {
        let h = Array(hrp.utf8)
        var out = [UInt8](repeating: 0, count: encodedCount(hrpCount: h.count, dataCount: data.count))
        data.withUnsafeBytes { d in out.withUnsafeMutableBytes { encode(hrp: h, data: d, into: $0, uppercase: false) } }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes public text to `count` bytes.
    static func decode(_ text: String, hrp: String, count: Int) -> Result<[UInt8], Bech32Error> {
        var out = [UInt8](repeating: 0, count: count)
        let bytes = Array(text.utf8)
        let error = bytes.withUnsafeBytes { t in out.withUnsafeMutableBytes { decode(t, hrp: Array(hrp.utf8), into: $0) } }
        return error.map { .failure($0) } ?? .success(out)
    }
}

enum Bech32Error: Error, Equatable {
    case mixedCase, malformed, checksum, badCharacter(Character), wrongPrefix(String)

    var reason: String {
        switch self {
        case .mixedCase: return "it mixes upper and lower case"
        case .malformed: return "it is not complete (wrong length or padding)"
        case .checksum: return "its checksum does not match (a character was mistyped or lost)"
        case .badCharacter(let c): return "it contains '\(c)', which never appears in one"
        case .wrongPrefix(let p): return "it starts '\(p)'"
        }
    }
}
