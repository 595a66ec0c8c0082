// SmallMap against Dictionary: the same values after any sequence of sets and removals, pairs in key order.
import Testing
@testable import KeyVault
import KeyVaultTestSupport

struct SmallMapTests {
    @Test func itHoldsWhatADictionaryHolds() {
        var rng = SplitMix64(state: 0x736d_616c)
        var map = SmallMap<[UInt8]>()
        var reference: [Int: [UInt8]] = [:]
        for step in 0..<20_000 {
            let key = Int(rng.next() % 256)
            switch rng.next() % 4 {
            case 0:
                map[key] = nil
                reference[key] = nil
            case 1:
                map.removeValue(forKey: UInt8(key))
                reference[key] = nil
            default:
                let value = [UInt8(truncatingIfNeeded: step), UInt8(key)]
                map[UInt8(key)] = value
                reference[key] = value
            }
            #expect(map[key] == reference[key] && map.count == reference.count && map.isEmpty == reference.isEmpty)
            if step % 997 == 0 {
                #expect(map.pairs.map(\.key) == reference.keys.sorted() && map.keys == reference.keys.sorted())
                #expect(map.pairs.allSatisfy { reference[$0.key] == $0.value })
            }
        }
        // Keys never set, and past the largest one set, read as nothing.
        #expect(SmallMap<Int>()[0] == nil && SmallMap<Int>()[255] == nil && map[-1] == nil && map[300] == nil)
    }

    @Test func equalityAndLiteralsFollowThePairs() {
        var a: SmallMap<Int> = [3: 30, 1: 10]
        var b = SmallMap<Int>()
        b[1] = 10
        b[3] = 30
        #expect(a == b && a.pairs.map(\.key) == [1, 3])
        // Removing the largest key leaves room at the end; the maps are still equal.
        b[200] = 2
        b[200] = nil
        #expect(a == b)
        a[3] = 31
        #expect(a != b)
        a.removeAll()
        #expect(a.isEmpty && a.pairs.isEmpty && a != b)
    }
}
