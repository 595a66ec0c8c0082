// Writing a version-2 file: a whole new file (create, rewrite), or one commit appended in the order that makes a crash
// at any point leave every acknowledged commit readable (docs/FORMAT-V2-DESIGN.md, "Writing").

/// The writes of one change to a version-2 file, in order, with the syncs between them: a plan, so that the crash
/// tests can stop it after any step.
struct WritePlan: Sendable {
    enum Step: Sendable, Equatable {
        /// Bytes at an offset of the file.
        case write(offset: Int, bytes: [UInt8])
        /// The file grows to this size with zeros (a new chunk's room).
        case extend(to: Int)
        /// `fdatasync`: what was written before is on the disk before anything after is written.
        case sync
    }

    var steps: [Step] = []
    /// The commit's check and mac, for the caller's record of the chain.
    var check: [UInt8] = []
    var mac: [UInt8] = []
    /// The commit as a reader will find it, a new chunk it opened, and the file's size after.
    var commit: Commit?
    var newChunk: (offset: Int, capacity: Int)?
    var fileSize = 0

    /// Runs steps `range` (all by default) on the open file `fd`; a failing step's errno and index become the error
    /// `failure` makes (by default, "cannot write the vault").
    func execute(
        on fd: Int32, path: String, steps range: Range<Int>? = nil, failure: ((_ errno: Int32, _ step: Int) -> KeyVaultError)? = nil
    ) throws {
        for (index, step) in zip(range ?? steps.indices, steps[range ?? steps.indices]) {
            do throws(SyscallFailure) {
                switch step {
                case .write(let offset, let bytes):
                    // Recorded first: a write that fails half-way has still changed those bytes.
                    WrittenRanges.record(fd: fd, offset: offset, count: bytes.count)
                    var failure: SyscallFailure?
                    bytes.withUnsafeBytes { b in
                        do throws(SyscallFailure) { try Syscalls.pwriteFully(fd, b, offset: offset) } catch { failure = error }
                    }
                    if let failure { throw failure }
                case .extend(let size):
                    WrittenRanges.recordCut(fd: fd, to: size)
                    try Syscalls.ftruncate(fd, size)
                case .sync: try Syscalls.fdatasync(fd)
                }
            } catch {
                throw failure?(error.code, index) ?? KeyVaultError.io("write the vault", path: path, errno: error.code)
            }
        }
    }
}

/// Makes the bytes of version-2 files and appends.
enum ChainWriter {
    /// The preamble and zeros to 4096.
    static func preamble(threshold: Bool, slotCopySize: Int) -> [UInt8] {
        var w = ByteWriter(capacity: FormatV2.blockSize)
        w.append(FormatV1.magic)
        w.u16(FormatV2.version)
        w.u16(threshold ? FormatV1.flagThreshold : 0)
        w.u32(UInt32(slotCopySize))
        w.append(repeatElement(0 as UInt8, count: FormatV2.blockSize - FormatV2.preambleCount))
        return w.bytes
    }

    /// The base change every file's first commit starts with: `seq u64 ‖ slot_digest[32]`.
    static func base(_ copy: SlotCopy) -> Change {
        var w = ByteWriter(capacity: 40)
        w.u64(copy.seq)
        w.append(copy.digest)
        return Change(type: Change.Kind.base.rawValue, body: w.bytes)
    }

    /// A new file up to the end of its first chunk — preamble, both slot copies, and one chunk holding the first
    /// commit (the base change, then `changes`) — and where its sealed keys go: right after, `keysCount` bytes.
    ///
    /// The chunk has room for twice what it holds (at least 16 KiB), so the next commits are appends. Not `padded`,
    /// the bytes end with the commit, and the writer makes the room up to `keysOffset` (the chunk's end) as zeros it
    /// does not write (``AtomicFile/leaveZeros(_:)``).
    static func newFile(
        copy: SlotCopy, changes: [Change], keysCount: Int, macKey: SecretBytes, padded: Bool = true
    ) -> (bytes: [UInt8], keysOffset: Int, check: [UInt8], mac: [UInt8]) {
        let size = copy.minimumSize
        let chunkOffset = FormatV2.blockSize + 2 * size
        let all = [base(copy)] + changes
        // The commit's size does not depend on keys_offset, so encode once to size the chunk, then for real.
        let sizing = Commit.encode(number: 1, keysOffset: 0, changes: all, offset: chunkOffset + FormatV2.chunkHeadCount).body.count
        // (A state too large for one chunk is refused by the caller's read-back, as a reader would refuse it.)
        let capacity =
            chunkCapacity(holding: sizing + FormatV2.commitTailCount, previous: 0)
            ?? FormatV2.roundUp(
                FormatV2.chunkHeadCount + sizing + FormatV2.commitTailCount + FormatV2.linkCount, to: FormatV2.blockSize)
        let keysOffset = keysCount > 0 ? chunkOffset + capacity : 0
        let (body, check) = Commit.encode(number: 1, keysOffset: UInt64(keysOffset), changes: all, offset: chunkOffset + FormatV2.chunkHeadCount)
        let mac = CommitChain.mac(previous: [UInt8](repeating: 0, count: 32), unkeyedChecks: [], check: check, key: macKey)
        var bytes = preamble(threshold: copy.threshold != nil, slotCopySize: size)
        let encodedCopy = copy.encoded(size: size)
        bytes += encodedCopy
        bytes += encodedCopy
        bytes += ChainFile.chunkHead(capacity: capacity)
        bytes += body
        bytes += check
        bytes += mac
        if padded { bytes.appendZeros(chunkOffset + capacity - bytes.count) }
        return (bytes, chunkOffset + capacity, check, mac)
    }

    /// A chunk's capacity for `needed` bytes of commits: twice that, at least twice the previous chunk, a multiple of
    /// 4096 — but no more than `budget` (what the metadata limit leaves), as long as that holds it; nil when it cannot.
    static func chunkCapacity(holding needed: Int, previous: Int, budget: Int = FormatV2.maxMetadataCount) -> Int? {
        let exact = FormatV2.chunkHeadCount + needed + FormatV2.linkCount
        let room = FormatV2.roundUp(max(FormatV2.minChunkCapacity, exact), to: FormatV2.blockSize)
        let wanted = FormatV2.roundUp(max(FormatV2.minChunkCapacity, 2 * exact, 2 * previous), to: FormatV2.blockSize)
        let allowed = budget / FormatV2.blockSize * FormatV2.blockSize
        return room <= allowed ? min(wanted, allowed) : nil
    }

    /// The writes that append one commit of `changes` to `chain`, with `keys` (the commit's sealed keys, in the order
    /// of its index records) at the end of the file; `macKey` nil makes an unkeyed commit (a lone custodian's check-in).
    ///
    /// Order: a torn commit's bytes are cleared (sync); the keys and the commit's head and changes are written (sync);
    /// when it opened a new chunk, the full chunk's link to it (sync); its tail (sync) — only now is it acknowledged.
    static func append(to chain: ChainFile, changes: [Change], keys: [UInt8], macKey: SecretBytes?) throws -> WritePlan {
        precondition(macKey != nil || (changes.count == 1 && changes[0].type == Change.Kind.checkIn.rawValue && keys.isEmpty), "only a check-in is unkeyed")
        var plan = WritePlan()
        if let torn = chain.torn {
            plan.steps += [.write(offset: torn.lowerBound, bytes: [UInt8](repeating: 0, count: torn.count)), .sync]
        }
        let number = UInt64(chain.commits.count + 1)
        let last = chain.chunks.last!
        let linkStart = ChainFile.linkOffset(chunk: last.offset, capacity: last.capacity)
        let keysOffset = keys.isEmpty ? 0 : chain.fileSize
        let sizing = Commit.encode(number: number, keysOffset: 0, changes: changes, offset: chain.appendOffset).body.count + FormatV2.commitTailCount
        var commitOffset = chain.appendOffset
        var newChunk: (offset: Int, capacity: Int)?
        if commitOffset + sizing > linkStart {
            let offset = FormatV2.roundUp(chain.fileSize + keys.count, to: FormatV2.blockSize)
            let used = chain.chunks.reduce(0, { $0 + $1.capacity })
            guard let capacity = chunkCapacity(holding: sizing, previous: last.capacity, budget: FormatV2.maxMetadataCount - used) else {
                throw KeyVaultError(
                    .io, "the vault's metadata would exceed \(FormatV2.maxMetadataCount >> 20) MiB; run 'keyvault compact' (it writes the history again as one commit); nothing was written")
            }
            newChunk = (offset, capacity)
            commitOffset = offset + FormatV2.chunkHeadCount
        }
        let (body, check) = Commit.encode(number: number, keysOffset: UInt64(keysOffset), changes: changes, offset: commitOffset)
        plan.check = check
        if let macKey {
            plan.mac = CommitChain.mac(previous: chain.lastKeyedMAC, unkeyedChecks: chain.unkeyedChecks, check: check, key: macKey)
        } else {
            plan.mac = [UInt8](repeating: 0, count: 32)
        }
        if !keys.isEmpty { plan.steps.append(.write(offset: keysOffset, bytes: keys)) }
        if let newChunk {
            plan.steps.append(.extend(to: newChunk.offset + newChunk.capacity))
            plan.steps.append(.write(offset: newChunk.offset, bytes: ChainFile.chunkHead(capacity: newChunk.capacity)))
        }
        // The link into the last chunk is written again (same bytes) with every commit in it, so that a link whose
        // sync once failed (its page then clean in the cache, never written) reaches the disk before a commit after it
        // is acknowledged: a lost link would otherwise read as a shorter history.
        if newChunk == nil, chain.chunks.count >= 2 {
            let before = chain.chunks[chain.chunks.count - 2]
            plan.steps.append(.write(offset: ChainFile.linkOffset(chunk: before.offset, capacity: before.capacity), bytes: ChainFile.link(from: before.offset, to: last.offset)))
        }
        plan.steps += [.write(offset: commitOffset, bytes: body), .sync]
        // A new chunk is linked before its first commit's tail is written: a crash in between leaves a torn commit
        // in a linked chunk, never a complete commit in a chunk nothing points at (which a file writer could link).
        if let newChunk {
            plan.steps += [.write(offset: linkStart, bytes: ChainFile.link(from: last.offset, to: newChunk.offset)), .sync]
        }
        plan.steps += [.write(offset: commitOffset + body.count, bytes: check + plan.mac), .sync]
        plan.commit = Commit(
            offset: commitOffset, number: number, keysOffset: UInt64(keysOffset), changes: changes, check: check, mac: plan.mac,
            count: body.count + FormatV2.commitTailCount)
        plan.newChunk = newChunk
        plan.fileSize = max(chain.fileSize + keys.count, newChunk.map { $0.offset + $0.capacity } ?? 0)
        return plan
    }
}
