// The extension area between the index and the checksum (flag bit 2): typed sections of vault-level data
// (docs/FORMAT.md, "Extension area").

/// An escrowed SecureStorageBackup export password, sealed for one entry.
struct KeyPasswordRecord: Sendable, Hashable {
    static let fieldTags: Set<UInt8> = [1, 2, 3, 4, 5]
    let role: Role
    let host: HostName
    let version: UInt32
    let nonce: [UInt8]
    let sealed: [UInt8]
}

/// The result of the last drill of one entry.
public struct DrillResult: Sendable, Hashable {
    static let fieldTags: Set<UInt8> = [1, 2, 3, 4, 5, 6]
    let role: Role
    let host: HostName
    let version: UInt32
    /// When the drill ran (UTC).
    public let time: Timestamp
    /// Why the entry failed, or nil when it opened and matched its fingerprint.
    public let problem: String?
}

/// An entry taken out of service on purpose (sealed under the wrong role, say): it stays in the vault and its history,
/// but restores, plans and drill coverage leave it out, and its key may be sealed again for the right role.
public struct RetiredEntry: Sendable, Hashable {
    static let fieldTags: Set<UInt8> = [1, 2, 3, 4, 5, 6]
    let role: Role
    let host: HostName
    let version: UInt32
    /// When it was retired (UTC).
    public let time: Timestamp
    /// Why, in the words of whoever retired it.
    public let reason: String
    /// Who retired it (the OS user, as the audit log records users).
    public let user: String
}

/// A section this version does not know but must keep (types 0x80-0xFF).
struct RawSection: Sendable, Hashable {
    let type: UInt8
    let body: [UInt8]
}

/// Everything in the extension area, decoded.
struct ExtensionArea: Sendable, Hashable {
    enum SectionType: UInt8 {
        case managementGroup = 1, hosts = 2, databases = 3, keyPasswords = 4, drills = 5, auditLog = 6, retired = 8, reportingServer = 0x81, endorsements = 0x82, keyHistory = 0x83
    }
    static let hostTags: Set<UInt8> = [1, 2, 3, 4, 5, 6, 7, 8]
    static let databaseTags: Set<UInt8> = [1, 2, 3]

    var inventory = Inventory(managementGroup: nil, hosts: [], databases: [])
    var passwords: [KeyPasswordRecord] = []
    var drills: [DrillResult] = []
    var log = AuditLog()
    var retired: [RetiredEntry] = []
    /// Custodians' endorsements of their slots (informational section 0x82).
    var endorsements: [SlotEndorsement] = []
    /// Re-keys, each signed by the key before (informational section 0x83).
    var keyHistory: [KeyTransition] = []
    var unknown: [RawSection] = []

    static let empty = ExtensionArea()

    /// A vault without any of this keeps flag bit 2 clear and is byte for byte a plain version-1 vault.
    var isEmpty: Bool {
        inventory.isEmpty && passwords.isEmpty && drills.isEmpty && log.records.isEmpty && log.dropped == 0 && retired.isEmpty && endorsements.isEmpty && keyHistory.isEmpty && unknown.isEmpty
    }

    /// The key for (role, host, version) lookups: hosts compare ignoring ASCII case, as entries do.
    static func entryKey(_ role: Role, _ host: HostName, _ version: UInt32) -> String {
        "\(role.rawValue)|\(host.value.lowercased())|\(version)"
    }

    /// Parses `ext_count u8 ‖ (type u8 ‖ len u32 ‖ body) × ext_count`; `allEntryKeys` gives the ``entryKey(_:_:_:)``
    /// of every entry in the vault, which password and drill records must name.
    static func parse(_ r: inout ByteReader, entryKeys allEntryKeys: () -> Set<String>) throws -> ExtensionArea {
        let count = Int(try r.u8("extension section count"))
        guard (1...FormatV1.maxSections).contains(count) else {
            throw KeyVaultError.damaged("vault damaged: extension section count \(count) is outside 1-\(FormatV1.maxSections)")
        }
        var area = ExtensionArea()
        var last = 0
        // Built only when a section names entries: a large vault with just a log or an inventory does not pay for it.
        var keys: Set<String>?
        func entryKeys() -> Set<String> {
            if let keys { return keys }
            let built = allEntryKeys()
            keys = built
            return built
        }
        for n in 1...count {
            let start = r.position
            let type = try r.u8("extension section \(n) type")
            guard type != 0, Int(type) > last else {
                throw KeyVaultError.damaged("vault damaged: extension section \(n) at byte \(start) has type \(type); section types must be non-zero and ascending")
            }
            last = Int(type)
            let length = Int(try r.u32("extension section \(n) length"))
            let body = try r.bytes(length, "extension section \(n)")
            var b = ByteReader(body, base: start + 5)
            switch SectionType(rawValue: type) {
            case .managementGroup:
                guard let text = ExtensionText.decode(body, max: FormatV1.maxManagementGroupBytes) else {
                    throw KeyVaultError.damaged("vault damaged: the management group at byte \(start + 5) must be 1-\(FormatV1.maxManagementGroupBytes) bytes of UTF-8 text without control characters")
                }
                area.inventory.managementGroup = text
                _ = try b.bytes(length, "management group")
            case .hosts: area.inventory.hosts = try parseHosts(&b)
            case .databases: area.inventory.databases = try parseDatabases(&b)
            case .keyPasswords: area.passwords = try parsePasswords(&b, entries: entryKeys())
            case .drills: area.drills = try parseDrills(&b, entries: entryKeys())
            case .auditLog: area.log = try AuditLog.parse(&b)
            case .retired: area.retired = try parseRetired(&b, entries: entryKeys())
            case .reportingServer:
                guard let text = ExtensionText.decode(body, max: 2048) else {
                    throw KeyVaultError.damaged("vault damaged: the Reporting Server URL at byte \(start + 5) must be 1-2048 bytes of UTF-8 text without control characters")
                }
                area.inventory.reportingServerURL = text
                _ = try b.bytes(length, "Reporting Server URL")
            case .endorsements: area.endorsements = try KeyTrustSections.parseEndorsements(&b)
            case .keyHistory: area.keyHistory = try KeyTrustSections.parseTransitions(&b)
            case nil:
                guard type >= 0x80 else {
                    throw KeyVaultError(.unsupportedVersion, "vault has an extension section of type \(type), which this keyvault does not know; upgrade keyvault")
                }
                area.unknown.append(RawSection(type: type, body: Array(body)))
                _ = try b.bytes(length, "section")
            }
            try b.expectEnd("extension section \(n)")
        }
        return area
    }

    private static func parseHosts(_ r: inout ByteReader) throws -> [InventoryHost] {
        var hosts: [InventoryHost] = []
        for (n, item) in try ItemList.parse(&r, what: "inventory host", max: FormatV1.maxHosts).enumerated() {
            let f = try ItemFields(item.bytes, known: hostTags, what: "inventory host \(n + 1)", position: item.position)
            let name = try f.host(1, "name", required: true)!
            let fqdn = try f.host(2, "fqdn", required: false)
            let roleText = try f.text(3, "roles", max: 255, required: true)!
            var roles: [Role] = []
            for part in roleText.split(separator: ",", omittingEmptySubsequences: false) {
                guard let role = Role(stored: Array(part.utf8)[...]), !roles.contains(role) else { throw f.bad("roles must be distinct names of 1-16 characters of a-z 0-9, separated by ','") }
                roles.append(role)
            }
            var position: SMPosition?
            if let p = try f.uint(4, "SM position", bytes: 1, required: false) {
                guard let parsed = SMPosition(stored: UInt8(p)) else { throw f.bad("SM position \(p) is not 1, 2 or 3") }
                position = parsed
            }
            let version = try f.text(5, "product version", max: 32, required: false)
            if let version, InventoryHost.versionProblem(version) != nil { throw f.bad("product version must be digits and dots") }
            var host = InventoryHost(name: name, fqdn: fqdn, roles: roles, smPosition: position, productVersion: version)
            host.productVersionRecordedAt = try f.uint(6, "product version time", bytes: 8, required: false).map(Timestamp.init)
            host.positionChangedAt = try f.uint(7, "position time", bytes: 8, required: false).map(Timestamp.init)
            if let o = try f.uint(8, "operating system", bytes: 1, required: false) {
                guard let os = HostOS(stored: UInt8(o)) else { throw f.bad("operating system \(o) is not 1 (Windows) or 2 (other)") }
                // Written only when it differs from the default: the default written out is not a canonical record.
                guard os != host.defaultOS else { throw f.bad("operating system \(os.rawValue) is the default for its roles, which is never written") }
                host.os = os
            }
            if let problem = host.problem() { throw f.bad(problem) }
            // The rule of format v1 as first written (no NetBIOS clause): an inventory that listed a long name and its
            // NetBIOS form as two computers was valid then and must keep opening.
            if hosts.contains(where: { $0.name.sameFirstLabelAndDomain(as: name) }) { throw f.bad("the computer \(name) is listed twice") }
            hosts.append(host)
        }
        guard hosts.filter({ $0.smPosition == .primary }).count <= 1 else {
            throw KeyVaultError.damaged("vault damaged: the inventory names more than one primary SM server")
        }
        return hosts
    }

    private static func parseDatabases(_ r: inout ByteReader) throws -> [InventoryDatabase] {
        var databases: [InventoryDatabase] = []
        for (n, item) in try ItemList.parse(&r, what: "inventory database", max: FormatV1.maxDatabases).enumerated() {
            let f = try ItemFields(item.bytes, known: databaseTags, what: "inventory database \(n + 1)", position: item.position)
            let name = try f.text(1, "name", max: 128, required: true)!
            if let p = InventoryDatabase.nameProblem(name) { throw f.bad(p) }
            let host = try f.host(2, "SQL host", required: true)!
            let instance = try f.text(3, "instance", max: 16, required: true)!
            if let p = InventoryDatabase.instanceProblem(instance) { throw f.bad(p) }
            if databases.contains(where: { $0.name.lowercased() == name.lowercased() }) { throw f.bad("the database \(name) is listed twice") }
            databases.append(InventoryDatabase(name: name, sqlHost: host, instance: instance))
        }
        return databases
    }

    /// Fields 1-3 of a password or drill record: the entry it names, which must be in the vault, and named once.
    private static func entryReference(_ f: ItemFields, entries: Set<String>, seen: inout Set<String>, what: String) throws -> (Role, HostName, UInt32) {
        let role = try f.role(1, required: true)!, host = try f.host(2, "host", required: true)!
        let version = UInt32(try f.uint(3, "version", bytes: 4, required: true)!)
        let key = entryKey(role, host, version)
        guard entries.contains(key) else { throw f.bad("it names the \(role) key of \(host) (version \(version)), which is not in the vault") }
        guard seen.insert(key).inserted else { throw f.bad("a second \(what) for the \(role) key of \(host) (version \(version))") }
        return (role, host, version)
    }

    private static func parsePasswords(_ r: inout ByteReader, entries: Set<String>) throws -> [KeyPasswordRecord] {
        var out: [KeyPasswordRecord] = []
        var seen = Set<String>()
        for (n, item) in try ItemList.parse(&r, what: "escrowed password", max: Int(FormatV1.maxEntries)).enumerated() {
            let f = try ItemFields(item.bytes, known: KeyPasswordRecord.fieldTags, what: "escrowed password \(n + 1)", position: item.position)
            let (role, host, version) = try entryReference(f, entries: entries, seen: &seen, what: "password")
            let nonce = try f.required(4, "nonce"), sealed = try f.required(5, "sealed password")
            guard nonce.count == AEAD.nonceCount else { throw f.bad("nonce must be 24 bytes") }
            guard (AEAD.tagCount + 1...AEAD.tagCount + FormatV1.maxKeyPasswordBytes).contains(sealed.count) else {
                throw f.bad("sealed password must be 17-\(AEAD.tagCount + FormatV1.maxKeyPasswordBytes) bytes")
            }
            out.append(KeyPasswordRecord(role: role, host: host, version: version, nonce: Array(nonce), sealed: Array(sealed)))
        }
        return out
    }

    private static func parseDrills(_ r: inout ByteReader, entries: Set<String>) throws -> [DrillResult] {
        var out: [DrillResult] = []
        var seen = Set<String>()
        for (n, item) in try ItemList.parse(&r, what: "drill result", max: Int(FormatV1.maxEntries)).enumerated() {
            let f = try ItemFields(item.bytes, known: DrillResult.fieldTags, what: "drill result \(n + 1)", position: item.position)
            let (role, host, version) = try entryReference(f, entries: entries, seen: &seen, what: "result")
            let time = Timestamp(secondsSinceEpoch: try f.uint(4, "time", bytes: 8, required: true)!)
            let failed = try f.uint(5, "result", bytes: 1, required: true)!
            guard failed <= 1 else { throw f.bad("result must be 0 (ok) or 1 (failed)") }
            let problem = try f.text(6, "problem", max: 512, required: false)
            guard (failed == 1) == (problem != nil) else { throw f.bad("a failed drill result states its problem, and only a failed one") }
            out.append(DrillResult(role: role, host: host, version: version, time: time, problem: problem))
        }
        return out
    }

    private static func parseRetired(_ r: inout ByteReader, entries: Set<String>) throws -> [RetiredEntry] {
        var out: [RetiredEntry] = []
        var seen = Set<String>()
        for (n, item) in try ItemList.parse(&r, what: "retired entry", max: Int(FormatV1.maxEntries)).enumerated() {
            let f = try ItemFields(item.bytes, known: RetiredEntry.fieldTags, what: "retired entry \(n + 1)", position: item.position)
            let (role, host, version) = try entryReference(f, entries: entries, seen: &seen, what: "retirement")
            out.append(
                RetiredEntry(
                    role: role, host: host, version: version,
                    time: Timestamp(secondsSinceEpoch: try f.uint(4, "time", bytes: 8, required: true)!),
                    reason: try f.text(5, "reason", max: 512, required: true)!, user: try f.text(6, "user", max: 64, required: true)!))
        }
        return out
    }

    /// The retirement of `entry`, if it was retired.
    func retirement(of entry: Entry) -> RetiredEntry? {
        retired.first { $0.role == entry.role && $0.version == entry.version && $0.host.value.lowercased() == entry.host.value.lowercased() }
    }

    /// The area's bytes, sections in ascending type; empty sections are left out.
    func encode(into w: inout ByteWriter) {
        var sections: [(UInt8, [UInt8])] = []
        if let group = inventory.managementGroup { sections.append((SectionType.managementGroup.rawValue, Array(group.utf8))) }
        if !inventory.hosts.isEmpty {
            var b = ByteWriter()
            ItemList.encode(
                inventory.hosts.map { h in
                    var f = TLVWriter()
                    f.text(1, h.name.value)
                    f.text(2, h.fqdn?.value)
                    f.text(3, h.roles.map(\.rawValue).joined(separator: ","))
                    f.uint(4, h.smPosition.map { UInt64($0.stored) }, bytes: 1)
                    f.text(5, h.productVersion)
                    f.uint(6, h.productVersionRecordedAt?.secondsSinceEpoch, bytes: 8)
                    f.uint(7, h.positionChangedAt?.secondsSinceEpoch, bytes: 8)
                    f.uint(8, h.storedOS.map { UInt64($0.stored) }, bytes: 1)
                    return f.bytes
                }, into: &b)
            sections.append((SectionType.hosts.rawValue, b.bytes))
        }
        if !inventory.databases.isEmpty {
            var b = ByteWriter()
            ItemList.encode(
                inventory.databases.map { d in
                    var f = TLVWriter()
                    f.text(1, d.name)
                    f.text(2, d.sqlHost.value)
                    f.text(3, d.instance)
                    return f.bytes
                }, into: &b)
            sections.append((SectionType.databases.rawValue, b.bytes))
        }
        if !passwords.isEmpty {
            var b = ByteWriter()
            ItemList.encode(
                passwords.map { p in
                    var f = TLVWriter()
                    f.entryReference(p.role, p.host, p.version)
                    f.field(4, p.nonce)
                    f.field(5, p.sealed)
                    return f.bytes
                }, into: &b)
            sections.append((SectionType.keyPasswords.rawValue, b.bytes))
        }
        if !drills.isEmpty {
            var b = ByteWriter()
            ItemList.encode(
                drills.map { d in
                    var f = TLVWriter()
                    f.entryReference(d.role, d.host, d.version)
                    f.uint(4, d.time.secondsSinceEpoch, bytes: 8)
                    f.uint(5, d.problem == nil ? 0 : 1, bytes: 1)
                    f.text(6, d.problem.map { AuditActor.clean($0, 512) })
                    return f.bytes
                }, into: &b)
            sections.append((SectionType.drills.rawValue, b.bytes))
        }
        if !log.records.isEmpty || log.dropped > 0 {
            var b = ByteWriter()
            log.encode(into: &b)
            sections.append((SectionType.auditLog.rawValue, b.bytes))
        }
        if !retired.isEmpty {
            var b = ByteWriter()
            ItemList.encode(
                retired.map { e in
                    var f = TLVWriter()
                    f.entryReference(e.role, e.host, e.version)
                    f.uint(4, e.time.secondsSinceEpoch, bytes: 8)
                    f.text(5, AuditActor.clean(e.reason, 512))
                    f.text(6, AuditActor.clean(e.user, 64))
                    return f.bytes
                }, into: &b)
            sections.append((SectionType.retired.rawValue, b.bytes))
        }
        if let url = inventory.reportingServerURL { sections.append((SectionType.reportingServer.rawValue, Array(url.utf8))) }
        if !endorsements.isEmpty { sections.append((SectionType.endorsements.rawValue, KeyTrustSections.encode(endorsements))) }
        if !keyHistory.isEmpty { sections.append((SectionType.keyHistory.rawValue, KeyTrustSections.encode(keyHistory))) }
        for raw in unknown { sections.append((raw.type, raw.body)) }
        // Known informational sections and kept unknown ones interleave: types stay strictly ascending.
        sections.sort { $0.0 < $1.0 }
        w.u8(UInt8(sections.count))
        for (type, body) in sections {
            w.u8(type)
            w.u32(UInt32(body.count))
            w.append(body)
        }
    }

    /// The drill result of an entry, if it was drilled.
    func drill(of entry: Entry) -> DrillResult? {
        drills.first { $0.role == entry.role && $0.version == entry.version && $0.host.value.lowercased() == entry.host.value.lowercased() }
    }

    /// The escrowed password record of an entry, if any.
    func password(of entry: Entry) -> KeyPasswordRecord? {
        passwords.first { $0.role == entry.role && $0.version == entry.version && $0.host.value.lowercased() == entry.host.value.lowercased() }
    }

    /// The password records by ``entryKey(_:_:_:)``: for looking up many entries (one scan instead of one per entry).
    func passwordsByEntry() -> [String: KeyPasswordRecord] {
        Dictionary(passwords.map { (Self.entryKey($0.role, $0.host, $0.version), $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The drill results by ``entryKey(_:_:_:)``.
    func drillsByEntry() -> [String: DrillResult] {
        Dictionary(drills.map { (Self.entryKey($0.role, $0.host, $0.version), $0) }, uniquingKeysWith: { a, _ in a })
    }
}
