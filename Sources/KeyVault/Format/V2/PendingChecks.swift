// The checks of a version-2 file's large commits, hashed on other threads while the reader replays the file.

/// From which size a commit's check is left to another thread.
package enum CheckDeferral {
    /// A mebibyte. The fuzzer (Sources/keyvault-fuzz) lowers it once, before its first input, so that every commit of
    /// the small files it makes takes the deferred path; nothing else may change it (tests run in parallel).
    package nonisolated(unsafe) static var minimumCount = 1 << 20
}

/// Large commits whose checks are being computed away from the reader's thread (docs/FORMAT-V2-DESIGN.md, "Reading").
///
/// An upgrade's or a compaction's single commit holds the whole index: 13 MiB at 100,000 entries, whose BLAKE2b is a
/// third of a seal's time. Its check cannot fail in a way a file writer could use (it is unkeyed: a writer who changes
/// the commit writes its new check too; the keyed chain is what says the bytes are the vault's), so the reader may
/// replay the commit meanwhile, as it replays any file's. What it may not do is trust, use or show anything before
/// ``confirm()``, which throws for the first commit whose check does not match, exactly as the reader would have.
final class PendingChecks {
    /// A commit whose check is not computed yet: its offset in the file, where its head and changes lie in its chunk's
    /// bytes, and the check its tail holds.
    struct Commit: Sendable {
        let offset: Int
        let body: Range<Int>
        let check: [UInt8]
    }

    /// Commits from this size on (head and changes) are deferred: a mebibyte costs about a millisecond to hash, a
    /// thread some tens of microseconds to start.
    static var minimumCount: Int { CheckDeferral.minimumCount }

    /// Per chunk with deferred commits, in file order: the offset of its first commit whose check does not match.
    private var chunks: [BackgroundTask<Int?>] = []

    /// Starts hashing `commits`, which lie in `bytes` (their chunk's, from its start), on another thread; `now` hashes
    /// them on this one (the walk stopped at an error: a check that fails before it is what is reported).
    ///
    /// One thread at most is running: a chunk's thread starts once the one before it has ended. A file of 255 chunks
    /// of a mebibyte each would otherwise start 255 threads, each holding its stack until the confirmation.
    func check(_ commits: [Commit], in bytes: [UInt8], now: Bool) {
        guard !commits.isEmpty else { return }
        let work: @Sendable () -> Int? = { commits.first { !constantTimeEqual(KeyVault.Commit.check(of: bytes[$0.body]), $0.check) }?.offset }
        _ = chunks.last?.wait()
        chunks.append(now ? BackgroundTask(done: work()) : BackgroundTask(work))
    }

    /// Waits for every check; throws what ``ChainFile/read(from:salvaging:)`` throws for the first one that does not
    /// match.
    func confirm() throws {
        for chunk in chunks {
            if let offset = chunk.wait() {
                throw KeyVaultError.damaged("vault damaged: the commit at byte \(offset) is damaged: its check does not match")
            }
        }
    }
}

/// A version-2 file read whose large commits may still be being checked (``ChainFile/readDeferringChecks(from:salvaging:)``).
/// Its chain is reached only through ``confirmed(_:)``, which returns nothing and throws nothing from the work done
/// on it before every check has matched.
struct UncheckedChain {
    private let chain: ChainFile
    private let checks: PendingChecks

    init(_ chain: ChainFile, checks: PendingChecks) {
        self.chain = chain
        self.checks = checks
    }

    /// Runs `body` on the chain while the checks go on, then waits for them: the first that does not match is
    /// thrown (whatever `body` returned or threw); when all match, `body`'s value or error.
    func confirmed<T>(_ body: (ChainFile) throws -> T) throws -> T {
        let result = Result { try body(chain) }
        try checks.confirm()
        return try result.get()
    }
}
