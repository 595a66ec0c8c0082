// Reading a version-2 file's structure: preamble, slot copies, chunks and commits, checked without any secret
// (docs/FORMAT-V2-DESIGN.md, "Reading", steps 1-3).

/// A version-2 vault file as laid out on disk: its valid slot copies, its chunks, and the commits in them whose checks
/// match. Nothing here is authenticated: the chain is checked with the vault key (``CommitChain``).
struct ChainFile: Sendable {
    /// The size of each slot copy's area.
    let slotCopySize: Int
    /// Copy A (at 4096) and copy B (after it), each nil when it is not valid.
    private(set) var copies: [SlotCopy?]
    /// Each chunk's offset and capacity, in chain order.
    private(set) var chunks: [(offset: Int, capacity: Int)]
    /// Every commit, in order.
    private(set) var commits: [Commit]
    /// The bytes of a commit that was written but never acknowledged (its tail is zeros), at the end of the last
    /// chunk: ignored by readers, cleared by the next writer.
    private(set) var torn: Range<Int>?
    /// Where the next commit's head goes in the last chunk.
    private(set) var appendOffset: Int
    /// Read for salvage only (``read(from:salvaging:)``): the commits whose checks do not match but which were read
    /// all the same, by offset. Empty in any other read, which refuses such a commit.
    private(set) var unchecked: [Int] = []
    /// Read for salvage only: what was passed over because its structure is gone (a commit that does not parse, a
    /// link or chunk head that is not valid), each with where the read went on. Empty in any other read.
    private(set) var skipped: [SkippedDamage] = []
    /// Whether this is a read for salvage (``read(from:salvaging:)``), damaged or not.
    private(set) var isSalvageRead = false
    private(set) var fileSize: Int
    /// The mac of the last keyed commit, and the checks of the unkeyed commits after it: what the next keyed commit
    /// chains to.
    private(set) var lastKeyedMAC: [UInt8]
    private(set) var unkeyedChecks: [[UInt8]]

    init(
        slotCopySize: Int, copies: [SlotCopy?], chunks: [(offset: Int, capacity: Int)], commits: [Commit], torn: Range<Int>?,
        appendOffset: Int, fileSize: Int
    ) {
        self.slotCopySize = slotCopySize
        self.copies = copies
        self.chunks = chunks
        self.commits = commits
        self.torn = torn
        self.appendOffset = appendOffset
        self.fileSize = fileSize
        lastKeyedMAC = [UInt8](repeating: 0, count: 32)
        unkeyedChecks = []
        for commit in commits {
            if commit.isKeyed {
                lastKeyedMAC = commit.mac
                unkeyedChecks = []
            } else {
                unkeyedChecks.append(commit.check)
            }
        }
    }

    /// The file as it is after `plan` ran whole: its commit added, without reading the file again.
    mutating func apply(_ plan: WritePlan) {
        if let chunk = plan.newChunk { chunks.append(chunk) }
        commits.append(plan.commit!)
        torn = nil
        appendOffset = plan.commit!.end
        fileSize = plan.fileSize
        if plan.commit!.isKeyed {
            lastKeyedMAC = plan.mac
            unkeyedChecks = []
        } else {
            unkeyedChecks.append(plan.check)
        }
    }

    /// Whether this file holds exactly the history `before` held — the same slot copies and chunks, and commits with
    /// the same numbers, checks, macs and `keys_offset`s — and has not shrunk: what a writer needs to reuse the
    /// replay of `before` (only the end of the file, a torn commit, may differ).
    func holdsTheSameHistory(as before: ChainFile) -> Bool {
        slotCopySize == before.slotCopySize && copies == before.copies && fileSize >= before.fileSize
            && chunks.elementsEqual(before.chunks, by: { $0.offset == $1.offset && $0.capacity == $1.capacity })
            && commits.elementsEqual(before.commits) { a, b in
                a.offset == b.offset && a.number == b.number && a.keysOffset == b.keysOffset && a.check == b.check && a.mac == b.mac
            }
    }

    /// This structure, read before, as the file in `file` still is — when nothing was appended since: no torn commit
    /// was there, the last chunk holds only zeros from where the next commit goes to its end (its link included), and
    /// the file did not shrink. Returns it with the file's size now (keys of an append that stopped early may have
    /// grown it); nil when the file must be read again. What a writer checks under the lock instead of reading and
    /// hashing every chunk again: any append since would have written a commit head there, or linked a new chunk.
    ///
    /// Zeros alone do not say the history is the same (a file writer can cut the last commits off in place, or make
    /// the last one torn so that another writer replaces it): the last commit's head and tail and both slot copies
    /// must still be what was read. Anything else goes the long way, whose checks (a history gone back, a damaged
    /// copy to repair) then apply.
    func unchangedHistory(in file: OpenFile) -> ChainFile? {
        guard torn == nil, let last = chunks.last, let commit = commits.last, copies.allSatisfy({ $0 != nil }),
            let status = try? file.status(what: "vault"), Int(status.st_size) >= fileSize
        else { return nil }
        let end = last.offset + last.capacity
        guard (try? file.isZero(count: end - appendOffset, at: appendOffset, what: "vault")) == true,
            let head = try? file.read(count: FormatV2.commitHeadCount, at: commit.offset, what: "vault"),
            let tail = try? file.read(count: FormatV2.commitTailCount, at: commit.end - FormatV2.commitTailCount, what: "vault"),
            tail == commit.check + commit.mac
        else { return nil }
        var expected = ByteWriter(capacity: FormatV2.commitHeadCount)
        expected.append(FormatV2.commitMagic)
        expected.u64(commit.number)
        expected.u32(UInt32(commit.count - FormatV2.commitHeadCount - FormatV2.commitTailCount))
        expected.u64(commit.keysOffset)
        guard head == expected.bytes,
            let slots = try? file.read(count: 2 * slotCopySize, at: FormatV2.blockSize, what: "vault"),
            slots == copies.flatMap({ $0!.encoded(size: slotCopySize) })
        else { return nil }
        var same = self
        same.fileSize = Int(status.st_size)
        return same
    }

    /// Metadata this large (a chunk's, or a version-1 header: about 60,000 entries) is read with huge pages asked for
    /// (``Syscalls/expectLargeAllocations(_:)``).
    static let largeMetadata = 8 << 20

    /// Whether every byte is zero, eight at a time.
    static func isAllZero(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.withUnsafeBytes { OpenFile.isAllZero($0) }
    }

    /// The same file without its commits' changes, once they are replayed and the sealed keys located: what a
    /// command keeps (checks, macs, offsets) to authenticate the chain and to append, without holding the metadata
    /// a second time.
    mutating func forgetChanges() {
        commits = commits.map { $0.withChanges([]) }
    }

    /// Salvage only: this read without the commits that fail their checks, each named as left out because what
    /// they hold does not replay (`why`).
    func leavingOutUnchecked(why: String) -> ChainFile {
        var kept = leavingOut(Set(unchecked)) { SkippedDamage.leftOut(at: $0, why: why) }
        kept.unchecked = []
        return kept
    }

    /// Salvage only: this read without the commits at `offsets`, each named by `damage`.
    func leavingOut(_ offsets: Set<Int>, as damage: (Int) -> SkippedDamage) -> ChainFile {
        var kept = self
        kept.commits = commits.filter { !offsets.contains($0.offset) }
        kept.unchecked = unchecked.filter { !offsets.contains($0) }
        kept.skipped = (skipped + offsets.sorted().map(damage)).sorted { $0.at < $1.at }
        return kept
    }

    /// Salvage only: the commits whose sealed keys, as `header` (what these commits replay to) sizes them, would lie
    /// where ``keyOffsets(for:)`` refuses them — outside the file, over the metadata or over another commit's keys —
    /// or that point to keys they do not add. `keys_offset` is outside the check: a damaged one is found only so.
    func commitsPointingKeysAstray(for header: VaultHeader) -> Set<Int> {
        var astray = Set<Int>()
        var ranges: [(commit: Int, start: Int, end: Int)] = []
        var index = 0
        for commit in commits {
            guard let entries = commit.changes.first(where: { $0.type == Change.Kind.entries.rawValue }), !entries.body.isEmpty else {
                if commit.keysOffset != 0 { astray.insert(commit.offset) }
                continue
            }
            let start = Int(clamping: commit.keysOffset)
            var end = start
            var r = ByteReader(entries.body[...])
            while !r.isAtEnd && index < header.entryCount {
                guard let count = try? r.u16("metadata length"), (try? r.skip(Int(count) + AEAD.nonceCount, "index record")) != nil else { break }
                let (sum, overflow) = end.addingReportingOverflow(header.locations[index].ciphertextCount)
                end = overflow ? .max : sum
                index += 1
            }
            if commit.keysOffset == 0 || end > fileSize { astray.insert(commit.offset) } else if end > start { ranges.append((commit.offset, start, end)) }
        }
        let metadata = [(start: 0, end: FormatV2.blockSize + 2 * slotCopySize)] + chunks.map { (start: $0.offset, end: $0.offset + $0.capacity) }
        // A range over the metadata is damaged for certain; of two ranges over each other, which one was damaged
        // cannot be told, so both are left out — after the first kind, so that a range moved over the metadata and
        // the keys after it takes only itself out.
        for range in ranges where metadata.contains(where: { $0.start < range.end && range.start < $0.end }) { astray.insert(range.commit) }
        // Ranges in order of where they start: one that starts before the furthest end so far overlaps the range that
        // reached it.
        var furthest: (commit: Int, end: Int)?
        for range in ranges.filter({ !astray.contains($0.commit) }).sorted(by: { $0.start < $1.start }) {
            if let reach = furthest, range.start < reach.end {
                astray.insert(range.commit)
                astray.insert(reach.commit)
            }
            if range.end > (furthest?.end ?? 0) { furthest = (range.commit, range.end) }
        }
        return astray
    }

    /// The file after both slot copies were written as `copy` (a repair by the writer).
    mutating func repaired(with copy: SlotCopy) {
        copies = copies.map { _ in copy }
    }

    /// The last chunk's link position: its last 48 bytes.
    static func linkOffset(chunk offset: Int, capacity: Int) -> Int { offset + capacity - FormatV2.linkCount }

    /// The link of the chunk at `offset` pointing to the chunk at `next`.
    static func link(from offset: Int, to next: Int) -> [UInt8] {
        var w = ByteWriter(capacity: FormatV2.linkCount)
        w.append(FormatV2.linkMagic)
        w.u64(UInt64(next))
        w.u32(0)
        var hashed = ByteWriter(capacity: 20)
        hashed.append(FormatV2.linkMagic)
        hashed.u64(UInt64(offset))
        hashed.u64(UInt64(next))
        w.append(Hashing.blake2b(hashed.bytes))
        return w.bytes
    }

    /// A chunk's first 64 bytes.
    static func chunkHead(capacity: Int) -> [UInt8] {
        var w = ByteWriter(capacity: FormatV2.chunkHeadCount)
        w.append(FormatV2.chunkMagic)
        w.u32(UInt32(capacity))
        w.append(repeatElement(0 as UInt8, count: FormatV2.chunkHeadCount - 12))
        return w.bytes
    }

    /// Reads and checks the structure of the version-2 file `file`.
    ///
    /// With `salvaging`, a commit whose check does not match (a flipped bit, a bad sector inside its changes) is read
    /// as long as the rest of it is whole, and named in ``unchecked``; a commit whose structure is gone, and a chunk
    /// head or link that is not valid, are passed over to the next whole commit or chunk head, and named in
    /// ``skipped`` (docs/FORMAT.md, *Reading past damage for salvage*). Only a restore with `--salvage` reads so: such
    /// a vault is not authentic and each key is restored only when its own seal opens.
    ///
    /// - Throws: ``KeyVaultError/Code-swift.struct/damaged`` naming the first thing that is wrong: both slot copies
    ///   invalid, a chunk or link that is not what a writer makes, a commit that fails its check, commits hidden behind
    ///   zeros. A torn last commit is not an error (``torn``).
    static func read(from file: OpenFile, salvaging: Bool = false) throws -> ChainFile {
        try readDeferringChecks(from: file, salvaging: salvaging).confirmed { $0 }
    }

    /// The bytes a salvage read may hash, commits and candidates together: twice the metadata limit, within which
    /// every byte of a file a writer made is hashed once.
    static let salvageBudget = 2 * FormatV2.maxMetadataCount

    /// Reads as ``read(from:salvaging:)`` does, except that the checks of large commits (a mebibyte or more: an
    /// upgrade's or a compaction's, 13 MiB at 100,000 entries) are hashed on another thread while the caller works on
    /// the chain, inside ``UncheckedChain/confirmed(_:)``: that throws the error ``read(from:salvaging:)`` would have
    /// thrown for the first commit whose check does not match, ahead of anything the work returned or threw. This read
    /// throws it too, ahead of any error about what follows that commit.
    /// A salvage read's hashing stops at `budget` bytes (``salvageBudget`` unless a test of the bound says less).
    static func readDeferringChecks(from file: OpenFile, salvaging: Bool = false, budget: Int = salvageBudget) throws -> UncheckedChain {
        let checks = PendingChecks()
        do {
            return UncheckedChain(try walk(file, salvaging: salvaging, checks: checks, budget: budget), checks: checks)
        } catch {
            try checks.confirm()
            throw error
        }
    }

    /// The read itself: slot copies, then every chunk's commits in order, large commits' checks left to `checks`.
    private static func walk(_ file: OpenFile, salvaging: Bool, checks: PendingChecks, budget: Int) throws -> ChainFile {
        let fileSize = Int(try file.status(what: "vault").st_size)
        guard fileSize >= FormatV2.blockSize * 2 else {
            throw KeyVaultError.damaged("vault damaged or truncated: a version-2 vault is at least \(FormatV2.blockSize * 2) bytes; this file has \(fileSize)")
        }
        let first = try file.read(count: FormatV2.blockSize, at: 0, what: "vault preamble")
        // A damaged preamble does not stop the reader: copy A is at 4096 whatever it says.
        var sizes: [Int] = []
        var preambleFlags: UInt16?
        if first.prefix(8).elementsEqual(FormatV1.magic), first[8] == 0, first[9] == 2 {
            sizes.append(Int(first[12]) << 24 | Int(first[13]) << 16 | Int(first[14]) << 8 | Int(first[15]))
            preambleFlags = UInt16(first[10]) << 8 | UInt16(first[11])
        }
        let (copyA, sizeA, declaredA) = try readCopy(file, at: FormatV2.blockSize, fileSize: fileSize)
        if let sizeA { sizes.insert(sizeA, at: 0) } else if let declaredA { sizes.append(declaredA) }
        var copyB: SlotCopy?
        var size: Int?
        var tried: [Int] = []
        for candidate in sizes where !tried.contains(candidate) && candidate % FormatV2.blockSize == 0 && candidate >= FormatV2.blockSize && candidate <= FormatV2.maxSlotCopySize {
            tried.append(candidate)
            let (copy, found, _) = try readCopy(file, at: FormatV2.blockSize + candidate, fileSize: fileSize)
            if let copy, found == candidate, sizeA == nil || sizeA == candidate {
                copyB = copy
                size = candidate
                break
            }
        }
        size = size ?? sizeA
        guard let size, let someCopy = copyA ?? copyB else {
            throw KeyVaultError.damaged("vault damaged: both copies of the slot area are damaged; no custodian can unlock it")
        }
        if let flags = preambleFlags {
            guard flags & ~FormatV1.flagThreshold == 0 else {
                throw KeyVaultError(.unsupportedVersion, "vault sets feature flags 0x\(String(flags, radix: 16)) that this keyvault does not know; upgrade keyvault")
            }
            guard (flags & FormatV1.flagThreshold != 0) == (someCopy.threshold != nil) else {
                throw KeyVaultError.damaged("vault damaged: the preamble and the slot area disagree on whether the vault has a threshold")
            }
        }
        var chunks: [(offset: Int, capacity: Int)] = []
        var commits: [Commit] = []
        var torn: Range<Int>?
        var appendOffset = 0
        var unchecked: [Int] = []
        var skipped: [SkippedDamage] = []
        // The number the next commit must have: one more than the last one read (after a commit salvage passed over,
        // the number of the commit the read went on at).
        var expectedNumber: UInt64 = 1
        // Salvage only: the bytes commits and candidate commits may still hash, for the whole read, so that a file of
        // fake heads, each claiming the rest of its chunk, costs a bounded amount and not one pass per head.
        var resyncBudget = budget
        var spent = false
        var next = FormatV2.blockSize + 2 * size
        var total = 0
        while true {
            let capacity: Int
            do {
                capacity = try chunkCapacity(file, at: next, fileSize: fileSize, total: &total, after: chunks.last)
            } catch let error as KeyVaultError where salvaging {
                // A chunk head that is gone: salvage goes on at the next chunk head in the file, if any.
                guard let later = try nextChunkHead(file, after: next, fileSize: fileSize) else {
                    skipped.append(SkippedDamage.passed(at: next, what: SkippedDamage.reason(error), resumedAt: nil))
                    break
                }
                skipped.append(SkippedDamage.passed(at: next, what: SkippedDamage.reason(error), resumedAt: later))
                next = later
                continue
            }
            chunks.append((next, capacity))
            let linkStart = linkOffset(chunk: next, capacity: capacity)
            let link = try file.read(count: FormatV2.linkCount, at: linkStart, what: "chunk link")
            let isLast = isAllZero(link[...])
            // The chunk is read as far as its commits go (and a piece beyond), not to its capacity: the unused rest,
            // zeros for a file a writer made, is checked a piece at a time without being kept.
            var loaded = ChunkBytes(file: file, offset: next, limit: linkStart)
            var position = next + FormatV2.chunkHeadCount
            // Before the buffer grows, this chunk's commits let go of it and keep their changes as places in it, bound
            // again once it is loaded: a slice kept while it grows would make it copy itself whole (13 MiB after an
            // upgrade's commit; 3,300 page faults per open at 100,000 entries).
            var detached = Detached(from: commits.count)
            let detach = { detached.detach(&commits) }
            // This chunk's large commits, hashed once it is read whole (a thread holding its bytes while the buffer
            // grows would make it copy itself), or here and now when the walk stops at an error.
            var deferred: [PendingChecks.Commit] = []
            // Salvage only: the damage at `position` passed over, the walk going on at the next whole commit of this
            // chunk (true), or, with none, at the next chunk (false).
            func passOver(_ what: String) throws -> Bool {
                try loaded.load(upTo: linkStart, beforeGrowing: detach)
                let resumed = Self.nextWholeCommit(
                    in: loaded.bytes[...], after: position, chunkOffset: next, above: expectedNumber - 1, budget: &resyncBudget)
                skipped.append(SkippedDamage.passed(at: position, what: what, resumedAt: resumed?.offset, inChunk: true))
                guard let resumed else { return false }
                position = resumed.offset
                expectedNumber = resumed.number
                return true
            }
            // Salvage only, before the commit at `position` is read: its hashing counted against the read's budget
            // (false once it is spent); and after damage, or with commits missing before a whole one, the number it
            // must have becomes its own (the first commit of a chunk found after a lost link or lost commits).
            func salvageAccount() throws -> Bool {
                let i = position - next
                guard i + FormatV2.commitHeadCount <= loaded.bytes.count else { return true }
                let b = loaded.bytes
                let claimed = Int(b[i + 12]) << 24 | Int(b[i + 13]) << 16 | Int(b[i + 14]) << 8 | Int(b[i + 15])
                // What hashing the commit costs, if its tail is inside the chunk.
                let cost = min(FormatV2.commitHeadCount + claimed, linkStart - position)
                resyncBudget -= cost
                guard resyncBudget >= 0 else { return false }
                let number = b[i + 4..<i + 12].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                guard b[i..<i + 4].elementsEqual(FormatV2.commitMagic), number > expectedNumber, number - expectedNumber <= 1 << 20 else { return true }
                // Only a commit whose check matches (the check covers its number) says commits are missing.
                resyncBudget -= cost
                guard resyncBudget >= 0 else { return false }
                guard case .commit = Commit.read(b[...], at: position, chunkOffset: next, expectedNumber: number) else { return true }
                if skipped.isEmpty { skipped.append(SkippedDamage.missing(at: position, first: expectedNumber, last: number - 1)) }
                expectedNumber = number
                return true
            }
            var damagedEnd = false
            do {
                walk: while true {
                    try loaded.commitAt(position, beforeGrowing: detach)
                    if salvaging {
                        guard try salvageAccount() else {
                            skipped.append(SkippedDamage.spent(at: position))
                            spent = true
                            break walk
                        }
                    }
                    switch Commit.read(
                        loaded.bytes[...], at: position, chunkOffset: next, expectedNumber: expectedNumber, ignoringCheck: salvaging,
                        deferringChecksFrom: PendingChecks.minimumCount)
                    {
                    case .commit(let commit):
                        commits.append(commit)
                        position = commit.end
                        expectedNumber = commit.number + 1
                    case .checkDeferred(let commit):
                        deferred.append(.init(offset: commit.offset, body: (commit.offset - next)..<(commit.end - next - FormatV2.commitTailCount), check: commit.check))
                        commits.append(commit)
                        position = commit.end
                        expectedNumber = commit.number + 1
                    case .unchecked(let commit):
                        unchecked.append(commit.offset)
                        commits.append(commit)
                        position = commit.end
                        expectedNumber = commit.number + 1
                    case .end, .zeroTail:
                        if try loaded.isZero(from: position) { break walk }
                        try loaded.load(upTo: linkStart, beforeGrowing: detach)
                        let metadata = loaded.bytes[...]
                        // Nothing but the unacknowledged remains of a crash may follow the last commit: its head and some
                        // of its changes, never a tail. A commit behind zeros (a lost write, or one hidden on purpose), or
                        // a last commit whose tail is there but whose head no longer leads to it, is damage — never a
                        // shorter history, and never cleared by the next writer. Salvage passes over such damage.
                        let expected = expectedNumber
                        let damage: (what: String, error: String)?
                        if !isLast {
                            damage = ("bytes that are no commit", "vault damaged: unexpected bytes after the last commit of the chunk at byte \(next)")
                        } else if let hidden = Self.laterHead(in: metadata, after: position, chunkOffset: next, expected: expected) {
                            damage = (
                                "bytes that are no commit",
                                "vault damaged: a commit at byte \(hidden) follows zeros at byte \(position) (a lost write, or a change hidden on purpose)"
                            )
                        } else if Self.endsInTail(metadata, commitAt: position, chunkOffset: next, number: expected) {
                            damage = ("a commit whose tail is intact but whose head is not", "vault damaged: the commit at byte \(position) is damaged: its tail is intact but its head is not")
                        } else if case .zeroTail(let end) = Commit.read(metadata, at: position, chunkOffset: next, expectedNumber: expected),
                            !isAllZero(metadata[(end - next)...])
                        {
                            damage = ("a commit with no tail followed by more", "vault damaged: the commit at byte \(position) has no tail but is followed by more")
                        } else {
                            damage = nil
                        }
                        if let damage {
                            guard salvaging else { throw KeyVaultError.damaged(damage.error) }
                            if try passOver(damage.what) { continue walk }
                            damagedEnd = true
                            break walk
                        }
                        torn = position..<linkStart
                        break walk
                    case .unsupported(let error):
                        throw error
                    case .malformed(let why):
                        if salvaging {
                            if try passOver("a commit that does not read: \(why)") { continue walk }
                            damagedEnd = true
                            break walk
                        }
                        throw KeyVaultError.damaged("vault damaged: the commit at byte \(position) is damaged: \(why)")
                    }
                }
            } catch {
                checks.check(deferred, in: loaded.bytes, now: true)
                throw error
            }
            detached.bind(&commits, to: loaded.bytes)
            checks.check(deferred, in: loaded.bytes, now: false)
            appendOffset = position
            if spent || (isLast && !damagedEnd) { break }
            do {
                // A chunk whose commits salvage could not read to their end has no trusted end: the next chunk is
                // looked for even behind a zero link.
                guard !isLast else { throw KeyVaultError.damaged("vault damaged: the chunk at byte \(next) ends in damage") }
                next = try followLink(link[...], from: next, capacity: capacity, fileSize: fileSize)
            } catch let error as KeyVaultError where salvaging {
                guard let later = try nextChunkHead(file, after: next + capacity - FormatV2.blockSize, fileSize: fileSize) else {
                    if !isLast { skipped.append(SkippedDamage.passed(at: linkStart, what: SkippedDamage.reason(error), resumedAt: nil)) }
                    break
                }
                // (A zero link after damage is no damage of its own: the damage before it is named.)
                if !isLast { skipped.append(SkippedDamage.passed(at: linkStart, what: SkippedDamage.reason(error), resumedAt: later)) }
                next = later
            }
            guard torn == nil else { throw KeyVaultError.damaged("vault damaged: a chunk follows a torn commit") }
        }
        guard !commits.isEmpty else { throw KeyVaultError.damaged("vault damaged: it holds no complete commit") }
        var chain = ChainFile(
            slotCopySize: size, copies: [copyA, copyB], chunks: chunks, commits: commits, torn: torn, appendOffset: appendOffset,
            fileSize: fileSize)
        chain.unchecked = unchecked
        chain.skipped = skipped
        chain.isSalvageRead = salvaging
        return chain
    }

    /// Salvage only: the first commit after `start` in `metadata` (a chunk's bytes up to its link, the chunk at
    /// `chunkOffset`) that is whole, check included, and numbered above `above`: where a read goes on past a commit
    /// whose structure is gone. Each candidate's changes are hashed against `budget`; nil once it runs out.
    static func nextWholeCommit(in metadata: ArraySlice<UInt8>, after start: Int, chunkOffset: Int, above: UInt64, budget: inout Int) -> Commit? {
        var from = start
        while let candidate = laterHead(in: metadata, after: from, chunkOffset: chunkOffset, expected: above + 1) {
            let i = metadata.startIndex + candidate - chunkOffset
            let number = metadata[i + 4..<i + 12].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            budget -= FormatV2.commitHeadCount + metadata[i + 12..<i + 16].reduce(0) { $0 << 8 | Int($1) }
            guard budget >= 0 else { return nil }
            if case .commit(let commit) = Commit.read(metadata, at: candidate, chunkOffset: chunkOffset, expectedNumber: number) { return commit }
            from = candidate
        }
        return nil
    }

    /// Salvage only: the offset of the first chunk head (its magic, zeros after its capacity) at a 4096-byte boundary
    /// after `offset`, 64 KiB read at a time and holes passed without reading them; nil when the file holds none.
    private static func nextChunkHead(_ file: OpenFile, after offset: Int, fileSize: Int) throws -> Int? {
        let block = FormatV2.blockSize
        var candidate = (offset / block + 1) * block
        while candidate + FormatV2.chunkHeadCount <= fileSize {
            guard let data = file.dataStart(from: candidate) else { return nil }
            candidate = max(candidate, data / block * block)
            guard candidate + FormatV2.chunkHeadCount <= fileSize else { return nil }
            let bytes = try file.read(count: min(16 * block, fileSize - candidate), at: candidate, what: "vault")
            for start in stride(from: 0, to: bytes.count - FormatV2.chunkHeadCount + 1, by: block)
            where bytes[start..<start + 8].elementsEqual(FormatV2.chunkMagic) && isAllZero(bytes[(start + 12)..<(start + FormatV2.chunkHeadCount)]) {
                return candidate + start
            }
            candidate += bytes.count
        }
        return nil
    }

    /// The copy at `offset`, its size when valid, and the size its head declares (checked or not).
    private static func readCopy(_ file: OpenFile, at offset: Int, fileSize: Int) throws -> (SlotCopy?, Int?, Int?) {
        guard offset + FormatV2.blockSize <= fileSize else { return (nil, nil, nil) }
        let head = try file.read(count: FormatV2.slotCopyHeadCount, at: offset, what: "slot copy")
        let declared = Int(head[16]) << 24 | Int(head[17]) << 16 | Int(head[18]) << 8 | Int(head[19])
        guard head.prefix(8).elementsEqual(FormatV2.slotCopyMagic), declared % FormatV2.blockSize == 0, declared >= FormatV2.blockSize,
            declared <= FormatV2.maxSlotCopySize, offset + declared <= fileSize
        else { return (nil, nil, nil) }
        let bytes = try file.read(count: declared, at: offset, what: "slot copy")
        guard let (copy, size) = try SlotCopy.parse(bytes[...], offset: offset) else { return (nil, nil, declared) }
        return (copy, size, declared)
    }

    /// The capacity of the chunk at `offset`, after checking its head: aligned, after the one before, inside the file
    /// and the metadata limit (checked before anything is allocated from its capacity).
    private static func chunkCapacity(_ file: OpenFile, at offset: Int, fileSize: Int, total: inout Int, after previous: (offset: Int, capacity: Int)?) throws -> Int {
        guard offset % FormatV2.blockSize == 0, offset + FormatV2.chunkHeadCount <= fileSize else {
            throw KeyVaultError.damaged("vault damaged or truncated: no chunk at byte \(offset)")
        }
        let head = try file.read(count: FormatV2.chunkHeadCount, at: offset, what: "chunk")
        let capacity = Int(head[8]) << 24 | Int(head[9]) << 16 | Int(head[10]) << 8 | Int(head[11])
        guard head.prefix(8).elementsEqual(FormatV2.chunkMagic), isAllZero(head.dropFirst(12)) else {
            throw KeyVaultError.damaged("vault damaged: no chunk head at byte \(offset)")
        }
        guard capacity % FormatV2.blockSize == 0, capacity >= FormatV2.minChunkCapacity, total + capacity <= FormatV2.maxMetadataCount,
            offset + capacity <= fileSize
        else {
            throw KeyVaultError.damaged("vault damaged or truncated: the chunk at byte \(offset) claims \(capacity) bytes (file \(fileSize) bytes, metadata limit \(FormatV2.maxMetadataCount))")
        }
        total += capacity
        return capacity
    }

    /// The commits of one chunk that let go of its buffer before it grew: each change's type and place, to be bound
    /// to the buffer again once the chunk is read.
    private struct Detached {
        /// The first of the chunk's commits.
        let first: Int
        /// The first of them not detached yet.
        private var upTo: Int
        /// Per detached commit, where its changes start in `changes`.
        private var starts: [Int] = []
        private var changes: [(type: UInt8, range: Range<Int>)] = []

        init(from first: Int) {
            self.first = first
            upTo = first
        }

        /// Replaces the changes of the chunk's commits not detached yet by nothing, remembering where they lie.
        mutating func detach(_ commits: inout [Commit]) {
            for i in upTo..<commits.count {
                starts.append(changes.count)
                for change in commits[i].changes { changes.append((change.type, change.body.indices)) }
                commits[i] = commits[i].withChanges([])
            }
            upTo = commits.count
        }

        /// Gives the detached commits their changes again, as slices of `bytes`.
        func bind(_ commits: inout [Commit], to bytes: [UInt8]) {
            for (k, start) in starts.enumerated() {
                let end = k + 1 < starts.count ? starts[k + 1] : changes.count
                commits[first + k] = commits[first + k].withChanges(
                    changes[start..<end].map { change in
                        // The buffer only grew since: each place still holds the bytes the commit's check hashed.
                        precondition(change.range.upperBound <= bytes.count, "a detached change lies in its chunk's buffer")
                        return Change(type: change.type, body: bytes[change.range])
                    })
            }
        }
    }

    /// A chunk's bytes from its start, read as the walk over its commits needs them (a mebibyte ahead at a time), up
    /// to its link.
    private struct ChunkBytes {
        let file: OpenFile
        /// Where the chunk starts in the file, and where its link starts (the end of what is ever loaded).
        let offset: Int
        let limit: Int
        private(set) var bytes: [UInt8] = []

        init(file: OpenFile, offset: Int, limit: Int) {
            self.file = file
            self.offset = offset
            self.limit = limit
        }

        /// Loads the bytes up to file offset `end` (capped at the link), when they are not loaded yet; calls
        /// `beforeGrowing` before it adds to bytes already loaded (which nothing may then hold, or they are copied).
        mutating func load(upTo end: Int, beforeGrowing: () -> Void) throws {
            let loadedEnd = offset + bytes.count
            guard loadedEnd < min(end, limit) else { return }
            let target = min(limit, max(end, loadedEnd + (1 << 20)))
            // Whatever holds the bytes lets go first: they are only ever added to, never replaced, while it is detached.
            beforeGrowing()
            if bytes.isEmpty {
                bytes = try file.read(count: target - loadedEnd, at: loadedEnd, what: "chunk")
            } else {
                // Room for the whole chunk once: pages are only taken as they are filled.
                if bytes.capacity < limit - offset {
                    // A large chunk's metadata is laid out again by the replay and by a writer: huge pages for them.
                    if limit - offset >= ChainFile.largeMetadata { Syscalls.expectLargeAllocations(4 * (limit - offset)) }
                    bytes.reserveCapacity(limit - offset)
                }
                try file.read(count: target - loadedEnd, at: loadedEnd, appendingTo: &bytes, what: "chunk")
            }
        }

        /// Loads what the commit at `position` needs: its head, then as far as its head says it goes (capped at the
        /// link, where ``Commit/read(_:at:chunkOffset:expectedNumber:)`` finds it too long).
        mutating func commitAt(_ position: Int, beforeGrowing: () -> Void) throws {
            try load(upTo: position + FormatV2.commitHeadCount, beforeGrowing: beforeGrowing)
            let i = position - offset
            guard i + 16 <= bytes.count else { return }
            let changes = Int(bytes[i + 12]) << 24 | Int(bytes[i + 13]) << 16 | Int(bytes[i + 14]) << 8 | Int(bytes[i + 15])
            try load(upTo: position + FormatV2.commitHeadCount + changes + FormatV2.commitTailCount, beforeGrowing: beforeGrowing)
        }

        /// Whether everything from `position` to the link is zeros: what is loaded, a block at a time and stopping at
        /// the first that is not (salvage asks this at many positions of one chunk), then the rest from the file.
        func isZero(from position: Int) throws -> Bool {
            let loadedEnd = offset + bytes.count
            var at = position - offset
            while at < bytes.count {
                let end = min(bytes.count, at + FormatV2.blockSize)
                guard ChainFile.isAllZero(bytes[at..<end]) else { return false }
                at = end
            }
            let from = max(position, loadedEnd)
            guard from < limit else { return true }
            return try file.isZero(count: limit - from, at: from, what: "chunk")
        }
    }

    /// The next chunk's offset from a non-zero link, which must be exactly what a writer makes.
    private static func followLink(_ link: ArraySlice<UInt8>, from offset: Int, capacity: Int, fileSize: Int) throws -> Int {
        var r = ByteReader(link)
        try r.skip(4, "link magic")
        let next = Int(clamping: try r.u64("next chunk"))
        guard Array(link) == Self.link(from: offset, to: next), next >= offset + capacity, next % FormatV2.blockSize == 0, next < fileSize else {
            throw KeyVaultError.damaged("vault damaged: the link at the end of the chunk at byte \(offset) is not valid")
        }
        return next
    }

    /// The offset of a plausible commit head at a 64-byte position after `start`: its magic, the `expected` number or
    /// a later one (by at most 2^20; a commit moved behind zeros is damage too), a length that places its tail inside the chunk. Read without hashing, so that a
    /// file full of heads costs one pass; no crash writes one (a head holds zero bytes that text cannot, and random
    /// bytes match with a chance below 2^-60 per position).
    static func laterHead(in metadata: ArraySlice<UInt8>, after start: Int, chunkOffset: Int, expected: UInt64) -> Int? {
        var position = start + FormatV2.commitAlignment
        let end = chunkOffset + metadata.count
        while position + FormatV2.commitHeadCount <= end {
            let i = metadata.startIndex + position - chunkOffset
            if metadata[i..<i + 4].elementsEqual(FormatV2.commitMagic) {
                let number = metadata[i + 4..<i + 12].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                let length = metadata[i + 12..<i + 16].reduce(0) { $0 << 8 | Int($1) }
                if number >= expected, number - expected <= 1 << 20, (FormatV2.commitHeadCount + length) % FormatV2.commitAlignment == 0,
                    length <= end - position - FormatV2.commitHeadCount - FormatV2.commitTailCount
                {
                    return position
                }
            }
            position += FormatV2.commitAlignment
        }
        return nil
    }

    /// Whether the last non-zero 64-byte block after `start` is the tail of commit `number` starting at `start`:
    /// its check recomputed from the bytes between, with the head it must have had. A crash never leaves a tail
    /// behind an unwritten or unfinished head; a damaged head (a flipped length, a sector lost) does.
    static func endsInTail(_ metadata: ArraySlice<UInt8>, commitAt start: Int, chunkOffset: Int, number: UInt64) -> Bool {
        // The scan below reads through an unsafe buffer: a commit outside this chunk would read before it.
        precondition(start >= chunkOffset && start <= chunkOffset + metadata.count, "a commit outside its chunk")
        let base = metadata.startIndex - chunkOffset
        let limit = (metadata.count / FormatV2.commitAlignment) * FormatV2.commitAlignment
        // The last non-zero byte after `start`, found a word at a time: a torn commit in a new chunk is followed by
        // megabytes of zeros.
        let lastNonZero: Int? = metadata.withUnsafeBytes { b in
            let low = start - chunkOffset
            var i = limit
            while i - 8 >= low, b.loadUnaligned(fromByteOffset: i - 8, as: UInt64.self) == 0 { i -= 8 }
            while i > low {
                i -= 1
                if b[i] != 0 { return chunkOffset + i }
            }
            return nil
        }
        guard let lastNonZero else { return false }
        let block = chunkOffset + ((lastNonZero - chunkOffset) / FormatV2.commitAlignment) * FormatV2.commitAlignment
        guard block > start + FormatV2.commitHeadCount, block + FormatV2.commitTailCount <= chunkOffset + metadata.count else { return false }
        var w = ByteWriter(capacity: block - start)
        w.append(FormatV2.commitMagic)
        w.u64(number)
        w.u32(UInt32(block - start - FormatV2.commitHeadCount))
        w.append(metadata[(base + start + FormatV2.commitHeadCount)..<(base + block)])
        return constantTimeEqual(Hashing.blake2b(w.bytes), Array(metadata[(base + block)..<(base + block + FormatV2.checkCount)]))
    }
}

extension ChainFile {
    /// Where each entry of `header` (the header these commits replay to) has its sealed key: each commit's keys, one
    /// after another from its `keys_offset`, in the order of its index records. Every range must lie inside the file,
    /// clear of the preamble block, both slot copies, every chunk, and every other range: a writer never makes
    /// anything else, and a file writer who points keys elsewhere is refused before any key is read.
    func keyOffsets(for header: VaultHeader) throws -> [Int] {
        var offsets: [Int] = []
        offsets.reserveCapacity(header.entryCount)
        // The metadata's ranges, and each commit's keys as one range: a commit's keys lie end to end, so they overlap
        // something exactly where one of them does.
        // (Pairs, not `Range`s: a range's first use makes the runtime look `Int: Comparable` up among every conformance
        // in the binary, 173,000 instructions of a whole command.)
        var ranges: [(start: Int, end: Int)] = [(0, FormatV2.blockSize + 2 * slotCopySize)] + chunks.map { ($0.offset, $0.offset + $0.capacity) }
        ranges.reserveCapacity(ranges.count + commits.count)
        for commit in commits {
            guard let entries = commit.changes.first(where: { $0.type == Change.Kind.entries.rawValue }) else {
                // Not covered by the check, so held to what a writer makes: no keys, no offset.
                guard commit.keysOffset == 0 else {
                    throw KeyVaultError.damaged("vault damaged: the commit at byte \(commit.offset) adds no keys but points to keys at byte \(commit.keysOffset)")
                }
                continue
            }
            guard !entries.body.isEmpty || commit.keysOffset == 0 else {
                throw KeyVaultError.damaged("vault damaged: the commit at byte \(commit.offset) adds no keys but points to keys at byte \(commit.keysOffset)")
            }
            var r = ByteReader(entries.body[...])
            var next = Int(clamping: commit.keysOffset)
            while !r.isAtEnd {
                try r.skip(Int(try r.u16("metadata length")) + AEAD.nonceCount, "index record")
                let index = offsets.count
                guard index < header.entryCount else { throw KeyVaultError.damaged("vault damaged: more index records than entries") }
                let count = header.locations[index].ciphertextCount
                guard commit.keysOffset != 0, next <= fileSize - count else {
                    throw KeyVaultError.damaged("vault damaged or truncated: the sealed key of entry \(index + 1) lies outside the file")
                }
                offsets.append(next)
                next += count
            }
            if next > Int(clamping: commit.keysOffset) { ranges.append((Int(clamping: commit.keysOffset), next)) }
        }
        guard offsets.count == header.entryCount else { throw KeyVaultError.damaged("vault damaged: fewer index records than entries") }
        // In order of where they start, each must start after every earlier one ends (not only the one before it).
        ranges.sort { $0.start < $1.start }
        var end = 0
        for range in ranges where range.end > range.start {
            guard range.start >= end else {
                throw KeyVaultError.damaged("vault damaged: sealed keys overlap each other or the vault's metadata at byte \(range.start)")
            }
            end = range.end
        }
        return offsets
    }
}
