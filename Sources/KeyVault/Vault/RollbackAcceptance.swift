// An operator's acceptance of a roll-back (`--accept-rollback`), recorded in the commit of the write it allows.

/// The operator's acceptance of a vault behind, or off, the history this user last saw (`--accept-rollback`), with
/// the words they were shown: the first write that still finds the vault so under its lock puts an `accept-rollback`
/// record in its audit log, in the same commit as its own change. A command that fails before it writes leaves no
/// record; later writes of the same command record it no more.
package final class RollbackAcceptance: Sendable {
    /// What the operator was told, without the leading "warning: ".
    package let words: String
    private let recorded = Locked(false)

    /// - Parameter words: what the operator was told about the vault's history, as the record gives it.
    package init(words: String) {
        self.words = words
    }

    /// Whether a write has recorded it already.
    var isRecorded: Bool { recorded.withLock { $0 } }

    /// Called once a write that holds the record is committed.
    func markRecorded() { recorded.withLock { $0 = true } }
}
