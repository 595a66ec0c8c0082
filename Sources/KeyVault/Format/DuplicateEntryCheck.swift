// The rule that no two entries of one role and version name the same computer, checked from the index bytes.

/// Finds an entry whose role and version an earlier entry has, for a host that names the same computer: the same name
/// ignoring ASCII case, or the same first label where at most one of the two has a domain (`SM01` and
/// `sm01.corp.example`). One computer has one version series. (The NetBIOS clause of the matching rule is not applied
/// here: vaults written before it may hold a long name and its NetBIOS form as two series, and must keep opening.)
///
/// Linear whatever the names: each record is hashed from its stored bytes during the parser's one pass (no string per
/// entry) — role, first label and version; and, for a name with a domain, role, whole name and version — and the hashes
/// go through two tables in index order. A name without a domain repeats the first earlier record of its first label;
/// a name with one repeats the first earlier record of its first label without a domain, or of its whole name. So many
/// names that share a first label across domains (`sm01.d1.example`, `sm01.d2.example`, …: all different computers)
/// cost a lookup each, not a comparison with every earlier one. A slot holds one key: a hash met is confirmed against
/// the record behind it, and another key's slot is probed past, so even colliding hashes cost comparisons, not searches
/// (the hash is keyed per process besides, ``TableHash``, so a file cannot aim at a collision).
struct DuplicateEntryCheck {
    /// Two hashes per record, in index order: its first label's, and its whole name's (0 for a name without a domain).
    /// Seeded per process: valid only in this process (a writer's check reuses those of the header it read).
    private(set) var hashes: [UInt64] = []

    init(capacity: Int) {
        hashes.reserveCapacity(2 * capacity)
    }

    /// Notes the record at `location`, the next in index order, hashing it while its bytes are in the cache.
    ///
    /// A hash only has to be equal for equal keys (records behind a hash met are compared), so each key is laid out
    /// eight bytes at a time in one buffer and hashed at once (``TableHash``): the version with the role's and the
    /// name's lengths, the role, then the first label (or the whole name) with `A`-`Z` folded to lower case, as the
    /// matching rule folds them and nothing else (``lowercased(_:)``).
    mutating func add(_ location: RecordLocation, in bytes: [UInt8]) {
        // (A host's length is a byte: at most 255.)
        precondition(location.roleCount <= 16, "a checked record's role")
        precondition(Int(location.start) + 5 + Int(location.roleCount) + 3 + Int(location.hostCount) + 3 + 4 <= bytes.count, "a record within the bytes")
        let (label, whole): (UInt64, UInt64?) = bytes.withUnsafeBufferPointer { all in
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 3 + 32) { key in
                let base = all.baseAddress!, limit = base + all.count
                // role (tag, length, value), host (the same), version (the same): fixed distances (RecordLocation).
                let roleCount = Int(location.roleCount), hostCount = Int(location.hostCount)
                let role = base + (Int(location.start) &+ 5), host = role + (roleCount &+ 3), versionAt = host + (hostCount &+ 3)
                let version = UInt64(UInt32(bigEndian: UnsafeRawPointer(versionAt).loadUnaligned(as: UInt32.self)))
                key[1] = Self.word(role, count: min(8, roleCount), limit: limit)
                let first = roleCount > 8 ? 3 : 2
                if roleCount > 8 { key[2] = Self.word(role + 8, count: roleCount &- 8, limit: limit) }
                // The name folded eight bytes a step, noting where its first label ends (the first '.': a zero byte
                // in the word XOR '.'…).
                var labelCount = hostCount, words = first, at = 0
                while at < hostCount {
                    let n = min(8, hostCount &- at)
                    let w = Self.word(host + at, count: n, limit: limit)
                    if labelCount == hostCount {
                        let y = w ^ 0x2E2E_2E2E_2E2E_2E2E
                        let dots = (y &- 0x0101_0101_0101_0101) & ~y & 0x8080_8080_8080_8080 & Self.mask(n)
                        if dots != 0 { labelCount = at &+ dots.trailingZeroBitCount / 8 }
                    }
                    key[words] = Self.lowercased(w)
                    words &+= 1
                    at &+= 8
                }
                key[0] = version | UInt64(roleCount) << 32 | UInt64(hostCount) << 40
                let name = TableHash.hash(UnsafeBufferPointer(start: key.baseAddress!, count: words))
                guard labelCount < hostCount else { return (name, nil) }
                // The first label alone: its words, the last cut to its bytes.
                key[0] = version | UInt64(roleCount) << 32 | UInt64(labelCount) << 40
                words = first &+ (labelCount &+ 7) / 8
                if labelCount % 8 != 0 { key[words &- 1] &= Self.mask(labelCount % 8) }
                return (TableHash.hash(UnsafeBufferPointer(start: key.baseAddress!, count: words)), name)
            }
        }
        hashes.append(label | 1)
        hashes.append(whole.map { $0 | 1 } ?? 0)
    }

    /// The `count` (1-8) bytes at `start` as one word, zeros after them: one load when eight bytes lie before `limit`
    /// (the end of the bytes), as they do for all but a header's last few.
    @inline(__always)
    private static func word(_ start: UnsafePointer<UInt8>, count: Int, limit: UnsafePointer<UInt8>) -> UInt64 {
        if limit - start >= 8 { return UnsafeRawPointer(start).loadUnaligned(as: UInt64.self) & mask(count) }
        var w: UInt64 = 0
        for k in 0..<count { w |= UInt64(start[k]) << UInt64(8 * k) }
        return w
    }

    /// `w` with each byte from `A` to `Z` turned to lower case, and no other byte changed, eight at a time: exactly
    /// the folding of ``HostName/equalIgnoringASCIICase(_:_:)``. (Setting bit 5 of every byte would also merge `^`
    /// with `~` and `@` with `` ` ``, which NetBIOS names may hold: a file could then give 2^15 different names one
    /// hash, whatever the key.)
    @inline(__always)
    static func lowercased(_ w: UInt64) -> UInt64 {
        let low7 = w & 0x7F7F_7F7F_7F7F_7F7F
        // Bit 7 of each byte: set from 0x41 up (+ 0x3F), and from 0x5B up (+ 0x25); both sums stay within the byte.
        let fromA = low7 &+ 0x3F3F_3F3F_3F3F_3F3F, pastZ = low7 &+ 0x2525_2525_2525_2525
        let upper = (fromA ^ pastZ) & ~w & 0x8080_8080_8080_8080
        return w | (upper >> 2)
    }

    /// Ones in the low `count` (1-8) bytes.
    @inline(__always)
    private static func mask(_ count: Int) -> UInt64 { count >= 8 ? ~0 : (1 << UInt64(8 * count)) - 1 }

    /// Notes records whose hashes ``add(_:in:)`` took in this process, in index order (the same records, byte for byte).
    mutating func add(hashes more: [UInt64]) { hashes += more }

    /// The tables of a check that found no repeat: each key's first record, by hash. Kept with a parsed header, so
    /// that a writer's check of the header it is about to write looks its new records up here instead of building
    /// tables for every record again (4 MiB, and every hash, at 100,000 entries).
    struct Table: Sendable {
        /// Slot s: [2s] a hash (0: free), [2s + 1] the first record with it and, in the labels' table, the first one
        /// without a domain (low 32 bits; all ones: none yet).
        fileprivate var labels: [UInt64]
        fileprivate var names: [UInt64]
        fileprivate let labelMask: Int, nameMask: Int
        /// The number of records it was built over: records 0..<count of the index it checked.
        let count: Int

        /// Tables for `keys` label keys and `withDomain` whole-name keys, at most three quarters full (16 bytes a
        /// slot: 21-43 bytes per key; docs/FORMAT.md, "Limits").
        fileprivate init(keys: Int, withDomain: Int, count: Int) {
            func slots(_ keys: Int) -> Int {
                var size = 16
                while 3 * size < 4 * keys { size <<= 1 }
                return size
            }
            labelMask = slots(keys) - 1
            nameMask = withDomain == 0 ? 0 : slots(withDomain) - 1
            labels = [UInt64](repeating: 0, count: 2 * (labelMask + 1))
            names = [UInt64](repeating: 0, count: withDomain == 0 ? 0 : 2 * (nameMask + 1))
            self.count = count
        }
    }

    /// The table built by the last ``firstRepeat(in:bytes:)`` that found no repeat.
    private(set) var table: Table?

    private static let none: UInt64 = 0xFFFF_FFFF

    /// The first record, in index order, with the same role and version as an earlier one for a host that names the
    /// same computer, and the first such earlier record: `(earlier, later)` indices of `locations` (every record
    /// ``add(_:in:)`` was given, in order).
    ///
    /// `checked`: the table of a check of the first `checked.count` of these records, byte for byte, which found no
    /// repeat among them; only the records after them are then entered (in a table of their own), each looked up in
    /// `checked` too. Without it, or when it does not fit, every record is entered; the table is then kept
    /// (``table``) when no repeat is found.
    mutating func firstRepeat(in locations: [RecordLocation], bytes: [UInt8], checked: Table? = nil) -> (Int, Int)? {
        precondition(hashes.count == 2 * locations.count)
        let old = checked.flatMap { $0.count <= locations.count ? $0 : nil }
        let first = old?.count ?? 0
        let withDomain = stride(from: 2 * first + 1, to: hashes.count, by: 2).reduce(0) { $0 + (hashes[$1] != 0 ? 1 : 0) }
        var new = Table(keys: locations.count - first, withDomain: withDomain, count: locations.count)
        let (labelMask, nameMask) = (new.labelMask, new.nameMask)
        var found: (Int, Int)?
        let empty = Table(keys: 0, withDomain: 0, count: 0)
        hashes.withUnsafeBufferPointer { hashes in
            (old ?? empty).labels.withUnsafeBufferPointer { oldLabels in
                (old ?? empty).names.withUnsafeBufferPointer { oldNames in
                    new.labels.withUnsafeMutableBufferPointer { labels in
                        new.names.withUnsafeMutableBufferPointer { names in
                            for j in first..<locations.count {
                                let label = hashes[2 * j], name = hashes[2 * j + 1], me = locations[j]
                                // The first earlier record this one repeats among the checked records, then the others.
                                if let old {
                                    let (_, _, earlier) = Self.lookup(
                                        label, name, me, UnsafeMutableBufferPointer(mutating: oldLabels), old.labelMask,
                                        UnsafeMutableBufferPointer(mutating: oldNames), old.nameMask, locations, bytes)
                                    if let earlier {
                                        found = (earlier, j)
                                        return
                                    }
                                }
                                let (s, t, earlier) = Self.lookup(label, name, me, labels, labelMask, names, nameMask, locations, bytes)
                                if let earlier {
                                    found = (earlier, j)
                                    return
                                }
                                // (A name without a domain that finds its first-label key has repeated the first
                                // record of it, so a slot's first record without a domain is set only when the slot is
                                // made.)
                                if labels[2 * s] == 0 {
                                    labels[2 * s] = label
                                    labels[2 * s + 1] = UInt64(j) << 32 | (name == 0 ? UInt64(j) : Self.none)
                                }
                                if name != 0 {
                                    names[2 * t] = name
                                    names[2 * t + 1] = UInt64(j)
                                }
                            }
                        }
                    }
                }
            }
        }
        if found == nil && old == nil { table = new }
        return found
    }

    /// Where record `me` (hashes `label`, `name`) goes in a pair of tables, and the first earlier record there that
    /// it repeats: by its first label (any name when it has no domain, one without a domain when it has), or by its
    /// whole name. Reads only (the tables are mutable buffers so that one function serves both uses).
    private static func lookup(
        _ label: UInt64, _ name: UInt64, _ me: RecordLocation, _ labels: UnsafeMutableBufferPointer<UInt64>, _ labelMask: Int,
        _ names: UnsafeMutableBufferPointer<UInt64>, _ nameMask: Int, _ locations: [RecordLocation], _ bytes: [UInt8]
    ) -> (Int, Int, Int?) {
        // A slot holds one key: a hash met with another key's record behind it is probed past, so a collision costs a
        // comparison, never a search through every earlier record.
        var s = Int(truncatingIfNeeded: label >> 7) & labelMask
        while labels[2 * s] != 0 && !(labels[2 * s] == label && sameLabel(locations[Int(labels[2 * s + 1] >> 32)], me, bytes)) {
            s = (s + 1) & labelMask
        }
        var t = 0
        let byName = name != 0 && !names.isEmpty
        if byName {
            t = Int(truncatingIfNeeded: name >> 7) & nameMask
            while names[2 * t] != 0 && !(names[2 * t] == name && sameName(locations[Int(names[2 * t + 1])], me, bytes)) {
                t = (t + 1) & nameMask
            }
        }
        var earlier: Int?
        if labels[2 * s] != 0 {
            let first = name == 0 ? labels[2 * s + 1] >> 32 : labels[2 * s + 1] & none
            if first != none { earlier = Int(first) }
        }
        if byName, names[2 * t] != 0 { earlier = min(earlier ?? Int.max, Int(names[2 * t + 1])) }
        return (s, t, earlier)
    }

    /// Whether `a` and `b` have one role, version and first label (ignoring ASCII case): the first-label key.
    private static func sameLabel(_ a: RecordLocation, _ b: RecordLocation, _ bytes: [UInt8]) -> Bool {
        let x = bytes[a.hostRange], y = bytes[b.hostRange]
        return bytes[a.roleRange] == bytes[b.roleRange] && bytes[a.versionRange] == bytes[b.versionRange]
            && HostName.equalIgnoringASCIICase(x.prefix { $0 != 0x2E }, y.prefix { $0 != 0x2E })
    }

    /// Whether `a` and `b` have one role, version and whole name (ignoring ASCII case): the whole-name key.
    private static func sameName(_ a: RecordLocation, _ b: RecordLocation, _ bytes: [UInt8]) -> Bool {
        bytes[a.roleRange] == bytes[b.roleRange] && bytes[a.versionRange] == bytes[b.versionRange]
            && HostName.equalIgnoringASCIICase(bytes[a.hostRange], bytes[b.hostRange])
    }
}
