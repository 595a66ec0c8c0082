// Opens the golden format-version-2 vaults in Fixtures/v2 with their manifest's credentials: every file unchanged since
// it was made, its structure as recorded, authentic, and every entry decrypting to its key file.
import Foundation
import Testing
@testable import KeyVault
import KeyVaultTestSupport

struct GoldenVersion2VaultTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/v2").path

    struct Manifest: Decodable { let formatVersion: Int; let vaults: [Golden] }
    struct Golden: Decodable, Sendable, CustomTestStringConvertible {
        struct Credentials: Decodable, Sendable { let identities: [String]?; let passphrase: String? }
        struct Entry: Decodable, Sendable { let role: String; let host: String; let version: UInt32; let keyFile: String; let sha256: String; let retired: Bool? }
        struct Password: Decodable, Sendable { let role: String; let host: String; let version: UInt32; let text: String }
        let file: String
        let credentials: Credentials
        let sha256: String
        let seq: UInt64
        let chunks: Int
        let commits: Int
        let escrowedPassword: Password?
        let entries: [Entry]
        var testDescription: String { file }
    }

    static func vaults() throws -> [Golden] {
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(try TestFiles.bytes(directory + "/manifest.json")))
        #expect(manifest.formatVersion == 2)
        return manifest.vaults
    }

    static func credentials(_ c: Golden.Credentials) throws -> Credentials {
        let identities = try (c.identities ?? []).map { name in
            try CustodianIdentity.load(fromFile: directory + "/" + name) { _ in throw KeyVaultError.invalidArgument("no password in the manifest") }
        }
        return Credentials(passphrase: try c.passphrase.map { try SecretBytes(copying: Array($0.utf8)) }, identities: identities)
    }

    @Test(arguments: try GoldenVersion2VaultTests.vaults())
    func opensWithEveryEntryAsRecorded(_ golden: Golden) throws {
        let path = Self.directory + "/" + golden.file
        #expect(sha256Hex(try TestFiles.bytes(path)) == golden.sha256, "golden vault \(path) was modified; golden vaults are never regenerated")
        let vault = try Vault.open(atPath: path)
        #expect(vault.formatVersion == 2 && vault.storageProblems.isEmpty)
        #expect(vault.slotCopy?.seq == golden.seq && vault.chain?.chunks.count == golden.chunks && vault.chain?.commits.count == golden.commits)
        #expect(vault.entries.map { "\($0.role) \($0.host) \($0.version)" } == golden.entries.map { "\($0.role) \($0.host) \($0.version)" })
        let retired = vault.retiredIndexes
        #expect(golden.entries.indices.filter { golden.entries[$0].retired == true } == retired.sorted())
        let unlocked = try vault.unlock(with: try Self.credentials(golden.credentials))
        #expect(unlocked.isAuthentic)
        #expect(unlocked.verify().isIntact)
        for (entry, expected) in zip(vault.entries, golden.entries) {
            let keyFile = try TestFiles.bytes(Self.directory + "/" + expected.keyFile)
            #expect(sha256Hex(keyFile) == expected.sha256)
            #expect(try unlocked.open(entry).withUnsafeBytes { Array($0) } == keyFile, "\(entry.displayName)")
        }
        if let p = golden.escrowedPassword {
            let entry = try #require(vault.entries.first { $0.role.rawValue == p.role && $0.host.value == p.host && $0.version == p.version })
            #expect(try unlocked.keyPassword(of: entry)?.withUnsafeBytes { String(decoding: $0, as: UTF8.self) } == p.text)
        }
    }

    /// Every golden version-2 vault takes one more write as an append, in a copy, and still opens.
    @Test(arguments: try GoldenVersion2VaultTests.vaults())
    func takesAnAppendInACopy(_ golden: Golden) throws {
        let copy = "\(try CustodianSupport.temporaryDirectory())/\(golden.file)"
        try FileManager.default.copyItem(atPath: Self.directory + "/" + golden.file, toPath: copy)
        let credentials = try Self.credentials(golden.credentials)
        var request = SealRequest(role: .dw, host: try HostName("DW99"))
        request.allowOutsideInventory = true
        _ = try Vault.seal(try SecretBytes(copying: [7, 7, 7]), request, atPath: copy, credentials: credentials)
        let after = try Vault.open(atPath: copy)
        #expect(after.chain?.commits.count == golden.commits + 1 && after.entryCount == golden.entries.count + 1)
        #expect(try after.unlock(with: credentials).verify().isIntact)
    }
}
