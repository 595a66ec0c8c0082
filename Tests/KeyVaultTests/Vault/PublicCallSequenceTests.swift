// Random sequences of public calls with edge-case (but well-typed) inputs: the vault always opens and verifies.
import Foundation
import Testing
@testable import KeyVault
import KeyVaultTestSupport

/// A small deterministic generator (SplitMix64), so a failing sequence can be replayed from its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct PublicCallSequenceTests {
    /// Free text a tool author might pass: empty, maximal, control characters, emoji, right-to-left, huge.
    static let texts: [String] = [
        "", "ok", "Restore", "UPPER CASE and spaces", "tab\there", "new\nline", "nul\u{0}byte", "\u{1B}[31mred",
        String(repeating: "é", count: 300), String(repeating: "x", count: 10_000), "🔑🗝️", "שלום", "a\u{202E}b",
        String(repeating: "\u{7F}", count: 3), "semi;colon|pipe\\back",
    ]
    static let hostNames = [
        "SM01", "sm01.corp.example", "DW01", "SSP01", "SM02", "averyveryverylongname",
        String(repeating: "a", count: 63) + "." + String(repeating: "b", count: 63) + ".example",
        "x", "sql01.corp.example",
    ]

    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func everySequenceOfPublicCallsLeavesAVaultThatOpensAndVerifies(seed: UInt64) throws {
        var rng = SplitMix64(state: seed)
        let dir = NSTemporaryDirectory() + "kv-seq-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = "\(dir)/v.kv"
        let passphrase = try SecretBytes(copying: Array("sequence tests passphrase".utf8))
        let identity = try CustodianIdentity.generate()
        let credentials = Credentials(passphrase: passphrase, identities: [identity])
        try Vault.create(atPath: path, passphrase: passphrase, kdf: KDFParameters(opsLimit: 1, memLimitKiB: 8))
        var done: [String: Int] = [:]

        for step in 0..<40 {
            let before = try Data(TestFiles.bytes(path))
            let text = Self.texts.randomElement(using: &rng)!
            let hostName = try HostName(Self.hostNames.randomElement(using: &rng)!)
            let op = Int.random(in: -3..<11, using: &rng)
            let what: String
            do {
                switch op {
                case -3...1:
                    what = "seal"
                    var request = SealRequest(
                        role: Role.known.randomElement(using: &rng)!, host: hostName,
                        label: Int.random(in: 0..<4, using: &rng) == 0 ? text : "label \(step)", originalFileName: Int.random(in: 0..<4, using: &rng) == 0 ? text : "")
                    if Bool.random(using: &rng) { request.keyPassword = try SecretBytes(copying: Array("Pa55word-\(step)".utf8)) }
                    request.allowOutsideInventory = Int.random(in: 0..<4, using: &rng) != 0
                    let bytes = (0..<Int.random(in: 1...600, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                    _ = try Vault.seal([SealItem(key: try SecretBytes(copying: bytes), request: request)], atPath: path, credentials: credentials)
                case 2:
                    what = "record"
                    let unlocked = try Vault.open(atPath: path).unlock(with: credentials)
                    try unlocked.record(
                        AuditAction.known.randomElement(using: &rng)!, entry: unlocked.vault.entries.randomElement(using: &rng),
                        outcome: text, actor: AuditActor(user: Self.texts.randomElement(using: &rng)!, machine: text))
                case 3:
                    what = "management group"
                    try Vault.setManagementGroup(text, atPath: path, credentials: credentials)
                case 4:
                    what = "host"
                    let roles = Array(Role.inventoryRoles.shuffled(using: &rng).prefix(Int.random(in: 1...2, using: &rng)))
                    let position: SMPosition? = roles.contains(.sm) ? [SMPosition.primary, .additional].randomElement(using: &rng) : nil
                    try Vault.setHost(
                        InventoryHost(
                            name: hostName, fqdn: Bool.random(using: &rng) ? try HostName("\(hostName.value.prefix(20)).corp.example") : nil,
                            roles: roles, smPosition: position, productVersion: Bool.random(using: &rng) ? text : nil),
                        atPath: path, credentials: credentials)
                case 5:
                    what = "database"
                    try Vault.setDatabase(
                        InventoryDatabase(
                            name: Bool.random(using: &rng) ? "ServiceManager" : text, sqlHost: hostName,
                            instance: Bool.random(using: &rng) ? "SMINST" : text), atPath: path, credentials: credentials)
                case 6:
                    what = "promote"
                    try Vault.promote(hostName, atPath: path, credentials: credentials)
                case 7:
                    what = "drill"
                    let report = try Vault.open(atPath: path).unlock(with: credentials).drill()
                    #expect(report.recordError == nil, "seed \(seed) step \(step): \(report.recordError ?? "")")
                case 8:
                    what = "custodian add"
                    _ = try Vault.addCustodians([.recipient(try #require(CustodianIdentity.generate().recipient))], atPath: path, credentials: credentials)
                case 9:
                    what = "custodian remove"
                    let custodians = try Vault.open(atPath: path).custodians.filter { $0.kind == .x25519 && $0.recipient != identity.recipient?.string }
                    if let c = custodians.randomElement(using: &rng) { _ = try Vault.removeCustodian(id: c.id, atPath: path, credentials: credentials) }
                default:
                    what = "rekey"
                    try Vault.rekey(atPath: path, credentials: credentials)
                }
            } catch let error as KeyVaultError {
                // A refusal is fine (an invalid name, a promotion of a host that is not additional, a computer the
                // inventory does not list), but it must be one of those and must leave the file exactly as it was.
                #expect([.usage, .notFound].contains(error.code.category) || error.code == .notInInventory, "seed \(seed) step \(step) op \(op): \(error.code) \(error.message)")
                #expect(try Data(TestFiles.bytes(path)) == before, "seed \(seed) step \(step): a refused call changed the vault")
                continue
            }
            done[what, default: 0] += 1
            let vault = try Vault.open(atPath: path)
            let unlocked = try vault.unlock(with: credentials)
            let report = unlocked.verify()
            #expect(report.isIntact, "seed \(seed) step \(step) after \(what): \(report.entries.compactMap(\.problem)) \(report.auditLogProblem ?? "")")
            #expect(unlocked.auditLog().isIntact)
        }
        // The sequence did real work, not 40 refusals.
        #expect(done["seal", default: 0] >= 3 && done.count >= 5, "\(done)")
    }

    @Test func anActionOutsideTheStoredFormCannotBeMade() {
        #expect(AuditAction(rawValue: "Restore") == nil)
        #expect(AuditAction(rawValue: "") == nil)
        #expect(AuditAction(rawValue: String(repeating: "a", count: 33)) == nil)
        #expect(AuditAction(rawValue: "restore") == .restore)
        #expect(AuditAction(rawValue: "custodian-add") == .custodianAdd)
        #expect(AuditAction.known.allSatisfy { AuditAction(rawValue: $0.rawValue) == $0 })
    }

    @Test func aWriteThatWouldNotReadBackIsRefusedAndChangesNothing() throws {
        let dir = NSTemporaryDirectory() + "kv-seq-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = "\(dir)/v.kv"
        let passphrase = try SecretBytes(copying: Array("sequence tests passphrase".utf8))
        try Vault.create(atPath: path, passphrase: passphrase, kdf: KDFParameters(opsLimit: 1, memLimitKiB: 8))
        let before = try Data(TestFiles.bytes(path))
        // Internal access skips the public validation: the parse-back before the rename is the last line of defence.
        do {
            try Vault.updateExtensions(path, credentials: Credentials(passphrase: passphrase)) { _, _, area in
                area.inventory.managementGroup = "bad\u{1}name"
            }
            Issue.record("a vault that does not read back was written")
        } catch let error as KeyVaultError {
            #expect(error.code == .internalError)
            #expect(error.message.hasPrefix("refused to write \(path): the new file would not open"), "\(error.message)")
        }
        #expect(try Data(TestFiles.bytes(path)) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["v.kv"], "no temporary file is left")
    }
}
