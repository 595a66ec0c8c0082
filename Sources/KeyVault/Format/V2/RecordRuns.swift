// A replayed state's index records held where they were read, run by run, so that appending to 13 MiB of them copies
// nothing: the runs are laid out once, in the version-1 header the replay is checked as.
#if canImport(Glibc)
    @preconcurrency import Glibc  // memcmp
#endif

/// Index records (`meta_len u16 ‖ meta ‖ nonce[24]`) in index order, as the runs they were read in: a header's bytes,
/// then each later commit's entries change.
///
/// A replay used to append each commit's records to one buffer; the first append after an upgrade's (or a
/// compaction's) 13 MiB commit copied all of it, only for ``LogicalState/header(copy:checksum:)`` to copy it again.
/// Equality and prefixes compare bytes, wherever the runs happen to start and end.
struct RecordRuns: Equatable, Sendable {
    /// The runs, none empty.
    private(set) var runs: [ArraySlice<UInt8>] = []
    /// The number of bytes in all runs.
    private(set) var count = 0

    init() {}

    /// One run of `bytes` (none when empty), not copied.
    init(_ bytes: ArraySlice<UInt8>) { append(bytes) }

    var isEmpty: Bool { count == 0 }

    /// Adds `bytes` after the last run, without copying them.
    mutating func append(_ bytes: ArraySlice<UInt8>) {
        guard !bytes.isEmpty else { return }
        runs.append(bytes)
        count += bytes.count
    }

    static func += (runs: inout RecordRuns, bytes: [UInt8]) { runs.append(bytes[...]) }

    /// The bytes after the first `n`, as runs of the same storage.
    func dropFirst(_ n: Int) -> RecordRuns {
        precondition(n >= 0 && n <= count)
        var skip = n
        var rest = RecordRuns()
        for run in runs {
            if skip >= run.count {
                skip -= run.count
            } else {
                rest.append(run.dropFirst(skip))
                skip = 0
            }
        }
        return rest
    }

    /// All the bytes as one slice: the run itself when there is one, else a copy.
    var contiguous: ArraySlice<UInt8> {
        if runs.count <= 1 { return runs.first ?? [] }
        var all: [UInt8] = []
        all.reserveCapacity(count)
        for run in runs { all += run }
        return all[...]
    }

    /// Whether these bytes begin with the bytes of `prefix`.
    func hasPrefix(_ prefix: RecordRuns) -> Bool {
        prefix.count <= count && Self.sameBytes(self, prefix, count: prefix.count)
    }

    /// Equal bytes, compared with `memcmp` where they lie (megabytes at 100,000 entries).
    static func == (l: RecordRuns, r: RecordRuns) -> Bool { l.count == r.count && sameBytes(l, r, count: l.count) }

    /// Whether the first `count` bytes of `a` and `b` (each holding at least that many) are the same.
    private static func sameBytes(_ a: RecordRuns, _ b: RecordRuns, count: Int) -> Bool {
        var i = 0, j = 0  // the runs of a and b being compared
        var x = 0, y = 0  // the offsets in them
        var left = count
        while left > 0 {
            let u = a.runs[i], v = b.runs[j]
            let n = min(left, u.count - x, v.count - y)
            let same = u.withUnsafeBytes { p in v.withUnsafeBytes { q in memcmp(p.baseAddress! + x, q.baseAddress! + y, n) == 0 } }
            guard same else { return false }
            left -= n
            x += n
            y += n
            if x == u.count {
                i += 1
                x = 0
            }
            if y == v.count {
                j += 1
                y = 0
            }
        }
        return true
    }
}
