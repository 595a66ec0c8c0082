// What a salvage read of a version-2 file passed over (docs/FORMAT.md, "Reading past damage for salvage").

/// Damage a read for salvage passed over: a commit that does not parse, bytes that are no commit, a chunk head or
/// link that is not valid — the read going on at the next whole commit of the chunk, or at the next chunk head in the
/// file — commits missing before a whole one, a commit that fails its check and whose changes do not replay (left
/// out), or the read's hashing budget spent.
struct SkippedDamage: Equatable, Sendable {
    /// Where the damage starts in the file.
    let at: Int
    /// One line for an operator: where, what, and where the read went on.
    let description: String

    /// Damage whose structure is gone, `what` it is, and where the read went on: `resumedAt`, or with nil, nothing more
    /// of its chunk (`inChunk`) or of the file.
    static func passed(at: Int, what: String, resumedAt: Int?, inChunk: Bool = false) -> SkippedDamage {
        let resumed = resumedAt.map { "read on from byte \($0)" } ?? (inChunk ? "nothing more of its chunk could be read" : "nothing after it could be read")
        return SkippedDamage(at: at, description: "damage at byte \(at) (\(what)) was passed over, \(resumed)")
    }

    /// `error`'s message without the "vault damaged" that every such message starts with: what it says is wrong.
    static func reason(_ error: KeyVaultError) -> String {
        for prefix in ["vault damaged or truncated: ", "vault damaged: "] where error.message.hasPrefix(prefix) {
            return String(error.message.dropFirst(prefix.count))
        }
        return error.message
    }

    /// Commits `first` to `last` missing before the whole commit at `at` (found with no damage before it).
    static func missing(at: Int, first: UInt64, last: UInt64) -> SkippedDamage {
        let which = first == last ? "commit \(first) is" : "commits \(first) to \(last) are"
        return SkippedDamage(at: at, description: "\(which) missing before the commit at byte \(at)")
    }

    /// A commit that fails its check and whose changes do not replay (`why`): left out.
    static func leftOut(at: Int, why: String) -> SkippedDamage {
        SkippedDamage(at: at, description: "the commit at byte \(at) fails its check and does not replay (\(why)); it was left out")
    }

    /// A commit whose `keys_offset` (outside its check) points its keys outside the file or over other bytes: left out.
    static func keysAstray(at: Int) -> SkippedDamage {
        SkippedDamage(at: at, description: "the commit at byte \(at) points to its keys outside the file or over other bytes; it was left out")
    }

    /// The read's hashing budget spent at `at`: nothing after it was read.
    static func spent(at: Int) -> SkippedDamage {
        SkippedDamage(
            at: at, description: "the salvage read stopped at byte \(at): it had hashed twice as many bytes of commits as a vault's metadata can hold")
    }
}
