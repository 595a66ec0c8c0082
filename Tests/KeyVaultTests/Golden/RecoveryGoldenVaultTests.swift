// Opens the golden vault with an extension area (Fixtures/v1-recovery) on every run and checks it against its manifest.
import Foundation
import Testing
@testable import KeyVault
import KeyVaultTestSupport

struct RecoveryGoldenVaultTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/v1-recovery")

    func manifest() throws -> [String: Any] {
        let data = try Data(TestFiles.bytes(Self.directory.appendingPathComponent("manifest.json").path))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func file(_ name: String) throws -> [UInt8] { try TestFiles.bytes(Self.directory.appendingPathComponent(name).path) }

    @Test func theGoldenRecoveryVaultOpensWithEverythingItRecorded() throws {
        let m = try manifest()
        let bytes = try file(try #require(m["vault"] as? String))
        #expect(sha256Hex(bytes) == m["sha256"] as? String, "the golden vault was modified; golden vaults are never regenerated")
        #expect(Int(bytes[10]) << 8 | Int(bytes[11]) == m["flags"] as? Int)

        let vault = try Vault.open(atPath: Self.directory.appendingPathComponent("recovery.kv").path)
        let unlocked = try vault.unlock(with: try SecretBytes(copying: Array(try #require(m["passphrase"] as? String).utf8)))
        #expect(unlocked.isAuthentic)
        #expect(unlocked.verify().isIntact)

        // The inventory.
        #expect(vault.inventory.managementGroup == m["managementGroup"] as? String)
        let hosts = try #require(m["hosts"] as? [[String: Any]])
        #expect(vault.inventory.hosts.count == hosts.count)
        for (host, want) in zip(vault.inventory.hosts, hosts) {
            #expect(host.name.value == want["name"] as? String)
            #expect(host.fqdn?.value == want["fqdn"] as? String)
            #expect(host.roles.map(\.rawValue).joined(separator: ",") == want["roles"] as? String)
            #expect(host.smPosition?.rawValue == want["smPosition"] as? String)
            #expect(host.productVersion == want["productVersion"] as? String)
        }
        let databases = try #require(m["databases"] as? [[String: Any]])
        #expect(
            vault.inventory.databases.map { [$0.name, $0.sqlHost.value, $0.instance] }
                == databases.map { [$0["name"] as? String ?? "", $0["sqlHost"] as? String ?? "", $0["instance"] as? String ?? ""] })

        // Every entry decrypts on its own host, with its escrowed password where there is one, and was drilled.
        let entries = try #require(m["entries"] as? [[String: Any]])
        #expect(vault.entries.count == entries.count)
        let former = vault.inventory.hosts.filter { $0.smPosition == .formerPrimary }
        for (entry, want) in zip(vault.entries, entries) {
            #expect(entry.role.rawValue == want["role"] as? String && entry.host.value == want["host"] as? String)
            let restored = try unlocked.restore(role: entry.role, version: entry.version, on: HostIdentity(testingName: entry.host), recording: .callerRecords)
            let key = try file(try #require(want["key"] as? String))
            restored.key.withUnsafeBytes { #expect(Array($0) == key) }
            if let passwordFile = want["password"] as? String {
                let password = try unlocked.keyPassword(for: restored)
                let expected = try file(passwordFile)
                password.withUnsafeBytes { #expect(Array($0) == expected) }
            } else {
                #expect(!vault.hasKeyPassword(for: entry))
            }
            let drill = try #require(vault.lastDrill(of: entry))
            #expect(drill.problem == nil && drill.time.iso8601 == m["drill"] as? String)
            let status: String? = entry.role == .sm && former.contains { $0.matches(entry.host) } ? "former-primary" : nil
            #expect(status == want["status"] as? String)
        }

        // The audit log: its records in order, the chain intact.
        let log = unlocked.auditLog()
        #expect(log.isIntact && log.dropped == 0)
        #expect(log.records.map(\.action.rawValue) == m["log"] as? [String])
        #expect(log.records.last?.machine == "SM01" && log.records.last?.role == .sm)
    }

    @Test func theGoldenRecoveryVaultPlansFromItsInventory() throws {
        let vault = try Vault.open(atPath: Self.directory.appendingPathComponent("recovery.kv").path)
        let plan = try RecoveryPlan.make(for: try HostName("DW01"), vault: vault, vaultPath: "recovery.kv")
        #expect(plan.ways.map(\.kind) == [.rebuild] && plan.managementGroup == "MG-CONTOSO")
        // Its inventory predates the os field: DW01 (a dw host) is Windows by default, so the key goes over SSH.
        #expect(
            plan.ways[0].steps.contains {
                $0.command
                    == "keyvault restore recovery.kv --role dw --to ssh://dw01.corp.example/C:/keyvault/DW01-dw.bin --passphrase-file PASSPHRASE-FILE --key-password-to ssh://dw01.corp.example/C:/keyvault/DW01-dw.password"
            })
        #expect(plan.ways[0].steps.contains { $0.text.contains("existing DWStagingAndConfig database on SQL01\\DWINST") })
    }
}
