// Where a checked index record sits in the header, and the one-pass check of the common record.

/// Where a checked index record sits in the header's bytes (12 bytes per entry, instead of a built ``Entry``).
/// The required metadata fields come first, in tag order (docs/FORMAT.md, "Entry metadata"), so the role, host,
/// version and fingerprint are at fixed distances given the role and host lengths.
struct RecordLocation: Sendable {
    /// Offset of `meta_len` in the header.
    let start: UInt32
    let metaCount: UInt16
    let roleCount: UInt8
    let hostCount: UInt8
    /// The key's size in bytes (the `05` field).
    let size: UInt32

    var metadataRange: Range<Int> { (Int(start) + 2)..<(Int(start) + 2 + Int(metaCount)) }
    var nonceRange: Range<Int> { metadataRange.upperBound..<(metadataRange.upperBound + AEAD.nonceCount) }
    /// Bytes of the whole record in the header.
    var recordCount: Int { 2 + Int(metaCount) + AEAD.nonceCount }
    var roleRange: Range<Int> { let s = metadataRange.lowerBound + 3; return s..<(s + Int(roleCount)) }
    var hostRange: Range<Int> { let s = roleRange.upperBound + 3; return s..<(s + Int(hostCount)) }
    /// The 4-byte version's value, after the host field.
    var versionRange: Range<Int> { let s = hostRange.upperBound + 3; return s..<(s + 4) }
    /// version (3 + 4), created-at (3 + 8), size (3 + 4), then the fingerprint's tag and length.
    var fingerprintRange: Range<Int> { let s = versionRange.upperBound + 11 + 7 + 3; return s..<(s + 32) }
    /// Bytes of the sealed key in the ciphertext area: size + 16.
    var ciphertextCount: Int { Int(size) + AEAD.tagCount }

    /// Reads the record at `start` of `header` when it is of the common kind, valid without question: every field
    /// this version knows, hosts that are plain DNS names, labels and file names of printable ASCII. Anything else
    /// (including every damaged record) gives nil, and the record then goes through ``IndexRecord/locate(_:index:)``,
    /// which accepts exactly what this accepts and more, and words the errors. One pass over raw bytes, because a
    /// vault's whole index is checked on every open: the one reader of metadata besides ``TLVReader``, held to it by
    /// `IndexFastPathTests` (whatever this accepts, the full check accepts at the same place).
    static func common(in header: UnsafeBufferPointer<UInt8>, at start: Int) -> RecordLocation? {
        let end = header.count
        guard start + 2 <= end else { return nil }
        let metaCount = Int(header[start]) << 8 | Int(header[start + 1])
        let metaStart = start + 2, metaEnd = metaStart + metaCount
        guard metaCount <= FormatV1.maxMetadataCount, metaEnd + AEAD.nonceCount <= end else { return nil }
        guard let base = header.baseAddress else { return nil }
        // Tags rise and 01-06 are required, so a valid record begins with them, in order: read at their places, the
        // last four of fixed length as one 60-byte block (`03 0004` version, `04 0008` created-at, `05 0004` size,
        // `06 0020` fingerprint); then the loop below reads what follows (label, file name, informational fields).
        var i = metaStart
        guard i + 3 <= metaEnd, base[i] == 0x01, base[i + 1] == 0 else { return nil }
        let roleCount = Int(base[i + 2])
        guard (1...16).contains(roleCount), i + 3 + roleCount + 3 <= metaEnd else { return nil }
        for k in 0..<roleCount {
            let b = base[i + 3 + k]
            guard (b &- 0x61) < 26 || (b &- 0x30) < 10 else { return nil }
        }
        i += 3 + roleCount
        guard base[i] == 0x02 else { return nil }
        let hostCount = Int(base[i + 1]) << 8 | Int(base[i + 2])
        let host = i + 3
        guard host + hostCount + 60 <= metaEnd else { return nil }
        guard hostCount > 0, base[host + hostCount - 1] != 0x2E, HostName.isPlainDNSName(base + host, count: hostCount) else { return nil }
        i = host + hostCount
        func field(_ at: Int, _ tag: UInt8, _ length: UInt8) -> Bool { base[i + at] == tag && base[i + at + 1] == 0 && base[i + at + 2] == length }
        func u32(_ at: Int) -> UInt32 { UInt32(bigEndian: UnsafeRawPointer(base + i + at).loadUnaligned(as: UInt32.self)) }
        guard field(0, 0x03, 4), u32(3) >= 1, field(7, 0x04, 8), field(18, 0x05, 4), field(25, 0x06, 32) else { return nil }
        let size = u32(21)
        guard (1...FormatV1.maxKeySize).contains(size) else { return nil }
        i += 60
        var lastTag = 0x06
        while i < metaEnd {
            guard i + 3 <= metaEnd else { return nil }
            let tag = Int(base[i]), length = Int(base[i + 1]) << 8 | Int(base[i + 2])
            let v = i + 3, vEnd = v + length
            guard tag > lastTag, vEnd <= metaEnd else { return nil }
            lastTag = tag
            let value = UnsafeBufferPointer(start: base + v, count: length)
            switch tag {
            // Printable ASCII: 0x20 to 0x7E.
            case 0x07: guard (1...FormatV1.maxLabelBytes).contains(length), isPrintable(value, allowingSlash: true) else { return nil }
            case 0x08:
                guard (1...FormatV1.maxFileNameBytes).contains(length), isPrintable(value, allowingSlash: false) else { return nil }
            case 0x80...: break
            default: return nil
            }
            i = vEnd
        }
        return RecordLocation(
            start: UInt32(start), metaCount: UInt16(metaCount), roleCount: UInt8(roleCount),
            hostCount: UInt8(hostCount), size: size)
    }

    /// Whether every byte of `value` is printable ASCII (0x20-0x7E), and none is `/` unless `allowingSlash`: eight
    /// bytes a step, as labels and file names are most of an index's bytes.
    static func isPrintable(_ value: UnsafeBufferPointer<UInt8>, allowingSlash: Bool) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let raw = UnsafeRawBufferPointer(value)
        var i = 0
        while i + 8 <= raw.count {
            let x = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            // Some byte below 0x20: (x - 0x20…) & ~x & 0x80… is non-zero exactly then; some byte above 0x7E:
            // ((x + 0x01…) | x) & 0x80…; some byte equal to '/': a zero byte in x ^ 0x2F….
            var bad = ((x &- ones &* 0x20) & ~x | ((x &+ ones) | x)) & highs
            if !allowingSlash {
                let y = x ^ (ones &* 0x2F)
                bad |= (y &- ones) & ~y & highs
            }
            guard bad == 0 else { return false }
            i += 8
        }
        while i < raw.count {
            let b = raw[i]
            guard (b &- 0x20) < 0x5F, allowingSlash || b != 0x2F else { return false }
            i += 1
        }
        return true
    }
}
