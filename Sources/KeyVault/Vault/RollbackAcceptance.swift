// An operator's acceptance of a roll-back (`--accept-rollback`), recorded in the commit of the write it allows.

/// The operator's acceptance of a vault behind, or off, the history this user last saw (`--accept-rollback`), with
/// the words they were shown and the copy they were shown them about.
///
/// The first write that still finds the vault behind under its lock puts an `accept-rollback` record in the audit log,
/// in the same commit as its own change: a command that fails before it writes leaves no record. The acceptance holds
/// for that copy only (or one written to since along the same history): another copy put in its place meanwhile is
/// refused. Once written, it holds for what this command wrote, and later writes of the command record it no more.
package final class RollbackAcceptance: Sendable {
    /// What the operator was told, without the leading "warning: ".
    package let words: String
    private struct State {
        var recorded = false
        /// The copy accepted: the one shown, then the one this command last wrote.
        var progress: VaultProgress
        var newest: [UInt8]?
    }
    private let state: Locked<State>

    /// - Parameters:
    ///   - words: what the operator was told about the vault's history, as the record gives it.
    ///   - shown: the copy of the vault the words are about.
    package init(words: String, shown: Vault) {
        self.words = words
        state = Locked(State(progress: shown.progress, newest: shown.newestRecordDigest))
    }

    /// Whether a write of this command has recorded it.
    package var isRecorded: Bool { state.withLock { $0.recorded } }

    /// Whether `vault` is the copy accepted, or one written to since along its history.
    func allows(_ vault: Vault) -> Bool {
        state.withLock { s in
            vault.progress.records >= s.progress.records && !SeenVaults.wentAnotherWay(vault, from: s.progress, newest: s.newest)
        }
    }

    /// After a write committed under this acceptance: it is recorded, and holds for what was written.
    func markWritten(_ written: Vault) {
        state.withLock { s in
            s.recorded = true
            s.progress = written.progress
            s.newest = written.newestRecordDigest
        }
    }
}
