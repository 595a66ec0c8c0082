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
/// (the hasher is seeded per process besides, so a file cannot aim at a collision).
struct DuplicateEntryCheck {
    /// Two hashes per record, in index order: its first label's, and its whole name's (0 for a name without a domain).
    /// Seeded per process: valid only in this process (a writer's check reuses those of the header it read).
    private(set) var hashes: [UInt64] = []

    init(capacity: Int) {
        hashes.reserveCapacity(2 * capacity)
    }

    /// Notes the record at `location`, the next in index order, hashing it while its bytes are in the cache.
    mutating func add(_ location: RecordLocation, in bytes: [UInt8]) {
        // role ‖ '|' ‖ name in lower case ‖ version: the role has no '|', so no two different keys give one string.
        precondition(location.roleRange.count <= 16 && location.hostRange.count <= 255, "a checked record's role and host")
        var label = Hasher(), whole = Hasher()
        var hasDomain = false
        bytes.withUnsafeBufferPointer { all in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16 + 1 + 255 + 4) { key in
                var n = 0
                for i in location.roleRange { key[n] = all[i]; n += 1 }
                key[n] = 0x7C; n += 1
                let nameStart = n
                var labelEnd = -1
                for i in location.hostRange {
                    let b = all[i]
                    if b == 0x2E && labelEnd < 0 { labelEnd = n }
                    key[n] = (0x41...0x5A).contains(b) ? b | 0x20 : b; n += 1
                }
                hasDomain = labelEnd >= 0
                let version = location.versionRange.lowerBound
                let raw = UnsafeMutableRawBufferPointer(key)
                if hasDomain {
                    for k in 0..<4 { key[n + k] = all[version + k] }
                    whole.combine(bytes: UnsafeRawBufferPointer(rebasing: raw[..<(n + 4)]))
                }
                for k in 0..<4 { key[(hasDomain ? labelEnd : nameStart + location.hostRange.count) + k] = all[version + k] }
                label.combine(bytes: UnsafeRawBufferPointer(rebasing: raw[..<((hasDomain ? labelEnd : n) + 4)]))
            }
        }
        hashes.append(UInt64(bitPattern: Int64(label.finalize())) | 1)
        hashes.append(hasDomain ? UInt64(bitPattern: Int64(whole.finalize())) | 1 : 0)
    }

    /// Notes records whose hashes ``add(_:in:)`` took in this process, in index order (the same records, byte for byte).
    mutating func add(hashes more: [UInt64]) { hashes += more }

    /// The first record, in index order, with the same role and version as an earlier one for a host that names the
    /// same computer, and the first such earlier record: `(earlier, later)` indices of `locations` (every record
    /// ``add(_:in:)`` was given, in order).
    mutating func firstRepeat(in locations: [RecordLocation], bytes: [UInt8]) -> (Int, Int)? {
        precondition(hashes.count == 2 * locations.count)
        // At most three quarters full (16 bytes a slot: 21-43 bytes per key; docs/FORMAT.md, "Limits").
        func slots(_ keys: Int) -> Int {
            var size = 16
            while 3 * size < 4 * keys { size <<= 1 }
            return size
        }
        let withDomain = stride(from: 1, to: hashes.count, by: 2).reduce(0) { $0 + (hashes[$1] != 0 ? 1 : 0) }
        let labelMask = slots(locations.count) - 1, nameMask = withDomain == 0 ? 0 : slots(withDomain) - 1
        // Slot s: [2s] a hash (0: free), [2s + 1] the first record with it and, in the labels' table, the first one
        // without a domain (low 32 bits; all ones: none yet).
        var labels = [UInt64](repeating: 0, count: 2 * (labelMask + 1))
        var names = [UInt64](repeating: 0, count: withDomain == 0 ? 0 : 2 * (nameMask + 1))
        let none: UInt64 = 0xFFFF_FFFF
        var found: (Int, Int)?
        hashes.withUnsafeBufferPointer { hashes in
            labels.withUnsafeMutableBufferPointer { labels in
                names.withUnsafeMutableBufferPointer { names in
                    for j in 0..<locations.count {
                        let label = hashes[2 * j], name = hashes[2 * j + 1], me = locations[j]
                        // A slot holds one key: a hash met with another key's record behind it is probed past, so a
                        // collision costs a comparison, never a search through every earlier record.
                        var s = Int(truncatingIfNeeded: label >> 7) & labelMask
                        while labels[2 * s] != 0
                            && !(labels[2 * s] == label && Self.sameLabel(locations[Int(labels[2 * s + 1] >> 32)], me, bytes))
                        {
                            s = (s + 1) & labelMask
                        }
                        var t = 0
                        if name != 0 {
                            t = Int(truncatingIfNeeded: name >> 7) & nameMask
                            while names[2 * t] != 0 && !(names[2 * t] == name && Self.sameName(locations[Int(names[2 * t + 1])], me, bytes)) {
                                t = (t + 1) & nameMask
                            }
                        }
                        // The first earlier record this one repeats: by its first label (any name when it has no
                        // domain, one without a domain when it has), or by its whole name.
                        var earlier: Int?
                        if labels[2 * s] != 0 {
                            let first = name == 0 ? labels[2 * s + 1] >> 32 : labels[2 * s + 1] & none
                            if first != none { earlier = Int(first) }
                        }
                        if name != 0, names[2 * t] != 0 { earlier = min(earlier ?? Int.max, Int(names[2 * t + 1])) }
                        if let earlier {
                            found = (earlier, j)
                            return
                        }
                        // (A name without a domain that finds its first-label key has repeated the first record of
                        // it, so a slot's first record without a domain is set only when the slot is made.)
                        if labels[2 * s] == 0 {
                            labels[2 * s] = label
                            labels[2 * s + 1] = UInt64(j) << 32 | (name == 0 ? UInt64(j) : none)
                        }
                        if name != 0 {
                            names[2 * t] = name
                            names[2 * t + 1] = UInt64(j)
                        }
                    }
                }
            }
        }
        return found
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
