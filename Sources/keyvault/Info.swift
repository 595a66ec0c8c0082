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
                    (
                        "recoveryData",
                        .object([
                            ("present", .bool(v.hasExtensions)), ("managementGroup", v.inventory.managementGroup.map(JSON.string) ?? .null),
                            ("hosts", .int(v.inventory.hosts.count)), ("databases", .int(v.inventory.databases.count)),
                            ("escrowedPasswords", .int(v.escrowedPasswordCount)), ("auditRecords", .int(v.auditRecords.count)),
                        ])
                    ),
                    (
                        "slots",
                        .array(
                            v.slots.map { s in
                                .object([
                                    ("kind", .string(s.kind)),
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
        for (i, s) in v.slots.enumerated() {
            Output.line("slot \(i + 1):    \(s.kind)\(s.kdf.map { " (\($0))" } ?? "")")
        }
        // A plain version-1 vault prints as it always did.
        if v.hasExtensions {
            let inv = v.inventory
            Output.line(
                "recovery:  management group \(inv.managementGroup ?? "(not recorded)"), \(inv.hosts.count) hosts, \(inv.databases.count) databases, \(v.escrowedPasswordCount) escrowed export passwords, \(v.auditRecords.count) audit records"
            )
        }
    }
}
