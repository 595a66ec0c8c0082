// The rule that no two entries of one role and version name the same computer, checked from the index bytes.

/// Finds an entry whose role and version an earlier entry has, for a host that names the same computer: the same name
/// ignoring ASCII case, or the same first label where at most one of the two has a domain (`SM01` and
/// `sm01.corp.example`). One computer has one version series. (The NetBIOS clause of the matching rule is not applied
/// here: vaults written before it may hold a long name and its NetBIOS form as two series, and must keep opening.)
///
/// One pass over the records, hashing role, first label and version from the stored bytes instead of building a
/// string per entry. A hash seen before is only a hint: the earlier records are then compared byte for byte. The hasher
/// is seeded per process, so a file cannot be made to hit it often.
struct DuplicateEntryCheck {
    /// Open addressing over the hashes themselves (0 marks a free slot), at most half full.
    private var table: [UInt64]
    private var mask: Int
    private var count = 0

    init(capacity: Int) {
        var size = 16
        while size < 2 * capacity { size <<= 1 }
        table = [UInt64](repeating: 0, count: size)
        mask = size - 1
    }

    /// Adds the last of `locations`; returns the index of an earlier record with the same role and version for a host
    /// that names the same computer.
    mutating func insertLast(of locations: [RecordLocation], in bytes: [UInt8]) -> Int? {
        let location = locations[locations.count - 1]
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
        let hash = UInt64(bitPattern: Int64(hasher.finalize())) | 1
        if 2 * (count + 1) > table.count { grow() }
        var slot = Int(truncatingIfNeeded: hash >> 7) & mask
        while table[slot] != 0 {
            if table[slot] == hash { return earlierEqual(locations, bytes) }
            slot = (slot + 1) & mask
        }
        table[slot] = hash
        count += 1
        return nil
    }

    private mutating func grow() {
        let old = table
        table = [UInt64](repeating: 0, count: old.count * 2)
        mask = table.count - 1
        for hash in old where hash != 0 {
            var slot = Int(truncatingIfNeeded: hash >> 7) & mask
            while table[slot] != 0 { slot = (slot + 1) & mask }
            table[slot] = hash
        }
    }

    /// The first earlier record of the same role and version as the last one whose host names the same computer, by
    /// the bytes: only when their hashes met.
    private func earlierEqual(_ locations: [RecordLocation], _ bytes: [UInt8]) -> Int? {
        let location = locations[locations.count - 1]
        return locations.indices.dropLast().first { i in
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
