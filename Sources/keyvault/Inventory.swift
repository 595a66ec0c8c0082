// keyvault inventory: show or record the management group, its computers and its databases.
import ArgumentParser
import KeyVault

struct InventoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inventory",
        abstract: "Show or record the management group's inventory: its name, computers and databases.",
        discussion: "'keyvault inventory VAULT' shows it (no secret needed). Recording needs the vault's secret; every change is written to the audit log.",
        subcommands: [InventoryShow.self, InventoryGroup.self, InventoryHostCommand.self, InventoryDatabaseCommand.self],
        defaultSubcommand: InventoryShow.self)
}

extension InventoryHost {
    var json: JSON {
        .object([
            ("name", .string(name.value)), ("fqdn", fqdn.map { .string($0.value) } ?? .null),
            ("roles", .array(roles.map { .string($0.rawValue) })), ("smPosition", smPosition.map { .string($0.rawValue) } ?? .null),
            ("productVersion", productVersion.map(JSON.string) ?? .null),
            ("productVersionRecorded", productVersionRecordedAt.map { .string($0.iso8601) } ?? .null),
            ("positionChanged", positionChangedAt.map { .string($0.iso8601) } ?? .null),
            ("os", operatingSystem.map { .string($0.rawValue) } ?? .null),
        ])
    }
}

struct InventoryShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show the inventory; with the vault's secret, authenticated.")

    @OptionGroup var vaultArgument: VaultArgument
    var vault: String { vaultArgument.path }

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @OptionGroup(title: "Authenticating the inventory (optional; never asked on the terminal)") var unlock: UnlockOptions

    func run() throws {
        let v = try Vault.open(atPath: vault)
        History.warnIfRolledBack(v)
        StorageWarnings.warn(v)
        let authenticated = try unlock.authenticate(v)
        if authenticated { History.rememberAuthenticated(v, path: vault) }
        let inv = v.inventory
        if json {
            Output.line(
                JSON.object([
                    ("vault", .string(vault)), ("authenticated", .bool(authenticated)), ("managementGroup", inv.managementGroup.map(JSON.string) ?? .null),
                    ("reportingServerURL", inv.reportingServerURL.map(JSON.string) ?? .null),
                    ("hosts", .array(inv.hosts.map(\.json))),
                    ("databases", .array(inv.databases.map { .object([("name", .string($0.name)), ("sqlHost", .string($0.sqlHost.value)), ("instance", .string($0.instance))]) })),
                ]).text)
            return
        }
        if !authenticated { Output.line(UnlockOptions.notAuthenticatedNotice) }
        Output.line("management group: \(inv.managementGroup ?? "(not recorded)")")
        Output.line("reporting server URL: \(inv.reportingServerURL ?? "(not recorded)")")
        if inv.hosts.isEmpty {
            Output.line("hosts: none recorded")
        } else {
            Output.line(
                Output.table(
                    ["HOST", "FQDN", "ROLES", "SM POSITION", "PRODUCT VERSION", "OS"],
                    inv.hosts.map { h in
                        [
                            h.name.value, h.fqdn?.value ?? "-", h.roles.map(\.rawValue).joined(separator: ","), h.smPosition?.words ?? "-", h.productVersion ?? "-",
                            h.operatingSystem?.rawValue ?? "-",
                        ]
                    }))
        }
        if inv.databases.isEmpty {
            Output.line("databases: none recorded")
        } else {
            Output.line(Output.table(["DATABASE", "SQL HOST", "INSTANCE"], inv.databases.map { [$0.name, $0.sqlHost.value, $0.instance] }))
        }
    }
}

struct InventoryGroup: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "group", abstract: "Record the management group's name and the data warehouse's original Reporting Server URL.")

    @OptionGroup var vaultArgument: VaultArgument
    var vault: String { vaultArgument.path }

    @Option(help: ArgumentHelp("The management group's name.", valueName: "name"))
    var name: String?

    @Option(help: ArgumentHelp("The original URL of the data warehouse's Reporting Server (DW Setup needs it again in a recovery).", valueName: "url"))
    var reportingUrl: String?

    @Option(name: .customLong("clear"), help: ArgumentHelp("Remove a recorded field: reporting-url.", valueName: "field"))
    var clear: [String] = []

    @OptionGroup var unlock: UnlockOptions
    @OptionGroup var history: HistoryOptions

    func run() throws {
        if let bad = clear.first(where: { $0.lowercased() != "reporting-url" }) { throw CLIError.usage("--clear takes reporting-url, not '\(bad)'") }
        if name == nil && reportingUrl == nil && clear.isEmpty { throw CLIError.usage("give --name NAME, --reporting-url URL or --clear reporting-url") }
        if reportingUrl != nil && !clear.isEmpty { throw CLIError.usage("--reporting-url and --clear reporting-url contradict each other") }
        let opened = try Vault.open(atPath: vault)
        let credentials = try history.checkBeforeWrite(opened, path: vault, history.vouching(try unlock.credentials(for: opened)))
        if let name {
            try Vault.setManagementGroup(name, atPath: vault, credentials: credentials)
            Output.line("recorded management group \(name)")
        }
        if let reportingUrl {
            try Vault.setReportingServerURL(reportingUrl, atPath: vault, credentials: credentials)
            Output.line("recorded the Reporting Server URL \(reportingUrl)")
        } else if !clear.isEmpty {
            try Vault.setReportingServerURL(nil, atPath: vault, credentials: credentials)
            Output.line("removed the Reporting Server URL")
        }
        History.rememberWritten(path: vault)
    }
}

struct InventoryHostCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "host",
        abstract: "Record a computer (or replace its record): name, FQDN, roles, SM position, product version.",
        discussion: "Recording an SM server as --primary makes the previous primary an additional server. A new product version is time-stamped: plans warn about key backups sealed before it.")

    @OptionGroup var vaultArgument: VaultArgument
    var vault: String { vaultArgument.path }

    @Option(help: ArgumentHelp("The computer name (short).", valueName: "name"))
    var name: String

    @Option(help: ArgumentHelp("Its fully qualified name (the promotion procedure needs it).", valueName: "fqdn"))
    var fqdn: String?

    @Option(name: .customLong("role"), help: ArgumentHelp("What it runs: sm, dw, ssp or sql. Repeatable.", valueName: "role"))
    var roles: [String] = []

    @Flag(help: "An SM server: the primary (active workflow) server.")
    var primary = false

    @Flag(help: "An SM server: an additional management server.")
    var additional = false

    @Option(help: ArgumentHelp("The Service Manager product version installed, e.g. 10.22.1068.0.", valueName: "version"))
    var productVersion: String?

    @Option(
        name: .customLong("clear"),
        help: ArgumentHelp(
            "Remove a recorded field: fqdn or product-version; or roles, to record only the --role values given (without it, --role must name every role it is recorded with). Repeatable. Fields not named keep their values.",
            valueName: "field"))
    var clear: [String] = []

    @Option(help: ArgumentHelp("Its operating system: windows (the default for sm, dw and ssp hosts) or other. Plans restore keys onto a Windows host over SSH.", valueName: "os"))
    var os: String?

    @OptionGroup var unlock: UnlockOptions
    @OptionGroup var history: HistoryOptions

    func run() throws {
        if primary && additional { throw CLIError.usage("a host is --primary or --additional, not both") }
        var parsed: [Role] = []
        for text in roles {
            guard let role = Role.inventoryRoles.first(where: { $0.rawValue == text.lowercased() }) else {
                throw CLIError.usage("unknown role '\(text)' for a host: use sm, dw, ssp or sql")
            }
            if !parsed.contains(role) { parsed.append(role) }
        }
        var update = InventoryHostUpdate()
        update.fqdn = try fqdn.map { try HostName($0) }
        update.roles = parsed.isEmpty ? nil : parsed
        // Roles given are the roles it runs; one recorded and left out is refused unless they are cleared first.
        let clearingRoles = clear.contains { $0.lowercased() == "roles" }
        if clearingRoles && parsed.isEmpty { throw CLIError.usage("--clear roles needs the roles to record instead (--role sm, dw, ssp or sql)") }
        update.keepingRecordedRoles = !clearingRoles
        update.smPosition = primary ? .primary : additional ? .additional : nil
        update.productVersion = productVersion
        for field in clear where field.lowercased() != "roles" {
            guard let f = InventoryHostUpdate.Field(rawValue: field.lowercased()) else {
                throw CLIError.usage("--clear takes fqdn, product-version or roles, not '\(field)'")
            }
            update.clearing.insert(f)
        }
        if let os {
            guard let parsed = HostOS(rawValue: os.lowercased()) else { throw CLIError.usage("unknown --os '\(os)': use windows or other") }
            update.os = parsed
        }
        let opened = try Vault.open(atPath: vault)
        let credentials = try history.checkBeforeWrite(opened, path: vault, history.vouching(try unlock.credentials(for: opened)))
        let host = try Vault.updateHost(try HostName(name), with: update, atPath: vault, credentials: credentials)
        History.rememberWritten(path: vault)
        Output.line(
            "recorded host \(host.name)\(host.fqdn.map { " (\($0))" } ?? ""): \(host.roles.map(\.rawValue).joined(separator: ","))\(host.smPosition.map { ", \($0.words) SM server" } ?? "")\(host.productVersion.map { ", product version \($0)" } ?? "")\(host.operatingSystem.map { ", \($0.rawValue)" } ?? "")"
        )
    }
}

struct InventoryDatabaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "database",
        abstract: "Record a database and the SQL Server instance that holds it (or replace its record).")

    @OptionGroup var vaultArgument: VaultArgument
    var vault: String { vaultArgument.path }

    @Option(help: ArgumentHelp("The database: ServiceManager, DWStagingAndConfig, DWRepository, DWDataMart, OMDWDataMart, CMDWDataMart, ...", valueName: "name"))
    var name: String

    @Option(help: ArgumentHelp("The SQL Server computer.", valueName: "host"))
    var sqlHost: String

    @Option(help: ArgumentHelp("The SQL Server instance name (MSSQLSERVER for the default instance).", valueName: "name"))
    var instance: String

    @OptionGroup var unlock: UnlockOptions
    @OptionGroup var history: HistoryOptions

    func run() throws {
        let db = InventoryDatabase(name: name, sqlHost: try HostName(sqlHost), instance: instance)
        let opened = try Vault.open(atPath: vault)
        let credentials = try history.checkBeforeWrite(opened, path: vault, history.vouching(try unlock.credentials(for: opened)))
        try Vault.setDatabase(db, atPath: vault, credentials: credentials)
        History.rememberWritten(path: vault)
        Output.line("recorded database \(name) on \(db.sqlHost)\\\(instance)")
    }
}
