// Every flipped byte and every truncation of a format-version-1 vault with every section, and a version-2 vault's at
// the places DamageSweep samples, read in process as `keyvault verify` reads them: each is refused or reported as
// damage, never read as an intact vault. (DamageCLITests runs a part of the same through the binary, where each case
// costs a process.)
import Foundation
import Testing
@testable import KeyVault
import KeyVaultTestSupport

struct ByteDamageTests {
    /// A vault of format version `format` made as `keyvault init --identity` makes one (an X25519 custodian, which
    /// endorses it: no key derivation per case), with three entries, one of them with an escrowed key password, and
    /// every extension section: endorsements, inventory (group, host, database), drill results and the audit log.
    static func vault(format: Int) throws -> (dir: String, bytes: [UInt8], credentials: Credentials) {
        let dir = try TestFolders.make("kv-byte-damage")
        let identity = try CustodianIdentity.generate()
        let path = "\(dir)/v.kv"
        let credentials = Credentials(identities: [identity])
        try Vault.create(atPath: path, custodians: [.recipient(identity.recipient!)], endorsers: [identity], formatVersion: format)
        for (n, (role, host)) in [(Role.sm, "SM01"), (.dw, "DW01"), (.sm, "SM02")].enumerated() {
            var request = SealRequest(role: role, host: try HostName(host))
            if n == 2 { request.keyPassword = try SecretBytes(copying: Array("Export-Pa55".utf8)) }
            let key = (0..<(32 + n * 8)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ n) }
            _ = try Vault.seal(try SecretBytes(copying: key), request, atPath: path, credentials: credentials)
        }
        try Vault.setManagementGroup("MG1", atPath: path, credentials: credentials)
        try Vault.setHost(
            InventoryHost(name: try HostName("SM01"), fqdn: try HostName("sm01.corp.example"), roles: [.sm], smPosition: .primary, productVersion: "10.22.1068.0"),
            atPath: path, credentials: credentials)
        try Vault.setDatabase(
            InventoryDatabase(name: "ServiceManager", sqlHost: try HostName("SQL01"), instance: "SMINST"), atPath: path, credentials: credentials)
        #expect(try Vault.open(atPath: path).unlock(with: credentials).drill().recordError == nil)
        return (dir, try TestFiles.bytes(path), credentials)
    }

    /// What `keyvault verify` makes of `bytes`, as the category its exit code comes from: nil when it would report an
    /// intact vault (exit 0), `.damaged` for a vault it reads and reports damage in (or refuses as damaged), else the
    /// category of the error it stops with.
    static func verifyFinding(_ bytes: [UInt8], at path: String, credentials: Credentials) throws -> KeyVaultError.Category? {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        do {
            let vault: Vault
            var readPast = false
            do {
                vault = try Vault.open(atPath: path, allowingDamage: true)
            } catch let error as KeyVaultError where error.code == .damaged {
                // A version-2 vault damaged past a plain read is read as `restore --salvage` reads it.
                guard let (salvaged, damage) = try? Vault.openForSalvage(atPath: path), damage != nil else { throw error }
                (vault, readPast) = (salvaged, true)
            }
            let report = try vault.unlock(with: credentials).verify()
            return report.isIntact && (readPast || vault.storageFindings.isEmpty) ? nil : .damaged
        } catch let error as KeyVaultError {
            return error.code.category
        }
    }

    @Test(arguments: [1, 2])
    func everyFlippedByteIsDetected(format: Int) throws {
        let (dir, original, credentials) = try Self.vault(format: format)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try Vault.open(atPath: "\(dir)/v.kv").formatVersion == format)
        #expect(try Self.verifyFinding(original, at: "\(dir)/intact.kv", credentials: credentials) == nil)
        var accepted: [String] = [], unexpected: [String] = []
        // Version 1: every byte, both ways. Version 2 (28 KiB, mostly zeros, 4 ms a case): ``DamageSweep``'s sample.
        for offset in DamageSweep.every(1, of: DamageSweep.flipOffsets(original, format: format)) {
            for bit in (format == 1 ? [0x01, 0x80] : [0x01]) as [UInt8] {
                var bytes = original
                bytes[offset] ^= bit
                let finding = try Self.verifyFinding(bytes, at: "\(dir)/flipped.kv", credentials: credentials)
                if finding == nil { accepted.append("\(offset) ^ \(bit)") }
                // Damage (exit 5), or, when the flip hit the custodian's slot, no unlock (exit 4).
                if let finding, finding != .damaged && finding != .unlockFailed { unexpected.append("byte \(offset) ^ \(bit): \(finding)") }
            }
        }
        #expect(accepted.isEmpty, "flips accepted at offsets \(accepted) of \(original.count)")
        #expect(unexpected.isEmpty, "\(unexpected.prefix(5))")
    }

    @Test(arguments: [1, 2])
    func everyTruncationAndATrailingByteAreDetected(format: Int) throws {
        let (dir, original, credentials) = try Self.vault(format: format)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var notDamage: [String] = []
        for length in DamageSweep.every(1, of: DamageSweep.truncationLengths(original, format: format)) {
            let finding = try Self.verifyFinding(Array(original[..<length]), at: "\(dir)/short.kv", credentials: credentials)
            if finding != .damaged { notDamage.append("\(length): \(finding.map { "\($0)" } ?? "intact")") }
        }
        #expect(notDamage.isEmpty, "truncations not reported as damage (exit 5), of \(original.count) bytes: \(notDamage)")
        #expect(try Self.verifyFinding(original + [0], at: "\(dir)/long.kv", credentials: credentials) == .damaged)
    }
}
