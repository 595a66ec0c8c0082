// keyvault verify: open every entry in memory, check the audit log's chain, and report each problem.
import ArgumentParser
import KeyVault

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Open every entry in memory, check the audit log's chain, and report each problem by name (nothing is written).",
        discussion: """
            A format-version-2 vault stores its slot area twice: when one copy (or the file's preamble) is damaged, \
            verify names it and exits 5, and --repair writes it again from the good copy, with an audit record. Bytes \
            after the last commit that are no complete commit (an interrupted write, or bytes put there since) are named \
            too, and --repair clears them; bytes after the last sealed key are named, and 'keyvault compact' drops them. \
            (The next write to the vault repairs all but the last.)
            """)

    @OptionGroup var vaultArgument: VaultArgument
    var vault: String { vaultArgument.path }

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Option(help: ArgumentHelp("Also compare the vault with a checkpoint from 'keyvault checkpoint': the line itself, or a file holding it.", valueName: "line|file"))
    var checkpoint: String?

    @Flag(help: "Write a damaged slot-area copy or preamble of a format-version-2 vault again from the good copy (recorded in the audit log).")
    var repair = false

    @OptionGroup var unlock: UnlockOptions
    @OptionGroup var history: HistoryOptions

    func run() throws {
        let given = try checkpoint.map(Self.readCheckpoint)
        let opened = try Vault.open(atPath: vault, allowingDamage: true)
        History.warnIfRolledBack(opened)
        let unlocked = try unlock.unlock(opened)
        let report = unlocked.verify()
        var storage = opened.storageFindings
        var repaired: [String] = []
        if repair && storage.contains(where: \.isRepairable) && report.isIntact {
            let credentials = history.vouching(try unlock.credentials(for: opened))
            try history.checkBeforeWrite(opened, path: vault) { credentials }
            repaired = try Vault.repairStorage(atPath: vault, credentials: credentials) ?? []
            History.rememberWritten(path: vault)
            storage = try Vault.open(atPath: vault).storageFindings
        }
        // A checkpoint is compared only with a vault that authenticated: the record count of a tampered one means nothing.
        let finding = report.isIndexAuthentic ? try given.map { try unlocked.check($0) } : nil
        if report.isIntact && finding?.isAcceptable != false { History.rememberAuthenticated(opened, path: vault) }
        defer { if let finding, !finding.isAcceptable, report.isIntact { Output.error(String(finding.words.dropFirst("checkpoint: ".count))) } }
        if json {
            Output.line(
                JSON.object([
                    ("vault", .string(vault)), ("intact", .bool(report.isIntact)), ("indexAuthentic", .bool(report.isIndexAuthentic)),
                    ("auditLogIntact", .bool(report.auditLogProblem == nil)),
                    ("storageProblems", .array(storage.map { JSON.string($0.description) })), ("repaired", .array(repaired.map(JSON.string))),
                    ("checkpoint", finding?.json ?? (given == nil ? .null : .object([("state", .string("unverifiable")), ("ok", .bool(false))]))),
                    (
                        "entries",
                        .array(
                            report.entries.map { r in
                                .object([("entry", r.entry.json), ("ok", .bool(r.problem == nil)), ("problem", r.problem.map(JSON.string) ?? .null)])
                            })
                    ),
                ]).text)
        } else {
            if !report.isIndexAuthentic {
                Output.line("DAMAGED  vault index: header or index fails authentication (damaged or tampered with)")
            }
            Output.lines(count: report.entries.count) { i in
                let r = report.entries[i]
                return r.problem == nil ? "ok       \(r.entry.displayName)" : "DAMAGED  \(r.entry.displayName): \(r.problem!)"
            }
            if let logProblem = report.auditLogProblem { Output.line("DAMAGED  \(logProblem)") }
            for problem in repaired { Output.line("REPAIRED \(problem)") }
            for problem in storage { Output.line("DAMAGED  \(problem.description); \(problem.remedy)") }
            let bad = report.entries.filter { $0.problem != nil }.count
            if let finding {
                Output.line(finding.words)
            } else if given != nil {
                Output.line("checkpoint: NOT CHECKED: the vault does not authenticate, so its history cannot be compared")
            }
            Output.line(
                "\(report.entries.count - bad) of \(report.entries.count) entries intact\(report.isIndexAuthentic ? "" : "; index NOT authentic")\(report.auditLogProblem == nil ? "" : "; audit log NOT intact")"
            )
        }
        if !report.isIntact || !storage.isEmpty || finding?.isAcceptable == false { throw ExitCode(ExitCodes.code(for: .damaged)) }
    }

    /// The checkpoint named by `text`: a file holding the line (its first non-blank line), or the line itself.
    static func readCheckpoint(_ text: String) throws -> Checkpoint {
        if !text.hasPrefix("kvcp1:") {
            let line = try SecretInput.textFile(text, what: "checkpoint file \(text)")
            return try Checkpoint(parsing: line.split(separator: "\n").first { !$0.allSatisfy(\.isWhitespace) }.map(String.init) ?? "")
        }
        return try Checkpoint(parsing: text)
    }
}
