// Extension sections 1-3 and 0x81: the inventory (management group, hosts, databases, Reporting Server URL)
// (docs/FORMAT.md, "Extension area").

extension ExtensionArea {
    static let hostTags: ClosedRange<UInt8> = 1...8
    static let databaseTags: ClosedRange<UInt8> = 1...3

    static func parseHosts(_ r: inout ByteReader) throws -> [InventoryHost] {
        var hosts: [InventoryHost] = []
        for (n, item) in try ItemList.parse(&r, what: "inventory host", max: FormatV1.maxHosts).enumerated() {
            let f = try ItemFields(item.bytes, known: hostTags, what: "inventory host", number: n + 1, position: item.position)
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

    static func parseDatabases(_ r: inout ByteReader) throws -> [InventoryDatabase] {
        var databases: [InventoryDatabase] = []
        for (n, item) in try ItemList.parse(&r, what: "inventory database", max: FormatV1.maxDatabases).enumerated() {
            let f = try ItemFields(item.bytes, known: databaseTags, what: "inventory database", number: n + 1, position: item.position)
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

    /// The section's bytes.
    static func encode(_ items: [InventoryHost]) -> [UInt8] {
        var b = ByteWriter()
        ItemList.encode(
            items.map { h in
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
        return b.bytes
    }

    /// The section's bytes.
    static func encode(_ items: [InventoryDatabase]) -> [UInt8] {
        var b = ByteWriter()
        ItemList.encode(
            items.map { d in
                var f = TLVWriter()
                f.text(1, d.name)
                f.text(2, d.sqlHost.value)
                f.text(3, d.instance)
                return f.bytes
            }, into: &b)
        return b.bytes
    }
}
