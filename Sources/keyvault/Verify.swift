// keyvault verify: open every entry in memory, check the audit log's chain, and report each problem.
import ArgumentParser
import KeyVault

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Open every entry in memory, check the audit log's chain, and report each problem by name (nothing is written).")

    @Argument(help: ArgumentHelp("The vault file.", valueName: "vault"))
    var vault: String

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @OptionGroup var unlock: UnlockOptions

    func run() throws {
        let opened = try Vault.open(atPath: vault, allowingDamage: true)
        let report = try unlock.unlock(opened).verify()
        if json {
            Output.line(JSON.object([
                ("vault", .string(vault)), ("intact", .bool(report.isIntact)), ("indexAuthentic", .bool(report.isIndexAuthentic)),
                ("auditLogIntact", .bool(report.auditLogProblem == nil)),
                ("entries", .array(report.entries.map { r in
                    .object([("entry", r.entry.json), ("ok", .bool(r.problem == nil)), ("problem", r.problem.map(JSON.string) ?? .null)])
                })),
            ]).text)
        } else {
            if !report.isIndexAuthentic {
                Output.line("DAMAGED  vault index: header or index fails authentication (damaged or tampered with)")
            }
            for r in report.entries {
                Output.line(r.problem == nil ? "ok       \(r.entry.displayName)" : "DAMAGED  \(r.entry.displayName): \(r.problem!)")
            }
            if let logProblem = report.auditLogProblem { Output.line("DAMAGED  \(logProblem)") }
            let bad = report.entries.filter { $0.problem != nil }.count
            Output.line("\(report.entries.count - bad) of \(report.entries.count) entries intact\(report.isIndexAuthentic ? "" : "; index NOT authentic")\(report.auditLogProblem == nil ? "" : "; audit log NOT intact")")
        }
        if !report.isIntact { throw ExitCode(ExitCodes.code(for: .damaged)) }
    }
}
