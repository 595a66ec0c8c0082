// The bytes one write changed in a vault file: what a database keeps for each write after the first.
#if canImport(Glibc)
    @preconcurrency import Glibc  // memcmp
#endif

/// The ranges of a file that one write changed, and the file's size after it: applied to the bytes before, it gives
/// the bytes after. Encoded (docs/DATABASE.md) as `size u64`, then for each range `offset u64 ‖ count u32 ‖ bytes`, big-endian.
struct FilePatch: Equatable {
    /// The largest vault file a database keeps (1 GiB): a row that claims more is refused before anything is allocated.
    static let maxSize = 1 << 30

    var size: Int
    var ranges: [(offset: Int, bytes: [UInt8])]

    static func == (a: FilePatch, b: FilePatch) -> Bool {
        a.size == b.size && a.ranges.count == b.ranges.count && zip(a.ranges, b.ranges).allSatisfy { $0.offset == $1.offset && $0.bytes == $1.bytes }
    }

    /// The changes from `old` to `new`: runs of differing bytes, two runs closer than 64 bytes joined into one.
    init(from old: [UInt8], to new: [UInt8]) {
        size = new.count
        ranges = []
        var start: Int?
        var lastDifferent = -1
        let common = min(old.count, new.count)
        old.withUnsafeBufferPointer { a in
            new.withUnsafeBufferPointer { b in
                var i = 0
                while i < common {
                    // Equal 4 KiB blocks are skipped whole (a vault of 150 MiB compares in milliseconds), then equal
                    // 8-byte words eight at a time.
                    if start == nil, i + 4096 <= common, memcmp(a.baseAddress! + i, b.baseAddress! + i, 4096) == 0 {
                        i += 4096
                        continue
                    }
                    if start == nil, i + 8 <= common,
                        UnsafeRawPointer(a.baseAddress! + i).loadUnaligned(as: UInt64.self) == UnsafeRawPointer(b.baseAddress! + i).loadUnaligned(as: UInt64.self)
                    {
                        i += 8
                        continue
                    }
                    if a[i] != b[i] {
                        if start == nil { start = i }
                        lastDifferent = i
                    } else if let s = start, i - lastDifferent >= 64 {
                        ranges.append((s, Array(b[s...lastDifferent])))
                        start = nil
                    }
                    i += 1
                }
            }
        }
        if let s = start { ranges.append((s, Array(new[s...lastDifferent]))) }
        if new.count > old.count {
            // Growth: one range to the end, joined to the last one when it ends within 64 bytes.
            if let last = ranges.last, old.count - (last.offset + last.bytes.count) < 64 {
                ranges[ranges.count - 1] = (last.offset, Array(new[last.offset...]))
            } else {
                ranges.append((old.count, Array(new[old.count...])))
            }
        }
    }

    init(size: Int, ranges: [(offset: Int, bytes: [UInt8])]) {
        self.size = size
        self.ranges = ranges
    }

    /// How many bytes the changed ranges hold.
    var changedCount: Int { ranges.reduce(0) { $0 + $1.bytes.count } }

    var encoded: [UInt8] {
        var w = ByteWriter(capacity: 8 + changedCount + 12 * ranges.count)
        w.u64(UInt64(size))
        for range in ranges {
            w.u64(UInt64(range.offset))
            w.u32(UInt32(range.bytes.count))
            w.append(range.bytes)
        }
        return w.bytes
    }

    /// Parses an encoded patch; nil when it is malformed (a range past its size, out of order or overlapping).
    init?(decoding bytes: [UInt8]) {
        var reader = ByteReader(bytes[...])
        guard let size = try? reader.u64("size"), size <= UInt64(FilePatch.maxSize) else { return nil }
        self.size = Int(size)
        ranges = []
        var end = 0
        while !reader.isAtEnd {
            guard let offset = try? reader.u64("offset"), let count = try? reader.u32("count"), UInt64(count) <= UInt64(reader.remaining), let body = try? reader.bytes(Int(count), "bytes"),
                offset <= size, UInt64(count) <= size - offset, Int(offset) >= end, count > 0
            else { return nil }
            ranges.append((Int(offset), Array(body)))
            end = Int(offset) + Int(count)
        }
    }

    /// `file` changed by this patch.
    func apply(to file: inout [UInt8]) {
        if file.count > size { file.removeLast(file.count - size) } else if file.count < size { file.appendZeros(size - file.count) }
        file.withUnsafeMutableBytes { target in
            for range in ranges {
                range.bytes.withUnsafeBytes { target.baseAddress!.advanced(by: range.offset).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            }
        }
    }
}
