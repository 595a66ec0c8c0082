// Two certificates of one key (a renewal that kept the key) in a threshold vault: found by an attacker's review, where
// whoever held that key counted as two custodians and opened a 2-of-3 vault alone.
import Foundation
import Testing
import KeyVaultTestSupport
@testable import KeyVault

struct SharedKeyCertificateTests {
    /// Alice's key with two certificates (a1, a2: the second a renewal that kept the key), Bob's certificate, and an
    /// X25519 custodian; Alice's and Bob's private keys as identities.
    struct People {
        let dir: String
        let a1: CertificateCustodian, a2: CertificateCustodian, b: CertificateCustodian
        let alice: CustodianIdentity, bob: CustodianIdentity
        let carol: CustodianIdentity
    }

    static func people() throws -> People {
        let dir = try CustodianSupport.temporaryDirectory()
        let ec = ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
        let (a1, aliceKey) = try CustodianSupport.certificate("a1", key: ec, in: dir)
        try CustodianSupport.openssl(["req", "-x509", "-key", aliceKey, "-out", "a2.pem", "-days", "60", "-subj", "/CN=a2"], in: dir)
        let (b, bobKey) = try CustodianSupport.certificate("b", key: ec, in: dir)
        return People(
            dir: dir, a1: try CertificateCustodian.load(fromFile: a1), a2: try CertificateCustodian.load(fromFile: "\(dir)/a2.pem"),
            b: try CertificateCustodian.load(fromFile: b),
            alice: try CustodianIdentity.load(fromFile: aliceKey, password: CustodianSupport.noPassword),
            bob: try CustodianIdentity.load(fromFile: bobKey, password: CustodianSupport.noPassword), carol: try CustodianIdentity.generate())
    }

    static let refusal =
        "the certificates of CN=a1 and CN=a2 hold the same key: in a threshold vault each custodian has a key of their own, or one person would count twice; keep one of them (a certificate renewed with the same key needs no new slot: its key still opens the old one)"

    /// Refused where a threshold vault is made or its custodians change; an any-one vault may keep both (either opens
    /// it alone anyway).
    @Test func aThresholdVaultRefusesTwoCertificatesOfOneKey() throws {
        let p = try Self.people()
        let custodians: [NewCustodian] = [.certificate(p.a1), .certificate(p.a2), .certificate(p.b)]
        #expect {
            try Vault.create(atPath: "\(p.dir)/t.kv", custodians: custodians, threshold: 2)
        } throws: { ($0 as? KeyVaultError)?.message == Self.refusal }
        #expect(!FileManager.default.fileExists(atPath: "\(p.dir)/t.kv"))
        try Vault.create(atPath: "\(p.dir)/any.kv", custodians: custodians)

        try Vault.create(atPath: "\(p.dir)/v.kv", custodians: [.certificate(p.a1), .certificate(p.b), .recipient(p.carol.recipient!)], threshold: 2)
        let before = try TestFiles.bytes("\(p.dir)/v.kv")
        #expect {
            try Vault.addCustodians([.certificate(p.a2)], atPath: "\(p.dir)/v.kv", credentials: Credentials(identities: [p.alice, p.bob]))
        } throws: { ($0 as? KeyVaultError)?.message == Self.refusal }
        #expect(try TestFiles.bytes("\(p.dir)/v.kv") == before, "nothing was written")
    }

    /// A threshold vault an earlier keyvault made with both certificates: Alice's key opens one of the two slots, and
    /// she alone is one custodian of the two needed.
    @Test func oneKeyOpensOneSlotOfAThresholdVault() throws {
        let p = try Self.people()
        let sources = [NewCustodian.certificate(p.a1), .certificate(p.a2), .certificate(p.b)].map(\.slotRecipient)
        try Vault.create(atPath: "\(p.dir)/old.kv", sources: sources, threshold: 2, keyPins: nil, endorsers: [], formatVersion: 2)
        let vault = try Vault.open(atPath: "\(p.dir)/old.kv")
        #expect {
            try vault.unlock(with: Credentials(identities: [p.alice]))
        } throws: {
            ($0 as? KeyVaultError)?.message
                == "unlock failed: 1 of the 2 custodians this vault needs were given (threshold 2 of 3); slot 2 holds a certificate of the same key as slot 1, which counts as one custodian"
        }
        let unlocked = try vault.unlock(with: Credentials(identities: [p.alice, p.bob]))
        #expect(unlocked.isAuthentic && unlocked.openedSlots == [0, 2], "\(unlocked.openedSlots)")
    }
}
