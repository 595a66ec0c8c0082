// Bounds-checked big-endian reading; every failure is a "damaged" error naming the field and offset.

/// Reads fields from a byte slice, front to back. Never reads or allocates past what is there.
struct ByteReader {
    private let bytes: ArraySlice<UInt8>
    private(set) var offset: Int
    /// Added to offsets in messages, when `bytes` is a piece of a larger file.
    let base: Int

    init(_ bytes: ArraySlice<UInt8>, base: Int = 0) {
        self.bytes = bytes
        self.offset = bytes.startIndex
        self.base = base
    }

    var remaining: Int { bytes.endIndex - offset }
    var isAtEnd: Bool { offset == bytes.endIndex }
    /// Position for messages: from the start of the file.
    var position: Int { base + offset - bytes.startIndex }

    mutating func bytes(_ count: Int, _ field: @autoclosure () -> String) throws -> ArraySlice<UInt8> {
        try need(count, field())
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    /// Steps over `count` bytes without making a slice of them (a replay steps over every index record).
    mutating func skip(_ count: Int, _ field: @autoclosure () -> String) throws {
        try need(count, field())
        offset += count
    }

    mutating func u8(_ field: @autoclosure () -> String) throws -> UInt8 {
        try need(1, field())
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16(_ field: @autoclosure () -> String) throws -> UInt16 {
        try need(2, field())
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func u32(_ field: @autoclosure () -> String) throws -> UInt32 {
        UInt32(try bigEndian(4, field()))
    }

    mutating func u64(_ field: @autoclosure () -> String) throws -> UInt64 {
        try bigEndian(8, field())
    }

    private mutating func bigEndian(_ count: Int, _ field: @autoclosure () -> String) throws -> UInt64 {
        try need(count, field())
        var value: UInt64 = 0
        for i in offset..<(offset + count) { value = value << 8 | UInt64(bytes[i]) }
        offset += count
        return value
    }

    private func need(_ count: Int, _ field: @autoclosure () -> String) throws {
        guard count >= 0, count <= remaining else {
            throw KeyVaultError.damaged("vault damaged: truncated in \(field()) at byte \(position) (needs \(count) bytes, \(remaining) left)")
        }
    }

    func expectEnd(_ structure: @autoclosure () -> String) throws {
        guard isAtEnd else {
            throw KeyVaultError.damaged("vault damaged: \(remaining) unexpected trailing bytes after \(structure()) at byte \(position)")
        }
    }
}

/// Big-endian field writer.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { bytes.append(UInt8(v >> 8)); bytes.append(UInt8(v & 0xFF)) }
    mutating func u32(_ v: UInt32) { for s in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8((v >> UInt32(s)) & 0xFF)) } }
    mutating func u64(_ v: UInt64) { for s in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8((v >> UInt64(s)) & 0xFF)) } }
    mutating func append(_ b: some Sequence<UInt8>) { bytes.append(contentsOf: b) }
    /// The bytes written, the writer left empty: the caller holds the only reference, so changing them copies nothing.
    mutating func take() -> [UInt8] {
        defer { bytes = [] }
        return bytes
    }
    /// Writes `v` over the four bytes at `offset`, already written (a size known only at the end).
    mutating func patch(u32 v: UInt32, at offset: Int) {
        for i in 0..<4 { bytes[offset + i] = UInt8((v >> UInt32(24 - 8 * i)) & 0xFF) }
    }
}
