// keyvault checkpoint: one short authenticated line of how far the vault's history has come, to keep elsewhere.
import ArgumentParser
import KeyVault

struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint", abstract: "Print one authenticated line (vault id, audit record count, chain head) to keep off this box.",
        discussion:
            "Keep the line where the vault's writers cannot change it: a ticket, the CMDB, paper. 'keyvault verify VAULT --checkpoint LINE' then reports a vault rolled back past it, or whose newest audit records were cut. A re-key starts a new series: make a new checkpoint after it."
    )

    @OptionGroup var vaultArgument: VaultArgument
    var vault: String { vaultArgument.path }

    @OptionGroup var unlock: UnlockOptions

    func run() throws {
        let opened = try Vault.open(atPath: vault)
        History.warnIfRolledBack(opened)
        let unlocked = try unlock.unlock(opened)
        try unlocked.requireAuthentic()
        if let broken = unlocked.firstBrokenAuditRecord { throw CLIError.brokenAuditLog(record: broken + 1 + opened.droppedAuditRecordCount) }
        History.rememberAuthenticated(opened, path: vault)
        Output.line(try unlocked.checkpoint().description)
    }
}

extension CheckpointFinding {
    /// One line for people.
    var words: String {
        switch self {
        case .current: return "checkpoint: the vault is where the checkpoint left it"
        case .newer(let n, true): return "checkpoint: the vault has \(n) audit record\(n == 1 ? "" : "s") more than the checkpoint, and its history passes through it"
        case .newer(let n, false):
            return "checkpoint: the vault has \(n) audit record\(n == 1 ? "" : "s") more than the checkpoint (the record it names was dropped at the log's cap, so only the count could be compared)"
        case .rolledBack(let then, let now):
            return "checkpoint: ROLLED BACK: the checkpoint names \(then) audit records, the vault has \(now): an older copy was put in its place, or its newest records were cut"
        case .diverged(let at): return "checkpoint: DIVERGED: the vault's audit record \(at) is not the one the checkpoint names: its history went another way"
        }
    }

    var json: JSON {
        switch self {
        case .current: return .object([("state", .string("current")), ("ok", .bool(true))])
        case .newer(let n, let verified): return .object([("state", .string("newer")), ("ok", .bool(true)), ("newerBy", .int(Int(n))), ("historyVerified", .bool(verified))])
        case .rolledBack(let then, let now): return .object([("state", .string("rolled-back")), ("ok", .bool(false)), ("checkpointRecords", .int(Int(then))), ("vaultRecords", .int(Int(now)))])
        case .diverged(let at): return .object([("state", .string("diverged")), ("ok", .bool(false)), ("atRecord", .int(Int(at)))])
        }
    }
}
