// The rule that no two entries share role, host (ignoring ASCII case) and version, checked from the index bytes.

/// Finds an entry that repeats an earlier one's role, host and version, in one pass over the records, hashing the
/// stored bytes instead of building a string per entry. Hashes are only a first sieve: equal hashes are compared
/// byte for byte, and the hasher is seeded per process, so a hostile file cannot make the check quadratic.
struct DuplicateEntryCheck {
    private var firstByHash: [Int: Int32] = [:]
    /// Later records whose hash an earlier, different (role, host, version) already had; rare.
    private var sharedHash: [Int: [Int32]] = [:]
    private var lowered: [UInt8] = []

    init(capacity: Int) { firstByHash.reserveCapacity(capacity) }

    /// Adds the last of `locations`; returns the index of an earlier record with the same role, host and version.
    mutating func insertLast(of locations: [RecordLocation], in bytes: [UInt8]) -> Int? {
        let index = locations.count - 1
        let location = locations[index]
        lowered.removeAll(keepingCapacity: true)
        for b in bytes[location.hostRange] { lowered.append((0x41...0x5A).contains(b) ? b | 0x20 : b) }
        var hasher = Hasher()
        bytes.withUnsafeBytes { all in
            hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: all[location.roleRange]))
            hasher.combine(0x7C as UInt8)
            lowered.withUnsafeBytes { hasher.combine(bytes: $0) }
            hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: all[location.versionRange]))
        }
        let hash = hasher.finalize()
        guard let first = firstByHash[hash] else {
            firstByHash[hash] = Int32(index)
            return nil
        }
        for earlier in [first] + (sharedHash[hash] ?? []) {
            let other = locations[Int(earlier)]
            if bytes[other.roleRange] == bytes[location.roleRange], bytes[other.versionRange] == bytes[location.versionRange],
               HostName.equalIgnoringASCIICase(bytes[other.hostRange], bytes[location.hostRange]) {
                return Int(earlier)
            }
        }
        sharedHash[hash, default: []].append(Int32(index))
        return nil
    }
}
