// The recovery workflow's vault operations: inventory changes, promotion, escrowed passwords, drills, the audit log.

extension Vault {
    /// What the vault records about the management group (authenticated once the vault is unlocked).
    public var inventory: Inventory { header.extensions.inventory }

    /// The audit log's records, oldest first, as stored: ``UnlockedVault/auditLog()`` checks their chain.
    public var auditRecords: [AuditRecord] { header.extensions.log.records }
    /// How many records the audit log keeps (``auditRecords``' count, without decoding them).
    public var auditRecordCount: Int { header.extensions.log.stored.count }
    /// How many records the audit log dropped from its start when it reached its cap (65,536 kept).
    public var droppedAuditRecordCount: Int { Int(header.extensions.log.dropped) }

    /// The last drill of `entry`, if it was drilled.
    public func lastDrill(of entry: Entry) -> DrillResult? { header.extensions.drill(of: entry) }

    /// The last drill of every entry, by entry index (for listing many entries at once).
    ///
    /// - Parameter given: the vault's ``entries`` when the caller has them already (building them again costs at
    ///   100,000 entries); nil to build them here.
    public func lastDrills(for given: [Entry]? = nil) -> [Int: DrillResult] {
        guard !header.extensions.drills.isEmpty else { return [:] }
        let byKey = header.extensions.drillsByEntry()
        var out: [Int: DrillResult] = [:]
        for e in given ?? entries { if let d = byKey[ExtensionArea.entryKey(e.role, e.host, e.version)] { out[e.index] = d } }
        return out
    }

    /// Whether the export password of `entry` is escrowed.
    public func hasKeyPassword(for entry: Entry) -> Bool { header.extensions.password(of: entry) != nil }

    /// The indexes of the entries whose export password is escrowed (for listing many entries at once).
    ///
    /// - Parameter given: as for ``lastDrills(for:)``.
    public func entriesWithKeyPassword(for given: [Entry]? = nil) -> Set<Int> {
        guard !header.extensions.passwords.isEmpty else { return [] }
        let byKey = header.extensions.passwordsByEntry()
        return Set((given ?? entries).filter { byKey[ExtensionArea.entryKey($0.role, $0.host, $0.version)] != nil }.map(\.index))
    }

    /// How many export passwords are escrowed (each names one entry of the vault, checked when it was opened).
    public var escrowedPasswordCount: Int { header.extensions.passwords.count }

    /// The retirement of `entry`, or nil when it is in service.
    public func retirement(of entry: Entry) -> RetiredEntry? { header.extensions.retirement(of: entry) }

    /// The indexes of retired entries: one pass over the index against the retired records' (role, host, version),
    /// so that a vault with many retired versions of one computer's key is not scanned once per record.
    public var retiredIndexes: Set<Int> {
        guard !header.extensions.retired.isEmpty else { return [] }
        let keys = Set(header.extensions.retired.map { ExtensionArea.entryKey($0.role, $0.host, $0.version) })
        var out = Set<Int>()
        for i in 0..<header.entryCount {
            let e = header.entry(at: i)
            if keys.contains(ExtensionArea.entryKey(e.role, e.host, e.version)) { out.insert(i) }
        }
        return out
    }

    /// Every entry in service: ``entries`` without the retired ones.
    public var entriesInService: [Entry] {
        let retired = retiredIndexes
        return retired.isEmpty ? entries : entries.filter { !retired.contains($0.index) }
    }

    /// Retires an entry: restores, plans and drill coverage leave it out from now on; it stays in the vault, in
    /// `list --all` and in the log (who, when, why), and its key may then be sealed for the right computer and role.
    ///
    /// - Parameters:
    ///   - role: the entry's role.
    ///   - host: its computer (matched as restores match names).
    ///   - version: the version, or nil for the newest one in service.
    ///   - reason: why, 1–512 bytes of text (recorded).
    ///   - path: the vault.
    ///   - credentials: enough custodians to unlock it.
    ///   - actor: who retires it.
    /// - Returns: the entry retired.
    /// - Throws: ``KeyVaultError/Code-swift.struct/noSuchEntry`` when no such entry is in service;
    ///   ``KeyVaultError/Code-swift.struct/invalidArgument`` for an empty or invalid reason.
    @discardableResult
    public static func retire(
        role: Role, host: HostName, version: UInt32? = nil, reason: String, atPath path: String,
        credentials: Credentials, actor: AuditActor = .current()
    ) throws -> Entry {
        if let problem = ExtensionText.problem(reason, max: 512) ?? FreeText.invisibleProblem(reason) {
            throw KeyVaultError.invalidArgument("invalid reason: \(problem)")
        }
        return try updateExtensions(path, credentials: credentials) { current, unlocked, area in
            let retired = current.retiredIndexes
            // Only this computer's entries, as a restore counts them: not another domain's of the same short name.
            let mine = try InventoryDomains(current.inventory, host: host).sameComputer(current.entries(of: role, matching: host), as: host, role: role)
            let candidates = mine.filter { !retired.contains($0.index) && (version == nil || $0.version == version) }
            guard let entry = candidates.max(by: { ($0.version, $0.index) < ($1.version, $1.index) }) else {
                throw KeyVaultError(.noSuchEntry, "no \(role) key of \(host)\(version.map { " version \($0)" } ?? "") is in service in this vault (see 'keyvault list --all')")
            }
            let now = Timestamp.now()
            area.retired.append(
                RetiredEntry(
                    role: entry.role, host: entry.host, version: entry.version, time: now,
                    reason: reason, user: AuditActor.clean(actor.user, 64)))
            area.log.append(
                action: .retire, role: entry.role, host: entry.host, version: entry.version,
                outcome: "ok: retired: \(reason)", actor: actor, at: now, key: unlocked.logKey)
            return entry
        }
    }

    /// Whether the vault has vault-level data (format flag bit 2).
    public var hasExtensions: Bool { header.identity.hasExtensions }

    /// Changes the extension area under the lock and writes the vault, entries and ciphertexts unchanged.
    static func updateExtensions<T>(
        _ path: String, credentials: Credentials? = nil, early: UnlockedVault? = nil, rollbackGuard: Credentials? = nil,
        _ change: (_ current: Vault, _ unlocked: UnlockedVault, _ area: inout ExtensionArea) throws -> T
    ) throws -> T {
        let body: (Vault, UnlockedVault, VaultOutput) throws -> T = { current, unlocked, out in
            var area = current.header.extensions
            let result = try change(current, unlocked, &area)
            // The index is copied byte for byte; only the flags, the extension area, sizes, checksum and tag change.
            try out.writeHeader(current.header.appending([], extensions: area, tagKey: unlocked.tagKey, sealed: out.needsSealedHeader), vaultKey: unlocked.vaultKey)
            try out.keepCiphertexts()
            return result
        }
        if let early { return try modify(path, early: early, credentials: credentials, rollbackGuard: rollbackGuard, body) }
        return try modify(path, credentials: credentials!, body)
    }

    /// Appends a record to the audit log of the vault at `path` (unlocking it) and writes the vault.
    ///
    /// - Parameters:
    ///   - action: what happened.
    ///   - outcome: `ok: …`, or what went wrong.
    ///   - path: the vault.
    ///   - credentials: enough custodians to unlock it.
    ///   - actor: who did it.
    public static func appendRecord(
        _ action: AuditAction, outcome: String, atPath path: String, credentials: Credentials,
        actor: AuditActor = .current()
    ) throws {
        try updateExtensions(path, credentials: credentials) { _, unlocked, area in
            area.log.append(action: action, outcome: outcome, actor: actor, key: unlocked.logKey)
        }
    }

    /// Records the management group's name.
    ///
    /// - Parameters:
    ///   - name: 1-128 bytes of text without control characters.
    ///   - path: the vault.
    ///   - credentials: enough custodians to unlock it.
    ///   - actor: who is recording (for the audit log).
    /// - Throws: ``KeyVaultError/Code-swift.struct/invalidArgument`` for an invalid name.
    public static func setManagementGroup(_ name: String, atPath path: String, credentials: Credentials, actor: AuditActor = .current()) throws {
        if let problem = ExtensionText.problem(name, max: FormatV1.maxManagementGroupBytes) ?? FreeText.invisibleProblem(name) {
            throw KeyVaultError.invalidArgument("invalid management group name: \(problem)")
        }
        try updateExtensions(path, credentials: credentials) { _, unlocked, area in
            area.inventory.managementGroup = name
            area.log.append(action: .inventory, outcome: "ok: management group set to \(name)", actor: actor, key: unlocked.logKey)
        }
    }

    /// Records (or, with nil, removes) the original URL of the data warehouse's Reporting Server.
    ///
    /// - Parameters:
    ///   - url: an `http://` or `https://` URL, or nil to remove it.
    ///   - path: the vault.
    ///   - credentials: enough custodians to unlock it.
    ///   - actor: who is recording.
    /// - Throws: ``KeyVaultError/Code-swift.struct/invalidArgument`` for an invalid URL.
    public static func setReportingServerURL(_ url: String?, atPath path: String, credentials: Credentials, actor: AuditActor = .current()) throws {
        if let url, let problem = Inventory.reportingServerURLProblem(url) { throw KeyVaultError.invalidArgument(problem) }
        try updateExtensions(path, credentials: credentials) { _, unlocked, area in
            area.inventory.reportingServerURL = url
            area.log.append(
                action: .inventory, outcome: url.map { "ok: Reporting Server URL set to \($0)" } ?? "ok: Reporting Server URL removed",
                actor: actor, key: unlocked.logKey)
        }
    }

    /// Adds a host to the inventory, or replaces the record of the same computer.
    ///
    /// Recording an `sm` host as primary makes the previous primary (if another computer) an additional server.
    /// When the product version changes, the time is recorded: key backups sealed before it are flagged by plans.
    ///
    /// - Parameters:
    ///   - host: the host record.
    ///   - path: the vault.
    ///   - credentials: enough custodians to unlock it.
    ///   - actor: who is recording.
    /// - Throws: ``KeyVaultError/Code-swift.struct/invalidArgument`` for an inconsistent record.
    public static func setHost(_ host: InventoryHost, atPath path: String, credentials: Credentials, actor: AuditActor = .current()) throws {
        try checkHost(host)
        try updateExtensions(path, credentials: credentials) { _, unlocked, area in
            try record(host, in: &area, logKey: unlocked.logKey, actor: actor)
        }
    }

    /// Changes what the inventory records about a computer, keeping every field the update leaves out (and clearing
    /// those it names in ``InventoryHostUpdate/clearing``), or adds the computer when it is not recorded yet.
    ///
    /// - Parameters:
    ///   - name: the computer (its short name or FQDN, as recorded).
    ///   - update: the fields to set or clear.
    ///   - path: the vault.
    ///   - credentials: enough custodians to unlock it.
    ///   - actor: who is recording.
    /// - Returns: the record as stored.
    /// - Throws: ``KeyVaultError/Code-swift.struct/invalidArgument`` when the merged record is inconsistent (a new
    ///   computer without roles, an SM server without its position).
    @discardableResult
    public static func updateHost(
        _ name: HostName, with update: InventoryHostUpdate, atPath path: String, credentials: Credentials,
        actor: AuditActor = .current()
    ) throws -> InventoryHost {
        try updateExtensions(path, credentials: credentials) { _, unlocked, area in
            let existing = area.inventory.hosts.first { $0.matches(name) || (update.fqdn.map($0.matches) ?? false) }
            var host = existing ?? InventoryHost(name: name, roles: [])
            if let fqdn = update.fqdn { host.fqdn = fqdn }
            if let roles = update.roles, update.keepingRecordedRoles, let existing, case let dropped = existing.roles.filter({ !roles.contains($0) }), !dropped.isEmpty {
                let had = existing.roles.map(\.rawValue).joined(separator: ", ") + (existing.smPosition.map { " (the \($0.words) SM server)" } ?? "")
                let all = (existing.roles + roles.filter { !existing.roles.contains($0) }).map { "--role \($0)" }.joined(separator: " ")
                throw KeyVaultError.invalidArgument(
                    "refused: \(existing.name) is recorded as \(had); these roles would drop \(dropped.map(\.rawValue).joined(separator: ", ")): give every role it runs (\(all)), or --clear roles to record only the roles given; nothing was written"
                )
            }
            if let roles = update.roles { host.roles = roles }
            if let position = update.smPosition { host.smPosition = position }
            if let version = update.productVersion { host.productVersion = version }
            if let os = update.os { host.os = os }
            if update.clearing.contains(.fqdn) { host.fqdn = nil }
            if update.clearing.contains(.productVersion) { host.productVersion = nil }
            if host.roles.contains(.sm) == false { host.smPosition = nil }
            try checkHost(host)
            try record(host, in: &area, logKey: unlocked.logKey, actor: actor)
            return area.inventory.hosts.first { $0.matches(host.name) } ?? host
        }
    }

    private static func checkHost(_ host: InventoryHost) throws {
        if let problem = host.problem() { throw KeyVaultError.invalidArgument("invalid host record: \(problem)") }
        if let bad = host.roles.first(where: { !Role.inventoryRoles.contains($0) }) {
            throw KeyVaultError.invalidArgument("unknown role '\(bad)' for a host: use sm, dw, ssp or sql")
        }
    }

    /// Puts `host` in the inventory (replacing the record of the same computer), keeping one primary SM server.
    private static func record(_ host: InventoryHost, in area: inout ExtensionArea, logKey: SecretBytes, actor: AuditActor) throws {
        var record = host
        let now = Timestamp.now()
        if let i = area.inventory.hosts.firstIndex(where: { $0.matches(host.name) || (host.fqdn.map($0.matches) ?? false) }) {
            let old = area.inventory.hosts[i]
            // The time of a *change* of version (an upgrade): recording the version for the first time is none.
            record.productVersionRecordedAt =
                old.productVersion == host.productVersion
                ? old.productVersionRecordedAt
                : (host.productVersion == nil || old.productVersion == nil ? nil : now)
            record.positionChangedAt = old.smPosition == host.smPosition ? old.positionChangedAt : now
            area.inventory.hosts.remove(at: i)
            area.inventory.hosts.insert(record, at: i)
        } else {
            guard area.inventory.hosts.count < FormatV1.maxHosts else {
                throw KeyVaultError.invalidArgument("the inventory holds at most \(FormatV1.maxHosts) hosts")
            }
            // One record per short name, as readers check: a computer of another domain with a recorded computer's
            // short name cannot be listed beside it.
            if let clash = area.inventory.hosts.first(where: { $0.name.sameFirstLabelAndDomain(as: record.name) }) {
                throw KeyVaultError.invalidArgument(
                    "the inventory lists \(clash.name)\(clash.fqdn.map { " (\($0))" } ?? ""), which has the short name of \(record.name): an inventory lists one computer per short name")
            }
            record.productVersionRecordedAt = nil
            area.inventory.hosts.append(record)
        }
        if record.smPosition == .primary {
            for j in area.inventory.hosts.indices where area.inventory.hosts[j].smPosition == .primary && !area.inventory.hosts[j].matches(record.name) {
                area.inventory.hosts[j].smPosition = .additional
                area.inventory.hosts[j].positionChangedAt = now
            }
        }
        // What a reader would refuse (one computer listed twice once a record's FQDN changed, say) is a bad argument
        // here: the hosts as they would be written, read back as a reader reads them.
        var written = ByteReader(ExtensionArea.encode(area.inventory.hosts)[...])
        do { _ = try ExtensionArea.parseHosts(&written) } catch let error as KeyVaultError {
            // "vault damaged: inventory host at byte N: PROBLEM", or "vault damaged: PROBLEM".
            var problem = Substring(error.message)
            for prefix in ["vault damaged: ", "inventory host "] where problem.hasPrefix(prefix) {
                problem = problem.dropFirst(prefix.count)
                if prefix == "inventory host ", let colon = problem.firstIndex(of: ":") { problem = problem[colon...].dropFirst(2) }
            }
            throw KeyVaultError.invalidArgument("refused: with this record of \(record.name) the inventory would not be valid: \(problem); nothing was written")
        }
        let what = ([record.smPosition.map { "\($0.rawValue) " } ?? ""] + [record.roles.map(\.rawValue).joined(separator: ",")]).joined()
        area.log.append(action: .inventory, host: record.name, outcome: "ok: host recorded (\(what))", actor: actor, key: logKey)
    }

    /// Adds a database to the inventory, or replaces the record of the same name.
    ///
    /// - Parameters:
    ///   - database: the database record.
    ///   - path: the vault.
    ///   - credentials: enough custodians to unlock it.
    ///   - actor: who is recording.
    /// - Throws: ``KeyVaultError/Code-swift.struct/invalidArgument`` for an invalid name or instance.
    public static func setDatabase(_ database: InventoryDatabase, atPath path: String, credentials: Credentials, actor: AuditActor = .current()) throws {
        if let p = InventoryDatabase.nameProblem(database.name) { throw KeyVaultError.invalidArgument(p) }
        if let p = InventoryDatabase.instanceProblem(database.instance) { throw KeyVaultError.invalidArgument(p) }
        try updateExtensions(path, credentials: credentials) { _, unlocked, area in
            if let i = area.inventory.databases.firstIndex(where: { $0.name.lowercased() == database.name.lowercased() }) {
                area.inventory.databases[i] = database
            } else {
                guard area.inventory.databases.count < FormatV1.maxDatabases else {
                    throw KeyVaultError.invalidArgument("the inventory holds at most \(FormatV1.maxDatabases) databases")
                }
                area.inventory.databases.append(database)
            }
            area.log.append(
                action: .inventory, host: database.sqlHost,
                outcome: "ok: database \(database.name) recorded on \(database.sqlHost)\\\(database.instance)", actor: actor, key: unlocked.logKey)
        }
    }

    /// Records that an additional SM server became the primary (after `p_PromoteActiveWorkflowServer` was run).
    /// No key moves: the former primary's entries stay in the vault, and it is marked *former primary*.
    ///
    /// - Parameters:
    ///   - name: the additional SM server that was promoted.
    ///   - path: the vault.
    ///   - credentials: enough custodians to unlock it.
    ///   - actor: who is recording.
    /// - Returns: the promoted host and the former primary, if one was recorded.
    /// - Throws: ``KeyVaultError/Code-swift.struct/noSuchEntry`` when the inventory has no such host;
    ///   ``KeyVaultError/Code-swift.struct/invalidArgument`` when it is not an additional SM server.
    @discardableResult
    public static func promote(_ name: HostName, atPath path: String, credentials: Credentials, actor: AuditActor = .current()) throws -> (promoted: InventoryHost, former: InventoryHost?) {
        try checkPromotion(name, in: try Vault.open(atPath: path).inventory)
        return try updateExtensions(path, credentials: credentials) { _, unlocked, area in
            let i = try checkPromotion(name, in: area.inventory)
            let now = Timestamp.now()
            var former: InventoryHost?
            for j in area.inventory.hosts.indices where area.inventory.hosts[j].smPosition == .primary {
                area.inventory.hosts[j].smPosition = .formerPrimary
                area.inventory.hosts[j].positionChangedAt = now
                former = area.inventory.hosts[j]
            }
            area.inventory.hosts[i].smPosition = .primary
            area.inventory.hosts[i].positionChangedAt = now
            let promoted = area.inventory.hosts[i]
            area.log.append(
                action: .promote, role: .sm, host: promoted.name,
                outcome: "ok: \(promoted.name) is now the primary SM server\(former.map { "; \($0.name) is a former primary (its keys are kept for history)" } ?? ""); no key moved",
                actor: actor, at: now, key: unlocked.logKey)
            return (promoted, former)
        }
    }

    @discardableResult
    private static func checkPromotion(_ name: HostName, in inventory: Inventory) throws -> Int {
        guard let i = inventory.hosts.firstIndex(where: { $0.matches(name) }) else {
            let known = NameList(inventory.hosts.filter { $0.roles.contains(.sm) }.lazy.map(\.name.value))
            throw KeyVaultError(.noSuchEntry, "no host \(name) in the inventory (SM servers: \(known.isEmpty ? "none recorded" : "\(known)")); record it first with 'keyvault inventory host'")
        }
        let host = inventory.hosts[i]
        guard host.smPosition == .additional else {
            let what = host.smPosition.map { "the \($0.words) SM server" } ?? "not an SM server"
            throw KeyVaultError.invalidArgument("refused: \(host.name) is \(what); only an additional SM server can be promoted")
        }
        return i
    }
}

extension UnlockedVault {
    /// Seals an export password for the entry `record` describes, under the password subkey.
    func sealPassword(_ password: SecretBytes, for record: IndexRecord) -> KeyPasswordRecord {
        UnlockedVault.sealPassword(password, for: record, vaultID: vault.header.identity.id, key: passwordKey)
    }

    /// `AEAD(key = Subkey(4), nonce, password, ad = vault_id ‖ meta_len ‖ meta)`: bound to the vault and the entry.
    static func sealPassword(_ password: SecretBytes, for record: IndexRecord, vaultID: [UInt8], key: SecretBytes) -> KeyPasswordRecord {
        let nonce = AEAD.randomNonce()
        let sealed = AEAD.seal(password, key: key, nonce: nonce, associatedData: record.associatedData(vaultID: vaultID))
        return KeyPasswordRecord(role: record.entry.role, host: record.entry.host, version: record.entry.version, nonce: nonce, sealed: sealed)
    }

    /// The escrowed export password of `entry`, or nil when none is escrowed.
    ///
    /// - Throws: ``KeyVaultError/Code-swift.struct/damaged`` when it fails authentication.
    func keyPassword(of entry: Entry) throws -> SecretBytes? {
        guard let p = passwordsByEntry[ExtensionArea.entryKey(entry.role, entry.host, entry.version)] else { return nil }
        let record = vault.header.record(at: entry.index)
        guard let plain = try AEAD.open(p.sealed, key: passwordKey, nonce: p.nonce, associatedData: record.associatedData(vaultID: vault.header.identity.id)) else {
            throw KeyVaultError.damaged("vault damaged or tampered with: the export password of the \(entry.displayName) fails authentication")
        }
        return plain
    }

    /// The escrowed export password of a restored key: only for an entry the host rule already released.
    ///
    /// - Parameter restored: what ``restore(role:version:on:salvage:recording:)`` returned.
    /// - Returns: the password in guarded memory.
    /// - Throws: ``KeyVaultError/Code-swift.struct/noSuchEntry`` when none is escrowed;
    ///   ``KeyVaultError/Code-swift.struct/invalidArgument`` when `restored` came from another vault (or another state
    ///   of this one) than this one;
    ///   ``KeyVaultError/Code-swift.struct/damaged`` when it fails authentication.
    public func keyPassword(for restored: RestoredKey) throws -> SecretBytes {
        // Its entry, at its place in this vault: a key restored from another vault names a place that holds another
        // entry here, or none.
        guard (0..<vault.header.entryCount).contains(restored.entry.index), vault.header.entry(at: restored.entry.index) == restored.entry else {
            throw KeyVaultError.invalidArgument("the restored \(restored.entry.displayName) is not an entry of this vault; ask the vault it was restored from")
        }
        guard let password = try keyPassword(of: restored.entry) else {
            throw KeyVaultError(.noSuchEntry, "no export password is escrowed for the \(restored.entry.displayName)")
        }
        return password
    }

    /// The first of the audit log's kept records (0-based) whose chain link does not hold, or nil: what
    /// ``auditLog()`` says in ``AuditLogReport/firstBrokenRecord``, without decoding every record.
    public var firstBrokenAuditRecord: Int? { vault.header.extensions.log.firstBrokenLink(key: logKey) }

    /// The audit log with its chain checked under the log subkey.
    public func auditLog() -> AuditLogReport {
        let log = vault.header.extensions.log
        return AuditLogReport(
            records: log.records, dropped: Int(log.dropped), firstBrokenRecord: log.firstBrokenLink(key: logKey),
            isVaultAuthentic: isAuthentic)
    }

    /// Appends a record to the vault's audit log and writes the vault (under its lock, atomically).
    ///
    /// - Parameters:
    ///   - action: what happened, e.g. ``AuditAction/restore``.
    ///   - entry: the entry concerned, if any.
    ///   - outcome: `ok`, or what went wrong.
    ///   - actor: who did it.
    /// - Throws: any I/O error (a read-only vault, say): the caller decides whether that matters.
    public func record(_ action: AuditAction, entry: Entry? = nil, outcome: String, actor: AuditActor = .current()) throws {
        try record(action, entry: entry, outcome: outcome, actor: actor, rollbackGuard: nil)
    }

    /// As ``record(_:entry:outcome:actor:)``, with the roll-back check under the lock made from `rollbackGuard`'s
    /// ``Credentials/keyPins`` (and an accepted roll-back recorded in the same commit).
    package func record(_ action: AuditAction, entry: Entry? = nil, outcome: String, actor: AuditActor = .current(), rollbackGuard: Credentials?) throws {
        try Vault.updateExtensions(vault.path, early: self, rollbackGuard: rollbackGuard) { _, unlocked, area in
            area.log.append(
                action: action, role: entry?.role, host: entry?.host, version: entry?.version,
                outcome: outcome, actor: actor, key: unlocked.logKey)
        }
    }

    /// Opens every entry and every escrowed password in memory, checks the audit log's chain, and, when `recording`,
    /// stores each entry's result and a log record in the vault.
    ///
    /// - Parameters:
    ///   - recording: write the results into the vault.
    ///   - actor: who ran the drill.
    /// - Returns: the report; ``DrillReport/recordError`` says why the results could not be written, if so.
    public func drill(recording: Bool = true, actor: AuditActor = .current()) -> DrillReport {
        drill(recording: recording, actor: actor, rollbackGuard: nil)
    }

    /// As ``drill(recording:actor:)``, with the roll-back check under the lock made from `rollbackGuard`'s
    /// ``Credentials/keyPins`` (and an accepted roll-back recorded in the same commit as the results).
    package func drill(recording: Bool, actor: AuditActor = .current(), rollbackGuard: Credentials?) -> DrillReport {
        let now = Timestamp.now()
        let verification = verify()
        var problems: [String] = []
        if !verification.isIndexAuthentic { problems.append("the vault's header and index fail authentication (damaged or tampered with)") }
        var results: [DrillReport.EntryResult] = []
        for r in verification.entries {
            var problem = r.problem
            var hasPassword = false
            if problem == nil {
                do { hasPassword = try keyPassword(of: r.entry) != nil } catch let e as KeyVaultError { problem = e.message } catch { problem = "\(error)" }
            }
            if let problem { problems.append("\(r.entry.displayName): \(problem)") }
            results.append(.init(entry: r.entry, problem: problem, passwordEscrowed: hasPassword))
        }
        if let logProblem = verification.auditLogProblem { problems.append(logProblem) }
        var recordError: String?
        var checkIns: [CheckInStatus]?
        if recording {
            if !verification.isIndexAuthentic {
                recordError = "the vault's index fails authentication, so nothing can be written to it"
            } else {
                do {
                    try Vault.updateExtensions(vault.path, early: self, rollbackGuard: rollbackGuard) { current, unlocked, area in
                        let byIndex = Dictionary(results.map { ($0.entry.index, $0) }, uniquingKeysWith: { a, _ in a })
                        let previous = area.drillsByEntry()
                        area.drills = current.entries.compactMap { e in
                            guard let r = byIndex[e.index], r.entry == e else { return previous[ExtensionArea.entryKey(e.role, e.host, e.version)] }
                            return DrillResult(role: e.role, host: e.host, version: e.version, time: now, problem: r.problem)
                        }
                        let bad = results.filter { $0.problem != nil }.count
                        // The custodians who unlocked for the drill proved their secrets: each checks in.
                        let checked = try unlocked.recordCheckIns(into: &area, slots: current.header.slots, at: now, actor: actor)
                        let checkedIn = checked.isEmpty ? "" : "; the custodian\(checked.count == 1 ? "" : "s") of slot \(checked.map(String.init).joined(separator: ", ")) checked in"
                        area.log.append(
                            action: .drill,
                            outcome: problems.isEmpty
                                ? "ok: \(results.count) entr\(results.count == 1 ? "y" : "ies") opened and matched \(results.count == 1 ? "its fingerprint" : "their fingerprints")\(checkedIn)"
                                : "failed: \(problems.count) problem\(problems.count == 1 ? "" : "s"), \(bad) of \(results.count) entries damaged\(checkedIn)",
                            actor: actor, at: now, key: unlocked.logKey)
                        // The check-ins as written, under this (authenticated) key; what is still pending did not verify.
                        checkIns = area.checkInStatus(
                            slots: current.header.slots, custodianIDs: current.custodians.map(\.id), vaultID: current.header.identity.id, pending: [],
                            under: unlocked.keyCommitment, now: now)
                    }
                } catch let e as KeyVaultError {
                    recordError = e.message
                } catch {
                    recordError = "\(error)"
                }
            }
        }
        // Not recorded: the vault as read, and the custodians who unlocked for this drill, who proved their secrets.
        let statuses = checkIns ?? countingOpenedSlots(vault.checkInStatus(now: now, under: keyCommitment), at: now, actor: actor)
        return DrillReport(time: now, entries: results, problems: problems, recordError: recordError, custodianCheckIns: statuses)
    }
}

/// Something the vault should hold for a recovery and does not (reported by drills; not damage).
public enum CoverageGap: Sendable, Hashable, CustomStringConvertible {
    /// A computer the inventory lists with this role has no key of that role in the vault.
    case noKey(host: HostName, role: Role)
    /// The newest key of a computer and role has no escrowed export password (SecureStorageBackup.exe asks for it).
    case noPassword(host: HostName, role: Role, version: UInt32)

    public var description: String {
        switch self {
        case .noKey(let host, let role):
            return "no \(role) key for \(host), which the inventory lists as \(role == .sm ? "an SM server" : role.title): seal its exported key (keyvault seal --role \(role) --host \(host))"
        case .noPassword(let host, let role, let version):
            return "the \(role) key of \(host) (version \(version)) has no escrowed export password: a lost password cannot be recovered (keyvault seal … --key-password-file)"
        }
    }
}

extension Vault {
    /// What a recovery would miss: inventory computers of roles sm, dw and ssp (but former primaries) without a key
    /// of that role, and the newest key of each computer and role without an escrowed export password.
    public func coverageGaps() -> [CoverageGap] {
        let entries = entriesInService
        var gaps: [CoverageGap] = []
        for host in inventory.hosts where host.smPosition != .formerPrimary {
            for role in host.roles where Role.known.contains(role) && !entries.contains(where: { $0.role == role && host.matches($0.host) }) {
                gaps.append(.noKey(host: host.name, role: role))
            }
        }
        // The newest entry of each recorded name, then of each computer: a name's newest is dropped when another name
        // for the same computer (SM01 and sm01.corp.example) has a newer version; not when the inventory gives the
        // names two FQDNs (SM01 of sm01.corp.example and sm01.other.example, sealed outside the inventory: two
        // computers, each with its own newest key). Names of one computer are few, so the second step compares only
        // the heads that share a first label.
        var byName: [String: Entry] = [:]
        for e in entries {
            let name = "\(e.role.rawValue)|\(e.host.value.lowercased())"
            if let known = byName[name], known.version >= e.version { continue }
            byName[name] = e
        }
        let heads = Dictionary(grouping: byName.values) { "\($0.role.rawValue)|\($0.host.matchGroup)" }
        let domains = InventoryDomains(inventory)
        var newest: [Entry] = []
        for group in heads.values {
            for e in group where !group.contains(where: { $0.version > e.version && domains.isOneComputer($0.host, e.host) }) { newest.append(e) }
        }
        let withPassword = entriesWithKeyPassword(for: entries)
        for e in newest.sorted(by: { $0.index < $1.index }) where !withPassword.contains(e.index) {
            gaps.append(.noPassword(host: e.host, role: e.role, version: e.version))
        }
        return gaps
    }
}

/// The audit log, checked.
public struct AuditLogReport: Sendable {
    /// The records, oldest first.
    public let records: [AuditRecord]
    /// How many older records were dropped when the log reached its cap (65,536 records).
    public let dropped: Int
    /// The first record (0-based, in `records`) whose chain link fails: removed or edited. Nil when the chain holds.
    public let firstBrokenRecord: Int?
    /// Whether the vault tag holds too (it covers the whole log, so it also catches records cut from the end).
    public let isVaultAuthentic: Bool
    /// True when the chain and the vault tag both hold.
    public var isIntact: Bool { firstBrokenRecord == nil && isVaultAuthentic }
}

/// What a drill found.
public struct DrillReport: Sendable {
    /// One entry's result.
    public struct EntryResult: Sendable {
        /// The entry.
        public let entry: Entry
        /// Why it failed, or nil.
        public let problem: String?
        /// Whether its export password is escrowed (and opened).
        public let passwordEscrowed: Bool
    }
    /// When the drill ran.
    public let time: Timestamp
    /// Every entry.
    public let entries: [EntryResult]
    /// Every problem, one line each (entries, the index, the audit log).
    public let problems: [String]
    /// Why the result could not be recorded in the vault, or nil when it was (or recording was not asked).
    public let recordError: String?
    /// Each custodian's check-in status after the drill (which checks in the custodians who unlocked for it), read
    /// under the vault key the drill authenticated: review it with ``CheckInReview/init(_:threshold:maxAgeDays:now:)``.
    public let custodianCheckIns: [CheckInStatus]
    /// True when nothing is wrong.
    public var isHealthy: Bool { problems.isEmpty }
    /// One line for people: how many problems, the first few, and how many more (bounded for any vault).
    public var summary: String {
        "\(NameList.grouped(problems.count)) problem\(problems.count == 1 ? "" : "s"): \(NameList(problems, separator: "; "))"
    }
}
