// The patches a database keeps for each write after a vault's first: applied to the bytes before, they give the bytes
// after; what does not parse is refused; and a database location is parsed strictly.
import Testing

@testable import KeyVault
import KeyVaultTestSupport

struct FilePatchTests {
    @Test func aPatchAppliedToTheBytesBeforeGivesTheBytesAfter() throws {
        var rng = SplitMix64(state: 0x6b76_6462)
        for round in 0..<TestScale.rounds(400) {
            let size = rng.below(9000)
            var old = (0..<size).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if round % 7 == 0 { old = [] }
            var new = old
            // A few edits of every kind the writers make: bytes changed in place, growth (an append), a cut.
            for _ in 0..<rng.below(6) {
                switch rng.below(4) {
                case 0 where !new.isEmpty:
                    let at = rng.below(new.count)
                    let count = min(new.count - at, 1 + rng.below(300))
                    for i in at..<(at + count) { new[i] = UInt8(truncatingIfNeeded: rng.next()) }
                case 1: new += (0..<rng.below(5000)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                case 2 where !new.isEmpty: new.removeLast(rng.below(new.count))
                default: new += [UInt8](repeating: 0, count: rng.below(4096))
                }
            }
            let patch = FilePatch(from: old, to: new)
            var rebuilt = old
            patch.apply(to: &rebuilt)
            #expect(rebuilt == new, "round \(round)")
            let decoded = try #require(FilePatch(decoding: patch.encoded), "round \(round)")
            #expect(decoded == patch)
            // Only what changed is stored: no range covers 64 equal bytes in a row.
            #expect(patch.changedCount <= max(0, new.count - old.count) + zip(old, new).filter { $0 != $1 }.count * 64 + 64 * patch.ranges.count)
        }
        #expect(FilePatch(from: [1, 2, 3], to: [1, 2, 3]).ranges.isEmpty)
        #expect(FilePatch(from: [1, 2, 3], to: [1, 9, 3]).ranges.map(\.offset) == [1])
    }

    @Test func aPatchThatDoesNotParseIsRefused() {
        func encode(size: UInt64, _ ranges: [(UInt64, UInt32, Int)]) -> [UInt8] {
            var w = ByteWriter()
            w.u64(size)
            for (offset, count, body) in ranges {
                w.u64(offset)
                w.u32(count)
                w.append([UInt8](repeating: 7, count: body))
            }
            return w.bytes
        }
        #expect(FilePatch(decoding: encode(size: 100, [(10, 5, 5), (20, 5, 5)])) != nil)
        let refused: [(String, [UInt8])] = [
            ("empty", []),
            ("a size cut short", [0, 0, 0]),
            ("a range past the size", encode(size: 100, [(98, 5, 5)])),
            ("overlapping ranges", encode(size: 100, [(10, 5, 5), (12, 5, 5)])),
            ("ranges out of order", encode(size: 100, [(20, 5, 5), (10, 5, 5)])),
            ("an empty range", encode(size: 100, [(10, 0, 0)])),
            ("a count longer than what follows", encode(size: 100, [(10, 50, 5)])),
            ("a count near 2^32", encode(size: 100, [(10, UInt32.max, 5)])),
            ("an offset near 2^64", encode(size: 100, [(UInt64.max - 2, 5, 5)])),
            ("a size past 2 GiB", encode(size: UInt64(Int32.max) + 1, [])),
        ]
        for (what, bytes) in refused { #expect(FilePatch(decoding: bytes) == nil, "\(what)") }
    }

    @Test func aDatabaseLocationIsParsedStrictly() throws {
        let location = try DatabaseLocation(parsing: "postgresql://kv@db1.contoso.com:5433/escrow?sslmode=verify-full#scsm-prod.2")
        #expect(location.connectionURI == "postgresql://kv@db1.contoso.com:5433/escrow?sslmode=verify-full")
        #expect(location.name == "scsm-prod.2")
        #expect(location.description == "postgresql://kv@db1.contoso.com:5433/escrow?sslmode=verify-full#scsm-prod.2")
        #expect(try DatabaseLocation(parsing: "postgres://db/x#v").connectionURI == "postgres://db/x")
        #expect(DatabaseLocation.isDatabaseLocation("postgres://db/x") && !DatabaseLocation.isDatabaseLocation("./postgresql://x#v"))
        let refused = [
            "postgresql://db/x", "postgresql://db/x#", "postgresql://db/x#-v", "postgresql://db/x#a/b", "postgresql://db/x#a b",
            "postgresql://db/x#" + String(repeating: "a", count: 129), "postgresql://u:pw@db/x#v", "postgresql://db/x?password=pw#v",
            "postgresql://db/x?sslmode=require&PassWord=pw#v", "file.kv",
        ]
        for text in refused {
            #expect(throws: KeyVaultError.self, "\(text)") { try DatabaseLocation(parsing: text) }
        }
    }
}
