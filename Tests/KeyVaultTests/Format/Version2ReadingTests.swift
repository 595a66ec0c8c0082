// A format-version-2 file (made here from a version-1 vault by the format code alone, not by `upgradeToVersion2`)
// opens through the library as any vault does: the same entries and keys, authenticated by its chain.
import Foundation
import Testing
@testable import KeyVault
import KeyVaultTestSupport

struct Version2ReadingTests {
    /// The vault at `path` written as version 2 beside it, chained under its own key's Subkey(8).
    static func upgrade(_ path: String, credentials: Credentials) throws -> String {
        let vault = try Vault.open(atPath: path)
        let unlocked = try vault.unlock(with: credentials)
        let copy = LogicalStateTests.copy(of: vault.header)
        let keys = Array(try TestFiles.bytes(path).dropFirst(vault.header.size))
        let (bytes, _, _, _) = ChainWriter.newFile(
            copy: copy, changes: try LogicalState(v1: vault.header).initialChanges, keysCount: keys.count,
            macKey: try KeyDerivation.subkey(.commitChain, of: unlocked.vaultKey))
        let out = "\(try CustodianSupport.temporaryDirectory())/v2.kv"
        try Data(bytes + keys).write(to: URL(fileURLWithPath: out))
        return out
    }

    /// A version-1 vault of three entries, one X25519 custodian, an inventory and a drill; its credentials and keys.
    static func vault() throws -> (path: String, credentials: Credentials, keys: [[UInt8]]) {
        let dir = try CustodianSupport.temporaryDirectory()
        let identity = try CustodianIdentity.generate()
        let path = "\(dir)/v1.kv"
        let credentials = Credentials(identities: [identity])
        try Vault.create(atPath: path, custodians: [.recipient(identity.recipient!)], endorsers: [identity])
        let keys = (0..<3).map { n in (0..<(1_000 + n * 300)).map { UInt8(truncatingIfNeeded: $0 * 7 + n) } }
        for (n, key) in keys.enumerated() {
            let request = SealRequest(role: n == 1 ? .dw : .sm, host: try HostName(n == 1 ? "DW01" : "SM0\(n + 1)"))
            _ = try Vault.seal(try SecretBytes(copying: key), request, atPath: path, credentials: credentials)
        }
        try Vault.setHost(InventoryHost(name: try HostName("SM01"), roles: [.sm], smPosition: .primary), atPath: path, credentials: credentials)
        _ = try Vault.open(atPath: path).unlock(with: credentials).drill()
        return (path, credentials, keys)
    }

    @Test func aVersion2FileOpensAsItsVersion1VaultDid() throws {
        let (path, credentials, keys) = try Self.vault()
        let v1 = try Vault.open(atPath: path)
        let v2 = try Vault.open(atPath: try Self.upgrade(path, credentials: credentials))
        #expect(v1.formatVersion == 1 && v2.formatVersion == 2)
        #expect(v2.entries == v1.entries && v2.id == v1.id && v2.custodians == v1.custodians)
        #expect(v2.lastDrills() == v1.lastDrills())
        let unlocked = try v2.unlock(with: credentials)
        #expect(unlocked.isAuthentic)
        #expect(try v2.entries.map { try unlocked.open($0).withUnsafeBytes { Array($0) } } == keys)
        #expect(unlocked.verify().isIntact)
        #expect(unlocked.auditLog().firstBrokenRecord == nil && unlocked.auditLog().records.count == v1.header.extensions.log.records.count)
    }

    @Test func aGoldenVersion1VaultOpensAsVersion2WithItsPassphrase() throws {
        let path = LogicalStateTests.fixtures.appendingPathComponent("v1/two-roles.kv").path
        let credentials = Credentials(passphrase: try CustodianSupport.secret("Fixture passphrase for two-roles"))
        let v2 = try Vault.open(atPath: try Self.upgrade(path, credentials: credentials))
        let unlocked = try v2.unlock(with: credentials)
        #expect(unlocked.isAuthentic && unlocked.verify().isIntact)
        let v1 = try Vault.open(atPath: path).unlock(with: credentials)
        for entry in v2.entries {
            #expect(try unlocked.open(entry).withUnsafeBytes { Array($0) } == (try v1.open(entry).withUnsafeBytes { Array($0) }))
        }
    }

    @Test func aForgedCommitFailsAuthenticationAndADamagedSlotCopyIsSurvived() throws {
        let (path, credentials, _) = try Self.vault()
        let v2 = try Self.upgrade(path, credentials: credentials)
        let chain = try ChainFile.read(from: OpenFile.open(v2, what: "vault"))
        var bytes = try TestFiles.bytes(v2)

        // Copy A damaged, then the preamble too: the vault opens from copy B, authentic.
        bytes[FormatV2.blockSize + 200] ^= 0xFF
        for i in 0..<16 { bytes[i] = 0 }
        let damaged = "\(try CustodianSupport.temporaryDirectory())/damaged.kv"
        try Data(bytes).write(to: URL(fileURLWithPath: damaged))
        let fromB = try Vault.open(atPath: damaged)
        #expect(fromB.formatVersion == 2)
        #expect(try fromB.unlock(with: credentials).isAuthentic)

        // The commit's changes rewritten by someone without the key (its check recomputed, its mac kept): the chain
        // fails, so the vault is not authentic and a restore is refused unless salvaged.
        var forged = try TestFiles.bytes(v2)
        let commit = chain.commits[0]
        let body = Array(forged[commit.offset..<(commit.end - FormatV2.commitTailCount)])
        // One letter of an audit record's outcome changed ("ok" to "nk": still a valid record), the check recomputed.
        var edited = body
        let ok = try #require((0..<(edited.count - 3)).last { edited[$0] == 0x6F && edited[$0 + 1] == 0x6B && edited[$0 + 2] == 0x3A })
        edited[ok] = 0x6E
        let check = Commit.check(of: edited[...])
        forged.replaceSubrange(commit.offset..<(commit.end - 32), with: edited + check)
        let forgedPath = "\(try CustodianSupport.temporaryDirectory())/forged.kv"
        try Data(forged).write(to: URL(fileURLWithPath: forgedPath))
        let unlocked = try Vault.open(atPath: forgedPath).unlock(with: credentials)
        #expect(!unlocked.isAuthentic)
        #expect(unlocked.vault.header.extensions.log.records.contains { $0.outcome.hasPrefix("nk:") })
        #expect(throws: KeyVaultError.self) { try unlocked.restore(role: .sm, on: HostIdentity(testingName: try HostName("SM01")), recording: .callerRecords) }
    }
}
