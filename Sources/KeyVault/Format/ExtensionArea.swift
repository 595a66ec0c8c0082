// The extension area between the index and the checksum (flag bit 2): typed sections of vault-level data
// (docs/FORMAT.md, "Extension area").

/// A section this version does not know but must keep (types 0x80-0xFF).
struct RawSection: Sendable, Hashable {
    let type: UInt8
    let body: [UInt8]
}

/// Everything in the extension area, decoded.
struct ExtensionArea: Sendable, Hashable {
    enum SectionType: UInt8 {
        case managementGroup = 1, hosts = 2, databases = 3, keyPasswords = 4, drills = 5, auditLog = 6, retired = 8, reportingServer = 0x81, endorsements = 0x82, keyHistory = 0x83, commitments = 0x84,
            checkIns = 0x85
    }

    var inventory = Inventory(managementGroup: nil, hosts: [], databases: [])
    var passwords: [KeyPasswordRecord] = []
    var drills: [DrillResult] = []
    var log = AuditLog()
    var retired: [RetiredEntry] = []
    /// Custodians' endorsements of their slots (informational section 0x82).
    var endorsements: [SlotEndorsement] = []
    /// Re-keys, each signed by the key before (informational section 0x83).
    var keyHistory: [KeyTransition] = []
    /// The vault key's commitment to its slots (informational section 0x84).
    var commitments: SlotCommitments?
    /// Each slot's newest check-in (informational section 0x85).
    var checkIns: [CheckIn] = []
    var unknown: [RawSection] = []

    static let empty = ExtensionArea()

    /// A vault without any of this keeps flag bit 2 clear and is byte for byte a plain version-1 vault.
    var isEmpty: Bool {
        inventory.isEmpty && passwords.isEmpty && drills.isEmpty && log.stored.isEmpty && log.dropped == 0 && retired.isEmpty && endorsements.isEmpty && keyHistory.isEmpty && commitments == nil
            && checkIns.isEmpty
            && unknown.isEmpty
    }

    /// The key for (role, host, version) lookups: hosts compare ignoring ASCII case, as entries do.
    static func entryKey(_ role: Role, _ host: HostName, _ version: UInt32) -> String {
        "\(role.rawValue)|\(host.value.lowercased())|\(version)"
    }

    /// Parses `ext_count u8 ‖ (type u8 ‖ len u32 ‖ body) × ext_count`; `allEntryKeys` gives the ``entryKey(_:_:_:)``
    /// of every entry in the vault, which password and drill records must name. `keptLog`: an audit log already
    /// checked, whose records this one may repeat before its own (``AuditLog/parse(_:extending:)``).
    static func parse(_ r: inout ByteReader, keptLog: AuditLog? = nil, entryKeys allEntryKeys: () -> Set<String>) throws -> ExtensionArea {
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
            case .auditLog: area.log = try AuditLog.parse(&b, extending: keptLog)
            case .retired: area.retired = try parseRetired(&b, entries: entryKeys())
            case .reportingServer:
                guard let text = ExtensionText.decode(body, max: 2048) else {
                    throw KeyVaultError.damaged("vault damaged: the Reporting Server URL at byte \(start + 5) must be 1-2048 bytes of UTF-8 text without control characters")
                }
                area.inventory.reportingServerURL = text
                _ = try b.bytes(length, "Reporting Server URL")
            case .endorsements: area.endorsements = try KeyTrustSections.parseEndorsements(&b)
            case .keyHistory: area.keyHistory = try KeyTrustSections.parseTransitions(&b)
            case .commitments: area.commitments = try CheckInSections.parseCommitments(&b)
            case .checkIns: area.checkIns = try CheckInSections.parseCheckIns(&b)
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

    /// Fields 1-3 of a password or drill record: the entry it names, which must be in the vault, and named once.
    static func entryReference(_ f: ItemFields, entries: Set<String>, seen: inout Set<String>, what: String) throws -> (Role, HostName, UInt32) {
        let role = try f.role(1, required: true)!, host = try f.host(2, "host", required: true)!
        let version = UInt32(try f.uint(3, "version", bytes: 4, required: true)!)
        let key = entryKey(role, host, version)
        guard entries.contains(key) else { throw f.bad("it names the \(role) key of \(host) (version \(version)), which is not in the vault") }
        guard seen.insert(key).inserted else { throw f.bad("a second \(what) for the \(role) key of \(host) (version \(version))") }
        return (role, host, version)
    }

    /// The area's bytes, sections in ascending type; empty sections are left out.
    func encode(into w: inout ByteWriter) {
        var sections: [(UInt8, [UInt8])] = []
        if let group = inventory.managementGroup { sections.append((SectionType.managementGroup.rawValue, Array(group.utf8))) }
        if !inventory.hosts.isEmpty { sections.append((SectionType.hosts.rawValue, Self.encode(inventory.hosts))) }
        if !inventory.databases.isEmpty { sections.append((SectionType.databases.rawValue, Self.encode(inventory.databases))) }
        if !passwords.isEmpty { sections.append((SectionType.keyPasswords.rawValue, Self.encode(passwords))) }
        if !drills.isEmpty { sections.append((SectionType.drills.rawValue, Self.encode(drills))) }
        if !log.stored.isEmpty || log.dropped > 0 {
            var b = ByteWriter()
            log.encode(into: &b)
            sections.append((SectionType.auditLog.rawValue, b.bytes))
        }
        if !retired.isEmpty { sections.append((SectionType.retired.rawValue, Self.encode(retired))) }
        if let url = inventory.reportingServerURL { sections.append((SectionType.reportingServer.rawValue, Array(url.utf8))) }
        if !endorsements.isEmpty { sections.append((SectionType.endorsements.rawValue, KeyTrustSections.encode(endorsements))) }
        if !keyHistory.isEmpty { sections.append((SectionType.keyHistory.rawValue, KeyTrustSections.encode(keyHistory))) }
        if let commitments { sections.append((SectionType.commitments.rawValue, CheckInSections.encode(commitments))) }
        if !checkIns.isEmpty { sections.append((SectionType.checkIns.rawValue, CheckInSections.encode(checkIns))) }
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

}
