// Errors carry what they are about (issue 12): a program reads the file, role, computer and counts from
// `KeyVaultError.context` instead of parsing the message.
import Foundation
import Testing
@testable import KeyVault
import KeyVaultTestSupport

struct ErrorContextTests {
    let passphrase = try! SecretBytes(copying: Array("error context passphrase".utf8))
    let fastKDF = try! KDFParameters(opsLimit: 1, memLimitKiB: 8)

    func vault() throws -> (String, Credentials) {
        let path = "\(try CustodianSupport.temporaryDirectory())/v.kv"
        try Vault.create(atPath: path, passphrase: passphrase, kdf: fastKDF)
        let credentials = Credentials(passphrase: passphrase)
        _ = try Vault.seal(try CustodianSupport.secret("the SM01 key"), SealRequest(role: .sm, host: try HostName("SM01")), atPath: path, credentials: credentials)
        return (path, credentials)
    }

    func error(_ body: () throws -> Void) -> KeyVaultError? {
        do { try body() } catch let error as KeyVaultError { return error } catch { Issue.record("not a KeyVaultError: \(error)") }
        return nil
    }

    @Test func aRefusedRestoreNamesTheVaultTheRoleAndBothComputers() throws {
        let (path, credentials) = try vault()
        let dw01 = HostIdentity(testingName: try HostName("DW01"))
        let e = error { _ = try Vault.open(atPath: path).unlock(with: credentials).restore(role: .sm, on: dw01, recording: .callerRecords) }
        #expect(e?.code == .hostMismatch)
        #expect(e?.context == KeyVaultError.Context(path: path, role: .sm, host: "DW01", recordedHosts: ["SM01"]))
    }

    @Test func aMissingRoleOrVersionNamesWhatWasAsked() throws {
        let (path, credentials) = try vault()
        let sm01 = HostIdentity(testingName: try HostName("SM01"))
        let unlocked = try Vault.open(atPath: path).unlock(with: credentials)
        let noRole = error { _ = try unlocked.restore(role: .dw, on: sm01, recording: .callerRecords) }
        #expect(noRole?.code == .noSuchEntry && noRole?.context == KeyVaultError.Context(path: path, role: .dw, host: "SM01"))
        let noVersion = error { _ = try unlocked.restore(role: .sm, version: 7, on: sm01, recording: .callerRecords) }
        #expect(noVersion?.code == .noSuchEntry && noVersion?.context == KeyVaultError.Context(path: path, role: .sm, host: "SM01"))
    }

    @Test func aThresholdUnlockSaysHowManyWereGivenAndNeeded() throws {
        let dir = try CustodianSupport.temporaryDirectory()
        let path = "\(dir)/t.kv"
        let (alice, bob, carol) = (try CustodianIdentity.generate(), try CustodianIdentity.generate(), try CustodianIdentity.generate())
        try Vault.create(atPath: path, custodians: [.recipient(alice.recipient!), .recipient(bob.recipient!), .recipient(carol.recipient!)], threshold: 2)
        let e = error { _ = try Vault.open(atPath: path).unlock(with: Credentials(identities: [alice])) }
        #expect(e?.code == .unlockFailed && e?.remedy == .addCustodians(passphrase: false))
        #expect(e?.context == KeyVaultError.Context(path: path, given: 1, needed: 2))
    }

    @Test func aFileErrorNamesThatFile() throws {
        let (path, credentials) = try vault()
        let missing = path + ".missing"
        let e = error { _ = try Vault.open(atPath: missing) }
        #expect(e?.code == .fileConflict && e?.context.path == missing)
        // A restore's output file is the file its conflict is about, not the vault.
        let out = "\(Paths.directory(of: path))/sm01.key"
        try CustodianSupport.write("in the way\n", to: out)
        let restored = try Vault.open(atPath: path).unlock(with: credentials).restore(
            role: .sm, on: HostIdentity(testingName: try HostName("SM01")), recording: .callerRecords)
        let conflict = error { try restored.write(toPath: out, replacing: false) }
        #expect(conflict?.code == .fileConflict && conflict?.remedy == .replaceExisting && conflict?.context.path == out)
    }

    @Test func aRefusedSealNamesTheRequestAndTheVaultItWasGiven() throws {
        let (path, credentials) = try vault()
        // Through a symbolic link: the context names the path the caller gave, not the file it resolves to.
        let link = "\(Paths.directory(of: path))/link.kv"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: path)
        let before = try TestFiles.bytes(path)
        let e = error {
            _ = try Vault.seal(try CustodianSupport.secret("the SM01 key"), SealRequest(role: .dw, host: try HostName("DW01")), atPath: link, credentials: credentials)
        }
        #expect(e?.code == .invalidArgument)
        #expect(e?.context == KeyVaultError.Context(path: link, role: .dw, host: "DW01"))
        #expect(try TestFiles.bytes(path) == before)
    }
}
