// keyvault info: the vault's format, id, slots and size, without the passphrase.
import ArgumentParser
import KeyVault

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Show the vault's format version, id, unlock slots and entry count.")

    @OptionGroup var vaultArgument: VaultArgument
    var vault: String { vaultArgument.path }

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let v = try Vault.open(atPath: vault)
        History.warnIfRolledBack(v)
        if json {
            Output.line(
                JSON.object([
                    ("vault", .string(vault)), ("formatVersion", .int(v.formatVersion)), ("id", .string(v.id)),
                    ("created", .string(v.createdAt.iso8601)), ("entries", .int(v.entryCount)),
                    ("threshold", v.threshold.map { .int($0) } ?? .null),
                    (
                        "recoveryData",
                        .object([
                            ("present", .bool(v.hasExtensions)), ("managementGroup", v.inventory.managementGroup.map(JSON.string) ?? .null),
                            ("hosts", .int(v.inventory.hosts.count)), ("databases", .int(v.inventory.databases.count)),
                            ("escrowedPasswords", .int(v.escrowedPasswordCount)), ("auditRecords", .int(v.auditRecordCount)),
                        ])
                    ),
                    (
                        "storage",
                        v.storage.map { st in
                            .object([
                                ("commits", .int(st.commits)), ("chunks", .int(st.chunks)), ("generation", .int(Int(st.generation))),
                                ("metadataBytes", .int(st.metadataBytes)), ("metadataLimit", .int(st.metadataLimit)), ("fileBytes", .int(st.fileBytes)),
                                ("problems", .array(v.storageProblems.map(JSON.string))),
                            ])
                        } ?? .null
                    ),
                    (
                        "slots",
                        .array(
                            v.slots.map { s in
                                .object([
                                    // One value for every kind this version does not know, as `custodian list` says it.
                                    ("kind", .string(s.kind.hasPrefix("unknown") ? "unknown" : s.kind)),
                                    ("kdf", s.kdf.map { .object([("algorithm", .string("argon2id13")), ("opsLimit", .int(Int($0.opsLimit))), ("memLimitKiB", .int(Int($0.memLimitKiB)))]) } ?? .null),
                                ])
                            })
                    ),
                ]).text)
            return
        }
        Output.line("vault:     \(vault)")
        Output.line("format:    version \(v.formatVersion)")
        Output.line("id:        \(v.id)")
        Output.line("created:   \(v.createdAt.iso8601)")
        Output.line("entries:   \(v.entryCount)")
        if let st = v.storage {
            let share = Double(st.metadataBytes) / Double(st.metadataLimit) * 100
            Output.line(
                "storage:   \(st.commits) commit\(st.commits == 1 ? "" : "s") in \(st.chunks) chunk\(st.chunks == 1 ? "" : "s"), slot area generation \(st.generation), metadata \(Compact.size(st.metadataBytes)) of \(Compact.size(st.metadataLimit)) (\(share < 1 ? "under 1" : String(Int(share)))%)\(share >= 75 ? "; run 'keyvault compact' before it fills" : "")"
            )
            for problem in v.storageFindings { Output.line("storage:   DAMAGED \(problem.description); \(problem.remedy)") }
        }
        for (i, s) in v.slots.enumerated() {
            Output.line("slot \(i + 1):    \(s.kind)\(s.kdf.map { " (\($0))" } ?? "")")
        }
        if let k = v.threshold { Output.line("unlock:    any \(k) of the \(v.slots.count) slots' custodians together") }
        // A plain version-1 vault prints as it always did.
        if v.hasExtensions {
            let inv = v.inventory
            Output.line(
                "recovery:  management group \(inv.managementGroup ?? "(not recorded)"), \(Self.count(inv.hosts.count, "host")), \(Self.count(inv.databases.count, "database")), \(Self.count(v.escrowedPasswordCount, "escrowed export password")), \(Self.count(v.auditRecordCount, "audit record"))"
            )
        }
    }

    /// "1 host", "2 hosts".
    static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
}
