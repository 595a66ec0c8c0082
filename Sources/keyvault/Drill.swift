// keyvault drill: prove before a disaster that every key still opens; record the result; fail loudly if not.
import ArgumentParser
import KeyVault

struct Drill: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drill", abstract: "Open every entry and escrowed password in memory, check the audit log, and record the result.",
        discussion:
            "For cron or monitoring: exits 5 with the list of problems when anything is wrong. 'keyvault list' shows each entry's last drill. Nothing but the drill's result and a log record is written."
    )

    @OptionGroup var vaultArgument: VaultArgument
    var vault: String { vaultArgument.path }

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Flag(help: "Treat coverage gaps (an inventory computer without a key, a key without its export password) as failures: exit 5.")
    var strict = false

    @Option(
        name: .customLong("certificate-warning-days"),
        help: ArgumentHelp("Fail (exit 5) when a custodian's certificate expires within this many days, or has expired.", valueName: "days"))
    var certificateWarningDays = 60

    @Option(
        name: .customLong("check-in-max-age-days"),
        help: ArgumentHelp(
            "Fail (exit 5) when a custodian has not checked in ('keyvault custodian check', or unlocking for a drill) for longer than this, or fewer custodians than the vault needs have.",
            valueName: "days"))
    var checkInMaxAgeDays = 180

    @OptionGroup var unlock: UnlockOptions
    @OptionGroup var history: HistoryOptions

    func validate() throws {
        guard (0...3650).contains(certificateWarningDays) else {
            throw CLIError.usage("--certificate-warning-days must be from 0 to 3650, not \(certificateWarningDays)")
        }
        guard (1...3650).contains(checkInMaxAgeDays) else {
            throw CLIError.usage("--check-in-max-age-days must be from 1 to 3650, not \(checkInMaxAgeDays)")
        }
    }

    func run() throws {
        let opened = try Vault.open(atPath: vault, allowingDamage: true)
        let unlocked = try unlock.unlock(opened, operatorVouches: history.endorse, takesEndorse: true)
        // A drill must still run on a rolled-back copy (it says so); it records itself only when that is accepted.
        let rolledBack = History.warnIfRolledBack(opened)
        // (An accepted roll-back is recorded with the drill's results, in their commit.)
        let rollbackGuard = rolledBack && history.acceptRollback ? try history.checkBeforeWrite(opened, path: vault, history.vouching(Credentials())) : nil
        let report = unlocked.drill(recording: !rolledBack || history.acceptRollback, rollbackGuard: rollbackGuard)
        // Not recorded on purpose (a rolled-back copy): `recorded` is false and says why, as for a write that failed.
        let notRecorded =
            report.recordError
            ?? (rolledBack && !history.acceptRollback
                ? "not recorded: the vault is behind the copy this user last saw, or off its history (--accept-rollback records it)" : nil)
        if rolledBack && !history.acceptRollback {
            Output.note("note: this drill was not recorded in the vault, which is behind the copy this user last saw, or off its history (--accept-rollback records it)")
        }
        if report.recordError == nil && (!rolledBack || history.acceptRollback) { History.rememberWritten(path: vault) }
        let gaps = opened.coverageGaps()
        let expiring = opened.custodians.compactMap { $0.expiryWarning(within: certificateWarningDays, from: report.time) }
        // The check-ins as the drill left them (its own custodians checked in), under the key it authenticated.
        let checkIns = CheckInReview(report.custodianCheckIns, threshold: opened.threshold, maxAgeDays: checkInMaxAgeDays, now: report.time)
        if json {
            Output.line(
                JSON.object([
                    ("vault", .string(vault)), ("time", .string(report.time.iso8601)), ("healthy", .bool(report.isHealthy)),
                    (
                        "coverage",
                        .array(
                            gaps.map { gap in
                                switch gap {
                                case .noKey(let host, let role):
                                    return .object([
                                        ("kind", .string("no-key")), ("host", .string(host.value)), ("role", .string(role.rawValue)), ("version", .null), ("text", .string(gap.description)),
                                    ])
                                case .noPassword(let host, let role, let version):
                                    return .object([
                                        ("kind", .string("no-password")), ("host", .string(host.value)), ("role", .string(role.rawValue)), ("version", .int(Int(version))),
                                        ("text", .string(gap.description)),
                                    ])
                                }
                            })
                    ),
                    ("custodianWarnings", .array((expiring + checkIns.problems).map(JSON.string))),
                    ("checkInNotes", .array(checkIns.notes.map(JSON.string))),
                    ("recorded", .bool(notRecorded == nil)), ("recordError", notRecorded.map(JSON.string) ?? .null),
                    ("problems", .array(report.problems.map(JSON.string))),
                    (
                        "entries",
                        .array(
                            report.entries.map { r in
                                .object([
                                    ("entry", r.entry.json), ("ok", .bool(r.problem == nil)), ("problem", r.problem.map(JSON.string) ?? .null),
                                    ("passwordEscrowed", .bool(r.passwordEscrowed)),
                                ])
                            })
                    ),
                ]).text)
        } else {
            // A retired entry is said to be so: it opens, but no restore or plan uses it.
            let retired = opened.retiredIndexes
            for r in report.entries {
                let mark = retired.contains(r.entry.index) ? " (retired: restores and plans leave it out)" : ""
                Output.line(
                    r.problem == nil
                        ? "ok       \(r.entry.displayName)\(mark)\(r.passwordEscrowed ? ", export password escrowed" : "")"
                        : "FAILED   \(r.entry.displayName)\(mark): \(r.problem!)")
            }
            // Problems of the vault as a whole (index, audit log); each entry's own problem is on its line above.
            let entryProblems = Set(report.entries.compactMap { r in r.problem.map { "\(r.entry.displayName): \($0)" } })
            for p in report.problems where !entryProblems.contains(p) {
                Output.line("FAILED   \(p)")
            }
            for gap in gaps { Output.line("\(strict ? "FAILED " : "WARNING") coverage: \(gap)") }
            for warning in expiring + checkIns.problems { Output.line("FAILED   \(warning)") }
            for note in checkIns.notes { Output.line("NOTE     \(note)") }
            let bad = report.entries.filter { $0.problem != nil }.count
            let custodianProblems = expiring.count + checkIns.problems.count
            // With --strict a coverage gap fails the drill: the summary does not then call it healthy.
            let failedGaps = strict ? gaps.count : 0
            Output.line(
                "drill \(report.time.iso8601): \(report.entries.count - bad) of \(report.entries.count) entries open; \(report.isHealthy ? (failedGaps == 0 ? "healthy" : "entries healthy") : "\(report.problems.count) problem\(report.problems.count == 1 ? "" : "s")")\(custodianProblems == 0 ? "" : "; \(custodianProblems) custodian problem\(custodianProblems == 1 ? "" : "s")")\(failedGaps == 0 ? "" : "; \(failedGaps) coverage gap\(failedGaps == 1 ? "" : "s") (--strict)")"
            )
        }
        if let why = report.recordError { Output.note("warning: the drill's result could not be recorded in the vault: \(why)") }
        if !report.isHealthy {
            throw CLIError(
                message: "drill found \(report.summary)",
                exitCode: ExitCodes.code(for: .damaged))
        }
        if let first = expiring.first {
            throw CLIError(
                message:
                    "drill found \(expiring.count) custodian certificate\(expiring.count == 1 ? "" : "s") expired or expiring within \(certificateWarningDays) days: \(first)\(expiring.count > 1 ? " and \(expiring.count - 1) more" : "")",
                exitCode: ExitCodes.code(for: .damaged))
        }
        if let first = checkIns.problems.first {
            throw CLIError(
                message:
                    "drill found \(checkIns.problems.count) custodian check-in problem\(checkIns.problems.count == 1 ? "" : "s") (older than \(checkInMaxAgeDays) days): \(first)\(checkIns.problems.count > 1 ? " and \(checkIns.problems.count - 1) more" : "")",
                exitCode: ExitCodes.code(for: .damaged))
        }
        if strict && !gaps.isEmpty {
            throw CLIError(
                message: "drill found \(gaps.count) coverage gap\(gaps.count == 1 ? "" : "s") (--strict): \(gaps[0])\(gaps.count > 1 ? " and \(gaps.count - 1) more" : "")",
                exitCode: ExitCodes.code(for: .damaged))
        }
    }
}
