// CommitChain: each link hashed in place, and a key libsodium refuses failing closed.
import Testing
@testable import KeyVault

struct CommitChainTests {
    /// Three keyed commits chained under `key`, as a writer makes them.
    private func chain(under key: SecretBytes) -> [Commit] {
        var previous = [UInt8](repeating: 0, count: 32)
        return (1...3).map { n in
            let check = Hashing.blake2b([UInt8](repeating: UInt8(n), count: 100))
            let mac = CommitChain.mac(previous: previous, unkeyedChecks: [], check: check, key: key)
            previous = mac
            return Commit(offset: 64 * n, number: UInt64(n), keysOffset: 0, changes: [], check: check, mac: mac, count: 128)
        }
    }

    /// Three commits whose macs are BLAKE2b without a key: what a file writer can compute.
    private func chainOfUnkeyedLinks() -> [Commit] {
        var previous = [UInt8](repeating: 0, count: 32)
        return (1...3).map { n in
            let check = Hashing.blake2b([UInt8](repeating: UInt8(n), count: 100))
            let mac = Hashing.blake2b(previous + check)
            previous = mac
            return Commit(offset: 64 * n, number: UInt64(n), keysOffset: 0, changes: [], check: check, mac: mac, count: 128)
        }
    }

    @Test func aChainHoldsUnderItsKeyAndBreaksWhereAMacOrCheckDiffers() throws {
        let key = try SecretBytes.random(count: 32)
        let commits = chain(under: key)
        #expect(CommitChain.firstBroken(commits, key: key) == nil)
        #expect(CommitChain.firstBroken(commits, key: try SecretBytes.random(count: 32)) == 0)
        var forged = commits
        forged[1] = Commit(offset: 128, number: 2, keysOffset: 0, changes: [], check: commits[0].check, mac: commits[1].mac, count: 128)
        #expect(CommitChain.firstBroken(forged, key: key) == 1)
        // The proven prefix is taken as holding; what follows is still checked.
        #expect(CommitChain.firstBroken(forged, key: key, proven: Array(commits.prefix(1))) == 1)
        #expect(CommitChain.firstBroken(commits, key: key, proven: Array(commits.prefix(2))) == nil)
    }

    @Test func aKeyLibsodiumRefusesBreaksTheChainAtItsFirstCommit() throws {
        let key = try SecretBytes.random(count: 32)
        let commits = chain(under: key)
        // BLAKE2b keys are 16 to 64 bytes: a 65-byte key is refused, and nothing may match then (not even a mac
        // equal to what an earlier link left in the buffer).
        let refused = try SecretBytes.random(count: 65)
        #expect(CommitChain.firstBroken(commits, key: refused) == 0)
        // An empty key, which libsodium would take as no key at all (a hash anyone can compute), is refused too.
        let unkeyed = chainOfUnkeyedLinks()
        #expect(CommitChain.firstBroken(unkeyed, key: try SecretBytes(zeroedCount: 0)) == 0)
        var out = [UInt8](repeating: 0xFF, count: 32)
        let ok = commits[0].check.withUnsafeBytes { c in
            out.withUnsafeMutableBytes { o in Hashing.blake2b(UnsafeRawBufferPointer(c), UnsafeRawBufferPointer(c), key: refused, into: o) }
        }
        #expect(!ok && out.allSatisfy { $0 == 0 })
    }
}
