// Shamir's secret sharing over GF(2^8): field arithmetic, and which subsets of shares recover the secret.
import Testing
@testable import KeyVault

struct ShamirTests {
    @Test func multiplicationMatchesTheAESFieldExample() {
        // FIPS-197, section 4.2: {57} • {83} = {c1}, {57} • {13} = {fe}.
        #expect(Shamir.multiply(0x57, 0x83) == 0xC1)
        #expect(Shamir.multiply(0x57, 0x13) == 0xFE)
    }

    @Test func everyNonzeroElementHasItsInverse() {
        for a in 1...255 {
            #expect(Shamir.multiply(UInt8(a), Shamir.inverse(UInt8(a))) == 1, "inverse of \(a)")
        }
        #expect(Shamir.inverse(0) == 0)
    }

    @Test func multiplicationIsCommutativeAndDistributive() {
        for a in stride(from: 0, through: 255, by: 7) {
            for b in stride(from: 0, through: 255, by: 11) {
                let x = UInt8(a), y = UInt8(b), z = UInt8((a * 3 + b) & 0xFF)
                #expect(Shamir.multiply(x, y) == Shamir.multiply(y, x))
                #expect(Shamir.multiply(x, y ^ z) == Shamir.multiply(x, y) ^ Shamir.multiply(x, z))
            }
        }
    }

    static func subsets(of n: Int, size k: Int) -> [[Int]] {
        guard k > 0 else { return [[]] }
        guard n >= k else { return [] }
        return subsets(of: n - 1, size: k - 1).map { $0 + [n - 1] } + subsets(of: n - 1, size: k)
    }

    @Test(arguments: [(2, 3), (3, 5), (2, 2), (5, 5), (4, 7)])
    func everySubsetOfThresholdSizeRecoversAndNoSmallerOneDoes(threshold: Int, count: Int) throws {
        let secret = try SecretBytes.random(count: 32)
        let shares = try Shamir.split(secret, threshold: threshold, count: count)
        #expect(shares.count == count)
        for subset in Self.subsets(of: count, size: threshold) {
            #expect(try Shamir.combine(subset.map { shares[$0] }) == secret, "subset \(subset)")
        }
        for subset in Self.subsets(of: count, size: threshold - 1) where !subset.isEmpty {
            #expect(try Shamir.combine(subset.map { shares[$0] }) != secret, "subset \(subset) of size \(threshold - 1) recovered the secret")
        }
    }

    @Test func sharesOfTheSameSecretDifferEachTime() throws {
        let secret = try SecretBytes.random(count: 32)
        let a = try Shamir.split(secret, threshold: 2, count: 3), b = try Shamir.split(secret, threshold: 2, count: 3)
        #expect(a[0] != b[0])
    }
}
