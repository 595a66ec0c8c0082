// `restore --salvage` on a format-version-2 vault whose commit fails its check (a flipped bit, a bad sector among its
// metadata): every other key still restores from its own seal, nothing is written to the damaged file, and a read
// without salvage still refuses it.
import Foundation
import Testing
@testable import KeyVault
import KeyVaultTestSupport

struct Version2SalvageTests {
    /// Version2ReadingTests' three-entry vault as version 2, and a fourth entry (sm of SM04) appended as its own
    /// commit; the path, the credentials, the four keys, and that last commit.
    static func vault() throws -> (path: String, credentials: Credentials, keys: [[UInt8]], last: Commit) {
        let (v1, credentials, keys) = try Version2ReadingTests.vault()
        let path = try Version2ReadingTests.upgrade(v1, credentials: credentials)
        let fourth = (0..<900).map { UInt8(truncatingIfNeeded: $0 * 11 + 5) }
        return (path, credentials, keys + [fourth], try seal(fourth, sm: "SM04", into: path, credentials: credentials))
    }

    /// Seals `key` as the sm key of `host` into the version-2 vault at `path`; the commit that added it.
    static func seal(_ key: [UInt8], sm host: String, into path: String, credentials: Credentials) throws -> Commit {
        var request = SealRequest(role: .sm, host: try HostName(host))
        request.allowOutsideInventory = true
        _ = try Vault.seal(try SecretBytes(copying: key), request, atPath: path, credentials: credentials)
        let chain = try ChainFile.read(from: OpenFile.open(path, what: "vault"))
        return try #require(chain.commits.last { commit in commit.changes.contains { $0.type == Change.Kind.entries.rawValue } })
    }

    static func restore(_ unlocked: UnlockedVault, _ role: Role, _ host: String) throws -> [UInt8] {
        try unlocked.restore(role: role, on: HostIdentity(testingName: try HostName(host)), salvage: true, recording: .callerRecords)
            .key.withUnsafeBytes { Array($0) }
    }

    /// One bit flipped at each of the appended commit's bytes in turn. Without salvage, every such file is refused as
    /// damaged. With it, a commit that is whole but for its check is read, and one whose structure the flip broke is
    /// passed over (Version2StructuralSalvageTests), or left out when what it holds does not replay or its keys' place
    /// is damaged: the vault is not authentic, the three keys of the first commit
    /// restore byte for byte (the fourth too, unless the flip hit its own index record or the commit's structure), a
    /// restore without salvage is refused, and a write (the restore's audit record) is refused without touching the
    /// file.
    @Test func aCommitThatFailsItsCheckIsReadPastForSalvageOnly() throws {
        let (path, credentials, keys, last) = try Self.vault()
        let good = try TestFiles.bytes(path)
        let damaged = "\(try CustodianSupport.temporaryDirectory())/damaged.kv"
        var salvaged = 0
        var passedOver = 0
        var fourthRestored = 0
        for offset in stride(from: last.offset, to: last.end - FormatV2.commitTailCount, by: TestScale.stride) {
            var bytes = good
            bytes[offset] ^= 0x10
            try Data(bytes).write(to: URL(fileURLWithPath: damaged))
            #expect(throws: KeyVaultError.self, "byte \(offset)") { try Vault.open(atPath: damaged) }
            let opened = try Vault.openForSalvage(atPath: damaged)
            salvaged += 1
            let damage = try #require(opened.damage)
            if damage != "the commit at byte \(last.offset) fails its check" {
                // Its structure broken (its magic, number, lengths or changes): passed over, the last commit; or its
                // changes parse but do not replay by version 1's rules (an audit record's field, an index record's
                // metadata): left out; or its keys' place moved (`keys_offset`, which the check does not cover, or a
                // key's size in its metadata) outside the file or over other bytes: left out.
                passedOver += 1
                let passed = damage.hasPrefix("damage at byte \(last.offset) (") && damage.hasSuffix(") was passed over, nothing more of its chunk could be read")
                let leftOut =
                    damage.hasPrefix("the commit at byte \(last.offset) fails its check and does not replay (") && damage.hasSuffix("); it was left out")
                let astray = damage == "the commit at byte \(last.offset) points to its keys outside the file or over other bytes; it was left out"
                #expect(passed || leftOut || astray, "byte \(offset): \(damage)")
            }
            let unlocked = try opened.vault.unlock(with: credentials)
            #expect(!unlocked.isAuthentic, "byte \(offset)")
            #expect(try Self.restore(unlocked, .sm, "SM01") == keys[0], "byte \(offset)")
            #expect(try Self.restore(unlocked, .dw, "DW01") == keys[1], "byte \(offset)")
            #expect(try Self.restore(unlocked, .sm, "SM03") == keys[2], "byte \(offset)")
            if (try? Self.restore(unlocked, .sm, "SM04")) == keys[3] { fourthRestored += 1 }
            #expect(throws: KeyVaultError.self, "byte \(offset)") {
                try unlocked.restore(role: .sm, on: HostIdentity(testingName: try HostName("SM01")), recording: .callerRecords)
            }
            let entry = try #require(opened.vault.entries.first)
            let refusal = #expect(throws: KeyVaultError.self, "byte \(offset)") { try unlocked.record(.restore, entry: entry, outcome: "ok") }
            #expect(
                refusal?.message == "vault damaged: it was read past damage for salvage, and nothing is written to it; 'keyvault verify' says what is damaged",
                "byte \(offset)")
            #expect(try TestFiles.bytes(damaged) == bytes, "byte \(offset): the damaged file was written to")
        }
        // Every flip is salvaged; most of a commit is its index records and audit record, where flips leave it whole
        // but for its check (and the fourth key restores unless the flip hit its own index record).
        let total = (last.count - FormatV2.commitTailCount + TestScale.stride - 1) / TestScale.stride
        #expect(
            salvaged == total && passedOver > 0 && fourthRestored > 0,
            "\(salvaged) of \(total) flips salvaged (\(passedOver) passed over or left out), \(fourthRestored) with the fourth key")
    }

    /// The preamble damaged too (the file is then found as version 2 by its slot copy): salvage still reads past the
    /// commit.
    @Test func aDamagedPreambleDoesNotStopSalvage() throws {
        let (path, credentials, keys, last) = try Self.vault()
        var bytes = try TestFiles.bytes(path)
        let text = Array("ok: sealed version".utf8)
        let at = try #require((last.offset..<(last.end - text.count)).first { Array(bytes[$0..<($0 + text.count)]) == text })
        bytes[at] ^= 0x01
        for i in 0..<16 { bytes[i] = 0 }
        let damaged = "\(try CustodianSupport.temporaryDirectory())/damaged.kv"
        try Data(bytes).write(to: URL(fileURLWithPath: damaged))
        #expect(throws: KeyVaultError.self) { try Vault.open(atPath: damaged) }
        let opened = try Vault.openForSalvage(atPath: damaged)
        #expect(opened.damage == "the commit at byte \(last.offset) fails its check" && opened.vault.formatVersion == 2)
        let unlocked = try opened.vault.unlock(with: credentials)
        #expect(try Self.restore(unlocked, .sm, "SM04") == keys[3] && Self.restore(unlocked, .dw, "DW01") == keys[1])
    }

    /// An intact vault opened for salvage is the vault itself: no damage named, authentic.
    @Test func anIntactVaultOpenedForSalvageIsAuthentic() throws {
        let (path, credentials, keys, _) = try Self.vault()
        let opened = try Vault.openForSalvage(atPath: path)
        #expect(opened.damage == nil)
        let unlocked = try opened.vault.unlock(with: credentials)
        #expect(unlocked.isAuthentic)
        #expect(try Self.restore(unlocked, .sm, "SM04") == keys[3])
    }
}
