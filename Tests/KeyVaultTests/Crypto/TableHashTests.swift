// The table hash's arithmetic modulo 2^61 - 1 against 128-bit integers, and no collisions among many similar keys.
import Testing

@testable import KeyVault

struct TableHashTests {
    @Test func arithmeticModuloThePrimeIsExact() {
        var rng = SplitMix64(state: 0x7461_626c)
        let p = TableHash.prime
        // Random values below p, and the edges: 0, 1, p - 1, p (which the arithmetic may carry unreduced).
        let edges: [UInt64] = [0, 1, 2, p - 1, p, 1 << 32, (1 << 32) - 1, 1 << 60]
        let values = edges + (0..<2_000).map { _ in rng.next() & p }
        for (i, a) in values.enumerated() {
            let b = values[(i * 7 + 3) % values.count]
            let product = TableHash.multiply(a, b)
            #expect(product <= p && product % p == UInt64((UInt128(a) * UInt128(b)) % UInt128(p)), "\(a) · \(b)")
            let small = b >> 29  // below 2^32, as the halves added are
            let sum = TableHash.add(a, small)
            #expect(sum <= p && sum % p == UInt64((UInt128(a) + UInt128(small)) % UInt128(p)), "\(a) + \(small)")
        }
    }

    @Test func similarKeysDoNotCollide() {
        // 200,000 keys that differ in one byte or one word's place: host names SM000000-SM199999 with a version, and
        // the same words in another order.
        var seen = Set<UInt64>()
        for n in 0..<100_000 {
            let name = Array("SM\(String(n + 1_000_000).dropFirst())".utf8)
            var word: UInt64 = 0
            for (k, b) in name.enumerated() { word |= UInt64(b) << UInt64(8 * k) }
            for key in [[1, word], [word, 1]] as [[UInt64]] {
                _ = key.withUnsafeBufferPointer { seen.insert(TableHash.hash($0)) }
            }
        }
        #expect(seen.count == 200_000)
        // Equal inputs, equal hashes.
        let a: [UInt64] = [7, 8, 9]
        #expect(a.withUnsafeBufferPointer { TableHash.hash($0) } == a.withUnsafeBufferPointer { TableHash.hash($0) })
    }
}
