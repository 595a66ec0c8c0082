// Sealing many keys in one write: the same rules as one seal at a time, all or nothing.
import Foundation
import Testing
@testable import KeyVault
import KeyVaultTestSupport

struct BatchSealTests {
    let host = HostIdentity(testingName: try! HostName("SM01"))

    func item(_ text: String, _ role: Role, _ host: String) throws -> SealItem {
        SealItem(key: try SecretBytes(copying: Array(text.utf8)), request: SealRequest(role: role, host: try HostName(host)))
    }

    func newVault() throws -> (String, Credentials) {
        let dir = try CustodianSupport.temporaryDirectory()
        let identity = try CustodianIdentity.generate()
        try Vault.create(atPath: "\(dir)/v.kv", custodians: [.recipient(identity.recipient!)])
        return ("\(dir)/v.kv", Credentials(identities: [identity]))
    }

    @Test func aNetBIOSNameAndItsLongNameAreOneSeriesInABatch() throws {
        let (path, credentials) = try newVault()
        let results = try Vault.seal(
            [
                try item("long", .dw, "averyveryverylongname"), try item("netbios", .dw, "AVERYVERYVERYLO"),
                try item("fqdn", .dw, "averyveryverylongname.corp.example"), try item("other", .dw, "bverylongcomputername"),
            ], atPath: path, credentials: credentials)
        #expect(results.map(\.entry.version) == [1, 2, 3, 1])
    }

    @Test func anInventoryListingALongNameAndItsNetBIOSFormStillOpens() throws {
        // Valid before the NetBIOS clause: two records, one computer. Old vaults must keep opening.
        let (path, credentials) = try newVault()
        try Vault.updateExtensions(path, credentials: credentials) { _, _, area in
            area.inventory.hosts = [
                InventoryHost(name: try HostName("averyveryverylongname"), roles: [.dw]),
                InventoryHost(name: try HostName("AVERYVERYVERYLO"), roles: [.dw]),
            ]
        }
        let vault = try Vault.open(atPath: path)
        #expect(vault.inventory.hosts.map(\.name.value) == ["averyveryverylongname", "AVERYVERYVERYLO"])
        #expect(try vault.unlock(with: credentials).verify().isIntact)
    }

    @Test func versionsCountEarlierItemsOfTheBatchAndEntriesRestore() throws {
        let (path, credentials) = try newVault()
        _ = try Vault.seal(
            try SecretBytes(copying: Array("first SM01 key".utf8)), SealRequest(role: .sm, host: try HostName("SM01")),
            atPath: path, credentials: credentials)
        let results = try Vault.seal(
            [
                try item("second SM01 key", .sm, "sm01.corp.example"), try item("DW01 key", .dw, "DW01"),
                try item("third SM01 key", .sm, "SM01"), try item("DW01 key", .dw, "dw01"),
            ], atPath: path, credentials: credentials)
        // The last item repeats the second's bytes for the same computer and role: it adds nothing (issue 17).
        #expect(results.map(\.entry.version) == [2, 1, 3, 1])
        #expect(results.map(\.entry.index) == [1, 2, 3, 2])
        #expect(results[3].identicalTo?.index == 2 && results[3].updated.isEmpty)
        #expect(try Vault.open(atPath: path).entryCount == 4)
        let unlocked = try Vault.open(atPath: path).unlock(with: credentials)
        #expect(unlocked.verify().isIntact)
        let key = try unlocked.restore(role: .sm, on: host).key
        #expect(key.withUnsafeBytes { Array($0) } == Array("third SM01 key".utf8))
    }

    @Test func aKeyRepeatedForAnotherHostOrRoleRefusesTheWholeBatch() throws {
        let (path, credentials) = try newVault()
        _ = try Vault.seal([try item("SM01 key", .sm, "SM01")], atPath: path, credentials: credentials)
        let before = try Data(TestFiles.bytes(path))
        for batch in [
            [try item("SM02 key", .sm, "SM02"), try item("SM01 key", .dw, "SM01")],  // the vault's key, another role
            [try item("SM02 key", .sm, "SM02"), try item("SM02 key", .sm, "SM03")],  // an earlier item's key, another host
        ] {
            #expect(throws: KeyVaultError.self) { try Vault.seal(batch, atPath: path, credentials: credentials) }
            #expect(try Data(TestFiles.bytes(path)) == before)
        }
        // An invalid request refuses the batch too.
        let long = SealItem(key: try SecretBytes(copying: [1]), request: SealRequest(role: .sm, host: try HostName("SM04"), label: String(repeating: "x", count: 300)))
        #expect(throws: KeyVaultError.self) { try Vault.seal([try item("SM05 key", .sm, "SM05"), long], atPath: path, credentials: credentials) }
        #expect(try Data(TestFiles.bytes(path)) == before)
    }
}
