// The check that no two entries of one role and version name the same computer: the same answer as comparing every
// pair, with hashes that collide too, and linear for names that share a first label across domains (each a different
// computer).
import Testing
@testable import KeyVault

@Suite struct DuplicateEntryCheckTests {
    /// Index records laid out as the format stores them (only role, host and version are read by the check), and
    /// where each one is.
    static func index(_ entries: [(role: String, host: String, version: UInt32)]) -> ([RecordLocation], [UInt8]) {
        var bytes: [UInt8] = [], locations: [RecordLocation] = []
        for e in entries {
            let start = bytes.count
            var meta: [UInt8] = []
            for (tag, value) in [(1, Array(e.role.utf8)), (2, Array(e.host.utf8)), (3, (0..<4).map { UInt8((e.version >> (24 - 8 * $0)) & 0xFF) })] {
                meta += [UInt8(tag), UInt8(value.count >> 8), UInt8(value.count & 0xFF)] + value
            }
            bytes += [UInt8(meta.count >> 8), UInt8(meta.count & 0xFF)] + meta
            locations.append(
                RecordLocation(
                    start: UInt32(start), metaCount: UInt16(meta.count), roleCount: UInt8(e.role.utf8.count), hostCount: UInt8(e.host.utf8.count),
                    size: 1))
        }
        return (locations, bytes)
    }

    /// The check's answer; `colliding` replaces each hash by one of three (keeping "no domain" as it is), so that
    /// most keys share a hash with others.
    static func check(_ entries: [(role: String, host: String, version: UInt32)], colliding: Bool = false) -> (Int, Int)? {
        let (locations, bytes) = index(entries)
        var hashing = DuplicateEntryCheck(capacity: locations.count)
        for location in locations { hashing.add(location, in: bytes) }
        var check = DuplicateEntryCheck(capacity: locations.count)
        check.add(hashes: colliding ? hashing.hashes.map { $0 == 0 ? 0 : $0 % 3 + 1 } : hashing.hashes)
        return check.firstRepeat(in: locations, bytes: bytes)
    }

    /// The check of `entries` given the table of a check of their first `prefix` (double optional: nil when the
    /// prefix has a repeat, so keeps no table).
    static func checkAfter(_ entries: [(role: String, host: String, version: UInt32)], prefix: Int) -> (Int, Int)?? {
        let (locations, bytes) = index(entries)
        var earlier = DuplicateEntryCheck(capacity: prefix)
        for location in locations.prefix(prefix) { earlier.add(location, in: bytes) }
        guard earlier.firstRepeat(in: Array(locations.prefix(prefix)), bytes: bytes) == nil, let table = earlier.table else { return nil }
        #expect(table.count == prefix)
        var check = DuplicateEntryCheck(capacity: locations.count)
        for location in locations { check.add(location, in: bytes) }
        let found = check.firstRepeat(in: locations, bytes: bytes, checked: table)
        #expect(check.table == nil || found != nil || prefix == 0, "a table over only the new records is not kept")
        return .some(found)
    }

    /// The matching rule without its NetBIOS clause, on stored names, written plainly: equal first labels (ignoring
    /// ASCII case) and, when both have a domain, equal names.
    static func sameComputer(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Bool {
        let aDot = a.firstIndex(of: 0x2E), bDot = b.firstIndex(of: 0x2E)
        guard HostName.equalIgnoringASCIICase(a[..<(aDot ?? a.endIndex)], b[..<(bDot ?? b.endIndex)]) else { return false }
        return aDot == nil || bDot == nil || HostName.equalIgnoringASCIICase(a, b)
    }

    /// Every pair compared: the first record that repeats an earlier one, and the first earlier one it repeats.
    static func reference(_ entries: [(role: String, host: String, version: UInt32)]) -> (Int, Int)? {
        for j in entries.indices {
            for i in 0..<j where entries[i].role == entries[j].role && entries[i].version == entries[j].version {
                if sameComputer(Array(entries[i].host.utf8)[...], Array(entries[j].host.utf8)[...]) { return (i, j) }
            }
        }
        return nil
    }

    @Test func namesSharingAFirstLabelAcrossDomainsAreCheckedInOnePass() {
        // 20,000 computers called sm01 in 20,000 domains: none repeats another, and no record is compared with every
        // earlier one (before, each was: 200 million comparisons, a file anyone can write taking minutes to open).
        // (Not timed here — benchmarks are programs — but a return to comparing every pair takes minutes.)
        let entries = (0..<20_000).map { (role: "sm", host: "sm01.d\($0).example", version: UInt32(1)) }
        #expect(Self.check(entries) == nil)
        // The same with a name without a domain at the end: it repeats the first of them.
        #expect(Self.check(entries + [(role: "sm", host: "SM01", version: 1)]).map { [$0.0, $0.1] } == [0, 20_000])
    }

    @Test func eachKindOfRepeatIsFoundWithTheFirstEarlierRecord() {
        let cases: [([String], [Int]?)] = [
            (["SM01", "sm01.a.example"], [0, 1]),
            (["sm01.a.example", "SM01"], [0, 1]),
            (["sm01.a.example", "sm01.b.example", "SM01"], [0, 2]),
            (["sm01.a.example", "sm01.b.example", "SM01.B.EXAMPLE"], [1, 2]),
            (["sm01.a.example", "sm02", "sm01.b.example", "sm01"], [0, 3]),
            (["sm01.a.example", "sm01.b.example", "sm01.c.example"], nil),
            (["sm01.a.example", "sm01", "sm01.a.example"], [0, 1]),
            (["sm02", "sm01.a.example", "sm01", "sm02.x"], [1, 2]),
        ]
        for (hosts, expected) in cases {
            let found = Self.check(hosts.map { (role: "sm", host: $0, version: UInt32(1)) })
            #expect(found.map { [$0.0, $0.1] } == expected, "\(hosts)")
        }
        // Another version or another role is another series.
        #expect(Self.check([(role: "sm", host: "SM01", version: 1), (role: "sm", host: "sm01", version: 2)]) == nil)
        #expect(Self.check([(role: "sm", host: "SM01", version: 1), (role: "dw", host: "sm01", version: 1)]) == nil)
    }

    /// The eight-bytes-a-step fold is the matching rule's, byte for byte: A-Z to lower case, nothing else.
    @Test func foldingTurnsOnlyCapitalsToLowerCase() {
        var rng = SplitMix64(state: 0x666f_6c64)
        for value in 0...255 {
            for position in 0..<8 {
                var bytes = (0..<8).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                bytes[position] = UInt8(value)
                var word: UInt64 = 0
                for (k, b) in bytes.enumerated() { word |= UInt64(b) << UInt64(8 * k) }
                let expected = bytes.enumerated().reduce(UInt64(0)) { w, e in
                    w | UInt64((0x41...0x5A).contains(e.1) ? e.1 | 0x20 : e.1) << UInt64(8 * e.0)
                }
                #expect(DuplicateEntryCheck.lowercased(word) == expected, "byte \(value) at \(position) of \(bytes)")
            }
        }
    }

    /// Names that differ only in bytes a careless fold would merge (`^` and `~`, `@` and `` ` ``, `[` and `{`) have
    /// different hashes: a file cannot give thousands of different names one hash.
    @Test func namesACarelessFoldWouldMergeHashApart() {
        let names =
            (0..<1024).map { n in String((0..<10).map { n >> $0 & 1 == 0 ? "^" : "~" }) + "@[" }
            + ["A@B", "A`B", "A[B", "A{B", "SM01", "sm01"]
        let (locations, bytes) = Self.index(names.map { (role: "sm", host: $0, version: UInt32(1)) })
        var check = DuplicateEntryCheck(capacity: locations.count)
        for location in locations { check.add(location, in: bytes) }
        let labelHashes = stride(from: 0, to: check.hashes.count, by: 2).map { check.hashes[$0] }
        // Every name its own hash but the last two, which are one name to the matching rule.
        #expect(Set(labelHashes.dropLast()).count == names.count - 1)
        #expect(labelHashes[labelHashes.count - 1] == labelHashes[labelHashes.count - 2])
    }

    @Test func theAnswerIsWhatComparingEveryPairGives() {
        // Small random indexes over a few labels, domains, roles and versions: the same pair as every pair compared.
        var rng = SplitMix64(state: 0x5EED_0D0B)
        // Labels of one, eight and sixteen bytes too (the hash reads names eight bytes at a time), and roles of nine.
        let labels = ["sm01", "SM01", "dw01", "averyveryverylo", "smabcdef", "SMABCDEF", "s", "S", "smabcdefsmabcdef", "SMABCDEFsmabcdef"]
        let domains = ["", ".a.example", ".A.EXAMPLE", ".b.example", ".abcdefg", ".ABCDEFG"]
        let roles = ["sm", "dw", "smsmsmsms"]
        for _ in 0..<6_000 {
            let count = Int(rng.next() % 12)
            let entries = (0..<count).map { _ in
                (
                    role: roles[Int(rng.next() % 3)], host: labels[Int(rng.next() % UInt64(labels.count))] + domains[Int(rng.next() % UInt64(domains.count))],
                    version: UInt32(1 + rng.next() % 2)
                )
            }
            let expected = Self.reference(entries).map { [$0.0, $0.1] }
            #expect(Self.check(entries).map { [$0.0, $0.1] } == expected, "\(entries)")
            // Hashes that collide all the time (no file can aim at one: the hash is keyed per process) change
            // nothing but the cost.
            #expect(Self.check(entries, colliding: true).map { [$0.0, $0.1] } == expected, "colliding: \(entries)")
            // A writer's check: the records after a prefix checked already (without a repeat), looked up in the
            // prefix's table and entered in one of their own.
            let prefix = Int(rng.next() % UInt64(count + 1))
            if let split = Self.checkAfter(entries, prefix: prefix) {
                #expect(split.map { [$0.0, $0.1] } == expected, "after \(prefix): \(entries)")
            } else {
                #expect(Self.reference(Array(entries.prefix(prefix))) != nil, "no table kept for a prefix without a repeat")
            }
        }
    }
}
