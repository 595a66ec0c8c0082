// The recovery rules, in one place: what to do when a computer of the management group fails (shared/DOMAIN.md).

/// The procedure for bringing back one failed computer, from Microsoft's recovery rules and the vault's inventory.
public struct RecoveryPlan: Sendable {
    /// One step: what to do, and the exact keyvault command when one applies.
    public struct Step: Sendable, Hashable {
        /// What to do.
        public let text: String
        /// The keyvault command to run for this step, if any.
        public let command: String?
    }

    /// One way back. A failed primary SM server with an additional SM server has two; every other case has one.
    public struct Way: Sendable {
        /// `promote`, `rebuild` or `databases`.
        public let kind: String
        /// The role this way brings back.
        public let role: Role
        /// One line saying what this way is.
        public let title: String
        /// The steps, in order.
        public let steps: [Step]
    }

    /// The failed computer's name (from the inventory when recorded there, else as asked).
    public let host: HostName
    /// Its FQDN, when known.
    public let fqdn: HostName?
    /// Its roles (from the inventory, the vault's entries, and the databases recorded on it).
    public let roles: [Role]
    /// The management group, when recorded.
    public let managementGroup: String?
    /// The ways back, in the order to consider them.
    public let ways: [Way]
    /// Things that can make the recovery fail, found before it is needed.
    public let warnings: [String]

    /// Makes the plan for `failed`.
    ///
    /// - Parameters:
    ///   - failed: the computer that failed.
    ///   - vault: the vault (its inventory and entries; no secret is needed).
    ///   - vaultPath: the vault's path as the operator names it, for the commands.
    /// - Returns: the plan.
    /// - Throws: ``KeyVaultError/Code-swift.struct/noSuchEntry`` when the vault knows nothing about that computer.
    public static func make(for failed: HostName, vault: Vault, vaultPath: String) throws -> RecoveryPlan {
        let inventory = vault.inventory
        let recorded = inventory.host(matching: failed)
        let entries = vault.entriesInService.filter { $0.host.matches(failed) || (recorded?.matches($0.host) ?? false) }
        let databases = inventory.databases.filter { $0.sqlHost.matches(failed) || (recorded?.matches($0.sqlHost) ?? false) }
        var roles = recorded?.roles ?? []
        for e in entries where !roles.contains(e.role) { roles.append(e.role) }
        if !databases.isEmpty && !roles.contains(.sql) { roles.append(.sql) }
        guard !roles.isEmpty else {
            let known = inventory.hosts.map(\.name.value) + Set(vault.entries.map { $0.host.value }).sorted()
            throw KeyVaultError(.noSuchEntry, "nothing is recorded about \(failed) in this vault: no inventory record, key or database (it knows: \(known.isEmpty ? "nothing yet" : NameList(uniqueInOrder(known), limit: 8).description))")
        }
        let name = recorded?.name ?? failed
        let fqdn = recorded?.fqdn ?? (failed.isFullyQualified ? failed : nil)
        let v = shellQuote(vaultPath)
        var ways: [Way] = []
        var warnings: [String] = []
        let drills = vault.lastDrills()
        let credentialOptions = RecoveryPlan.credentialOptions(for: vault)

        func database(_ db: String) -> String {
            inventory.databases.first { $0.name.lowercased() == db.lowercased() }.map { "\($0.sqlHost)\\\($0.instance)" }
                ?? "its SQL Server instance (not recorded: add it with 'keyvault inventory database \(v) --name \(db) --sql-host HOST --instance NAME')"
        }

        /// The restore step for a keyed role, and the warnings about its backup.
        func restoreSteps(_ role: Role) -> [Step] {
            let mine = entries.filter { $0.role == role }
            guard let newest = mine.max(by: { ($0.version, $0.index) < ($1.version, $1.index) }) else {
                warnings.append("no \(role) key backup of \(name) in this vault: the restore below cannot be done; if \(name) still runs, export its key with SecureStorageBackup.exe now and seal it")
                return [Step(text: "Restore the \(role) key of \(name) (NONE IS SEALED in this vault: see the warnings).", command: nil)]
            }
            if let changedAt = recorded?.productVersionRecordedAt, let product = recorded?.productVersion, newest.createdAt < changedAt {
                warnings.append("the newest \(role) key backup of \(name) (version \(newest.version), sealed \(newest.createdAt.iso8601)) was sealed before the product version recorded for \(name) changed to \(product) (\(changedAt.iso8601)); Microsoft asks for the encryption key to be backed up when an installation is completed: export and seal a new one")
            }
            let hasPassword = vault.hasKeyPassword(for: newest)
            if !hasPassword {
                warnings.append("the export password of the \(role) key of \(name) (version \(newest.version)) is not escrowed: SecureStorageBackup.exe will ask for it, and a lost password cannot be recovered")
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
                    Step(text: "On the new \(name), BEFORE running Setup, start OpenSSH Server and create the folder C:\\keyvault (README, \"Windows servers\"); then, from the escrow box, restore its \(role) key over SSH (version \(newest.version), sealed \(newest.createdAt.iso8601)); keyvault asks the computer for its name and checks that it is \(name).", command: command),
                    Step(text: "On \(name), import C:\\keyvault\\\(base).bin with the Encryption Key Backup or Restore Wizard (SecureStorageBackup.exe, run as administrator, Restore)\(hasPassword ? " using the password in C:\\keyvault\\\(base).password" : " using the export password (not escrowed here)"); then delete the restored files (Remove-Item C:\\keyvault\\\(base).*).", command: nil),
                ]
            }
            let file = "\(base).bin"
            var command = "keyvault restore \(v) --role \(role) --out \(file)\(credentialOptions)"
            if hasPassword { command += " --key-password-out \(base).password" }
            return [
                Step(text: "On the new \(name), BEFORE running Setup, restore its \(role) key (version \(newest.version), sealed \(newest.createdAt.iso8601)); keyvault checks that this computer's name is \(name).", command: command),
                Step(text: "Import \(file) with the Encryption Key Backup or Restore Wizard (SecureStorageBackup.exe, run as administrator, Restore)\(hasPassword ? " using the password in \(base).password" : " using the export password (not escrowed here)"); then delete the restored files.", command: nil),
            ]
        }

        func newComputer() -> Step {
            Step(text: "Build a new computer with the same computer name \(name)\(fqdn.map { " (\($0))" } ?? "") in the same domain; do not reuse another server's name.", command: nil)
        }

        for role in [Role.sm, .dw, .ssp, .sql] where roles.contains(role) {
            switch role {
            case .sm:
                let position = recorded?.smPosition
                let additional = inventory.hosts.filter { $0.smPosition == .additional && !$0.matches(name) }
                if position == .primary, let target = additional.first {
                    let targetFQDN = target.fqdn?.value ?? "<FQDN of \(target.name)>"
                    if target.fqdn == nil {
                        warnings.append("the FQDN of \(target.name) is not recorded, and the promotion needs it: keyvault inventory host \(v) --name \(target.name) --fqdn FQDN --role sm --additional")
                    }
                    let others = additional.dropFirst().map(\.name.value)
                    ways.append(Way(kind: "promote", role: .sm, title: "Promote the additional SM server \(target.name) to primary (no key moves between hosts)", steps: [
                        Step(text: "On \(target.name), close the Service Manager console and stop the System Center Data Access Service, Microsoft Monitoring Agent and System Center Management Configuration services (Stop-Service OMSDK, HealthService, OMCFG)\(others.isEmpty ? "" : " (other additional servers you could promote instead: \(NameList(others, limit: 8)))").", command: nil),
                        Step(text: "On \(target.name), clear the health-service state: delete the 'Health Service State' folder in the Service Manager installation folder.", command: nil),
                        Step(text: "Against the ServiceManager database on \(database("ServiceManager")), run: EXEC dbo.p_PromoteActiveWorkflowServer '\(targetFQDN)'", command: nil),
                        Step(text: "On \(target.name), start the same three services again (Start-Service OMSDK, HealthService, OMCFG); it is now the primary management server.", command: nil),
                        Step(text: "Record the promotion in the vault; \(name)'s keys stay in the vault for history, marked former primary.", command: "keyvault promote \(v) --host \(target.name)"),
                        Step(text: "Later, install a new additional SM server; export its own new key and seal it.", command: "keyvault seal \(v) --role sm --host NEWNAME --key NEWNAME.bin --key-password-file PASSWORD-FILE"),
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
                ways.append(Way(kind: "rebuild", role: .sm, title: "Rebuild \(what) \(name) under the same computer name and restore its key before Setup", steps: steps))
            case .dw:
                var steps = [newComputer()] + restoreSteps(.dw)
                steps.append(Step(text: "Run Setup on \(name) and install the data warehouse management server using the existing DWStagingAndConfig database on \(database("DWStagingAndConfig")); on the reporting server page, give the original Reporting Server URL\(inventory.reportingServerURL.map { ", \($0)," } ?? " (not recorded here: keyvault inventory group \(v) --reporting-url URL)") as Microsoft requires (\"You must use the original URL for the Reporting Server\").", command: nil))
                steps.append(Step(text: "Re-import the unsealed management packs exported with Export-SCSMManagementPack.", command: nil))
                ways.append(Way(kind: "rebuild", role: .dw, title: "Rebuild the data warehouse management server \(name) under the same computer name (the only way back for DW)", steps: steps))
            case .ssp:
                var steps = [newComputer()] + restoreSteps(.ssp)
                steps.append(Step(text: "Reinstall the Self-Service Portal on \(name)\(inventory.primarySM.map { " (the primary SM management server is \($0.name))" } ?? ""); its encryption key was restored first.", command: nil))
                ways.append(Way(kind: "rebuild", role: .ssp, title: "Rebuild the Self-Service Portal \(name) under the same computer name and restore its own key", steps: steps))
            default:
                guard !databases.isEmpty else {
                    warnings.append("\(name) is recorded as a SQL Server but no database is recorded on it: add them with 'keyvault inventory database'")
                    continue
                }
                var steps = [newComputer()]
                var instances: [String] = []
                for db in databases where !instances.contains(db.instance) { instances.append(db.instance) }
                for instance in instances {
                    let names = databases.filter { $0.instance == instance }.map(\.name).joined(separator: ", ")
                    steps.append(Step(text: "Install SQL Server on \(name) with the same instance name \(instance) (exactly; Service Manager does not support case-sensitive instance names), then restore from backup: \(names).", command: nil))
                }
                steps.append(Step(text: "Restore the permissions of the recreated databases with the script you saved when you backed up the unsealed management packs (Microsoft, Implement Service Manager disaster recovery: Database recovery).", command: nil))
                ways.append(Way(kind: "databases", role: .sql, title: "Bring back the databases on a computer named \(name) with the same SQL Server instance name\(instances.count == 1 ? "" : "s") \(instances.joined(separator: ", "))", steps: steps))
            }
        }
        return RecoveryPlan(host: name, fqdn: fqdn, roles: roles, managementGroup: inventory.managementGroup, ways: ways, warnings: warnings)
    }

    /// The unlock options a restore of this vault needs, with placeholders named after its custodians: the passphrase
    /// when the vault has one and no threshold, else enough identities for the threshold (the first K custodians; any
    /// K will do, which the step's text does not need to say because the placeholders name real custodians).
    static func credentialOptions(for vault: Vault) -> String {
        let custodians = vault.custodians
        func option(_ c: Custodian) -> String {
            switch c.kind {
            case .passphrase: return " --passphrase-file PASSPHRASE-FILE"
            case .x25519: return " --identity IDENTITY-FILE-OF-\(c.id)"
            case .certificate: return " --identity PRIVATE-KEY-OF-\(c.subject.map(placeholderWord) ?? c.id)"
            case .unknown: return ""
            }
        }
        guard let k = vault.threshold else {
            if let passphrase = custodians.first(where: { $0.kind == .passphrase }) { return option(passphrase) }
            return custodians.first.map(option) ?? ""
        }
        return custodians.prefix(k).map(option).joined()
    }

    /// A certificate subject as one shell-safe word: its CN if it has one, letters, digits and `-` only.
    private static func placeholderWord(_ subject: String) -> String {
        let parts = subject.split(separator: ",").map { String($0).trimmingASCIIWhitespace }
        let cn = parts.first(where: { $0.hasPrefix("CN=") }).map { String($0.dropFirst(3)) } ?? subject
        let word = String(cn.unicodeScalars.map { CharacterSet.isPlain($0) ? Character($0) : "-" })
        return word.isEmpty ? "CERTIFICATE" : word
    }

    /// A path as a shell word: bare when it is plain, else in single quotes.
    static func shellQuote(_ text: String) -> String {
        let plain = !text.isEmpty && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) || "-_./+:@%".utf8.contains($0) }
        if plain { return text }
        var out = "'"
        for ch in text { out += ch == "'" ? "'\\''" : String(ch) }
        return out + "'"
    }
}

private enum CharacterSet {
    static func isPlain(_ s: Unicode.Scalar) -> Bool {
        (0x30...0x39).contains(s.value) || (0x41...0x5A).contains(s.value) || (0x61...0x7A).contains(s.value) || s == "-"
    }
}

/// The distinct strings of `items`, in first-seen order (case-insensitive).
private func uniqueInOrder(_ items: [String]) -> [String] {
    var seen = Set<String>(), out: [String] = []
    for i in items where seen.insert(i.lowercased()).inserted { out.append(i) }
    return out
}
