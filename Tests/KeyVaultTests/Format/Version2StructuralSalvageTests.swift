// `restore --salvage` on a format-version-2 vault whose damage leaves no structure to read (a commit head gone, bytes
// that are no commit, a chunk link or head that is not valid): the read goes on at the next whole commit or chunk, the
// keys there and before restore by their own seals, the keys of what was lost do not, and nothing is written.
import Foundation
import Testing
@testable import KeyVault
import KeyVaultTestSupport

struct Version2StructuralSalvageTests {
    /// Version2SalvageTests' four-entry vault and one more entry (sm of SM05) as its own commit: the path, the
    /// credentials, the five keys, and the commits of the fourth and fifth.
    static func vault() throws -> (path: String, credentials: Credentials, keys: [[UInt8]], fourth: Commit, fifth: Commit) {
        let (path, credentials, keys, fourth) = try Version2SalvageTests.vault()
        let fifth = (0..<700).map { UInt8(truncatingIfNeeded: $0 * 13 + 1) }
        let last = try Version2SalvageTests.seal(fifth, sm: "SM05", into: path, credentials: credentials)
        #expect(last.offset >= fourth.end)
        return (path, credentials, keys + [fifth], fourth, last)
    }

    static let hosts: [(Role, String)] = [(.sm, "SM01"), (.dw, "DW01"), (.sm, "SM03"), (.sm, "SM04"), (.sm, "SM05")]

    /// Writes `bytes` to a new file, checks that a plain open refuses it as damaged and that salvage reads it, naming
    /// `damage` exactly; then that exactly the keys at `restorable` (indices into ``hosts``) restore byte for byte,
    /// the others are not found, and that nothing was written to the file.
    static func salvage(_ bytes: [UInt8], credentials: Credentials, keys: [[UInt8]], damage: String, restorable: Set<Int>) throws {
        let damaged = "\(try CustodianSupport.temporaryDirectory())/damaged.kv"
        try Data(bytes).write(to: URL(fileURLWithPath: damaged))
        let refusal = #expect(throws: KeyVaultError.self) { try Vault.open(atPath: damaged) }
        #expect(refusal?.code == .damaged, "\(String(describing: refusal))")
        let opened = try Vault.openForSalvage(atPath: damaged)
        #expect(opened.damage == damage)
        let unlocked = try opened.vault.unlock(with: credentials)
        #expect(!unlocked.isAuthentic)
        for (i, (role, host)) in hosts.enumerated() {
            if restorable.contains(i) {
                #expect(try Version2SalvageTests.restore(unlocked, role, host) == keys[i], "\(host)")
            } else {
                #expect(throws: KeyVaultError.self, "\(host)") { try Version2SalvageTests.restore(unlocked, role, host) }
            }
        }
        if let entry = opened.vault.entries.first {
            let write = #expect(throws: KeyVaultError.self) { try unlocked.record(.restore, entry: entry, outcome: "ok") }
            #expect(write?.message.hasPrefix("vault damaged: it was read past damage for salvage") == true)
        }
        #expect(try TestFiles.bytes(damaged) == bytes, "the damaged file was written to")
    }

    /// The fourth entry's commit made unreadable in five ways: its magic, its number, its length, zeros over it
    /// (a lost sector), other bytes over it. The read goes on at the fifth entry's commit; every key but the fourth
    /// restores.
    @Test func aCommitWhoseStructureIsGoneIsPassedOver() throws {
        let (path, credentials, keys, fourth, fifth) = try Self.vault()
        let good = try TestFiles.bytes(path)
        let damages: [(String, (inout [UInt8]) -> Void)] = [
            ("a commit that does not read: no commit magic", { $0[fourth.offset] ^= 0xFF }),
            ("a commit that does not read: commit number 6 where 2 was due", { $0[fourth.offset + 11] = 6 }),
            (
                "a commit that does not read: a changes length of 4294967232 bytes does not place the tail inside the chunk",
                { for i in 12..<16 { $0[fourth.offset + i] = i == 15 ? 0xC0 : 0xFF } }
            ),
            ("bytes that are no commit", { for i in fourth.offset..<fourth.end { $0[i] = 0 } }),
            ("a commit that does not read: no commit magic", { for i in fourth.offset..<fourth.end { $0[i] = UInt8(truncatingIfNeeded: i * 31 + 7) } }),
        ]
        for (what, damage) in damages {
            var bytes = good
            damage(&bytes)
            try Self.salvage(
                bytes, credentials: credentials, keys: keys,
                damage: "damage at byte \(fourth.offset) (\(what)) was passed over, read on from byte \(fifth.offset)", restorable: [0, 1, 2, 4])
        }
    }

    /// The first commit (the upgrade's, with the first three entries and the base that names the slot copy) made
    /// unreadable: the later commits are read under either copy, and their keys restore.
    @Test func aLostFirstCommitLeavesTheLaterOnesToSalvage() throws {
        let (path, credentials, keys, fourth, _) = try Self.vault()
        var bytes = try TestFiles.bytes(path)
        let first = try #require(try ChainFile.read(from: OpenFile.open(path, what: "vault")).commits.first)
        bytes[first.offset + 1] ^= 0x20
        try Self.salvage(
            bytes, credentials: credentials, keys: keys,
            damage: "damage at byte \(first.offset) (a commit that does not read: no commit magic) was passed over, read on from byte \(fourth.offset)",
            restorable: [3, 4])
    }

    /// The fifth entry's commit, the last, made unreadable: nothing follows it to read on at, and the four keys
    /// before it restore.
    @Test func aLostLastCommitLeavesTheEarlierOnes() throws {
        let (path, credentials, keys, _, fifth) = try Self.vault()
        var bytes = try TestFiles.bytes(path)
        bytes[fifth.offset] ^= 0x01
        try Self.salvage(
            bytes, credentials: credentials, keys: keys,
            damage: "damage at byte \(fifth.offset) (a commit that does not read: no commit magic) was passed over, nothing more of its chunk could be read", restorable: [0, 1, 2, 3])
    }

    /// A vault of two chunks: the three-entry vault and seals until a commit opens a second chunk, then two more.
    static func twoChunks() throws -> (path: String, credentials: Credentials, keys: [(host: String, key: [UInt8])], chain: ChainFile) {
        let (v1, credentials, firstKeys) = try Version2ReadingTests.vault()
        let path = try Version2ReadingTests.upgrade(v1, credentials: credentials)
        var keys = zip(["SM01", "DW01", "SM03"], firstKeys).map { (host: $0, key: $1) }
        var extra = 0
        for n in 10..<200 {
            let key = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* n &+ 3) }
            _ = try Version2SalvageTests.seal(key, sm: "SM\(n)", into: path, credentials: credentials)
            keys.append((host: "SM\(n)", key: key))
            if try ChainFile.read(from: OpenFile.open(path, what: "vault")).chunks.count > 1 { extra += 1 }
            if extra == 2 { break }
        }
        let chain = try ChainFile.read(from: OpenFile.open(path, what: "vault"))
        try #require(chain.chunks.count == 2)
        return (path, credentials, keys, chain)
    }

    /// The first chunk's link damaged (one bit of its hash), then the second chunk's head: salvage finds the second
    /// chunk by its head and every key restores; with that head gone, the keys of the first chunk's commits still do.
    @Test func aDamagedLinkOrChunkHeadIsPassedOver() throws {
        let (path, credentials, keys, chain) = try Self.twoChunks()
        let good = try TestFiles.bytes(path)
        let (firstChunk, secondChunk) = (chain.chunks[0], chain.chunks[1])
        let link = ChainFile.linkOffset(chunk: firstChunk.offset, capacity: firstChunk.capacity)
        let inSecond = chain.commits.filter { $0.offset > secondChunk.offset }.count
        #expect(inSecond >= 2)
        let damaged = "\(try CustodianSupport.temporaryDirectory())/damaged.kv"
        for (name, at, restorable) in [
            ("link", link + 40, keys.count), ("chunk head", secondChunk.offset + 3, keys.count - inSecond),
        ] {
            var bytes = good
            bytes[at] ^= 0x04
            try Data(bytes).write(to: URL(fileURLWithPath: damaged))
            #expect(throws: KeyVaultError.self, "\(name)") { try Vault.open(atPath: damaged) }
            let opened = try Vault.openForSalvage(atPath: damaged)
            let expected =
                name == "link"
                ? "damage at byte \(link) (the link at the end of the chunk at byte \(firstChunk.offset) is not valid) was passed over, read on from byte \(secondChunk.offset)"
                : "damage at byte \(secondChunk.offset) (no chunk head at byte \(secondChunk.offset)) was passed over, nothing after it could be read"
            #expect(opened.damage == expected, "\(name)")
            let unlocked = try opened.vault.unlock(with: credentials)
            #expect(!unlocked.isAuthentic, "\(name)")
            for (i, (host, key)) in keys.enumerated() {
                let role: Role = host == "DW01" ? .dw : .sm
                if i < restorable {
                    #expect(try Version2SalvageTests.restore(unlocked, role, host) == key, "\(name): \(host)")
                } else {
                    #expect(throws: KeyVaultError.self, "\(name): \(host)") { try Version2SalvageTests.restore(unlocked, role, host) }
                }
            }
            #expect(try TestFiles.bytes(damaged) == bytes, "\(name): the damaged file was written to")
        }
    }

    /// Where salvage looks for the next whole commit, a chunk of fake heads, each claiming the rest of the chunk, in
    /// front of a real commit: with room to hash them all, the real one is found; with a budget of twice the chunk
    /// (the read's is twice the metadata limit), the search gives up once that much was hashed instead of hashing
    /// the rest of the chunk once per head.
    @Test func aChunkOfFakeHeadsCostsABoundedSearch() throws {
        let size = 64 << 10
        let (body, check) = Commit.encode(number: 4, keysOffset: 0, changes: [Change(type: 0x80, body: [1, 2, 3])], offset: size - 256)
        var chunk = [UInt8](repeating: 0, count: size)
        let real = size - 256
        chunk.replaceSubrange(real..<(real + body.count), with: body)
        chunk.replaceSubrange((real + body.count)..<(real + body.count + 64), with: check + [UInt8](repeating: 7, count: 32))
        for position in stride(from: 64, to: real, by: 64) {
            var w = ByteWriter(capacity: FormatV2.commitHeadCount)
            w.append(FormatV2.commitMagic)
            w.u64(9)
            w.u32(UInt32((size - position - FormatV2.commitTailCount) / 64 * 64 - FormatV2.commitHeadCount))
            w.u64(0)
            chunk.replaceSubrange(position..<(position + FormatV2.commitHeadCount), with: w.bytes)
        }
        var plenty = Int.max / 2
        let found = ChainFile.nextWholeCommit(in: chunk[...], after: 0, chunkOffset: 0, above: 3, budget: &plenty)
        #expect(found?.offset == real && found?.number == 4)
        #expect(Int.max / 2 - plenty > 16 * size, "the fake heads were each hashed: \(Int.max / 2 - plenty) bytes")
        var budget = 2 * size
        #expect(ChainFile.nextWholeCommit(in: chunk[...], after: 0, chunkOffset: 0, above: 3, budget: &budget) == nil)
        #expect(budget < 0 && budget > -size, "\(budget)")
    }

    /// The fifth entry's commit renumbered (its check made again, as anyone can): a plain read refuses the jump; salvage
    /// says which commit is missing before it, reads it, and all five keys restore.
    @Test func aCommitNumberedPastAGapSaysWhatIsMissing() throws {
        let (path, credentials, keys, _, fifth) = try Self.vault()
        var bytes = try TestFiles.bytes(path)
        #expect(fifth.number == 3)
        bytes[fifth.offset + 11] = 4
        let tail = fifth.end - FormatV2.commitTailCount
        let check = Commit.check(of: bytes[fifth.offset..<tail])
        bytes.replaceSubrange(tail..<(tail + FormatV2.checkCount), with: check)
        try Self.salvage(
            bytes, credentials: credentials, keys: keys, damage: "commit 3 is missing before the commit at byte \(fifth.offset)",
            restorable: [0, 1, 2, 3, 4])
    }

    /// The last commit of the first chunk lost: the second chunk's first commit, numbered one past what was expected,
    /// is read, and every other key restores.
    @Test func theCommitAfterALostOneInTheNextChunkIsRead() throws {
        let (path, credentials, keys, chain) = try Self.twoChunks()
        var bytes = try TestFiles.bytes(path)
        let secondChunk = chain.chunks[1]
        let lost = try #require(chain.commits.lastIndex { $0.offset < secondChunk.offset })
        bytes[chain.commits[lost].offset] ^= 0xFF
        let damaged = "\(try CustodianSupport.temporaryDirectory())/damaged.kv"
        try Data(bytes).write(to: URL(fileURLWithPath: damaged))
        let opened = try Vault.openForSalvage(atPath: damaged)
        #expect(
            opened.damage
                == "damage at byte \(chain.commits[lost].offset) (a commit that does not read: no commit magic) was passed over, nothing more of its chunk could be read"
        )
        let unlocked = try opened.vault.unlock(with: credentials)
        // The first commit holds three keys, each later one a key.
        for (i, (host, key)) in keys.enumerated() {
            let role: Role = host == "DW01" ? .dw : .sm
            if i == lost + 2 {
                #expect(throws: KeyVaultError.self, "\(host)") { try Version2SalvageTests.restore(unlocked, role, host) }
            } else {
                #expect(try Version2SalvageTests.restore(unlocked, role, host) == key, "\(host)")
            }
        }
    }

    /// The free end of the five-entry vault's chunk filled, every 192 bytes, with a head that claims the rest of the
    /// chunk (its changes do not parse, its tail is not zeros: it is hashed whole before it is found damaged) and a
    /// whole commit after it: each head is passed over to the commit behind it, so the read would hash the chunk once
    /// per head. With a budget of 8 KiB the read stops once that much was hashed, says so, and keeps what it read.
    @Test func hashingInASalvageReadStopsAtItsBudget() throws {
        let (path, _, _, _, fifth) = try Self.vault()
        var bytes = try TestFiles.bytes(path)
        let chain = try ChainFile.read(from: OpenFile.open(path, what: "vault"))
        let chunk = chain.chunks[0]
        let tailAt = chunk.offset + chunk.capacity - 128
        bytes.replaceSubrange(tailAt..<(tailAt + 64), with: [UInt8](repeating: 0x5A, count: 64))
        var position = fifth.end
        var number = fifth.number + 1
        while position + 192 <= tailAt {
            var head = ByteWriter(capacity: FormatV2.commitHeadCount)
            head.append(FormatV2.commitMagic)
            head.u64(number)
            head.u32(UInt32(tailAt - position - FormatV2.commitHeadCount))
            head.u64(0)
            bytes.replaceSubrange(position..<(position + FormatV2.commitHeadCount), with: head.bytes)
            let (body, check) = Commit.encode(number: number, keysOffset: 0, changes: [Change(type: 0x80, body: [1])], offset: position + 64 - chunk.offset)
            bytes.replaceSubrange((position + 64)..<(position + 64 + body.count), with: body)
            bytes.replaceSubrange((position + 128)..<(position + 192), with: check + [UInt8](repeating: 7, count: 32))
            position += 192
            number += 1
        }
        let damaged = "\(try CustodianSupport.temporaryDirectory())/heads.kv"
        try Data(bytes).write(to: URL(fileURLWithPath: damaged))
        let file = try OpenFile.open(damaged, what: "vault")
        let plenty = try ChainFile.readDeferringChecks(from: file, salvaging: true).confirmed { $0 }
        #expect(plenty.commits.count == chain.commits.count + Int(number - fifth.number - 1), "every whole commit read")
        let bounded = try ChainFile.readDeferringChecks(from: file, salvaging: true, budget: 8 << 10).confirmed { $0 }
        let stop = try #require(bounded.skipped.last)
        #expect(stop.description == "the salvage read stopped at byte \(stop.at): it had hashed twice as many bytes of commits as a vault's metadata can hold")
        #expect(bounded.commits.count >= chain.commits.count && bounded.commits.count < plenty.commits.count)
    }

    /// The second chunk's head lost and twenty blocks of fake chunk heads (a capacity of zero) appended: each is passed
    /// over in turn; the warning names the first eight places and counts the rest, and the first chunk's keys restore.
    @Test func manyFakeChunkHeadsAreCountedNotEachNamed() throws {
        let (path, credentials, keys, chain) = try Self.twoChunks()
        var bytes = try TestFiles.bytes(path)
        let secondChunk = chain.chunks[1]
        bytes[secondChunk.offset] ^= 0x01
        bytes += [UInt8](repeating: 0, count: (FormatV2.blockSize - bytes.count % FormatV2.blockSize) % FormatV2.blockSize)
        for _ in 0..<20 { bytes += FormatV2.chunkMagic + [UInt8](repeating: 0, count: FormatV2.blockSize - 8) }
        let damaged = "\(try CustodianSupport.temporaryDirectory())/fakes.kv"
        try Data(bytes).write(to: URL(fileURLWithPath: damaged))
        let opened = try Vault.openForSalvage(atPath: damaged)
        let damage = try #require(opened.damage)
        #expect(damage.components(separatedBy: "; ").count == 9 && damage.hasSuffix("; and 13 more places passed over"), "\(damage)")
        #expect(damage.hasPrefix("damage at byte \(secondChunk.offset) (no chunk head at byte \(secondChunk.offset)) was passed over, read on from byte "))
        let unlocked = try opened.vault.unlock(with: credentials)
        let inFirst = chain.commits.filter { $0.offset < secondChunk.offset }.count + 2
        for (host, key) in keys.prefix(inFirst) {
            #expect(try Version2SalvageTests.restore(unlocked, host == "DW01" ? .dw : .sm, host) == key, "\(host)")
        }
    }

    /// Ten commits whose audit records each have one bit flipped (whole, their checks not): the warning names the first
    /// eight and counts the other two, and every key restores from its own seal.
    @Test func manyCommitsThatFailTheirChecksAreCountedNotEachNamed() throws {
        let (path, credentials, keys, chain) = try Self.twoChunks()
        var bytes = try TestFiles.bytes(path)
        let text = Array("ok: sealed version".utf8)
        let flipped = chain.commits[1...10].map { commit in
            let at = (commit.offset..<(commit.end - text.count)).first { Array(bytes[$0..<($0 + text.count)]) == text }!
            bytes[at] ^= 0x01
            return commit.offset
        }
        let damaged = "\(try CustodianSupport.temporaryDirectory())/checks.kv"
        try Data(bytes).write(to: URL(fileURLWithPath: damaged))
        let opened = try Vault.openForSalvage(atPath: damaged)
        let places = flipped.prefix(8).map { "byte \($0)" }.joined(separator: ", ")
        #expect(opened.damage == "the commits at \(places) and 2 more fail their checks")
        let unlocked = try opened.vault.unlock(with: credentials)
        for (host, key) in keys {
            #expect(try Version2SalvageTests.restore(unlocked, host == "DW01" ? .dw : .sm, host) == key, "\(host)")
        }
    }

    /// A commit's `keys_offset` (outside its check) damaged: pointing into the chunk, only that commit is left out and
    /// every other key restores; pointing 200 bytes before the next commit's keys (inside the file, over them), both
    /// are left out (which one was damaged cannot be told) and the first commit's keys restore. A plain read refuses
    /// both.
    @Test func aCommitWhoseKeysAreMisplacedIsLeftOut() throws {
        let (path, credentials, keys, fourth, fifth) = try Self.vault()
        let good = try TestFiles.bytes(path)
        func pointing(_ commit: Commit, to offset: Int) -> [UInt8] {
            var bytes = good
            for i in 0..<8 { bytes[commit.offset + 16 + i] = UInt8(truncatingIfNeeded: UInt64(offset) >> UInt64(56 - 8 * i)) }
            return bytes
        }
        let astray = { (commit: Commit) in "the commit at byte \(commit.offset) points to its keys outside the file or over other bytes; it was left out" }
        try Self.salvage(
            pointing(fifth, to: fifth.offset), credentials: credentials, keys: keys, damage: astray(fifth), restorable: [0, 1, 2, 3])
        try Self.salvage(
            pointing(fourth, to: Int(fifth.keysOffset) - 200), credentials: credentials, keys: keys, damage: "\(astray(fourth)); \(astray(fifth))",
            restorable: [0, 1, 2])
    }

    /// The fifth commit's audit record given a control character and its check made again (as anyone can): every commit
    /// is whole, but the history does not replay by version 1's rules, so a plain read refuses it; salvage reads the
    /// entries alone, says so, is not authentic, and every key restores.
    @Test func aHistoryThatDoesNotReplayLeavesTheEntries() throws {
        let (path, credentials, keys, _, fifth) = try Self.vault()
        var bytes = try TestFiles.bytes(path)
        let text = Array("ok: sealed version".utf8)
        let at = try #require((fifth.offset..<(fifth.end - text.count)).first { Array(bytes[$0..<($0 + text.count)]) == text })
        bytes[at] = 0x01
        let tail = fifth.end - FormatV2.commitTailCount
        bytes.replaceSubrange(tail..<(tail + FormatV2.checkCount), with: Commit.check(of: bytes[fifth.offset..<tail]))
        try Self.salvage(
            bytes, credentials: credentials, keys: keys, damage: "only the entries could be read (no passwords, drills, inventory or audit log)",
            restorable: [0, 1, 2, 3, 4])
    }
}
