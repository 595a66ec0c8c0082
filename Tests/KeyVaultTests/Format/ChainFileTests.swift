// Format version 2's container (not yet written by any command): slot copies, chunks and commits read back as written;
// a crash after any step of an append leaves every acknowledged commit; damage is never read as a shorter history.
import Foundation
import Testing
@testable import KeyVault
import KeyVaultTestSupport

struct ChainFileTests {
    /// The slots of a real vault (one X25519 custodian), as a version-2 slot copy of generation `seq`.
    static func slotCopy(seq: UInt64 = 1) throws -> SlotCopy {
        let dir = try CustodianSupport.temporaryDirectory()
        let identity = try CustodianIdentity.generate()
        try Vault.create(atPath: "\(dir)/v1.kv", custodians: [.recipient(identity.recipient!)])
        let header = try Vault.open(atPath: "\(dir)/v1.kv").header
        return SlotCopy(seq: seq, identityBytes: header.identity.associatedBytes, threshold: header.threshold, slots: header.slots)
    }

    /// A version-2 file whose first commit holds `changes` and `keys`; its path and the chain key.
    func newFile(changes: [Change] = [Change(type: 3, body: [1, 2, 3])], keys: [UInt8] = []) throws -> (path: String, key: SecretBytes, copy: SlotCopy) {
        let key = try SecretBytes.random(count: 32)
        let copy = try Self.slotCopy()
        let (bytes, keysOffset, _, _) = ChainWriter.newFile(copy: copy, changes: changes, keysCount: keys.count, macKey: key)
        #expect(keysOffset == bytes.count)
        let path = "\(try CustodianSupport.temporaryDirectory())/v2.kv"
        try Data(bytes + keys).write(to: URL(fileURLWithPath: path))
        return (path, key, copy)
    }

    func read(_ path: String) throws -> ChainFile { try ChainFile.read(from: OpenFile.open(path, what: "vault")) }

    /// Appends one commit (all of its plan, or its first `steps`).
    @discardableResult
    func append(_ path: String, _ changes: [Change], keys: [UInt8] = [], key: SecretBytes?, steps: Int? = nil) throws -> WritePlan {
        let plan = try ChainWriter.append(to: try read(path), changes: changes, keys: keys, macKey: key)
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        defer { try? handle.close() }
        try plan.execute(on: handle.fileDescriptor, path: path, steps: steps.map { 0..<$0 })
        return plan
    }

    func overwrite(_ path: String, at offset: Int, with bytes: [UInt8]) throws {
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        try handle.seek(toOffset: UInt64(offset))
        try handle.write(contentsOf: Data(bytes))
        try handle.close()
    }

    /// Flips every bit of the byte at `offset`: damage whatever the byte was (writing 0xFF changed nothing when the
    /// random slot bytes already held it, one time in 256).
    func flip(_ path: String, at offset: Int) throws {
        let byte = try TestFiles.bytes(path)[offset]
        try overwrite(path, at: offset, with: [~byte])
    }

    func damage(of path: String) -> String? {
        do {
            _ = try read(path)
            return nil
        } catch let error as KeyVaultError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    /// A change of `count` bytes that says which commit it came from.
    static func change(_ n: Int, count: Int) -> Change {
        // Filled through a buffer pointer: an unoptimised `map` over megabytes took minutes under the sanitizers.
        Change(
            type: 6,
            body: [UInt8](unsafeUninitializedCapacity: count) { buffer, initialised in
                for i in 0..<count { buffer[i] = UInt8(truncatingIfNeeded: i &+ n &* 7) }
                initialised = count
            })
    }

    @Test func commitsAndKeysReadBackAsWrittenAcrossChunks() throws {
        let (path, key, copy) = try newFile(keys: Array(repeating: 0xAB, count: 100))
        var written: [[Change]] = [[ChainWriter.base(copy), Change(type: 3, body: [1, 2, 3])]]
        var keysAt: [(Int, [UInt8])] = []
        // What a writer knows after its own appends, without reading the file again.
        var known = try read(path)
        // Planned from what the writer knows (reading the file back every time would make this quadratic, and slow
        // under the sanitizers); the file is read back every hundred commits and at the end.
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        defer { try? handle.close() }
        for n in 1...300 {
            // Every fifth commit is a lone custodian's check-in: unkeyed, one `07` change, no keys.
            let checkIn = n % 5 == 0
            let changes = checkIn ? [Change(type: 7, body: Array(repeating: UInt8(n & 0xFF), count: 90))] : [Self.change(n, count: (n * 37) % 700)]
            let keys = n % 3 == 0 && !checkIn ? (0..<(n % 50 + 1)).map { UInt8(truncatingIfNeeded: $0 + n) } : []
            let before = known.fileSize
            let plan = try ChainWriter.append(to: known, changes: changes, keys: keys, macKey: checkIn ? nil : key)
            try plan.execute(on: handle.fileDescriptor, path: path)
            known.apply(plan)
            if !keys.isEmpty { keysAt.append((before, keys)) }
            written.append(changes)
            if n % 100 == 0 {
                let reread = try read(path)
                #expect(reread.commits.count == known.commits.count && reread.fileSize == known.fileSize && reread.appendOffset == known.appendOffset, "after \(n)")
            }
        }
        let chain = try read(path)
        #expect(chain.chunks.count >= 3, "\(chain.chunks)")
        #expect(known.chunks.map(\.offset) == chain.chunks.map(\.offset) && known.chunks.map(\.capacity) == chain.chunks.map(\.capacity))
        #expect(known.commits.map(\.offset) == chain.commits.map(\.offset) && known.commits.map(\.mac) == chain.commits.map(\.mac))
        #expect(known.commits.map(\.changes) == chain.commits.map(\.changes) && known.commits.map(\.count) == chain.commits.map(\.count))
        #expect(known.fileSize == chain.fileSize && known.appendOffset == chain.appendOffset && known.lastKeyedMAC == chain.lastKeyedMAC)
        #expect(chain.torn == nil)
        #expect(chain.copies == [copy, copy])
        #expect(chain.commits.map(\.changes) == written)
        #expect(chain.commits.map(\.number) == (1...301).map(UInt64.init))
        for (commit, (offset, keys)) in zip(chain.commits.filter { $0.keysOffset != 0 && $0.number > 1 }, keysAt) {
            #expect(Int(commit.keysOffset) == offset)
            let file = try OpenFile.open(path, what: "vault")
            #expect(try file.read(count: keys.count, at: offset, what: "keys") == keys)
        }
        // Check-in commits are written and read back, but until their signatures are checked each breaks the chain:
        // the first (n = 5) is where it breaks; without them the chain holds.
        #expect(chain.commits.filter { !$0.isKeyed }.count == 60)
        #expect(CommitChain.firstBroken(chain.commits, key: key) == 5)
        #expect(CommitChain.firstBroken(Array(chain.commits.prefix(5)), key: key) == nil)
        #expect(CommitChain.firstBroken(chain.commits, key: try SecretBytes.random(count: 32)) == 0)
    }

    /// A file of `count` commits; the plan of one more of `changeCount` bytes (with a key), not yet run.
    func fileAndPlan(commits count: Int, changeCount: Int) throws -> (path: String, key: SecretBytes, plan: WritePlan) {
        let (path, key, _) = try newFile()
        for n in 1..<count { try append(path, [Self.change(n, count: 100)], key: key) }
        let plan = try ChainWriter.append(to: try read(path), changes: [Self.change(99, count: changeCount)], keys: [7, 7, 7], macKey: key)
        return (path, key, plan)
    }

    func copy(_ path: String, as name: String) throws -> String {
        let out = "\(try CustodianSupport.temporaryDirectory())/\(name)"
        try FileManager.default.copyItem(atPath: path, toPath: out)
        return out
    }

    /// Every prefix of an append's steps — in the last chunk, and opening a new chunk — leaves a file that reads with
    /// every commit before it, plus the new one exactly when its last write was done; the next append then works.
    @Test(arguments: [100, 40_000])
    func aCrashAfterAnyStepLosesNoAcknowledgedCommit(changeCount: Int) throws {
        let (path, key, plan) = try fileAndPlan(commits: 5, changeCount: changeCount)
        // The commit becomes part of the file with its last write: its tail, or, when it opened a new chunk, the full
        // chunk's link to it. (The writer reports success only after the sync that follows.)
        let lastWrite = try #require(plan.steps.lastIndex { if case .write = $0 { return true } else { return false } })
        #expect(plan.steps.last == .sync)
        for k in 0...plan.steps.count {
            let crashed = try copy(path, as: "crash-\(k).kv")
            let handle = try #require(FileHandle(forUpdatingAtPath: crashed))
            try plan.execute(on: handle.fileDescriptor, path: crashed, steps: 0..<k)
            try handle.close()
            let chain = try read(crashed)
            let acknowledged = k > lastWrite
            #expect(chain.commits.count == (acknowledged ? 6 : 5), "after \(k) of \(plan.steps.count) steps")
            #expect(CommitChain.firstBroken(chain.commits, key: key) == nil)
            try append(crashed, [Self.change(7, count: 300)], key: key)
            let after = try read(crashed)
            #expect(after.commits.count == chain.commits.count + 1 && after.torn == nil, "after \(k) steps, then one more")
            #expect(CommitChain.firstBroken(after.commits, key: key) == nil)
        }
    }

    /// A write cut inside the commit's head and changes (only some of its sectors reach the disk), the tail never
    /// written: the commit was not acknowledged and is ignored, whichever sectors made it.
    @Test func aCommitWrittenInPartIsTornNotDamage() throws {
        let (path, key, plan) = try fileAndPlan(commits: 3, changeCount: 3_000)
        guard case .write(let offset, let body)? = plan.steps.first(where: { if case .write(_, let b) = $0 { return b.count > 3_000 } else { return false } }) else {
            Issue.record("no commit body in \(plan.steps)")
            return
        }
        for (name, range) in [("first sector", 0..<512), ("all but the first sector", 512..<body.count), ("the middle", 1_024..<2_048)] {
            let cut = try copy(path, as: "\(name).kv")
            try overwrite(cut, at: offset + range.lowerBound, with: Array(body[range]))
            let chain = try read(cut)
            #expect(chain.commits.count == 3 && chain.torn != nil, "\(name)")
            try append(cut, [Self.change(8, count: 10)], key: key)
            #expect(try read(cut).commits.count == 4, "\(name)")
            #expect(try read(cut).torn == nil)
        }
    }

    /// What someone who can write the file, or a failing disk, can make of it.
    @Test func damageIsReportedNeverReadAsAShorterHistory() throws {
        let (path, key, _) = try fileAndPlan(commits: 6, changeCount: 10)
        let chain = try read(path)
        let third = chain.commits[2], last = chain.commits[5]

        // A commit's head zeroed in the middle: the commits after it are not dropped.
        let hidden = try copy(path, as: "hidden.kv")
        try overwrite(hidden, at: third.offset, with: [UInt8](repeating: 0, count: FormatV2.commitHeadCount))
        #expect(damage(of: hidden) == "vault damaged: a commit at byte \(chain.commits[3].offset) follows zeros at byte \(third.offset) (a lost write, or a change hidden on purpose)")

        // A whole commit zeroed: the same.
        let gone = try copy(path, as: "gone.kv")
        try overwrite(gone, at: third.offset, with: [UInt8](repeating: 0, count: third.count))
        #expect(damage(of: gone) == "vault damaged: a commit at byte \(chain.commits[3].offset) follows zeros at byte \(third.offset) (a lost write, or a change hidden on purpose)")

        // One bit of the last commit's changes: damaged, not torn (its tail is there).
        let flipped = try copy(path, as: "flipped.kv")
        try overwrite(flipped, at: last.offset + FormatV2.commitHeadCount + 7, with: [0x55])
        #expect(damage(of: flipped) == "vault damaged: the commit at byte \(last.offset) is damaged: its check does not match")

        // The last commit's tail zeroed: indistinguishable from a crash before it was acknowledged, so it is ignored
        // (as cutting the file would drop it; the seen-vault record is what notices either).
        let untailed = try copy(path, as: "untailed.kv")
        try overwrite(untailed, at: last.end - FormatV2.commitTailCount, with: [UInt8](repeating: 0, count: FormatV2.commitTailCount))
        #expect(try read(untailed).commits.count == 5)

        // Its chain forged: the chain breaks there.
        let forged = try copy(path, as: "forged.kv")
        try overwrite(forged, at: last.end - 32, with: [UInt8](repeating: 0x42, count: 32))
        let forgedChain = try read(forged)
        #expect(CommitChain.firstBroken(forgedChain.commits, key: key) == 5)
        // A chain proven before (the file as a writer read it before appending) is taken as holding only as far as
        // each commit's check and mac are the same: the forged commit is checked, and found, however much is proven.
        let proven = try read(path).commits
        #expect(CommitChain.firstBroken(forgedChain.commits, key: key, proven: proven) == 5)
        #expect(CommitChain.firstBroken(try read(path).commits, key: key, proven: Array(proven.prefix(3))) == nil)
        // (The proven commits are not hashed again: under another key the chain breaks only after them.)
        #expect(CommitChain.firstBroken(forgedChain.commits, key: try SecretBytes.random(count: 32), proven: Array(proven.prefix(4))) == 4)

        // Its mac zeroed (anyone can write a zero mac): only a lone custodian's check-in may be unkeyed.
        let unkeyed = try copy(path, as: "unkeyed.kv")
        try overwrite(unkeyed, at: last.end - 32, with: [UInt8](repeating: 0, count: 32))
        let unkeyedChain = try read(unkeyed)
        #expect(unkeyedChain.commits.count == 6 && !unkeyedChain.commits[5].isKeyed)
        #expect(CommitChain.firstBroken(unkeyedChain.commits, key: key) == 5)

        // The last commit's length with one bit flipped (its tail now looks zero), or its head's sector lost: its tail
        // is still there, so it is damage, never a torn commit that the next writer would clear.
        let length = UInt32(last.count - FormatV2.commitHeadCount - FormatV2.commitTailCount + 64)
        let longer = (0..<4).map { UInt8((length >> UInt32(24 - 8 * $0)) & 0xFF) }
        for (name, at, bytes) in [("length", last.offset + 12, longer), ("head", last.offset, [UInt8](repeating: 0, count: FormatV2.commitHeadCount))] {
            let broken = try copy(path, as: "broken-\(name).kv")
            try overwrite(broken, at: at, with: bytes)
            #expect(damage(of: broken) == "vault damaged: the commit at byte \(last.offset) is damaged: its tail is intact but its head is not", "\(name)")
        }

        // The last commit moved behind zeros (its own number, after a gap): damage, not a crash's leftover.
        let moved = try copy(path, as: "moved.kv")
        let lastBytes = Array(try TestFiles.bytes(path)[last.offset..<last.end])
        try overwrite(moved, at: last.offset, with: [UInt8](repeating: 0, count: last.count))
        try overwrite(moved, at: last.end, with: lastBytes)
        #expect(damage(of: moved) == "vault damaged: a commit at byte \(last.end) follows zeros at byte \(last.offset) (a lost write, or a change hidden on purpose)")

        // A chunk filled with commit heads behind zeros (each would have to be hashed to the end of the chunk):
        // refused at the first, without hashing any.
        let heads = try copy(path, as: "heads.kv")
        var filler: [UInt8] = []
        for n in 0..<100 {
            var head = ByteWriter()
            head.append(FormatV2.commitMagic)
            head.u64(UInt64(8 + n))
            head.u32(UInt32(40 + 64 * (100 - n)))
            head.append([UInt8](repeating: 0, count: 8 + 40))
            filler += head.bytes
        }
        try overwrite(heads, at: last.end + 64, with: filler)
        #expect(damage(of: heads) == "vault damaged: a commit at byte \(last.end + 64) follows zeros at byte \(last.end) (a lost write, or a change hidden on purpose)")
    }

    /// A chunk of megabytes is read as far as its commits go and its unused rest checked a piece at a time: what lies
    /// far beyond the last commit (past what is read ahead) is still found, as damage or as a torn commit.
    @Test func aLargeChunkIsCheckedToItsEndWithoutBeingReadWhole() throws {
        let (path, key, _) = try newFile(changes: [Self.change(1, count: 3 << 20)])
        try append(path, [Self.change(2, count: 500)], key: key)
        let chain = try read(path)
        let chunk = try #require(chain.chunks.first)
        #expect(chain.chunks.count == 1 && chunk.capacity > 6 << 20, "\(chain.chunks)")
        #expect(chain.commits[0].changes.last == Self.change(1, count: 3 << 20) && chain.commits[1].changes == [Self.change(2, count: 500)])
        #expect(chain.torn == nil && chain.appendOffset == chain.commits[1].end)
        let last = chain.commits[1]
        let linkStart = ChainFile.linkOffset(chunk: chunk.offset, capacity: chunk.capacity)
        let far = (linkStart - last.count - 64) / 64 * 64
        #expect(far - last.end > 2 << 20)

        // The last commit moved far beyond where it was: found, as a commit behind zeros.
        let moved = try copy(path, as: "far-moved.kv")
        try overwrite(moved, at: last.offset, with: [UInt8](repeating: 0, count: last.count))
        try overwrite(moved, at: far, with: Array(try TestFiles.bytes(path)[last.offset..<last.end]))
        #expect(damage(of: moved) == "vault damaged: a commit at byte \(far) follows zeros at byte \(last.offset) (a lost write, or a change hidden on purpose)")

        // One stray byte just before the link: not a commit, so the remains of an unacknowledged write (torn),
        // which the next writer clears; never read as part of the history.
        let stray = try copy(path, as: "far-stray.kv")
        try overwrite(stray, at: linkStart - 1, with: [0x01])
        let strayChain = try read(stray)
        #expect(strayChain.torn == last.end..<linkStart && strayChain.commits.count == 2)
        try append(stray, [Self.change(3, count: 100)], key: key)
        let mended = try read(stray)
        #expect(mended.torn == nil && mended.commits.count == 3)
        #expect(try TestFiles.bytes(stray)[linkStart - 1] == 0)
    }

    /// Commits read while their chunk's buffer still grows (each past what was read ahead) come back whole, and all of
    /// them as slices of one buffer: none was copied out, and the buffer was not copied to grow.
    @Test func commitsReadWhileTheirChunkGrowsAreWholeAndShareOneBuffer() throws {
        let sizes = [3 << 20, 100, (1 << 20) + 3, 40, 1 << 20, 7]
        let (path, key, _) = try newFile(changes: [Self.change(1, count: sizes[0])])
        for (n, count) in sizes.enumerated().dropFirst() { try append(path, [Self.change(n + 1, count: count)], key: key) }
        let chain = try read(path)
        #expect(chain.chunks.count == 1 && chain.commits.count == sizes.count)
        for (n, count) in sizes.enumerated() {
            #expect(chain.commits[n].changes.last == Self.change(n + 1, count: count), "commit \(n + 1)")
        }
        let bodies = chain.commits.map { $0.changes.last!.body }
        let base = bodies[0].withUnsafeBufferPointer { $0.baseAddress! } - bodies[0].startIndex
        for body in bodies {
            #expect(body.withUnsafeBufferPointer { $0.baseAddress! } - body.startIndex == base)
        }
        #expect(CommitChain.firstBroken(chain.commits, key: key) == nil)
    }

    /// The same across two chunks, each growing after commits were read from it, and with a torn commit (written but
    /// not acknowledged) after the growth: the acknowledged commits come back whole, the torn one is not one of them.
    /// (The search for the torn commit's tail passes over the new chunk's megabytes of zeros; it once took minutes
    /// under the sanitizers.)
    @Test func commitsReadWhileTwoChunksGrowAreWholeAndATornOneIsLeftOut() throws {
        let sizes = [3 << 20, 100, (1 << 20) + 3, 5 << 20, 60, (1 << 20) + 11, 5]
        let (path, key, _) = try newFile(changes: [Self.change(1, count: sizes[0])])
        for (n, count) in sizes.enumerated().dropFirst() { try append(path, [Self.change(n + 1, count: count)], key: key) }
        let plan = try ChainWriter.append(to: try read(path), changes: [Self.change(99, count: 2 << 20)], keys: [], macKey: key)
        // Everything but the last write (the tail that acknowledges it): its head and changes are in the file.
        let lastWrite = try #require(plan.steps.lastIndex { if case .write = $0 { return true } else { return false } })
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        try plan.execute(on: handle.fileDescriptor, path: path, steps: 0..<lastWrite)
        try handle.close()
        let chain = try read(path)
        #expect(chain.chunks.count == 2 && chain.commits.count == sizes.count && chain.torn != nil, "\(chain.chunks) \(String(describing: chain.torn))")
        for (n, count) in sizes.enumerated() {
            #expect(chain.commits[n].changes.last == Self.change(n + 1, count: count), "commit \(n + 1)")
        }
        #expect(CommitChain.firstBroken(chain.commits, key: key) == nil)
    }

    @Test func informationalChangesAndThePreambleAreCheckedAsWritten() throws {
        let (path, key, _) = try newFile()
        // A critical change this version does not know is a newer keyvault's, not damage.
        let newer = try copy(path, as: "newer.kv")
        try append(newer, [Change(type: 0x20, body: [1])], key: key)
        #expect(damage(of: newer) == "vault has a change of type 32, which this keyvault does not know; upgrade keyvault")
        // An informational change (kept by a rewrite, skipped by replay) sorts before the padding.
        try append(path, [Self.change(1, count: 10), Change(type: 0x81, body: [1, 2, 3])], key: key)
        #expect(try read(path).commits.last!.changes == [Self.change(1, count: 10), Change(type: 0x81, body: [1, 2, 3])])
        // The preamble's flags: an unknown one is a newer keyvault's; the threshold bit must agree with the slots.
        let unknown = try copy(path, as: "unknown.kv"), threshold = try copy(path, as: "threshold.kv")
        try overwrite(unknown, at: 11, with: [0x02])
        try overwrite(threshold, at: 11, with: [0x01])
        #expect(damage(of: unknown) == "vault sets feature flags 0x2 that this keyvault does not know; upgrade keyvault")
        #expect(damage(of: threshold) == "vault damaged: the preamble and the slot area disagree on whether the vault has a threshold")
    }

    /// At most one 04 and one 05 change per section in a commit (FORMAT.md, *Changes*), as writers make them: a file
    /// that repeated one 05 change of a million items to the same section two dozen times took minutes to replay.
    @Test func aCommitChangesEachSectionOnce() throws {
        let (path, key, _) = try newFile()
        let empty: [UInt8] = [0, 0, 0, 0]
        let twice = try copy(path, as: "twice.kv"), replacedTwice = try copy(path, as: "replaced.kv"), both = try copy(path, as: "both.kv")
        try append(twice, [Change(type: 5, body: [5] + empty), Change(type: 5, body: [5] + empty)], key: key)
        #expect(damage(of: twice)?.hasSuffix(" is damaged: its changes do not parse") == true, "\(String(describing: damage(of: twice)))")
        try append(replacedTwice, [Change(type: 4, body: [0x81, 1]), Change(type: 4, body: [0x81, 2])], key: key)
        #expect(damage(of: replacedTwice)?.hasSuffix(" is damaged: its changes do not parse") == true)
        // One of each kind, or two sections, as a writer makes them: read.
        try append(both, [Change(type: 4, body: [0x81, 1]), Change(type: 5, body: [4] + empty), Change(type: 5, body: [5] + empty)], key: key)
        #expect(damage(of: both) == nil)
    }

    @Test func oneDamagedSlotCopyOrPreambleIsSurvivedBothAreNot() throws {
        let (path, _, copy) = try newFile()
        let size = copy.minimumSize
        let a = try self.copy(path, as: "a.kv"), b = try self.copy(path, as: "b.kv"), both = try self.copy(path, as: "both.kv")
        let preamble = try self.copy(path, as: "preamble.kv")
        try flip(a, at: FormatV2.blockSize + 100)
        try flip(b, at: FormatV2.blockSize + size + 100)
        try flip(both, at: FormatV2.blockSize + 100)
        try flip(both, at: FormatV2.blockSize + size + 100)
        try overwrite(preamble, at: 0, with: [UInt8](repeating: 0, count: 16))
        #expect(try read(a).copies == [nil, copy])
        #expect(try read(b).copies == [copy, nil])
        #expect(try read(preamble).copies == [copy, copy])
        #expect(damage(of: both) == "vault damaged: both copies of the slot area are damaged; no custodian can unlock it")
        // Copy A and the preamble both gone: copy B is still found from A's own size field.
        let aAndPreamble = try self.copy(a, as: "ap.kv")
        try overwrite(aAndPreamble, at: 0, with: [UInt8](repeating: 0, count: 16))
        #expect(try read(aAndPreamble).copies == [nil, copy])
    }

    @Test func linksAndChunksAreCheckedBeforeTheyAreFollowed() throws {
        let (path, key, _) = try newFile()
        try append(path, [Self.change(1, count: 40_000)], key: key)
        let chain = try read(path)
        #expect(chain.chunks.count == 2)
        let first = chain.chunks[0], second = chain.chunks[1]
        let link = ChainFile.linkOffset(chunk: first.offset, capacity: first.capacity)

        let badLink = try copy(path, as: "link.kv")
        try overwrite(badLink, at: link + 40, with: [0x01])
        #expect(damage(of: badLink) == "vault damaged: the link at the end of the chunk at byte \(first.offset) is not valid")

        // A link rebuilt to point back at its own chunk (a loop) is refused too.
        let loop = try copy(path, as: "loop.kv")
        try overwrite(loop, at: link, with: ChainFile.link(from: first.offset, to: first.offset))
        #expect(damage(of: loop) == "vault damaged: the link at the end of the chunk at byte \(first.offset) is not valid")

        // A chunk claiming more than the file holds: refused before anything that size is read.
        let huge = try copy(path, as: "huge.kv")
        try overwrite(huge, at: second.offset + 8, with: [0x0F, 0xFF, 0xF0, 0x00])
        #expect(
            damage(of: huge)
                == "vault damaged or truncated: the chunk at byte \(second.offset) claims \(0x0FFF_F000) bytes (file \(chain.fileSize) bytes, metadata limit \(FormatV2.maxMetadataCount))")
    }

    /// A new chunk doubles while the metadata limit allows, then takes what is left as long as that holds the commit;
    /// beyond that the writer asks for a compaction instead of making a file readers refuse.
    @Test func chunksStayInsideTheMetadataLimit() {
        let mib = 1 << 20
        #expect(ChainWriter.chunkCapacity(holding: 100, previous: 0) == FormatV2.minChunkCapacity)
        #expect(ChainWriter.chunkCapacity(holding: 100, previous: 64 * mib) == 128 * mib)
        #expect(ChainWriter.chunkCapacity(holding: 100, previous: 64 * mib, budget: 50 * mib + 100) == 50 * mib)
        #expect(ChainWriter.chunkCapacity(holding: 10 * mib, previous: 64 * mib, budget: 5 * mib) == nil)
        #expect(ChainWriter.chunkCapacity(holding: 200 * mib, previous: 0) == 256 * mib)
        #expect(ChainWriter.chunkCapacity(holding: 300 * mib, previous: 0) == nil)
    }
}
