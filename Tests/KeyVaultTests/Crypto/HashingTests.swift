// Hashing: the two-part BLAKE2b (a commit's check, its state on the stack) against libsodium's one-shot hash.
import Testing
@testable import KeyVault

struct HashingTests {
    /// BLAKE2b-256 of the empty message (RFC 7693's BLAKE2b with a 32-byte digest).
    @Test func theTwoPartHashOfNothingIsBLAKE2bsOwn() {
        let expected = "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"
        #expect(Hashing.blake2b([], []).hexString == expected)
        #expect(Hashing.blake2b([UInt8]()).hexString == expected)
    }

    /// Split anywhere, at block boundaries and beside them, the hash is that of the joined bytes.
    @Test(arguments: [0, 1, 16, 127, 128, 129, 320, 1_000, 70_000])
    func theTwoPartHashIsTheHashOfTheJoinedBytes(size: Int) {
        let message = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ size) }
        let whole = Hashing.blake2b(message)
        for cut in Set([0, size / 3, size / 2, max(0, size - 1), size]) {
            #expect(Hashing.blake2b(message[..<cut], message[cut...]) == whole, "cut at \(cut) of \(size)")
        }
        // A different byte anywhere changes it.
        if size > 0 {
            var changed = message
            changed[size / 2] ^= 1
            #expect(Hashing.blake2b(changed[..<(size / 2)], changed[(size / 2)...]) != whole)
        }
    }
}
