// Names in messages, bounded: a vault may hold a million entries, and a message names at most a few of them.

/// The first few names of a list and how many there are in all, worded `A, B, C and 699,997 more`.
///
/// A message that names what a vault holds must stay one short line however large the vault: only
/// ``shown`` names are kept, and the rest are counted.
struct NameList: CustomStringConvertible {
    /// How many names a message shows.
    static let shown = 3

    /// The names kept, at most ``shown``.
    private(set) var names: [String] = []
    /// How many names there are in all, shown or not.
    private(set) var count = 0
    /// Between the names: `", "`, `"; "`, or `" and "` (which a list that goes on replaces with `", "`, to read
    /// `A, B, C and 4 more`).
    let separator: String

    init(separator: String = ", ") { self.separator = separator }

    /// A list of `names`, which may be long: all are counted, ``shown`` are kept.
    init<Names: Sequence<String>>(_ names: Names, separator: String = ", ") {
        self.init(separator: separator)
        for name in names { append(name) }
    }

    /// The first `names` of a list of `count` names in all.
    init(first names: [String], count: Int, separator: String = ", ") {
        self.init(separator: separator)
        self.names = Array(names.prefix(NameList.shown))
        self.count = max(count, self.names.count)
    }

    /// Counts one more name; `name` is built only while fewer than ``shown`` are kept.
    mutating func append(_ name: @autoclosure () -> String) {
        if names.count < NameList.shown { names.append(name()) }
        count += 1
    }

    var isEmpty: Bool { count == 0 }

    var description: String {
        guard count > names.count else { return names.joined(separator: separator) }
        return "\(names.joined(separator: separator == " and " ? ", " : separator)) and \(NameList.grouped(count - names.count)) more"
    }

    /// `n` with thousands separators: 699998 as `699,998` (the same in every locale, like the rest of a message).
    static func grouped(_ n: Int) -> String {
        let digits = Array(String(n.magnitude))
        var out = n < 0 ? "-" : ""
        for (i, digit) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return out
    }
}

/// Counts distinct names in one pass over a vault's index without keeping them: a table of each name's hash and the
/// position of the first record that has it. When two hashes meet, the caller compares the two records' bytes, so
/// the count is exact; the hasher is seeded per process, so a file cannot make hashes meet often.
///
/// Memory: 8 bytes a slot, 2 to 4 slots a distinct name: 16 MiB for 1,048,576 names (24 MiB while the table grows).
struct DistinctCount {
    /// Open addressing, at most half full: 32 bits of the name's hash, then 1 + the first record's position (so 0
    /// marks a free slot). The slot is chosen by the same 32 bits, so the table can grow without the names.
    private var slots = [UInt64](repeating: 0, count: 16)
    /// How many distinct names were inserted.
    private(set) var count = 0

    /// Adds the name of the record at `position`, whose hash is `hash` (``hash(_:_:foldingCase:)``).
    ///
    /// - Parameters:
    ///   - hash: the name's hash.
    ///   - position: the record's position (below 2^32 - 1), which `same` is later given back.
    ///   - same: whether the record at an earlier position has the same name as this one.
    /// - Returns: true when no earlier record had the same name.
    mutating func insert(_ hash: UInt64, at position: Int, same: (Int) -> Bool) -> Bool {
        let tag = hash >> 32
        var slot = Int(truncatingIfNeeded: tag) & (slots.count - 1)
        while slots[slot] != 0 {
            if slots[slot] >> 32 == tag && same(Int(slots[slot] & 0xFFFF_FFFF) - 1) { return false }
            slot = (slot + 1) & (slots.count - 1)
        }
        slots[slot] = tag << 32 | UInt64(truncatingIfNeeded: position + 1) & 0xFFFF_FFFF
        count += 1
        if 2 * count > slots.count { grow() }
        return true
    }

    private mutating func grow() {
        let old = slots
        slots = [UInt64](repeating: 0, count: old.count * 2)
        for entry in old where entry != 0 {
            var slot = Int(truncatingIfNeeded: entry >> 32) & (slots.count - 1)
            while slots[slot] != 0 { slot = (slot + 1) & (slots.count - 1) }
            slots[slot] = entry
        }
    }

    /// The hash of `prefix ‖ 0xFF ‖ name` (0xFF is in no stored role or host), optionally with ASCII letters in
    /// lower case.
    static func hash(_ prefix: UnsafeBufferPointer<UInt8>, _ name: UnsafeBufferPointer<UInt8>, foldingCase: Bool) -> UInt64 {
        var hasher = Hasher()
        hasher.combine(bytes: UnsafeRawBufferPointer(prefix))
        hasher.combine(UInt8(0xFF))
        if foldingCase {
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: name.count) { folded in
                for i in 0..<name.count { let b = name[i]; folded[i] = b &- 0x41 < 26 ? b | 0x20 : b }
                hasher.combine(bytes: UnsafeRawBufferPointer(folded))
            }
        } else {
            hasher.combine(bytes: UnsafeRawBufferPointer(name))
        }
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }
}
