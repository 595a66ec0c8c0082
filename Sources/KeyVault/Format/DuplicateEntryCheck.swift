// The rule that no two entries of one role and version name the same computer, checked from the index bytes.

/// Finds an entry whose role and version an earlier entry has, for a host that names the same computer: the same name
/// ignoring ASCII case, or the same first label where at most one of the two has a domain (`SM01` and
/// `sm01.corp.example`). One computer has one version series. (The NetBIOS clause of the matching rule is not applied
/// here: vaults written before it may hold a long name and its NetBIOS form as two series, and must keep opening.)
///
/// Role, first label and version are hashed from the stored bytes during the parser's one pass over the records (no
/// string per entry), then the hashes go into a table in index order. A hash seen before is only a hint: the earlier
/// records are then compared byte for byte. The hasher is seeded per process, so a file cannot be made to hit it often.
struct DuplicateEntryCheck {
    /// Open addressing over the hashes themselves (0 marks a free slot), at most half full.
    private var table: [UInt64]
    private var mask: Int
    /// Each record's hash, in index order, until ``firstRepeat(in:bytes:)`` inserts them all.
    private var hashes: [UInt64] = []

    init(capacity: Int) {
        var size = 16
        while size < 2 * capacity { size <<= 1 }
        table = [UInt64](repeating: 0, count: size)
        mask = size - 1
        hashes.reserveCapacity(capacity)
    }

    /// Notes the record at `location`, the next in index order. Hashing is done here, while the record's bytes are
    /// in the cache; the table is filled afterwards in a loop of nothing else, so that its random accesses (a
    /// 100,000-entry index's table is 2 MiB) overlap instead of waiting one at a time.
    mutating func add(_ location: RecordLocation, in bytes: [UInt8]) {
        // role ‖ '|' ‖ first label in lower case ‖ version: the role has no '|', so no two different entries give one key.
        var hasher = Hasher()
        bytes.withUnsafeBufferPointer { all in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16 + 1 + 255 + 4) { key in
                var n = 0
                for i in location.roleRange { key[n] = all[i]; n += 1 }
                key[n] = 0x7C; n += 1
                for i in location.hostRange {
                    let b = all[i]
                    if b == 0x2E { break }
                    key[n] = (0x41...0x5A).contains(b) ? b | 0x20 : b; n += 1
                }
                for i in location.versionRange { key[n] = all[i]; n += 1 }
                hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(key)[..<n]))
            }
        }
        hashes.append(UInt64(bitPattern: Int64(hasher.finalize())) | 1)
    }

    /// The first record, in index order, with the same role and version as an earlier one for a host that names the
    /// same computer, and that earlier record: `(earlier, later)` indices of `locations` (every record ``add(_:in:)``
    /// was given, in order).
    mutating func firstRepeat(in locations: [RecordLocation], bytes: [UInt8]) -> (Int, Int)? {
        precondition(hashes.count == locations.count && 2 * hashes.count <= table.count)
        let mask = self.mask
        var met: Int?
        hashes.withUnsafeBufferPointer { hashes in
            table.withUnsafeMutableBufferPointer { table in
                for (index, hash) in hashes.enumerated() {
                    var slot = Int(truncatingIfNeeded: hash >> 7) & mask
                    var seen = false
                    while table[slot] != 0 {
                        if table[slot] == hash { seen = true; break }
                        slot = (slot + 1) & mask
                    }
                    if seen {
                        // A hash met before is only a hint: the earlier records are compared byte for byte.
                        if DuplicateEntryCheck.earlierEqual(locations, upTo: index, bytes) != nil { met = index; return }
                    } else {
                        table[slot] = hash
                    }
                }
            }
        }
        guard let later = met, let earlier = DuplicateEntryCheck.earlierEqual(locations, upTo: later, bytes) else { return nil }
        return (earlier, later)
    }

    /// The first record before `index` of the same role and version as that one whose host names the same computer,
    /// by the bytes: only when their hashes met.
    private static func earlierEqual(_ locations: [RecordLocation], upTo index: Int, _ bytes: [UInt8]) -> Int? {
        let location = locations[index]
        return locations.indices.prefix(index).first { i in
            let other = locations[i]
            return bytes[other.roleRange] == bytes[location.roleRange] && bytes[other.versionRange] == bytes[location.versionRange]
                && DuplicateEntryCheck.sameComputer(bytes[other.hostRange], bytes[location.hostRange])
        }
    }

    /// The matching rule without its NetBIOS clause, on stored names: equal first labels (ignoring ASCII case) and,
    /// when both have a domain, equal names.
    static func sameComputer(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Bool {
        let aDot = a.firstIndex(of: 0x2E), bDot = b.firstIndex(of: 0x2E)
        guard HostName.equalIgnoringASCIICase(a[..<(aDot ?? a.endIndex)], b[..<(bDot ?? b.endIndex)]) else { return false }
        return aDot == nil || bDot == nil || HostName.equalIgnoringASCIICase(a, b)
    }
}
