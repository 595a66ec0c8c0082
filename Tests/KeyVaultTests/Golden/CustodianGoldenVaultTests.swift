// Opens the golden custodian vaults in Fixtures/custodians with every credential set their manifest lists.
import Foundation
import Testing
@testable import KeyVault
import KeyVaultTestSupport

struct CustodianGoldenVaultTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/custodians").path

    struct Case: Sendable, CustomTestStringConvertible {
        let vault: [String: any Sendable]
        var testDescription: String { vault["file"] as? String ?? "?" }
    }

    static func cases() throws -> [Case] {
        let data = try Data(TestFiles.bytes(directory + "/manifest.json"))
        let root = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let vaults = root?["vaults"] as? [[String: Any]] ?? []
        return vaults.map { v in Case(vault: v.mapValues { sendable($0) }) }
    }

    static func sendable(_ value: Any) -> any Sendable {
        switch value {
        case let s as String: return s
        case let n as Int: return n
        case let a as [Any]: return a.map(sendable)
        case let d as [String: Any]: return d.mapValues(sendable)
        default: return "\(value)"
        }
    }

    static func credentials(_ set: [String: any Sendable]) throws -> Credentials {
        let password = set["identityPassword"] as? String
        let identities = try (set["identities"] as? [any Sendable] ?? []).map { name in
            try CustodianIdentity.load(fromFile: directory + "/" + (name as! String)) { _ in
                guard let password else { throw KeyVaultError.invalidArgument("no password in the manifest") }
                return try SecretBytes(copying: Array(password.utf8))
            }
        }
        let passphrase = try (set["passphrase"] as? String).map { try SecretBytes(copying: Array($0.utf8)) }
        return Credentials(passphrase: passphrase, identities: identities)
    }

    @Test(arguments: try CustodianGoldenVaultTests.cases())
    func opensWithEveryListedSetAndRefusesTheOthers(_ golden: Case) throws {
        let v = golden.vault
        let path = Self.directory + "/" + (v["file"] as! String)
        #expect(
            sha256Hex(try TestFiles.bytes(path)) == v["sha256"] as? String,
            "golden vault \(path) was modified; golden vaults are never regenerated")
        let vault = try Vault.open(atPath: path)
        #expect(vault.threshold == v["threshold"] as? Int)
        #expect(vault.custodians.map(\.kind.rawValue) == (v["custodians"] as? [any Sendable])?.compactMap { $0 as? String })
        let entries = v["entries"] as? [any Sendable] ?? []
        for set in v["opens"] as? [any Sendable] ?? [] {
            let unlocked = try vault.unlock(with: try Self.credentials(set as! [String: any Sendable]))
            #expect(unlocked.isAuthentic)
            #expect(unlocked.verify().isIntact)
            for case let entry as [String: any Sendable] in entries {
                let host = HostIdentity(testingName: try HostName(entry["host"] as! String))
                let restored = try unlocked.restore(role: try Role(parsing: entry["role"] as! String), on: host, recording: .callerRecords)
                let want = try TestFiles.bytes(Self.directory + "/" + (entry["keyFile"] as! String))
                restored.key.withUnsafeBytes { #expect(Array($0) == want) }
                #expect(sha256Hex(want) == entry["sha256"] as? String)
            }
        }
        for set in v["refuses"] as? [any Sendable] ?? [] {
            do {
                _ = try vault.unlock(with: try Self.credentials(set as! [String: any Sendable]))
                Issue.record("\(set) unlocked \(path)")
            } catch let error as KeyVaultError {
                #expect(error.code == .unlockFailed)
            }
        }
    }
}
