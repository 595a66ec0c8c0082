// keyvault verify: open every entry in memory, check the audit log's chain, and report each problem.
import ArgumentParser
import KeyVault

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Open every entry in memory, check the audit log's chain, and report each problem by name (nothing is written unless --repair).",
        discussion: """
            A format-version-2 vault stores its slot area twice: when one copy (or the file's preamble) is damaged, \
            verify names it and exits 5, and --repair writes it again from the good copy, with an audit record. Bytes \
            after the last commit that are no complete commit (an interrupted write, or bytes put there since) are named \
            too, and --repair clears them; bytes after the last sealed key are named, and 'keyvault compact' drops them. \
            (The next write to the vault repairs all but the last.) A format-version-2 vault damaged past reading (a \
            commit whose structure is gone, a damaged chunk link) is read as 'restore --salvage' reads it: verify \
            names the damage and where it read on, checks each entry it found by its own seal, and exits 5.
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
        let (opened, readPast) = try Self.open(vault)
        // (A vault read past damage may have lost its newest audit records with it: no roll-back is told from that.)
        if readPast == nil { History.warnIfRolledBack(opened) }
        let unlocked = try unlock.unlock(opened)
        let report = unlocked.verify()
        // (What a read past damage finds after the last key it read is what was lost, not storage to repair.)
        var storage = readPast == nil ? opened.storageFindings : []
        var repaired: [String] = []
        if repair && storage.contains(where: \.isRepairable) && report.isIntact {
            let credentials = try history.checkBeforeWrite(opened, path: vault, history.vouching(try unlock.credentials(for: opened)))
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
                    ("readPastDamage", readPast.map(JSON.string) ?? .null),
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
            if let readPast {
                Output.line("DAMAGED  \(readPast); the entries below are what 'restore --salvage' finds")
            } else if !report.isIndexAuthentic {
                Output.line("DAMAGED  vault index: header or index fails authentication (damaged or tampered with)")
            }
            Output.lines(count: report.entries.count) { i in
                let r = report.entries[i]
                return r.problem == nil ? "ok       \(r.entry.displayName)" : "DAMAGED  \(r.entry.displayName): \(r.problem!)"
            }
            if let logProblem = report.auditLogProblem { Output.line("DAMAGED  \(logProblem)") }
            for problem in repaired { Output.line("REPAIRED \(problem): rewritten from what is intact") }
            for problem in storage { Output.line("DAMAGED  \(problem.description); \(problem.remedy)") }
            let bad = report.entries.filter { $0.problem != nil }.count
            if let finding {
                Output.line(finding.words)
            } else if given != nil {
                Output.line("checkpoint: NOT CHECKED: the vault does not authenticate, so its history cannot be compared")
            }
            Output.line(
                "\(report.entries.count - bad) of \(report.entries.count) entries\(readPast == nil ? "" : " found") intact\(readPast == nil ? "" : " (read past damage: entries in what was lost are not counted)")\(report.isIndexAuthentic ? "" : "; index NOT authentic")\(report.auditLogProblem == nil ? "" : "; audit log NOT intact")"
            )
        }
        if !report.isIntact || !storage.isEmpty || finding?.isAcceptable == false { throw ExitCode(ExitCodes.code(for: .damaged)) }
    }

    /// The vault at `path`, damage allowed; a format-version-2 vault damaged past a plain read is read as
    /// `restore --salvage` reads it, with the read's error and what was passed over.
    private static func open(_ path: String) throws -> (Vault, readPast: String?) {
        do {
            return (try Vault.open(atPath: path, allowingDamage: true), nil)
        } catch let error as KeyVaultError where error.code == .damaged {
            guard let (vault, damage) = try? Vault.openForSalvage(atPath: path), let damage else { throw error }
            return (vault, "\(error.message) (read past it: \(damage))")
        }
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
