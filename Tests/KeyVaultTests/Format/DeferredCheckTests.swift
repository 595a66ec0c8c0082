// A large commit's check is hashed on another thread while the reader replays the file: nothing is trusted before it
// matched, and a bad check is still what the reader reports first, whatever else is wrong after it.
import Foundation
import Testing
@testable import KeyVault
import KeyVaultTestSupport

// Serialized: one test makes thread starts fail (Syscalls.refusingThreads) while another checks that a task runs on
// a thread of its own.
@Suite(.serialized) struct DeferredCheckTests {
    let files = ChainFileTests()

    /// A file whose first commit (3 MiB) and fourth (9 MiB) are large enough to be checked on another
    /// thread, the others not; the fourth opens a second chunk.
    func file() throws -> (path: String, chain: ChainFile, key: SecretBytes) {
        let sizes = [3 << 20, 100, 40, 9 << 20, 60]
        let (path, key, _) = try files.newFile(changes: [ChainFileTests.change(1, count: sizes[0])])
        for (n, count) in sizes.enumerated().dropFirst() { try files.append(path, [ChainFileTests.change(n + 1, count: count)], key: key) }
        let chain = try files.read(path)
        #expect(chain.chunks.count == 2 && chain.commits.count == sizes.count, "\(chain.chunks)")
        #expect(chain.commits.map { $0.count >= PendingChecks.minimumCount } == [true, false, false, true, false])
        return (path, chain, key)
    }

    /// The message a reader gives for the commit at `offset`.
    static func badCheck(_ offset: Int) -> String { "vault damaged: the commit at byte \(offset) is damaged: its check does not match" }

    /// The message of the error `body` throws, nil when it throws none.
    static func message(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as KeyVaultError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    /// The work runs on a thread of its own, and its value is there once waited for (every time asked).
    @Test func aBackgroundTaskRunsOnAnotherThread() {
        let here = pthread_self()
        let tasks = (0..<8).map { n in BackgroundTask { (pthread_self(), (0..<100_000).reduce(n) { $0 &+ $1 }) } }
        for (n, task) in tasks.enumerated() {
            let (thread, sum) = task.wait()
            #expect(pthread_equal(thread, here) == 0 && sum == n + 4_999_950_000)
            #expect(task.wait().1 == sum)
        }
        #expect(BackgroundTask(done: 7).wait() == 7)
    }

    /// `path` read intact (every commit as written, the chain holding, the deferred checks confirming); then each of
    /// its large commits with one byte of its changes flipped, its check and mac left as they were: the walk goes on
    /// (the check is not confirmed yet) and the work on the chain runs, but neither its value nor its error comes out:
    /// the confirmation refuses the file with the reader's message for a bad check.
    private func expectOnlyTheBadCheck(_ path: String, _ chain: ChainFile, key: SecretBytes, copiesNamed name: String) throws {
        let intact = try ChainFile.readDeferringChecks(from: OpenFile.open(path, what: "vault")).confirmed { $0 }
        #expect(intact.commits.map(\.check) == chain.commits.map(\.check))
        #expect(CommitChain.firstBroken(intact.commits, key: key) == nil)
        for large in [0, 3] {
            let commit = chain.commits[large]
            let flipped = try files.copy(path, as: "\(name)-\(large).kv")
            try files.overwrite(flipped, at: commit.offset + FormatV2.commitHeadCount + 5 + 1_000, with: [0xEE])
            let read = try ChainFile.readDeferringChecks(from: OpenFile.open(flipped, what: "vault"))
            var worked = 0
            #expect(Self.message { _ = try read.confirmed { chain in worked = chain.commits.count } } == Self.badCheck(commit.offset))
            #expect(Self.message { try read.confirmed { _ in throw KeyVaultError.damaged("the work's own error") } } == Self.badCheck(commit.offset))
            #expect(worked == chain.commits.count)
            #expect(files.damage(of: flipped) == Self.badCheck(commit.offset))
        }
    }

    /// When no thread can be had, the work is done on the caller's thread, before the task is returned; a large
    /// commit's bad check is still what is reported, with the same message, and an intact file reads the same.
    @Test func withoutAThreadTheWorkIsDoneInlineAndTheSameErrorsComeFirst() throws {
        let (path, chain, key) = try file()
        Syscalls.refusingThreads.withLock { $0 = true }
        defer { Syscalls.refusingThreads.withLock { $0 = false } }
        let here = pthread_self()
        let task = BackgroundTask { pthread_self() }
        #expect(pthread_equal(task.wait(), here) != 0)
        try expectOnlyTheBadCheck(path, chain, key: key, copiesNamed: "inline-flipped")
    }

    @Test func aLargeCommitWithABadCheckIsRefusedOnlyOnceItsCheckIsConfirmed() throws {
        let (path, chain, key) = try file()
        try expectOnlyTheBadCheck(path, chain, key: key, copiesNamed: "flipped")
    }

    /// What the walk finds wrong after a large commit whose check fails is not what is reported: the bad check is.
    @Test func aBadCheckIsReportedBeforeWhatFollowsIt() throws {
        let (path, chain, _) = try file()
        let first = chain.commits[0], fourth = chain.commits[3]
        func flip(_ path: String, _ commit: Commit) throws {
            try files.overwrite(path, at: commit.offset + FormatV2.commitHeadCount + 5 + 77, with: [0xEE])
        }

        // A later commit hidden behind zeros, in the same chunk.
        let hidden = try files.copy(path, as: "hidden.kv")
        try flip(hidden, first)
        try files.overwrite(hidden, at: chain.commits[1].offset, with: [UInt8](repeating: 0, count: FormatV2.commitHeadCount))
        #expect(files.damage(of: hidden) == Self.badCheck(first.offset))

        // A later small commit with a bad check of its own, in the same chunk.
        let both = try files.copy(path, as: "both.kv")
        try flip(both, first)
        try files.overwrite(both, at: chain.commits[2].offset + FormatV2.commitHeadCount + 7, with: [0x55])
        #expect(files.damage(of: both) == Self.badCheck(first.offset))

        // A bad link after the first chunk, and a bad check in the second chunk's large commit.
        let link = try files.copy(path, as: "link.kv")
        try flip(link, first)
        try flip(link, fourth)
        let firstChunk = chain.chunks[0]
        try files.overwrite(link, at: ChainFile.linkOffset(chunk: firstChunk.offset, capacity: firstChunk.capacity) + 40, with: [0x01])
        #expect(files.damage(of: link) == Self.badCheck(first.offset))

        // Only the second chunk's large commit: it is the one named, ahead of a small commit after it that is damaged.
        let second = try files.copy(path, as: "second.kv")
        try flip(second, fourth)
        try files.overwrite(second, at: chain.commits[4].offset + FormatV2.commitHeadCount + 7, with: [0x55])
        #expect(files.damage(of: second) == Self.badCheck(fourth.offset))

        // A large commit whose changes no longer parse — a change's type made unknown and critical, or its length
        // beyond the commit: the check is computed there and then, and it is what is reported, as before.
        let unknown = try files.copy(path, as: "unknown.kv")
        try files.overwrite(unknown, at: first.offset + FormatV2.commitHeadCount + 45, with: [0x7E])
        #expect(files.damage(of: unknown) == Self.badCheck(first.offset))
        let overrun = try files.copy(path, as: "overrun.kv")
        try files.overwrite(overrun, at: first.offset + FormatV2.commitHeadCount + 46, with: [0x7F, 0xFF, 0xFF, 0xFF])
        #expect(files.damage(of: overrun) == Self.badCheck(first.offset))
    }

    /// Through the library: an upgraded vault's one commit of more than a mebibyte, one letter of an entry's label
    /// changed and the commit's check and mac left alone, is refused as damaged — the replay that ran meanwhile is
    /// not returned — and the unchanged file opens, authentic.
    @Test func aVaultIsNotOpenedFromALargeCommitWhoseCheckFails() throws {
        let dir = try CustodianSupport.temporaryDirectory()
        let identity = try CustodianIdentity.generate()
        let path = "\(dir)/v1.kv"
        let credentials = Credentials(identities: [identity])
        try Vault.create(atPath: path, custodians: [.recipient(identity.recipient!)])
        let label = String(repeating: "label text ", count: 22)
        let items = try (0..<3_400).map { i in
            SealItem(key: try CustodianSupport.secret("key \(i)"), request: SealRequest(role: .sm, host: try HostName("SM\(i)"), label: "\(i) \(label)"))
        }
        _ = try Vault.seal(items, atPath: path, credentials: credentials)
        let v2 = try Version2ReadingTests.upgrade(path, credentials: credentials)
        let commit = try #require(try ChainFile.read(from: OpenFile.open(v2, what: "vault")).commits.first)
        #expect(commit.count >= PendingChecks.minimumCount)
        #expect(try Vault.open(atPath: v2).unlock(with: credentials).isAuthentic)

        let bytes = try TestFiles.bytes(v2)
        let needle = Array("2718 label text".utf8)
        let at = try #require((commit.offset..<commit.end).first { bytes[$0..<($0 + needle.count)].elementsEqual(needle) })
        func written(_ bytes: [UInt8], as name: String) throws -> String {
            try Data(bytes).write(to: URL(fileURLWithPath: "\(dir)/\(name)"))
            return "\(dir)/\(name)"
        }
        var edited = bytes
        edited[at + 5] = UInt8(ascii: "L")
        #expect(Self.message { _ = try Vault.open(atPath: written(edited, as: "edited.kv")) } == Self.badCheck(commit.offset))

        // A control character in the label, which the replay refuses: with the check left as it was, the bad check is
        // still what is reported, not the replay's error — which is what a file writer who recomputes the check gets.
        var refused = bytes
        refused[at + 5] = 0x01
        #expect(Self.message { _ = try Vault.open(atPath: written(refused, as: "refused.kv")) } == Self.badCheck(commit.offset))
        let tail = commit.end - FormatV2.commitTailCount
        refused.replaceSubrange(tail..<(tail + FormatV2.checkCount), with: Commit.check(of: refused[commit.offset..<tail]))
        let replayError = Self.message { _ = try Vault.open(atPath: written(refused, as: "rechecked.kv")) }
        #expect(replayError != nil && replayError != Self.badCheck(commit.offset), "\(replayError ?? "opened")")
    }
}
