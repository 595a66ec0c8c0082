// A keyed hash for hash tables a file's contents fill: a polynomial over the prime 2^61 - 1 at a point drawn once per
// process from libsodium's generator.

internal import CSodium

/// Polynomial hashing modulo the prime p = 2^61 - 1 at a random point r (a Carter-Wegman universal family): the
/// input, as 32-bit halves h_1 … h_n, hashes to (s·r^(n+1) + h_1·r^n + … + h_n·r) mod p for a random s. Two different
/// inputs of n halves give the same value for at most n + 1 of the p possible points r, so for inputs a file's writer
/// chose without seeing r (never shown, never written, different in every process) any two have equal hashes with
/// probability at most (n + 1) / 2^61 — about 2^-55 for a 255-byte host name; and since every half is multiplied by
/// a power of r, the difference between two inputs' values is itself unknown to the writer (a last half one larger
/// does not give a value one larger). A table's slot takes some bits of the value after a fixed mixer; that two
/// values share a slot as rarely as chance would have it rests on the mixer, not on a proof. That is all a hash table
/// needs (a collision costs a comparison); it is not a message authentication code. It replaced SipHash (Swift's
/// `Hasher`), which cost three times as much per record on every open of a 100,000-entry vault.
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
    /// The polynomial's value goes through a bijective mixer (MurmurHash3's finalizer) last, so that a table indexed by
    /// some of the bits does not put names that count up (`H000001`, `H000002`, …) in neighbouring slots. A bijection
    /// keeps the bound above.
    static func hash(_ words: UnsafeBufferPointer<UInt64>) -> UInt64 {
        let (r, s) = key
        var h = s
        for w in words {
            h = add(multiply(h, r), w >> 32)
            h = add(multiply(h, r), w & 0xFFFF_FFFF)
        }
        h = multiply(h, r)
        h ^= h >> 33
        h &*= 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h &*= 0xc4ce_b9fe_1a85_ec53
        return h ^ (h >> 33)
    }

    /// a · b mod p, for a and b at most p; the result is at most p (p itself standing for 0).
    @inline(__always)
    static func multiply(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (high, low) = a.multipliedFullWidth(by: b)
        // a · b = high · 2^64 + low, and 2^61 ≡ 1: fold the bits above 61 onto the low 61.
        return add(low & prime, (low >> 61) | (high << 3))
    }

    /// a + b mod p, for a and b at most p (a sum at most 2p: one subtraction is enough); the result is at most p.
    @inline(__always)
    static func add(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let sum = a + b
        return sum >= prime ? sum - prime : sum
    }
}
