// keyvault plan: the recovery procedure for a failed computer, from the domain rules and the inventory.
import ArgumentParser
import KeyVault

struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan", abstract: "Print the recovery procedure for a failed computer; with the vault's secret, authenticated.",
        discussion:
            "For a failed primary SM server with an additional one: promote it, or rebuild under the same name. For a DW server: rebuild under the same name. For a database server: the same name and the same SQL Server instance. Each step names the keyvault command to run where one applies; warnings say what would make the recovery fail."
    )

    @OptionGroup var vaultArgument: VaultArgument
    var vault: String { vaultArgument.path }

    @Option(help: ArgumentHelp("The computer that failed.", valueName: "host"))
    var failed: HostArgument

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @OptionGroup(title: "Authenticating the plan (recommended: without it, the plan is what the file says; never asked on the terminal)") var unlock: UnlockOptions

    func validate() throws { _ = try failed.value() }

    func run() throws {
        let host = try failed.value()
        let opened = try Vault.open(atPath: vault)
        History.warnIfRolledBack(opened)
        StorageWarnings.warn(opened)
        let authenticated = try unlock.authenticate(opened)
        if authenticated { History.rememberAuthenticated(opened, path: vault) }
        let plan = try RecoveryPlan.make(for: host, vault: opened, vaultPath: vault)
        if json {
            Output.line(
                JSON.object([
                    ("vault", .string(vault)), ("authenticated", .bool(authenticated)), ("failed", .string(plan.host.value)), ("fqdn", plan.fqdn.map { .string($0.value) } ?? .null),
                    ("managementGroup", plan.managementGroup.map(JSON.string) ?? .null),
                    ("roles", .array(plan.roles.map { .string($0.rawValue) })),
                    (
                        "ways",
                        .array(
                            plan.ways.map { w in
                                .object([
                                    ("kind", .string(w.kind.rawValue)), ("role", .string(w.role.rawValue)), ("title", .string(w.title)),
                                    ("steps", .array(w.steps.map { .object([("text", .string($0.text)), ("command", $0.command.map(JSON.string) ?? .null)]) })),
                                ])
                            })
                    ),
                    ("warnings", .array(plan.warnings.map(JSON.string))),
                ]).text)
            return
        }
        if !authenticated { Output.line(UnlockOptions.notAuthenticatedNotice) }
        Output.line(
            "Recovery plan for \(plan.host)\(plan.fqdn.map { " (\($0))" } ?? "")\(plan.managementGroup.map { ", management group \($0)" } ?? ""): \(plan.roles.map(\.title).joined(separator: ", "))")
        for warning in plan.warnings { Output.line("WARNING: \(warning)") }
        for (i, way) in plan.ways.enumerated() {
            Output.line("")
            Output.line(plan.ways.count > 1 ? "Way \(i + 1): \(way.title)" : way.title)
            for (n, step) in way.steps.enumerated() {
                Output.line("  \(n + 1). \(step.text)")
                if let command = step.command { Output.line("       $ \(command)") }
            }
        }
    }
}
