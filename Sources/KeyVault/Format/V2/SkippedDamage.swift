// What a salvage read of a version-2 file passed over (docs/FORMAT-V2-DESIGN.md, "Reading", step 3).

/// Damage a read for salvage passed over: a commit that does not parse, bytes that are no commit, a chunk head or
/// link that is not valid — the read going on at the next whole commit of the chunk, or at the next chunk head in the
/// file — or a commit that fails its check and whose changes do not replay, left out.
struct SkippedDamage: Equatable, Sendable {
    /// Where the damage starts in the file.
    let at: Int
    /// One line for an operator: where, what, and where the read went on.
    let description: String

    /// Damage whose structure is gone, `what` it is, and where the read went on (nil: nothing after it could be read).
    static func passed(at: Int, what: String, resumedAt: Int?) -> SkippedDamage {
        let resumed = resumedAt.map { "read on from byte \($0)" } ?? "nothing after it could be read"
        return SkippedDamage(at: at, description: "damage at byte \(at) (\(what)) was passed over, \(resumed)")
    }

    /// A commit that fails its check and whose changes do not replay (`why`): left out.
    static func leftOut(at: Int, why: String) -> SkippedDamage {
        SkippedDamage(at: at, description: "the commit at byte \(at) fails its check and does not replay (\(why)); it was left out")
    }
}
