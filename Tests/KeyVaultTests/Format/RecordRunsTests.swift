// A replay's index records held run by run: the same bytes, prefixes and rests as one flat buffer, wherever the runs
// happen to be cut, and nothing copied to append.
import Testing
@testable import KeyVault

struct RecordRunsTests {
    /// `bytes` cut into runs at random places, each a slice of a larger array (as a commit's change is of its chunk).
    func runs(_ bytes: [UInt8], _ random: inout SplitMix64) -> RecordRuns {
        var runs = RecordRuns()
        var i = 0
        while i < bytes.count {
            let n = min(bytes.count - i, Int.random(in: 0...40, using: &random))
            let padded = [0xEE] + bytes[i..<(i + n)] + [0xEE]
            runs.append(padded[1..<(1 + n)])
            i += n
        }
        return runs
    }

    func flat(_ runs: RecordRuns) -> [UInt8] { runs.runs.flatMap { Array($0) } }

    @Test func runsCutAnywhereAgreeWithOneFlatBuffer() {
        var random = SplitMix64(state: 0x5EED_0013)
        for _ in 0..<300 {
            let bytes = (0..<Int.random(in: 0...200, using: &random)).map { _ in UInt8.random(in: 0...3, using: &random) }
            let a = runs(bytes, &random), b = runs(bytes, &random)
            #expect(a.count == bytes.count && flat(a) == bytes && Array(a.contiguous) == bytes)
            #expect(a == b && a.hasPrefix(b) && b.hasPrefix(a))
            let n = Int.random(in: 0...bytes.count, using: &random)
            #expect(flat(a.dropFirst(n)) == Array(bytes[n...]) && a.dropFirst(n) == RecordRuns(bytes[n...]))
            #expect(a.hasPrefix(runs(Array(bytes[..<n]), &random)))
            // One byte changed, anywhere: neither equal nor a prefix.
            if !bytes.isEmpty {
                var other = bytes
                let at = Int.random(in: 0..<other.count, using: &random)
                other[at] ^= 0x10
                let c = runs(other, &random)
                #expect(a != c && !a.hasPrefix(c) && !c.hasPrefix(a))
                #expect(!a.hasPrefix(runs(Array(other[...at]), &random)))
            }
            // Longer is never a prefix of shorter.
            #expect(!a.hasPrefix(runs(bytes + [0], &random)))
        }
    }

    @Test func appendingKeepsEachRunWhereItLies() {
        let big = [UInt8](repeating: 7, count: 1 << 20)
        var records = RecordRuns(big[...])
        records += [1, 2, 3]
        records.append([][...])
        #expect(records.runs.count == 2 && records.count == big.count + 3)
        // The first run is the caller's storage itself, not a copy of it.
        let shared = big.withUnsafeBufferPointer { p in records.runs[0].withUnsafeBufferPointer { $0.baseAddress == p.baseAddress } }
        #expect(shared)
        #expect(records.dropFirst(big.count) == RecordRuns([1, 2, 3][...]) && RecordRuns().isEmpty && RecordRuns([][...]).runs.isEmpty)
    }
}
