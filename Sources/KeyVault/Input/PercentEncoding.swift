// Percent-encoding (`%XX`), as URIs and this user's records of vaults write bytes that must not appear as they are.

enum PercentEncoding {
    /// `text` with each `%` followed by two hex digits decoded, and every other byte (an invalid escape too) kept as it
    /// is: for checks that must see what a stricter reader would decode, whatever else is wrong with the text.
    static func decodedLeniently(_ text: some StringProtocol) -> [UInt8] {
        var out: [UInt8] = []
        var bytes = Array(text.utf8)[...]
        while let byte = bytes.popFirst() {
            if byte == UInt8(ascii: "%"), bytes.count >= 2, let high = hexValue(bytes[bytes.startIndex]),
                let low = hexValue(bytes[bytes.startIndex + 1])
            {
                out.append(high << 4 | low)
                bytes = bytes.dropFirst(2)
            } else {
                out.append(byte)
            }
        }
        return out
    }

    /// The value of one hex digit, either case; nil for anything else.
    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
