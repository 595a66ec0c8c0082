// A commit of a version-2 vault: head, changes, and a tail with an unkeyed check and a keyed chain
// (docs/FORMAT-V2-DESIGN.md, "Commit").

/// One change in a commit: `type u8 ‖ len u32 ‖ body`. Types 01-7F are critical, 80-FF informational.
struct Change: Hashable, Sendable {
    let type: UInt8
    /// A slice, so that a change made from a larger buffer (a header's index records) need not copy it.
    let body: ArraySlice<UInt8>

    init(type: UInt8, body: ArraySlice<UInt8>) {
        self.type = type
        self.body = body
    }

    init(type: UInt8, body: [UInt8]) { self.init(type: type, body: body[...]) }

    /// The change types this version knows.
    enum Kind: UInt8 {
        case base = 0x01, logBase = 0x02, entries = 0x03, sectionReplaced = 0x04, itemsUpserted = 0x05, auditRecords = 0x06, checkIn = 0x07
        case padding = 0xFF
    }
}

/// A commit read from a file, its check verified — for a large one, once its reader's ``UncheckedChain`` is confirmed
/// — (its chain is checked only with the vault key, by ``CommitChain``).
struct Commit: Sendable {
    /// Where its head starts in the file.
    let offset: Int
    /// 1 for a file's first commit, then consecutive.
    let number: UInt64
    /// Where its sealed keys begin in the file (0 when it adds none); not covered by the check.
    let keysOffset: UInt64
    /// Its changes in file order, padding left out.
    let changes: [Change]
    /// `H("KVC2" ‖ number ‖ changes_len ‖ changes)`.
    let check: [UInt8]
    /// The chain: `H_k(previous ‖ check)`, or 32 zero bytes for a lone custodian's unkeyed commit.
    let mac: [UInt8]
    /// Head, changes and tail: the bytes it takes.
    let count: Int

    var isKeyed: Bool { mac.contains { $0 != 0 } }

    var end: Int { offset + count }

    /// The same commit holding `changes` instead (the bytes they came from, or none once replayed).
    func withChanges(_ changes: [Change]) -> Commit {
        Commit(offset: offset, number: number, keysOffset: keysOffset, changes: changes, check: check, mac: mac, count: count)
    }

    /// The head and changes of a commit starting at `offset` (a multiple of 64) in the file, with a padding change
    /// when one is needed so that the tail starts at a multiple of 64 too; and the commit's check.
    static func encode(number: UInt64, keysOffset: UInt64, changes: [Change], offset: Int) -> (body: [UInt8], check: [UInt8]) {
        precondition(offset % FormatV2.commitAlignment == 0)
        var w = ByteWriter(capacity: 64 + changes.reduce(0) { $0 + 5 + $1.body.count })
        w.append(FormatV2.commitMagic)
        w.u64(number)
        w.u32(0)  // changes_len, patched below
        w.u64(keysOffset)
        for change in changes {
            precondition(change.type != FormatV2.paddingType)
            w.u8(change.type)
            w.u32(UInt32(change.body.count))
            w.append(change.body)
        }
        if w.bytes.count % FormatV2.commitAlignment != 0 {
            let short = FormatV2.commitAlignment - w.bytes.count % FormatV2.commitAlignment
            // A padding change is at least its 5-byte head: when less is missing, pad to the next multiple instead.
            let padding = short >= 5 ? short - 5 : short + FormatV2.commitAlignment - 5
            w.u8(FormatV2.paddingType)
            w.u32(UInt32(padding))
            w.append(repeatElement(0 as UInt8, count: padding))
        }
        var body = w.take()
        let changesCount = UInt32(body.count - FormatV2.commitHeadCount)
        for i in 0..<4 { body[12 + i] = UInt8((changesCount >> UInt32(24 - 8 * i)) & 0xFF) }
        return (body, check(of: body[...]))
    }

    /// The check over a commit's head and changes: `keys_offset` (the head's last 8 bytes) is left out, so that a
    /// commit copied to a store without offsets keeps its check and chain.
    static func check(of body: ArraySlice<UInt8>) -> [UInt8] {
        Hashing.blake2b(body.prefix(16), body.dropFirst(FormatV2.commitHeadCount))
    }

    /// What is at `offset` in `chunk` (the chunk's bytes up to its link; `chunkOffset` is where it starts in the file).
    ///
    /// With `ignoringCheck` (salvage only), a commit whose check does not match is read all the same when it is
    /// otherwise whole: its ``check`` is then the one its bytes give, so the chain over it fails and nothing in it is
    /// trusted beyond what each entry's own seal proves.
    ///
    /// A commit whose head and changes are `deferringChecksFrom` bytes or more is read without computing its check
    /// (``Reading/checkDeferred(_:)``, its ``check`` the one its tail holds): the caller hashes it later, or on another
    /// thread (``PendingChecks``). Never with `ignoringCheck`.
    static func read(
        _ chunk: ArraySlice<UInt8>, at offset: Int, chunkOffset: Int, expectedNumber: UInt64, ignoringCheck: Bool = false,
        deferringChecksFrom deferral: Int = .max
    ) -> Reading {
        let start = chunk.startIndex + (offset - chunkOffset)
        let available = chunk.endIndex - start
        guard available >= FormatV2.commitHeadCount else {
            return chunk[start...].allSatisfy { $0 == 0 } ? .end : .malformed("a commit head would not fit before the chunk's link")
        }
        let head = chunk[start..<start + FormatV2.commitHeadCount]
        if head.allSatisfy({ $0 == 0 }) { return .end }
        guard head.prefix(4).elementsEqual(FormatV2.commitMagic) else { return .malformed("no commit magic") }
        var r = ByteReader(head, base: offset)
        _ = try? r.bytes(4, "magic")
        let number = (try? r.u64("commit number")) ?? 0
        let changesCount = Int((try? r.u32("changes length")) ?? 0)
        let keysOffset = (try? r.u64("keys offset")) ?? 0
        guard number == expectedNumber else { return .malformed("commit number \(number) where \(expectedNumber) was due") }
        let tailStart = FormatV2.commitHeadCount + changesCount
        guard tailStart % FormatV2.commitAlignment == 0, tailStart + FormatV2.commitTailCount <= available else {
            return .malformed("a changes length of \(changesCount) bytes does not place the tail inside the chunk")
        }
        let body = chunk[start..<start + tailStart]
        let tail = chunk[start + tailStart..<start + tailStart + FormatV2.commitTailCount]
        if tail.allSatisfy({ $0 == 0 }) { return .zeroTail(end: offset + tailStart + FormatV2.commitTailCount) }
        let deferred = body.count >= deferral && !ignoringCheck
        let check = deferred ? Array(tail.prefix(FormatV2.checkCount)) : Commit.check(of: body)
        let checkMatches =
            deferred
            || check.withUnsafeBytes { c in tail.withUnsafeBytes { t in constantTimeEqual(c, UnsafeRawBufferPointer(rebasing: t.prefix(FormatV2.checkCount))) } }
        guard checkMatches || ignoringCheck else { return .malformed("its check does not match") }
        let changes: [Change]
        do {
            changes = try parseChanges(body.dropFirst(FormatV2.commitHeadCount), offset: offset + FormatV2.commitHeadCount)
        } catch {
            // (A deferred check is computed now after all: a bad check is what is wrong first.)
            guard !deferred || constantTimeEqual(Commit.check(of: body), check) else { return .malformed("its check does not match") }
            // (Read for salvage, a commit that fails its check is damaged, not from a newer keyvault.)
            guard checkMatches else { return .malformed("check does not match and its changes do not parse") }
            if let error = error as? KeyVaultError, error.code == .unsupportedVersion { return .unsupported(error) }
            return .malformed("its changes do not parse")
        }
        let commit = Commit(
            offset: offset, number: number, keysOffset: keysOffset, changes: changes, check: check, mac: Array(tail.suffix(32)),
            count: tailStart + FormatV2.commitTailCount)
        if deferred { return .checkDeferred(commit) }
        return checkMatches ? .commit(commit) : .unchecked(commit)
    }

    /// What a position in a chunk holds.
    enum Reading {
        /// An all-zero head: no more commits here.
        case end
        /// A complete commit whose check matches.
        case commit(Commit)
        /// With `ignoringCheck`: a complete commit whose check does not match (salvage only).
        case unchecked(Commit)
        /// A complete commit at least as large as the deferral asked, its check not computed yet.
        case checkDeferred(Commit)
        /// A well-formed head whose tail is all zeros, ending at `end`: written but never acknowledged, if nothing follows.
        case zeroTail(end: Int)
        /// A change of a critical type this keyvault does not know: a newer keyvault's.
        case unsupported(KeyVaultError)
        /// Anything else.
        case malformed(String)
    }

    /// `type u8 ‖ len u32 ‖ body`, types ascending (04 and 05 may repeat), padding last and all zeros.
    static func parseChanges(_ bytes: ArraySlice<UInt8>, offset: Int) throws -> [Change] {
        var r = ByteReader(bytes, base: offset)
        var changes: [Change] = []
        changes.reserveCapacity(4)  // a seal's commit holds two or three: one allocation, not two
        var last: UInt8 = 0
        // The sections a 04 or 05 change of this commit named (at most one of each per section type).
        var named: [UInt16] = []
        while !r.isAtEnd {
            let type = try r.u8("change type")
            let body = try r.bytes(Int(try r.u32("change length")), "change")
            let repeats = type == last && (type == Change.Kind.sectionReplaced.rawValue || type == Change.Kind.itemsUpserted.rawValue)
            guard type != 0, type > last || repeats else {
                throw KeyVaultError.damaged("vault damaged: change type \(type) at byte \(r.position) is out of order")
            }
            if type == Change.Kind.sectionReplaced.rawValue || type == Change.Kind.itemsUpserted.rawValue, let section = body.first {
                let key = UInt16(type) << 8 | UInt16(section)
                guard !named.contains(key) else {
                    throw KeyVaultError.damaged("vault damaged: a commit holds two changes of type \(type) to section \(section) (at byte \(r.position)); a writer makes one")
                }
                named.append(key)
            }
            last = type
            if type == FormatV2.paddingType {
                guard r.isAtEnd, body.allSatisfy({ $0 == 0 }) else { throw KeyVaultError.damaged("vault damaged: padding that is not zeros, or not last") }
                break
            }
            if type < 0x80, Change.Kind(rawValue: type) == nil {
                throw KeyVaultError(.unsupportedVersion, "vault has a change of type \(type), which this keyvault does not know; upgrade keyvault")
            }
            // A slice of the chunk, large or small: a replay holds index records where they lie (``RecordRuns``), so
            // the 13 MiB of an upgrade's commit are read once and laid out once (copying them out of the chunk cost
            // 3,300 more page faults per open at 100,000 entries, measured with `perf stat -e page-faults`).
            changes.append(Change(type: type, body: body))
        }
        return changes
    }
}

/// The keyed chain over a file's commits (docs/FORMAT-V2-DESIGN.md, "Commit" and "A lone custodian's check-in").
enum CommitChain {
    /// The mac of a keyed commit: `H_k(previous keyed mac ‖ checks of the unkeyed commits since ‖ check)`.
    static func mac(previous: [UInt8], unkeyedChecks: [[UInt8]], check: [UInt8], key: SecretBytes) -> [UInt8] {
        var message = ByteWriter(capacity: previous.count + unkeyedChecks.reduce(0) { $0 + $1.count } + check.count)
        message.append(previous)
        for c in unkeyedChecks { message.append(c) }
        message.append(check)
        return Hashing.blake2b(message.bytes, key: key)
    }

    /// The index of the first commit that breaks the chain — a keyed commit whose mac does not follow, or any commit
    /// with a zero mac (check-in commits, whose signatures this keyvault does not check yet) — or nil when it holds.
    ///
    /// - Parameter proven: the commits of a chain that held under `key` (the same file before this process appended
    ///   to it): leading commits equal to these in check and mac are taken as holding without hashing them again,
    ///   since each link depends only on the mac before it and the commit's check.
    static func firstBroken(_ commits: [Commit], key: SecretBytes, proven: [Commit] = []) -> Int? {
        var start = 0
        while start < min(commits.count, proven.count), proven[start].isKeyed, commits[start].isKeyed,
            commits[start].mac == proven[start].mac, commits[start].check == proven[start].check
        {
            start += 1
        }
        // Every link hashed into one stack buffer and compared in place: this runs for every commit on every open.
        let zeros = [UInt8](repeating: 0, count: 32)
        return withUnsafeTemporaryAllocation(byteCount: 32, alignment: 8) { expected -> Int? in
            for i in commits.indices.dropFirst(start) {
                guard commits[i].isKeyed else {
                    // A lone custodian's check-in will be unkeyed, its signature checked here; until that is built,
                    // every unkeyed commit breaks the chain (anyone can write a zero mac).
                    return i
                }
                let previous = i == 0 ? zeros : commits[i - 1].mac
                let holds = previous.withUnsafeBytes { p in
                    commits[i].check.withUnsafeBytes { c in
                        commits[i].mac.withUnsafeBytes { m in
                            guard p.count == 32, c.count == 32, m.count == 32 else { return false }
                            // A refusal (never with the 32-byte subkey) fails closed: nothing matches.
                            guard Hashing.blake2b(p, c, key: key, into: expected) else { return false }
                            return constantTimeEqual(UnsafeRawBufferPointer(expected), m)
                        }
                    }
                }
                guard holds else { return i }
            }
            return nil
        }
    }
}
