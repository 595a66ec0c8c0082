// The extension area (flag bit 2): strict parsing and limits of each section, the audit log's chain, escrowed passwords.
import Foundation
import Testing
@testable import KeyVault
import KeyVaultTestSupport

@Suite struct ExtensionAreaTests {
    let dir: String
    let passphrase: SecretBytes
    var path: String { "\(dir)/v.kv" }
    var credentials: Credentials { Credentials(passphrase: passphrase) }
    let actor = AuditActor(user: "tester", machine: "LAB01")

    init() throws {
        dir = try TestFolders.make("kv-ext")
        passphrase = try SecretBytes(copying: Array("extension tests passphrase".utf8))
        try Vault.create(atPath: "\(dir)/v.kv", passphrase: passphrase, kdf: KDFParameters(opsLimit: 1, memLimitKiB: 8))
    }

    func key(_ byte: UInt8, _ count: Int = 300) throws -> SecretBytes { try SecretBytes(copying: [UInt8](repeating: byte, count: count)) }

    /// Re-encodes the vault's header with `area` (tag and checksum made with the vault key), keeping the ciphertexts.
    func rewrite(_ area: ExtensionArea) throws -> [UInt8] {
        let vault = try Vault.open(atPath: path)
        let unlocked = try vault.unlock(with: passphrase)
        let h = vault.header
        let header = VaultHeader.encode(
            identity: h.identity, threshold: h.threshold, slots: h.slots, records: h.allRecords(),
            extensions: area, tagKey: unlocked.tagKey)
        let all = try TestFiles.bytes(path)
        return header.encoded + all[h.size...]
    }

    func parse(_ bytes: [UInt8]) throws -> VaultHeader {
        let size = Int(bytes[12]) << 24 | Int(bytes[13]) << 16 | Int(bytes[14]) << 8 | Int(bytes[15])
        return try VaultHeader.parse(Array(bytes[0..<size]), fileSize: bytes.count)
    }

    func expectError(_ code: KeyVaultError.Code, _ fragment: String, _ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) {
        do { try body(); Issue.record("no error; expected \(fragment)", sourceLocation: sourceLocation) } catch let e as KeyVaultError {
            #expect(e.code == code && e.message.contains(fragment), "\(e.message)", sourceLocation: sourceLocation)
        } catch { Issue.record("\(error)", sourceLocation: sourceLocation) }
    }

    @Test func aVaultWithoutRecoveryDataStaysAPlainVersionOneVault() throws {
        let bytes = try TestFiles.bytes(path)
        #expect(bytes[10] == 0 && bytes[11] == 0, "flags stay 0 until there is vault-level data")
        #expect(try parse(bytes).extensions.isEmpty)
        // Re-encoding an empty area writes exactly the same header.
        #expect(try rewrite(.empty) == bytes)
    }

    @Test func appendingToAHeaderWritesWhatEncodingItWholeWrites() throws {
        // Seal and the recovery commands copy the index and rewrite only the rest; the bytes must be exactly what a
        // full encode gives, with the extension area after the index, added, replaced or removed (flag bit 2 follows).
        _ = try Vault.seal(
            [
                SealItem(key: try key(1), request: SealRequest(role: .sm, host: try HostName("SM01"))),
                SealItem(key: try key(2), request: SealRequest(role: .dw, host: try HostName("DW01"))),
                SealItem(key: try key(3), request: SealRequest(role: .ssp, host: try HostName("SSP01"))),
            ],
            atPath: path, credentials: credentials, actor: actor)
        try Vault.setManagementGroup("MG1", atPath: path, credentials: credentials, actor: actor)
        let vault = try Vault.open(atPath: path)
        let tagKey = try vault.unlock(with: passphrase).tagKey
        let h = vault.header, all = h.allRecords()
        #expect(!h.extensions.isEmpty && all.count == 3)
        var other = h.extensions
        other.inventory.managementGroup = "MG2"
        for area in [ExtensionArea.empty, h.extensions, other] {
            for start in [ExtensionArea.empty, h.extensions] {
                for k in 0...all.count {
                    let first = VaultHeader.encode(
                        identity: h.identity, threshold: h.threshold, slots: h.slots,
                        records: Array(all[..<k]), extensions: start, tagKey: tagKey)
                    let whole = VaultHeader.encode(
                        identity: h.identity, threshold: h.threshold, slots: h.slots,
                        records: all, extensions: area, tagKey: tagKey)
                    let appended = first.appending(Array(all[k...]), extensions: area, tagKey: tagKey)
                    #expect(appended == whole.encoded, "\(k) records, then \(all.count - k), area empty: \(area.isEmpty)")
                    // The same from a parsed header, as seal uses it.
                    let parsed = try parse(first.encoded + Array(repeating: 0, count: first.ciphertextAreaCount))
                    #expect(parsed.indexEnd == first.indexEnd && parsed.bytes == first.bytes)
                    #expect(parsed.appending(Array(all[k...]), extensions: area, tagKey: tagKey) == whole.encoded)
                    #expect(try parse(appended + Array(repeating: 0, count: whole.ciphertextAreaCount)).extensions == area)
                }
            }
        }
    }

    @Test func theSlotsDoNotBindTheExtensionsFlag() throws {
        try Vault.setManagementGroup("MG1", atPath: path, credentials: credentials, actor: actor)
        let bytes = try TestFiles.bytes(path)
        #expect(bytes[11] & 0x04 != 0)
        let vault = try Vault.open(atPath: path)
        #expect(vault.header.identity.associatedBytes[10...11] == [0, 0])
        let unlocked = try vault.unlock(with: passphrase)
        #expect(unlocked.isAuthentic && vault.inventory.managementGroup == "MG1")
    }

    /// The host record's `os` field (tag 08, issue 16): written only when it is not the default for the roles, so a
    /// record that does not use it keeps the bytes older versions write; the default written out is refused.
    @Test func hostOSFieldIsWrittenOnlyWhenNotTheDefault() throws {
        func hostBytes(_ host: InventoryHost) -> [UInt8] {
            var area = ExtensionArea()
            area.inventory.hosts = [host]
            var w = ByteWriter()
            area.encode(into: &w)
            return w.bytes
        }
        let sm = InventoryHost(name: try HostName("SM01"), roles: [.sm], smPosition: .primary)
        var smWindows = sm
        smWindows.os = .windows
        #expect(sm.operatingSystem == .windows && hostBytes(smWindows) == hostBytes(sm))
        var smOther = sm
        smOther.os = .other
        #expect(Array(hostBytes(smOther).suffix(4)) == [0x08, 0x00, 0x01, 0x02])
        let sql = InventoryHost(name: try HostName("SQL01"), roles: [.sql])
        var sqlWindows = sql
        sqlWindows.os = .windows
        #expect(sql.operatingSystem == nil && Array(hostBytes(sqlWindows).suffix(4)) == [0x08, 0x00, 0x01, 0x01])

        func parseArea(_ bytes: [UInt8]) throws -> ExtensionArea {
            var r = ByteReader(bytes[...], base: 0)
            return try ExtensionArea.parse(&r, entryKeys: { [] })
        }
        for (host, os) in [(smOther, HostOS.other), (sqlWindows, .windows), (sm, .windows), (sql, nil)] {
            let reread = try parseArea(hostBytes(host))
            #expect(reread.inventory.hosts.first?.operatingSystem == os)
            #expect(reread.inventory.hosts.first.map(hostBytes) == hostBytes(host))
        }
        // An sm host with an explicit 08 = 1 (Windows, its default) is not what a writer makes: refused.
        var bytes = hostBytes(smOther)
        bytes[bytes.count - 1] = 1
        expectError(.damaged, "operating system windows is the default for its roles, which is never written") { _ = try parseArea(bytes) }
        bytes[bytes.count - 1] = 3
        expectError(.damaged, "operating system 3 is not 1 (Windows) or 2 (other)") { _ = try parseArea(bytes) }
    }

    @Test func inventoryPasswordsDrillsAndLogRoundTrip() throws {
        var request = SealRequest(role: .sm, host: try HostName("SM01"))
        request.keyPassword = try SecretBytes(copying: Array("Pa55word-SM01".utf8))
        _ = try Vault.seal([SealItem(key: try key(1), request: request)], atPath: path, credentials: credentials, actor: actor)
        _ = try Vault.seal(try key(2), SealRequest(role: .ssp, host: try HostName("SSP01")), atPath: path, credentials: credentials)
        try Vault.setHost(
            InventoryHost(name: try HostName("SM01"), fqdn: try HostName("sm01.corp.example"), roles: [.sm], smPosition: .primary, productVersion: "10.22.1068.0"),
            atPath: path, credentials: credentials, actor: actor)
        try Vault.setHost(InventoryHost(name: try HostName("SM02"), roles: [.sm], smPosition: .additional), atPath: path, credentials: credentials, actor: actor)
        try Vault.setDatabase(InventoryDatabase(name: "ServiceManager", sqlHost: try HostName("SQL01"), instance: "SMINST"), atPath: path, credentials: credentials, actor: actor)
        let drill = try Vault.open(atPath: path).unlock(with: passphrase).drill(actor: actor)
        #expect(drill.isHealthy && drill.recordError == nil)
        try Vault.promote(try HostName("SM02"), atPath: path, credentials: credentials, actor: actor)

        let vault = try Vault.open(atPath: path)
        #expect(vault.inventory.hosts.map(\.smPosition) == [.formerPrimary, .primary])
        #expect(vault.inventory.hosts[0].fqdn?.value == "sm01.corp.example" && vault.inventory.hosts[0].productVersion == "10.22.1068.0")
        #expect(vault.inventory.databases == [InventoryDatabase(name: "ServiceManager", sqlHost: try HostName("SQL01"), instance: "SMINST")])
        #expect(vault.entries.map { vault.lastDrill(of: $0)?.problem == nil && vault.lastDrill(of: $0) != nil } == [true, true])
        let unlocked = try vault.unlock(with: passphrase)
        let log = unlocked.auditLog()
        #expect(log.isIntact)
        #expect(log.records.map(\.action.rawValue) == ["seal", "seal", "inventory", "inventory", "inventory", "drill", "promote"])
        #expect(log.records[0].user == "tester" && log.records[0].machine == "LAB01")
        let restored = try unlocked.restore(role: .sm, on: HostIdentity(testingName: try HostName("SM01")))
        #expect(try unlocked.keyPassword(for: restored) == SecretBytes(copying: Array("Pa55word-SM01".utf8)))
        let ssp = try unlocked.restore(role: .ssp, on: HostIdentity(testingName: try HostName("ssp01")))
        expectError(.noSuchEntry, "no export password is escrowed for the ssp key of SSP01") { _ = try unlocked.keyPassword(for: ssp) }

        // Re-keying keeps everything: passwords sealed again, the log chained again under the new key, plus a record.
        try Vault.rekey(atPath: path, credentials: credentials)
        let rekeyed = try Vault.open(atPath: path).unlock(with: passphrase)
        #expect(rekeyed.auditLog().isIntact && rekeyed.auditLog().records.last?.action == .rekey)
        let again = try rekeyed.restore(role: .sm, on: HostIdentity(testingName: try HostName("SM01")))
        #expect(try rekeyed.keyPassword(for: again) == SecretBytes(copying: Array("Pa55word-SM01".utf8)))
        #expect(rekeyed.vault.inventory == vault.inventory)
    }

    /// A key restored from another vault is not taken for an entry of this one: its place here held another entry (the
    /// wrong record was read, and called damaged) or none (an index out of range, a trap).
    @Test func theExportPasswordOfAKeyFromAnotherVaultIsRefused() throws {
        var request = SealRequest(role: .sm, host: try HostName("SM01"))
        request.keyPassword = try SecretBytes(copying: Array("Pa55word-SM01".utf8))
        _ = try Vault.seal(try key(1), SealRequest(role: .dw, host: try HostName("DW01")), atPath: path, credentials: credentials)
        _ = try Vault.seal(try key(2), SealRequest(role: .ssp, host: try HostName("SSP01")), atPath: path, credentials: credentials)
        _ = try Vault.seal([SealItem(key: try key(3), request: request)], atPath: path, credentials: credentials)
        let other = "\(dir)/other.kv"
        try Vault.create(atPath: other, passphrase: passphrase, kdf: KDFParameters(opsLimit: 1, memLimitKiB: 8))
        _ = try Vault.seal([SealItem(key: try key(4), request: request)], atPath: other, credentials: credentials)
        let sm01 = HostIdentity(testingName: try HostName("SM01"))
        let fromA = try Vault.open(atPath: path).unlock(with: passphrase)
        let fromB = try Vault.open(atPath: other).unlock(with: passphrase)
        let restoredA = try fromA.restore(role: .sm, on: sm01), restoredB = try fromB.restore(role: .sm, on: sm01)
        expectError(.invalidArgument, "the restored sm key of SM01 (version 1) is not an entry of this vault; ask the vault it was restored from") {
            _ = try fromB.keyPassword(for: restoredA)
        }
        expectError(.invalidArgument, "the restored sm key of SM01 (version 1) is not an entry of this vault; ask the vault it was restored from") {
            _ = try fromA.keyPassword(for: restoredB)
        }
        #expect(try fromA.keyPassword(for: restoredA) == request.keyPassword && fromB.keyPassword(for: restoredB) == request.keyPassword)
    }

    /// A host record the reader would refuse is a bad argument where it is recorded, and nothing is written: a role
    /// given twice, or an FQDN that makes one computer listed twice. The writer's read-back caught both, as an internal
    /// error that called the new file damaged.
    @Test func aHostRecordTheReaderWouldRefuseIsABadArgument() throws {
        let before = try TestFiles.bytes(path)
        expectError(.invalidArgument, "invalid host record: the role dw is given twice") {
            try Vault.setHost(InventoryHost(name: try HostName("DW01"), roles: [.dw, .dw]), atPath: path, credentials: credentials)
        }
        #expect(try TestFiles.bytes(path) == before)
        for name in ["sm01.corp.example", "sm01.other.example"] {
            try Vault.setHost(InventoryHost(name: try HostName(name), roles: [.ssp]), atPath: path, credentials: credentials)
        }
        let two = try TestFiles.bytes(path)
        expectError(
            .invalidArgument, "refused: with this record of SM01 the inventory would not be valid: the computer sm01.other.example is listed twice; nothing was written"
        ) {
            try Vault.setHost(
                InventoryHost(name: try HostName("SM01"), fqdn: try HostName("sm01.corp.example"), roles: [.ssp]), atPath: path, credentials: credentials)
        }
        #expect(try TestFiles.bytes(path) == two)
    }

    /// What this process last wrote is kept per vault: a program that writes two vaults (or from two threads) finds
    /// each one's own, where the one process-wide "latest" was the other vault's as often as not.
    @Test func theLastWriteIsKeptPerVault() throws {
        let other = "\(dir)/other.kv"
        try Vault.create(atPath: other, passphrase: passphrase, kdf: KDFParameters(opsLimit: 1, memLimitKiB: 8))
        _ = try Vault.seal(try key(1), SealRequest(role: .sm, host: try HostName("SM01")), atPath: path, credentials: credentials)
        _ = try Vault.seal(try key(2), SealRequest(role: .dw, host: try HostName("DW01")), atPath: other, credentials: credentials)
        let mine = try #require(CommittedVault.latest(forVaultAt: path)), theirs = try #require(CommittedVault.latest(forVaultAt: other))
        let idA = try Vault.open(atPath: path).id, idB = try Vault.open(atPath: other).id
        #expect(mine.id == idA && theirs.id == idB && idA != idB)
        // By any name of the same file.
        try FileManager.default.createSymbolicLink(atPath: "\(dir)/link.kv", withDestinationPath: path)
        #expect(CommittedVault.latest(forVaultAt: "\(dir)/link.kv")?.id == mine.id)
    }

    /// A re-key by another command of this user, between this command's read of the vault and its write, pins the new
    /// key, which the copy read before contradicts: that is "run it again" (the file's slots have changed since), not
    /// the forgery alarm (exit 5, with advice to --endorse) a review saw in 5 of 10 seals racing a re-key.
    @Test func aReKeyMeanwhileIsRunItAgainNotAForgery() throws {
        let identity = try CustodianIdentity.generate()
        let vaultPath = "\(dir)/x25519.kv"
        try Vault.create(atPath: vaultPath, custodians: [.recipient(identity.recipient!)], endorsers: [identity])
        var credentials = Credentials(identities: [identity])
        credentials.keyPins = SeenVaults(directory: try TestFolders.make("kv-rekey-race") + "/seen")
        _ = try Vault.seal(try key(1), SealRequest(role: .sm, host: try HostName("SM01")), atPath: vaultPath, credentials: credentials)
        let early = try Vault.open(atPath: vaultPath)
        try Vault.rekey(atPath: vaultPath, credentials: credentials)
        let before = try TestFiles.bytes(vaultPath)
        expectError(.io, "the vault's key changed while this command ran (a re-key elsewhere, or the file was replaced); nothing was written; run it again") {
            _ = try early.seal(try key(2), SealRequest(role: .dw, host: try HostName("DW01")), credentials: credentials)
        }
        #expect(try TestFiles.bytes(vaultPath) == before)
        // Run again, it reads the re-keyed vault and seals.
        _ = try Vault.seal(try key(2), SealRequest(role: .dw, host: try HostName("DW01")), atPath: vaultPath, credentials: credentials)
    }

    @Test func theChainCatchesAnEditEvenWhenTheVaultTagIsRecomputed() throws {
        for n in 1...3 { _ = try Vault.seal(try key(UInt8(n)), SealRequest(role: .sm, host: try HostName("SM0\(n)")), atPath: path, credentials: credentials) }
        let vault = try Vault.open(atPath: path)
        var area = vault.header.extensions
        #expect(area.log.records.count == 3)
        // Someone with write access but without the log key edits record 2's outcome and re-makes the tag.
        let r = area.log.stored[1]
        var fields = Array(r.fields)
        let i = try #require(fields.lastIndex(of: UInt8(ascii: "1")))
        fields[i] = UInt8(ascii: "9")
        area.log.stored[1] = StoredAuditRecord(fields: fields, mac: Array(r.mac))
        let forged = try rewrite(area)
        try Data(forged).write(to: URL(fileURLWithPath: path))
        let unlocked = try Vault.open(atPath: path).unlock(with: passphrase)
        #expect(unlocked.isAuthentic, "the tag was recomputed: only the chain can tell")
        #expect(unlocked.auditLog().firstBrokenRecord == 1)
        // verify says so (every key still opens),
        let verification = unlocked.verify()
        #expect(!verification.isIntact && verification.entries.allSatisfy { $0.problem == nil })
        #expect(verification.auditLogProblem == "audit log record 2 does not follow from the one before (removed or edited)")
        // a drill says so, and a re-key refuses to launder the broken chain.
        #expect(unlocked.drill(recording: false).problems == ["audit log record 2 does not follow from the one before (removed or edited)"])
        expectError(.damaged, "audit log record 2 does not follow") { try Vault.rekey(atPath: path, credentials: credentials) }

        // Removing a record the same way breaks the next link.
        var removed = vault.header.extensions
        removed.log.stored.remove(at: 0)
        try Data(try rewrite(removed)).write(to: URL(fileURLWithPath: path))
        #expect(try Vault.open(atPath: path).unlock(with: passphrase).auditLog().firstBrokenRecord == 0)
    }

    @Test func aPasswordRecordCannotBeMovedToAnotherEntry() throws {
        var request = SealRequest(role: .sm, host: try HostName("SM01"))
        request.keyPassword = try SecretBytes(copying: Array("password-one".utf8))
        _ = try Vault.seal(try key(1), request, atPath: path, credentials: credentials)
        _ = try Vault.seal(try key(2), SealRequest(role: .sm, host: try HostName("SM02")), atPath: path, credentials: credentials)
        var area = try Vault.open(atPath: path).header.extensions
        let p = area.passwords[0]
        area.passwords = [KeyPasswordRecord(role: .sm, host: try HostName("SM02"), version: 1, nonce: p.nonce, sealed: p.sealed)]
        try Data(try rewrite(area)).write(to: URL(fileURLWithPath: path))
        let unlocked = try Vault.open(atPath: path).unlock(with: passphrase)
        let restored = try unlocked.restore(role: .sm, on: HostIdentity(testingName: try HostName("SM02")))
        expectError(.damaged, "the export password of the sm key of SM02 (version 1) fails authentication") { _ = try unlocked.keyPassword(for: restored) }
    }

    /// Sections with hostile or malformed bodies, written with a valid checksum and tag, must be refused by the parser.
    static let hostile: [(String, UInt8, [UInt8], String)] = [
        ("a host count of 2^32 - 1", 2, [0xFF, 0xFF, 0xFF, 0xFF], "inventory host count 4294967295 is more than 1024"),
        ("a log record count beyond the cap", 6, [UInt8](repeating: 0, count: 40) + [0x00, 0x01, 0x00, 0x01], "audit log record count 65537 is more than 65536"),
        ("an item longer than 4096 bytes", 3, [0, 0, 0, 1, 0x10, 0x01], "claims 4097 bytes; the limit is 4096"),
        ("a host without roles", 2, [0, 0, 0, 1, 0, 7, 1, 0, 4] + Array("SM01".utf8), "the required field roles is missing"),
        ("fields out of order", 2, [0, 0, 0, 1, 0, 11, 3, 0, 2] + Array("sm".utf8) + [1, 0, 3] + Array("SM1".utf8), "field 1 out of order or repeated"),
        (
            "a password for no entry", 4,
            [0, 0, 0, 1, 0, 66, 1, 0, 2] + Array("sm".utf8) + [2, 0, 4] + Array("SM09".utf8) + [3, 0, 4, 0, 0, 0, 1, 4, 0, 24] + [UInt8](repeating: 0, count: 24) + [5, 0, 17]
                + [UInt8](repeating: 0, count: 17), "which is not in the vault"
        ),
        ("a truncated item", 5, [0, 0, 0, 1, 0, 5], "truncated in drill result 1 at byte"),
        ("a count the section cannot hold", 5, [0, 0, 0, 2, 0, 0], "drill result count 2 is more than 1048576 or than the section can hold"),
        ("trailing bytes in a section", 3, [0, 0, 0, 0, 9], "unexpected trailing bytes after extension section 1"),
        ("an empty management group", 1, [], "the management group at byte"),
        ("a management group with a newline", 1, Array("MG\n1".utf8), "the management group at byte"),
    ]

    @Test(arguments: hostile.indices)
    func hostileSectionsAreRefused(_ i: Int) throws {
        let (what, type, body, fragment) = Self.hostile[i]
        var area = ExtensionArea()
        area.unknown = [RawSection(type: type, body: body)]
        let bytes = try rewrite(area)
        expectError(.damaged, fragment) { _ = try parse(bytes) }
        _ = what
    }

    @Test func unknownSectionsAreRefusedOrKeptByTheirType() throws {
        var critical = ExtensionArea()
        critical.unknown = [RawSection(type: 0x07, body: [1, 2, 3])]
        expectError(.unsupportedVersion, "extension section of type 7, which this keyvault does not know; upgrade keyvault") { _ = try parse(try rewrite(critical)) }

        var field = ExtensionArea()
        field.unknown = [RawSection(type: 2, body: [0, 0, 0, 1, 0, 3, 0x50, 0, 0])]
        expectError(.unsupportedVersion, "vault uses field 80 in inventory host 1, which this keyvault does not know; upgrade keyvault") { _ = try parse(try rewrite(field)) }

        var informational = ExtensionArea()
        informational.unknown = [RawSection(type: 0x80, body: [1, 2, 3])]
        try Data(try rewrite(informational)).write(to: URL(fileURLWithPath: path))
        #expect(try Vault.open(atPath: path).header.extensions.unknown == [RawSection(type: 0x80, body: [1, 2, 3])])
        try Vault.setManagementGroup("MG2", atPath: path, credentials: credentials, actor: actor)
        let after = try Vault.open(atPath: path)
        #expect(after.header.extensions.unknown == [RawSection(type: 0x80, body: [1, 2, 3])], "kept byte for byte by a writer")
        #expect(after.inventory.managementGroup == "MG2")
    }

    @Test func sectionFramingIsStrict() throws {
        try Vault.setManagementGroup("MG1", atPath: path, credentials: credentials, actor: actor)
        let good = try TestFiles.bytes(path)
        let h = try parse(good)
        // The area starts right after the index (no entries here): slot count at 40, one slot, entry count.
        let slotLength = Int(good[42]) << 8 | Int(good[43])
        let areaStart = 41 + 3 + slotLength + 4
        #expect(good[areaStart] == 2, "section count: management group and the log")
        func patched(_ change: (inout [UInt8]) -> Void) -> [UInt8] {
            var b = Array(good[0..<h.size])
            change(&b)
            let c = h.size - 64
            b.replaceSubrange(c..<c + 32, with: Hashing.blake2b(b[0..<c]))
            return b + good[h.size...]
        }
        expectError(.damaged, "extension section count 0 is outside 1-32") { _ = try parse(patched { $0[areaStart] = 0 }) }
        expectError(.damaged, "extension section count 33 is outside 1-32") { _ = try parse(patched { $0[areaStart] = 33 }) }
        expectError(.damaged, "has type 0; section types must be non-zero and ascending") { _ = try parse(patched { $0[areaStart + 1] = 0 }) }
        expectError(.damaged, "truncated in extension section 1") { _ = try parse(patched { $0[areaStart + 2] = 0x7F }) }
    }
}
