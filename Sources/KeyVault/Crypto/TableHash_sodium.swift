// A keyed hash for hash tables a file's contents fill: a polynomial over the prime 2^61 - 1 at a point drawn once per
// process from libsodium's generator.

internal import CSodium

/// Polynomial hashing modulo the prime p = 2^61 - 1 at a random point r (a Carter-Wegman universal family): the
/// input, as 32-bit halves h_1 … h_n, hashes to (s·r^n + h_1·r^(n-1) + … + h_n) mod p for a random s. Two different
/// inputs of n halves give the same value for at most n of the p possible points r, so for inputs a file's writer
/// chose without seeing r (never shown, never written, different in every process) any two collide with probability
/// at most n / 2^61 — about 2^-56 for a 255-byte host name. That is all a hash table needs (a collision costs a
/// comparison); it is not a message authentication code. It replaced SipHash (Swift's `Hasher`), which cost three
/// times as much per record on every open of a 100,000-entry vault.
enum TableHash {
    static let prime: UInt64 = (1 << 61) - 1

    /// The point r and the start s, each uniform in [1, p).
    private static let key: (point: UInt64, start: UInt64) = {
        _ = Sodium.isReady
        return (random(), random())
    }()

    private static func random() -> UInt64 {
        while true {
            var x: UInt64 = 0
            withUnsafeMutableBytes(of: &x) { randombytes_buf($0.baseAddress!, 8) }
            x &= prime
            if x != 0 && x != prime { return x }
        }
    }

    /// The hash of `words` (each taken as its two 32-bit halves); valid only in this process.
    ///
    /// The polynomial's value goes through a bijective mixer (MurmurHash3's finalizer) last: inputs that differ only
    /// in their last half differ by that difference alone, and a table indexed by some of the bits would otherwise
    /// put names that count up (`H000001`, `H000002`, …) in neighbouring slots. A bijection keeps the bound above.
    static func hash(_ words: UnsafeBufferPointer<UInt64>) -> UInt64 {
        let (r, s) = key
        var h = s
        for w in words {
            h = add(multiply(h, r), w >> 32)
            h = add(multiply(h, r), w & 0xFFFF_FFFF)
        }
        h ^= h >> 33
        h &*= 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h &*= 0xc4ce_b9fe_1a85_ec53
        return h ^ (h >> 33)
    }

    /// a · b mod p, for a and b below p.
    @inline(__always)
    static func multiply(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (high, low) = a.multipliedFullWidth(by: b)
        // a · b = high · 2^64 + low, and 2^61 ≡ 1: fold the bits above 61 onto the low 61.
        return add(low & prime, (low >> 61) | (high << 3))
    }

    /// a + b mod p, for a and b below p (b may be up to 2^61 + 2^32: one subtraction is enough for both).
    @inline(__always)
    static func add(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let sum = a + b
        return sum >= prime ? sum - prime : sum
    }
}
