// Opens every golden vault in Fixtures/v1 on every run and checks it against the manifest.
import Foundation
import Testing
@testable import KeyVault
import KeyVaultTestSupport

struct GoldenVaultTests {
    struct ManifestEntry: Sendable, CustomTestStringConvertible {
        let vault: String, passphrase: String, opsLimit: UInt32, memLimitKiB: UInt32, fileSHA256: String
        let entries: [[String: any Sendable]]
        var testDescription: String { vault }
    }

    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/v1")

    static func manifest() throws -> [ManifestEntry] {
        let data = try Data(TestFiles.bytes(directory.appendingPathComponent("manifest.json").path))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let vaults = try #require(root["vaults"] as? [[String: Any]])
        return try vaults.map { v in
            let kdf = try #require(v["kdf"] as? [String: Any])
            let entries = try #require(v["entries"] as? [[String: Any]])
            return ManifestEntry(
                vault: try #require(v["file"] as? String), passphrase: try #require(v["passphrase"] as? String),
                opsLimit: UInt32(try #require(kdf["opsLimit"] as? Int)), memLimitKiB: UInt32(try #require(kdf["memLimitKiB"] as? Int)),
                fileSHA256: try #require(v["sha256"] as? String),
                entries: entries.map { $0.mapValues { "\($0)" as any Sendable } })
        }
    }

    @Test func manifestListsEveryGoldenVault() throws {
        let listed = Set(try Self.manifest().map(\.vault))
        let onDisk = Set(try FileManager.default.contentsOfDirectory(atPath: Self.directory.path).filter { $0.hasSuffix(".kv") })
        #expect(listed == onDisk)
        #expect(listed.count >= 3)
    }

    @Test(arguments: try GoldenVaultTests.manifest())
    func goldenVaultOpensAndEveryKeyDecrypts(_ golden: ManifestEntry) throws {
        let path = Self.directory.appendingPathComponent(golden.vault).path
        let bytes = try TestFiles.bytes(path)
        #expect(sha256Hex(bytes) == golden.fileSHA256, "golden vault \(golden.vault) was modified; golden vaults are never regenerated")

        let vault = try Vault.open(atPath: path)
        #expect(vault.formatVersion == 1)
        #expect(vault.slots == [SlotDescription(kind: "passphrase", kdf: try KDFParameters(opsLimit: golden.opsLimit, memLimitKiB: golden.memLimitKiB))])
        #expect(vault.entries.count == golden.entries.count)

        let unlocked = try vault.unlock(with: try SecretBytes(copying: Array(golden.passphrase.utf8)))
        #expect(unlocked.isAuthentic)
        #expect(unlocked.verify().isIntact)

        for (entry, expected) in zip(vault.entries, golden.entries) {
            #expect(entry.role.rawValue == expected["role"] as? String)
            #expect(entry.host.value == expected["host"] as? String)
            #expect(String(entry.version) == expected["version"] as? String)
            #expect(entry.createdAt.iso8601 == expected["created"] as? String)
            #expect(entry.label == expected["label"] as? String)
            #expect(entry.originalFileName == expected["fileName"] as? String)
            #expect(String(entry.size) == expected["size"] as? String)
            #expect(entry.fingerprint.hex == expected["fingerprint"] as? String)

            // Through the public rule, as the machine the key belongs to would.
            let host = HostIdentity(testingName: entry.host)
            let restored = try unlocked.restore(role: entry.role, version: entry.version, on: host, recording: .callerRecords)
            let keyFile = Self.directory.appendingPathComponent(try #require(expected["keyFile"] as? String))
            let want = try TestFiles.bytes(keyFile.path)
            restored.key.withUnsafeBytes { #expect(Array($0) == want) }
            #expect(sha256Hex(want) == expected["sha256"] as? String)
        }
        // Reading a golden vault never writes it (a restore that recorded itself would).
        #expect(try TestFiles.bytes(path) == bytes, "reading golden vault \(golden.vault) changed it")
    }

    @Test func goldenVaultRefusesTheWrongPassphrase() throws {
        let vault = try Vault.open(atPath: Self.directory.appendingPathComponent("two-roles.kv").path)
        #expect(throws: KeyVaultError.self) { try vault.unlock(with: try SecretBytes(copying: Array("not the passphrase".utf8))) }
        do { _ = try vault.unlock(with: try SecretBytes(copying: Array("not the passphrase".utf8))) } catch let error as KeyVaultError {
            #expect(error.code == .unlockFailed)
        }
    }

    @Test func goldenVaultKeepsTheHostRule() throws {
        let vault = try Vault.open(atPath: Self.directory.appendingPathComponent("two-roles.kv").path)
        let unlocked = try vault.unlock(with: try SecretBytes(copying: Array("Fixture passphrase for two-roles".utf8)))
        // sm01.corp.example matches both SM01 and sm01.corp.example: the newest (version 2) is restored.
        let onSM01 = try unlocked.restore(role: .sm, on: HostIdentity(testingName: try HostName("sm01.corp.example")), recording: .callerRecords)
        #expect(onSM01.entry.version == 2)
        // The dw key never serves SM01, and the sm key never serves DW01.
        do {
            _ = try unlocked.restore(role: .dw, on: HostIdentity(testingName: try HostName("SM01")), recording: .callerRecords)
            Issue.record("a dw key was restored on SM01")
        } catch let error as KeyVaultError {
            #expect(error.code == .hostMismatch)
            #expect(error.message.contains("DW01.corp.example") && error.message.contains("SM01"))
        }
        do {
            _ = try unlocked.restore(role: .sm, on: HostIdentity(testingName: try HostName("dw01")), recording: .callerRecords)
            Issue.record("an sm key was restored on DW01")
        } catch let error as KeyVaultError {
            #expect(error.code == .hostMismatch)
        }
    }
}

/// SHA-256 through the system's openssl command line, an independent implementation of what the manifest records.
func sha256Hex(_ bytes: [UInt8]) -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["sha256sum"]
    let input = Pipe(), output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try? process.run()
    input.fileHandleForWriting.write(Data(bytes))
    try? input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
}
