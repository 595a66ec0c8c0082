// keyvault log: the vault's audit trail, its chain checked.
import ArgumentParser
import KeyVault

struct Log: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log", abstract: "Show the vault's audit log (seals, restores, promotions, custodian changes, drills) and check its chain.",
        discussion:
            "Needs the vault's secret: each record is chained to the one before with a key only custodians hold, so a record removed or edited is named. Exits 5 when the chain or the vault tag fails."
    )

    @OptionGroup var vaultArgument: VaultArgument
    var vault: String { vaultArgument.path }

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @OptionGroup var unlock: UnlockOptions

    func run() throws {
        let opened = try Vault.open(atPath: vault, allowingDamage: true)
        History.warnIfRolledBack(opened)
        StorageWarnings.warn(opened)
        let report = try unlock.unlock(opened).auditLog()
        if report.isIntact { History.rememberAuthenticated(opened, path: vault) }
        if json {
            Output.line(
                JSON.object([
                    ("vault", .string(vault)), ("intact", .bool(report.isIntact)), ("chainIntact", .bool(report.firstBrokenRecord == nil)),
                    ("vaultAuthentic", .bool(report.isVaultAuthentic)), ("dropped", .int(report.dropped)),
                    ("firstBrokenRecord", report.firstBrokenRecord.map { .int($0 + 1 + report.dropped) } ?? .null),
                    (
                        "records",
                        .array(
                            report.records.enumerated().map { n, r in
                                .object([
                                    ("number", .int(n + 1 + report.dropped)), ("time", .string(r.time.iso8601)), ("action", .string(r.action.rawValue)),
                                    ("role", r.role.map { .string($0.rawValue) } ?? .null), ("host", r.host.map { .string($0.value) } ?? .null),
                                    ("version", r.version.map { .int(Int($0)) } ?? .null), ("user", .string(r.user)), ("machine", .string(r.machine)),
                                    ("outcome", .string(r.outcome)),
                                    ("chainOK", .bool(report.firstBrokenRecord.map { n < $0 } ?? true)),
                                ])
                            })
                    ),
                ]).text)
        } else if report.records.isEmpty {
            Output.line("the audit log of \(vault) is empty")
        } else {
            Output.line(
                Output.table(
                    ["#", "TIME (UTC)", "ACTION", "ROLE", "HOST", "BY", "OUTCOME"],
                    report.records.enumerated().map { n, r in
                        [
                            String(n + 1 + report.dropped), r.time.iso8601, r.action.rawValue, r.role?.rawValue ?? "-", r.host.map { $0.value + (r.version.map { " v\($0)" } ?? "") } ?? "-",
                            "\(r.user)@\(r.machine)", r.outcome,
                        ]
                    }))
            if report.dropped > 0 { Output.line("(\(report.dropped) older records were dropped when the log reached its cap)") }
        }
        if let broken = report.firstBrokenRecord {
            throw CLIError.brokenAuditLog(record: broken + 1 + report.dropped)
        }
        if !report.isVaultAuthentic {
            throw CLIError(
                message: "vault damaged or tampered with: its header (which holds the log) fails authentication, though the log's chain holds; records may have been cut from its end",
                exitCode: ExitCodes.code(for: .damaged))
        }
    }
}
