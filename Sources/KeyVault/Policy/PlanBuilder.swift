// Making a recovery plan, one way back per method: the rules of shared/DOMAIN.md applied to one failed computer.

/// What a plan is made from, and the plan as it is made: one method per way back (``RecoveryPlan/make(for:vault:vaultPath:)``).
struct PlanBuilder {
    typealias Step = RecoveryPlan.Step
    typealias Way = RecoveryPlan.Way

    let vault: Vault
    let inventory: Inventory
    let recorded: InventoryHost?
    let entries: [Entry]
    let databases: [InventoryDatabase]
    let roles: [Role]
    let name: HostName
    let fqdn: HostName?
    /// The vault's path, quoted for a shell.
    let v: String
    let drills: [Int: DrillResult]
    let credentialOptions: String
    var ways: [Way] = []
    var warnings: [String] = []

    init(failed: HostName, vault: Vault, vaultPath: String) throws {
        let inventory = vault.inventory
        // An inventory written before one computer per short name was enforced may list two that a short name
        // matches: the plan would not know which one it is for.
        let records = inventory.hosts.filter { $0.matches(failed) }
        guard records.count <= 1 else {
            throw KeyVaultError(
                .hostMismatch,
                "the inventory lists \(NameList(records.map(\.bestName.value), separator: " and ", limit: 4)), which all match the name \(failed): name the computer by its fully qualified name")
        }
        let recorded = records.first
        // Entries of the name, less those the inventory gives to another computer of the same short name (sealed
        // outside the inventory): they are not this computer's backups and would hide a missing one.
        let domains = InventoryDomains(inventory, planFor: failed, recorded: recorded)
        let named = vault.entriesInService.filter { $0.host.matches(failed) || (recorded?.matches($0.host) ?? false) }
        var others: [Entry] = []
        var entries: [Entry] = []
        for e in named { if domains.isAnotherComputer(e.host) { others.append(e) } else { entries.append(e) } }
        if domains.wanted == nil {
            // A short name no record places: keys of two domains' computers of that name are refused, as a restore
            // refuses them.
            var seen: [Role] = []
            for e in entries where !seen.contains(e.role) {
                seen.append(e.role)
                _ = try domains.sameComputer(entries.filter { $0.role == e.role }, as: failed, role: e.role)
            }
        }
        self.entries = entries
        databases = inventory.databases.filter { $0.sqlHost.matches(failed) || (recorded?.matches($0.sqlHost) ?? false) }
        var roles = recorded?.roles ?? []
        for e in entries where !roles.contains(e.role) { roles.append(e.role) }
        if !databases.isEmpty && !roles.contains(.sql) { roles.append(.sql) }
        guard !roles.isEmpty else {
            let known = inventory.hosts.map(\.name.value) + Set(vault.entries.map { $0.host.value }).sorted()
            throw KeyVaultError(
                .noSuchEntry,
                "nothing is recorded about \(failed) in this vault: no inventory record, key or database (it knows: \(known.isEmpty ? "nothing yet" : NameList(uniqueInOrder(known), limit: 8).description))"
            )
        }
        self.vault = vault
        self.inventory = inventory
        self.recorded = recorded
        self.roles = roles
        name = recorded?.name ?? failed
        fqdn = recorded?.fqdn ?? (failed.isFullyQualified ? failed : nil)
        v = RecoveryPlan.shellQuote(vaultPath)
        drills = vault.lastDrills()
        credentialOptions = RecoveryPlan.credentialOptions(for: vault)
        let strangers = uniqueInOrder(others.map(\.host.value))
        if let wanted = domains.wanted, !strangers.isEmpty {
            let whose = recorded == nil ? "" : " (the inventory's \(name) is \(wanted))"
            let how = recorded == nil ? "a restore on \(name) takes its own keys" : "a restore that reaches \(name) by \(wanted) takes \(name)'s own keys"
            warnings.append(
                "this plan leaves out the keys of \(NameList(strangers, limit: 4)), another computer of the short name \(name.shortName)\(whose): \(how), but one that knows only the short name is refused as ambiguous while those keys are in service (keyvault retire)"
            )
        }
    }

    func database(_ db: String) -> String {
        inventory.databases.first { $0.name.lowercased() == db.lowercased() }.map { "\($0.sqlHost)\\\($0.instance)" }
            ?? "its SQL Server instance (not recorded: add it with 'keyvault inventory database \(v) --name \(db) --sql-host HOST --instance NAME')"
    }

    /// The restore step for a keyed role, and the warnings about its backup.
    mutating func restoreSteps(_ role: Role) -> [Step] {
        let mine = entries.filter { $0.role == role }
        guard let newest = mine.max(by: { ($0.version, $0.index) < ($1.version, $1.index) }) else {
            warnings.append("no \(role) key backup of \(name) in this vault: the restore below cannot be done; if \(name) still runs, export its key with SecureStorageBackup.exe now and seal it")
            return [Step(text: "Restore the \(role) key of \(name) (NONE IS SEALED in this vault: see the warnings).", command: nil)]
        }
        if let changedAt = recorded?.productVersionRecordedAt, let product = recorded?.productVersion, newest.createdAt < changedAt {
            warnings.append(
                "the newest \(role) key backup of \(name) (version \(newest.version), sealed \(newest.createdAt.iso8601)) was sealed before the product version recorded for \(name) changed to \(product) (\(changedAt.iso8601)); Microsoft asks for the encryption key to be backed up when an installation is completed: export and seal a new one"
            )
        }
        let hasPassword = vault.hasKeyPassword(for: newest)
        if !hasPassword {
            warnings.append(
                "the export password of the \(role) key of \(name) (version \(newest.version)) is not escrowed: SecureStorageBackup.exe will ask for it, and a lost password cannot be recovered")
        }
        if let d = drills[newest.index], let problem = d.problem {
            warnings.append("the last drill (\(d.time.iso8601)) found the \(role) key of \(name) (version \(newest.version)) damaged: \(problem)")
        }
        let base = "\(name.shortName)-\(role)"
        // Windows (recorded, or the default for a keyed role): restore from the escrow box over SSH, so nothing
        // needs installing on the rebuilt server; otherwise keyvault runs on the computer itself.
        if recorded?.operatingSystem == .windows {
            let target = "ssh://\(recorded?.bestName ?? name)/C:/keyvault"
            var command = "keyvault restore \(v) --role \(role) --to \(target)/\(base).bin\(credentialOptions)"
            if hasPassword { command += " --key-password-to \(target)/\(base).password" }
            return [
                Step(
                    text:
                        "On the new \(name), BEFORE running Setup, start OpenSSH Server and create the folder C:\\keyvault (README, \"Windows servers\"); then, from the escrow box, restore its \(role) key over SSH (version \(newest.version), sealed \(newest.createdAt.iso8601)); keyvault asks the computer for its name and checks that it is \(name).",
                    command: command),
                Step(
                    text:
                        "On \(name), import C:\\keyvault\\\(base).bin with the Encryption Key Backup or Restore Wizard (SecureStorageBackup.exe, run as administrator, Restore)\(hasPassword ? " using the password in C:\\keyvault\\\(base).password" : " using the export password (not escrowed here)"); then delete the restored files (Remove-Item C:\\keyvault\\\(base).*).",
                    command: nil),
            ]
        }
        let file = "\(base).bin"
        var command = "keyvault restore \(v) --role \(role) --out \(file)\(credentialOptions)"
        if hasPassword { command += " --key-password-out \(base).password" }
        return [
            Step(
                text:
                    "On the new \(name), BEFORE running Setup, restore its \(role) key (version \(newest.version), sealed \(newest.createdAt.iso8601)); keyvault checks that this computer's name is \(name).",
                command: command),
            Step(
                text:
                    "Import \(file) with the Encryption Key Backup or Restore Wizard (SecureStorageBackup.exe, run as administrator, Restore)\(hasPassword ? " using the password in \(base).password" : " using the export password (not escrowed here)"); then delete the restored files.",
                command: nil),
        ]
    }

    func newComputer() -> Step {
        Step(text: "Build a new computer with the same computer name \(name)\(fqdn.map { " (\($0))" } ?? "") in the same domain; do not reuse another server's name.", command: nil)
    }

    /// A failed SM server: promote an additional one (when it was the primary and one is recorded), or rebuild it.
    mutating func addSMWays() {
        let position = recorded?.smPosition
        let additional = inventory.hosts.filter { $0.smPosition == .additional && !$0.matches(name) }
        if position == .primary, let target = additional.first {
            let targetFQDN = target.fqdn?.value ?? "<FQDN of \(target.name)>"
            if target.fqdn == nil {
                warnings.append("the FQDN of \(target.name) is not recorded, and the promotion needs it: keyvault inventory host \(v) --name \(target.name) --fqdn FQDN")
            }
            let others = additional.dropFirst().map(\.name.value)
            ways.append(
                Way(
                    kind: .promote, role: .sm, title: "Promote the additional SM server \(target.name) to primary (no key moves between hosts)",
                    steps: [
                        Step(
                            text:
                                "On \(target.name), close the Service Manager console and stop the System Center Data Access Service, Microsoft Monitoring Agent and System Center Management Configuration services (Stop-Service OMSDK, HealthService, OMCFG)\(others.isEmpty ? "" : " (other additional servers you could promote instead: \(NameList(others, limit: 8)))").",
                            command: nil),
                        Step(text: "On \(target.name), clear the health-service state: delete the 'Health Service State' folder in the Service Manager installation folder.", command: nil),
                        Step(text: "Against the ServiceManager database on \(database("ServiceManager")), run: EXEC dbo.p_PromoteActiveWorkflowServer '\(targetFQDN)'", command: nil),
                        Step(text: "On \(target.name), start the same three services again (Start-Service OMSDK, HealthService, OMCFG); it is now the primary management server.", command: nil),
                        Step(
                            text: "Record the promotion in the vault; \(name)'s keys stay in the vault for history, marked former primary.",
                            command: "keyvault promote \(v) --host \(target.name)\(credentialOptions)"),
                        // Recorded first: a vault whose inventory lists computers refuses a seal for one it does not list.
                        Step(
                            text: "Later, install a new additional SM server and record it in the inventory.",
                            command: "keyvault inventory host \(v) --name NEWNAME --fqdn NEWNAME.FQDN --role sm --additional\(credentialOptions)"),
                        Step(
                            text: "Export its own new key and seal it.",
                            command: "keyvault seal \(v) --role sm --host NEWNAME --key NEWNAME.bin --key-password-file PASSWORD-FILE\(credentialOptions)"),
                    ]))
        } else if position == .primary {
            warnings.append("no additional SM server is recorded, so \(name) cannot be replaced by a promotion: rebuilding it under the same name is the only way")
        }
        if position == .formerPrimary {
            warnings.append("\(name) is recorded as a former primary: another server was promoted; its keys are kept for history")
        }
        var steps = [newComputer()] + restoreSteps(.sm)
        steps.append(Step(text: "Run Service Manager Setup on \(name) and install the management server using the existing ServiceManager database on \(database("ServiceManager")).", command: nil))
        steps.append(Step(text: "Re-import the unsealed management packs exported with Export-SCSMManagementPack.", command: nil))
        let what = position == .additional ? "the additional SM server" : "the SM management server"
        ways.append(Way(kind: .rebuild, role: .sm, title: "Rebuild \(what) \(name) under the same computer name and restore its key before Setup", steps: steps))
    }

    /// The data warehouse management server: rebuilt under its name, the only way back.
    mutating func addDWWay() {
        if inventory.reportingServerURL == nil {
            warnings.append(
                "the original Reporting Server URL is not recorded, and DW Setup must be given it (Microsoft: \"You must use the original URL for the Reporting Server\"): keyvault inventory group \(v) --reporting-url URL"
            )
        }
        var steps = [newComputer()] + restoreSteps(.dw)
        steps.append(
            Step(
                text:
                    "Run Setup on \(name) and install the data warehouse management server using the existing DWStagingAndConfig database on \(database("DWStagingAndConfig")); on the reporting server page, give the original Reporting Server URL\(inventory.reportingServerURL.map { ", \($0)," } ?? " (not recorded here: keyvault inventory group \(v) --reporting-url URL)") as Microsoft requires (\"You must use the original URL for the Reporting Server\").",
                command: nil))
        steps.append(Step(text: "Re-import the unsealed management packs exported with Export-SCSMManagementPack.", command: nil))
        ways.append(Way(kind: .rebuild, role: .dw, title: "Rebuild the data warehouse management server \(name) under the same computer name (the only way back for DW)", steps: steps))
    }

    /// The Self-Service Portal, with its own key.
    mutating func addSSPWay() {
        var steps = [newComputer()] + restoreSteps(.ssp)
        steps.append(
            Step(
                text:
                    "Reinstall the Self-Service Portal on \(name)\(inventory.primarySM.map { $0.matches(name) ? " (it connects to the primary SM management server, which is this computer: bring that role back first)" : " (the primary SM management server is \($0.name))" } ?? ""); its encryption key was restored first.",
                command: nil))
        ways.append(Way(kind: .rebuild, role: .ssp, title: "Rebuild the Self-Service Portal \(name) under the same computer name and restore its own key", steps: steps))
    }

    /// A SQL Server: the databases come back on a computer of the same name with the same instance names.
    mutating func addDatabaseWay() {
        guard !databases.isEmpty else {
            warnings.append("\(name) is recorded as a SQL Server but no database is recorded on it: add them with 'keyvault inventory database'")
            return
        }
        var steps = [newComputer()]
        var instances: [String] = []
        for db in databases where !instances.contains(db.instance) { instances.append(db.instance) }
        for instance in instances {
            let names = databases.filter { $0.instance == instance }.map(\.name).joined(separator: ", ")
            steps.append(
                Step(
                    text:
                        "Install SQL Server on \(name) with the same instance name \(instance) (exactly; Service Manager does not support case-sensitive instance names), then restore from backup: \(names).",
                    command: nil))
        }
        steps.append(
            Step(
                text:
                    "Restore the permissions of the recreated databases with the script you saved when you backed up the unsealed management packs (Microsoft, Implement Service Manager disaster recovery: Database recovery).",
                command: nil))
        ways.append(
            Way(
                kind: .databases, role: .sql,
                title: "Bring back the databases on a computer named \(name) with the same SQL Server instance name\(instances.count == 1 ? "" : "s") \(instances.joined(separator: ", "))",
                steps: steps))
    }
}
