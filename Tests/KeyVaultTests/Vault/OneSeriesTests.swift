// One computer, one version series: the reader refuses two entries of one role and version for the same computer,
// a seal maps a name to the inventory's name for it, and a restore that finds two series for one computer refuses.
import Foundation
import Testing
@testable import KeyVault
import KeyVaultTestSupport

@Suite struct OneSeriesTests {
    let dir: String
    let passphrase: SecretBytes
    var path: String { "\(dir)/v.kv" }
    var credentials: Credentials { Credentials(passphrase: passphrase) }

    init() throws {
        dir = try TestFolders.make("kv-series")
        passphrase = try SecretBytes(copying: Array("one series tests passphrase".utf8))
        try Vault.create(atPath: path, passphrase: passphrase, kdf: KDFParameters(opsLimit: 1, memLimitKiB: 8))
    }

    func key(_ byte: UInt8) throws -> SecretBytes { try SecretBytes(copying: [UInt8](repeating: byte, count: 400)) }

    /// The vault's bytes with one more entry (role, host, version) sealed by hand, tag and checksum made with the key:
    /// what a buggy or hostile writer holding the secret could produce.
    func withExtraEntry(role: Role, host: String, version: UInt32) throws -> [UInt8] {
        let vault = try Vault.open(atPath: path)
        let unlocked = try vault.unlock(with: passphrase)
        let plain = try key(0xEE)
        let fingerprint = unlocked.fingerprint(of: plain)
        let metadata = EntryMetadata.encode(
            role: role, host: try HostName(host), version: version, createdAt: .now(), size: UInt32(plain.count),
            fingerprint: fingerprint.bytes, label: "", fileName: "")
        let entry = try EntryMetadata.decode(metadata[...], index: vault.entryCount, position: 0)
        let record = IndexRecord(metadata: metadata, nonce: AEAD.randomNonce(), entry: entry)
        let sealed = AEAD.seal(plain, key: unlocked.entryKey, nonce: record.nonce, associatedData: record.associatedData(vaultID: vault.header.identity.id))
        let header = vault.header.appending([record], extensions: vault.header.extensions, tagKey: unlocked.tagKey)
        let all = try TestFiles.bytes(path)
        return header + all[vault.header.size...] + sealed
    }

    func open(_ bytes: [UInt8]) throws -> Vault {
        try Data(bytes).write(to: URL(fileURLWithPath: "\(dir)/crafted.kv"))
        return try Vault.open(atPath: "\(dir)/crafted.kv")
    }

    @Test func twoEntriesOfOneVersionForOneComputerAreRefused() throws {
        _ = try Vault.seal(try key(1), SealRequest(role: .sm, host: try HostName("SM01")), atPath: path, credentials: credentials)
        for other in ["sm01.corp.example", "sm01", "SM01.CORP.EXAMPLE"] {
            do {
                _ = try open(try withExtraEntry(role: .sm, host: other, version: 1))
                Issue.record("\(other): a second version 1 for SM01 was accepted")
            } catch let error as KeyVaultError {
                #expect(error.code == .damaged, "\(other): \(error)")
                let expected =
                    other == "sm01"
                    ? "vault damaged: entry 2 repeats sm key of sm01 (version 1)"
                    : "vault damaged: entries 1 and 2 are both version 1 of the sm key of one computer (SM01 and \(other) name the same computer)"
                #expect(error.message == expected, "\(error.message)")
            }
        }
        // Not the same computer, or not the same version or role: fine.
        #expect(try open(try withExtraEntry(role: .sm, host: "SM02", version: 1)).entryCount == 2)
        #expect(try open(try withExtraEntry(role: .sm, host: "sm01.corp.example", version: 2)).entryCount == 2)
        #expect(try open(try withExtraEntry(role: .dw, host: "SM01", version: 1)).entryCount == 2)
    }

    @Test func twoDomainsAreTwoComputers() throws {
        _ = try Vault.seal(try key(1), SealRequest(role: .sm, host: try HostName("sm01.a.example")), atPath: path, credentials: credentials)
        #expect(try open(try withExtraEntry(role: .sm, host: "sm01.b.example", version: 1)).entryCount == 2)
    }

    /// A plan for a short name that no inventory record places, with keys of that short name in two domains, is
    /// refused as a restore there would be: it cannot say which computer's keys it plans with.
    @Test func aPlanForAShortNameOfTwoDomainsIsRefused() throws {
        try Vault.setHost(InventoryHost(name: try HostName("DW01"), roles: [.dw]), atPath: path, credentials: credentials)
        for (n, name) in ["sm01.a.example", "sm01.b.example"].enumerated() {
            var request = SealRequest(role: .sm, host: try HostName(name))
            request.allowOutsideInventory = true
            _ = try Vault.seal(try key(UInt8(n + 1)), request, atPath: path, credentials: credentials)
        }
        let vault = try Vault.open(atPath: path)
        do {
            let plan = try RecoveryPlan.make(for: try HostName("SM01"), vault: vault, vaultPath: path)
            Issue.record("planned: \(plan.ways)")
        } catch let error as KeyVaultError {
            #expect(
                error.code == .hostMismatch
                    && error.message == "sm keys of sm01.a.example and sm01.b.example all match the name SM01: name the computer by its fully qualified name",
                "\(error)")
        }
        let plan = try RecoveryPlan.make(for: try HostName("sm01.b.example"), vault: vault, vaultPath: path)
        #expect(plan.ways.flatMap(\.steps).contains { $0.text.contains("(version 1, sealed") }, "\(plan.ways)")
    }

    /// Nor is a plan made for a short name that two inventory records of two domains match: it would be the first
    /// record's, leaving the other computer's keys out as a stranger's.
    @Test func aPlanForAShortNameOfTwoRecordedComputersIsRefused() throws {
        for (name, position) in [("sm01.a.example", SMPosition.primary), ("sm01.b.example", .additional)] {
            try Vault.setHost(InventoryHost(name: try HostName(name), roles: [.sm], smPosition: position), atPath: path, credentials: credentials)
        }
        do {
            let plan = try RecoveryPlan.make(for: try HostName("SM01"), vault: try Vault.open(atPath: path), vaultPath: path)
            Issue.record("planned for \(plan.host)")
        } catch let error as KeyVaultError {
            #expect(
                error.code == .hostMismatch
                    && error.message == "the inventory lists sm01.a.example and sm01.b.example, which all match the name SM01: name the computer by its fully qualified name",
                "\(error)")
        }
        #expect(try RecoveryPlan.make(for: try HostName("sm01.b.example"), vault: try Vault.open(atPath: path), vaultPath: path).host.value == "sm01.b.example")
    }

    @Test func aSealUsesTheInventorysNameForTheComputer() throws {
        try Vault.setHost(
            InventoryHost(name: try HostName("SM01"), fqdn: try HostName("sm01.corp.example"), roles: [.sm], smPosition: .primary),
            atPath: path, credentials: credentials)
        let first = try Vault.seal(try key(1), SealRequest(role: .sm, host: try HostName("sm01.corp.example")), atPath: path, credentials: credentials)
        let second = try Vault.seal(try key(2), SealRequest(role: .sm, host: try HostName("SM01")), atPath: path, credentials: credentials)
        #expect(first.entry.host.value == "SM01" && first.entry.version == 1)
        #expect(second.entry.host.value == "SM01" && second.entry.version == 2)
        // A computer the inventory does not know is refused, unless allowed; then it is recorded as given.
        var outside = SealRequest(role: .dw, host: try HostName("dw01.corp.example"))
        do {
            _ = try Vault.seal(try key(3), outside, atPath: path, credentials: credentials)
            Issue.record("a computer the inventory does not list was sealed")
        } catch let error as KeyVaultError {
            #expect(error.code == .notInInventory, "\(error)")
        }
        outside.allowOutsideInventory = true
        let other = try Vault.seal(try key(3), outside, atPath: path, credentials: credentials)
        #expect(other.entry.host.value == "dw01.corp.example")
    }

    /// The inventory's FQDN for a computer decides which fully qualified names are that computer: SM01 of another
    /// domain is refused as a computer the inventory does not list, and never joins SM01's series (where a restore on
    /// sm01.corp.example would take its key as SM01's newest).
    @Test func aComputerOfTheSameNameInAnotherDomainIsNotTheInventorysComputer() throws {
        try Vault.setHost(
            InventoryHost(name: try HostName("SM01"), fqdn: try HostName("sm01.corp.example"), roles: [.sm], smPosition: .primary),
            atPath: path, credentials: credentials)
        _ = try Vault.seal(try key(1), SealRequest(role: .sm, host: try HostName("SM01")), atPath: path, credentials: credentials)
        let before = try TestFiles.bytes(path)
        var stranger = SealRequest(role: .sm, host: try HostName("sm01.other.example"))
        do {
            _ = try Vault.seal(try key(2), stranger, atPath: path, credentials: credentials)
            Issue.record("SM01 of another domain was sealed as the inventory's SM01")
        } catch let error as KeyVaultError {
            #expect(error.code == .notInInventory, "\(error)")
            #expect(error.message.contains("sm01.other.example"), "\(error.message)")
        }
        #expect(try TestFiles.bytes(path) == before, "a refused seal wrote nothing")
        // Allowed outside the inventory, it is recorded under its own name (numbered after SM01's version 1, which
        // the short name shares with it), and a restore on the inventory's SM01 still takes SM01's own key.
        stranger.allowOutsideInventory = true
        let sealed = try Vault.seal(try key(2), stranger, atPath: path, credentials: credentials)
        #expect(sealed.entry.host.value == "sm01.other.example" && sealed.entry.version == 2, "\(sealed.entry)")
        // A plan for SM01 restores SM01's own version 1, not the stranger's newer version 2, and says what it left
        // out; the stranger's plan leaves SM01's key out. Coverage finds SM01's newest key without its password,
        // which the stranger's newer version of the shared short name does not hide.
        let vault = try Vault.open(atPath: path)
        let plan = try RecoveryPlan.make(for: try HostName("SM01"), vault: vault, vaultPath: path)
        let steps = plan.ways.flatMap(\.steps).map(\.text).joined(separator: "\n")
        #expect(steps.contains("(version 1, sealed") && !steps.contains("(version 2"), "\(steps)")
        #expect(
            plan.warnings.contains(
                "this plan leaves out the keys of sm01.other.example, another computer of the short name SM01 (the inventory's SM01 is sm01.corp.example): a restore that reaches SM01 by sm01.corp.example takes SM01's own keys, but one that knows only the short name is refused as ambiguous while those keys are in service (keyvault retire)"
            ), "\(plan.warnings)")
        let theirPlan = try RecoveryPlan.make(for: try HostName("sm01.other.example"), vault: vault, vaultPath: path)
        let theirSteps = theirPlan.ways.flatMap(\.steps).map(\.text).joined(separator: "\n")
        #expect(theirSteps.contains("(version 2, sealed") && !theirSteps.contains("(version 1"), "\(theirSteps)")
        #expect(
            theirPlan.warnings.contains(
                "this plan leaves out the keys of SM01, another computer of the short name sm01: a restore on sm01.other.example takes its own keys, but one that knows only the short name is refused as ambiguous while those keys are in service (keyvault retire)"
            ), "\(theirPlan.warnings)")
        let gaps = vault.coverageGaps()
        #expect(gaps.contains(.noPassword(host: try HostName("SM01"), role: .sm, version: 1)), "\(gaps)")
        #expect(gaps.contains(.noPassword(host: try HostName("sm01.other.example"), role: .sm, version: 2)), "\(gaps)")
        // One computer's key offered for the other is refused as another computer's key, not taken as "the same bytes
        // are version N" of it; nothing written.
        let beforeSwap = try TestFiles.bytes(path)
        for (byte, request) in [(UInt8(2), SealRequest(role: .sm, host: try HostName("SM01"))), (UInt8(1), stranger)] {
            do {
                let result = try Vault.seal(try key(byte), request, atPath: path, credentials: credentials)
                Issue.record("\(request.host) took the other computer's key as \(result.entry)")
            } catch let error as KeyVaultError {
                #expect(
                    error.code == .invalidArgument && error.message.hasPrefix("refused: this key file is already sealed as the sm key of "),
                    "\(error)")
            }
        }
        #expect(try TestFiles.bytes(path) == beforeSwap)
        func restored(on name: String, version: UInt32? = nil) throws -> Entry {
            try Vault.open(atPath: path).unlock(with: passphrase).restore(role: .sm, version: version, on: HostIdentity(testingName: try HostName(name)), recording: .callerRecords).entry
        }
        // The short name SM01 (what Windows reports, over SSH too) is both computers': neither key is picked.
        func expectAmbiguous(_ name: String) {
            do {
                let entry = try restored(on: name)
                Issue.record("\(name) took \(entry)")
            } catch let error as KeyVaultError {
                #expect(
                    error.code == .hostMismatch && error.message.hasPrefix("refused: sm keys for SM01 and sm01.other.example all match this computer's name \(name);"),
                    "\(name): \(error.message)")
            } catch { Issue.record("\(error)") }
        }
        expectAmbiguous("SM01")
        // SM01 sealed again: version 3 of the one numbered series, but SM01's key, not the stranger's.
        _ = try Vault.seal(try key(3), SealRequest(role: .sm, host: try HostName("SM01")), atPath: path, credentials: credentials)
        // Each computer gets its own newest key by its FQDN; the short name stays ambiguous.
        for name in ["sm01.corp.example", "SM01.Corp.Example."] {
            let entry = try restored(on: name)
            #expect(entry.host.value == "SM01" && entry.version == 3, "\(name): \(entry)")
        }
        expectAmbiguous("sm01")
        let theirs = try restored(on: "sm01.other.example")
        #expect(theirs.host.value == "sm01.other.example" && theirs.version == 2, "\(theirs)")
        // Neither takes the other's version when asked for it by number.
        for (name, version) in [("sm01.other.example", UInt32(1)), ("sm01.corp.example", UInt32(2))] {
            do {
                let entry = try restored(on: name, version: version)
                Issue.record("\(name) took version \(version): \(entry)")
            } catch let error as KeyVaultError {
                #expect(error.code == .noSuchEntry || error.code == .hostMismatch, "\(name): \(error)")
            }
        }
        // A retire by the short name would not know which computer's newest key it takes: refused, nothing written.
        let beforeRetire = try TestFiles.bytes(path)
        do {
            let entry = try Vault.retire(role: .sm, host: try HostName("SM01"), reason: "test", atPath: path, credentials: credentials)
            Issue.record("retired \(entry) by the short name")
        } catch let error as KeyVaultError {
            #expect(
                error.code == .hostMismatch
                    && error.message == "sm keys of sm01.corp.example and sm01.other.example all match the name SM01: name the computer by its fully qualified name",
                "\(error)")
        }
        #expect(try TestFiles.bytes(path) == beforeRetire)
        // With the stranger's own series retired, SM01's keys are still not its: refused, naming the inventory's FQDN.
        try Vault.retire(role: .sm, host: try HostName("sm01.other.example"), version: 2, reason: "test", atPath: path, credentials: credentials)
        do {
            let entry = try restored(on: "sm01.other.example")
            Issue.record("SM01's key restored on sm01.other.example: \(entry)")
        } catch let error as KeyVaultError {
            #expect(error.code == .hostMismatch, "\(error)")
            #expect(
                error.message
                    == "refused: the sm key of SM01 belongs to sm01.corp.example, the inventory's name for SM01, but this computer is sm01.other.example; a key restores only onto a computer with the name it was exported from",
                "\(error.message)")
        }
        // With the stranger's keys out of service, the short name is SM01's alone again.
        #expect(try restored(on: "SM01").version == 3)
        // Nor can the inventory list the stranger beside SM01: one computer per short name, said plainly.
        let listed = try TestFiles.bytes(path)
        do {
            try Vault.setHost(InventoryHost(name: try HostName("sm01.other.example"), roles: [.sm], smPosition: .additional), atPath: path, credentials: credentials)
            Issue.record("a second computer of the short name SM01 was listed")
        } catch let error as KeyVaultError {
            #expect(
                error.code == .invalidArgument
                    && error.message == "the inventory lists SM01 (sm01.corp.example), which has the short name of sm01.other.example: an inventory lists one computer per short name",
                "\(error)")
        }
        #expect(try TestFiles.bytes(path) == listed)
        // The short name and the recorded FQDN still name SM01.
        let inventory = try Vault.open(atPath: path).inventory
        #expect(inventory.recordedName(of: try HostName("sm01")) == (try HostName("SM01")))
        #expect(inventory.recordedName(of: try HostName("SM01.CORP.EXAMPLE")) == (try HostName("SM01")))
        #expect(inventory.recordedName(of: try HostName("sm01.other.example")) == nil)
    }

    @Test func aRestoreThatFindsTwoSeriesForOneComputerRefuses() throws {
        // Valid in a vault written before the NetBIOS clause: a long name and its NetBIOS form as two series.
        _ = try Vault.seal(try key(1), SealRequest(role: .dw, host: try HostName("averyveryverylongname")), atPath: path, credentials: credentials)
        let bytes = try withExtraEntry(role: .dw, host: "AVERYVERYVERYLO", version: 1)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let unlocked = try Vault.open(atPath: path).unlock(with: passphrase)
        for name in ["averyveryverylongname", "AVERYVERYVERYLO"] {
            do {
                _ = try unlocked.restore(role: .dw, on: HostIdentity(testingName: try HostName(name)))
                Issue.record("\(name): a restore picked one of two version-1 keys for one computer")
            } catch let error as KeyVaultError {
                #expect(
                    error.code == .hostMismatch && error.message.contains("version 1") && error.message.contains("averyveryverylongname")
                        && error.message.contains("AVERYVERYVERYLO"), "\(error.message)")
            }
        }
    }
}
