// A restore through the library records itself unless the caller says it records it (issue 12): a tool author who
// forgets leaves a trace all the same.
import Foundation
import Testing
@testable import KeyVault
import KeyVaultTestSupport

struct RestoreRecordingTests {
    let passphrase = try! SecretBytes(copying: Array("restore recording passphrase".utf8))
    let sm01 = HostIdentity(testingName: try! HostName("SM01"))

    func vault() throws -> (String, Credentials) {
        let dir = try CustodianSupport.temporaryDirectory()
        let path = "\(dir)/v.kv"
        try Vault.create(atPath: path, passphrase: passphrase, kdf: try KDFParameters(opsLimit: 1, memLimitKiB: 8))
        let credentials = Credentials(passphrase: passphrase)
        _ = try Vault.seal(
            try SecretBytes(copying: Array("the SM01 key".utf8)), SealRequest(role: .sm, host: try HostName("SM01")),
            atPath: path, credentials: credentials)
        return (path, credentials)
    }

    @Test func aRestoreRecordsItselfByDefault() throws {
        let (path, credentials) = try vault()
        let restored = try Vault.open(atPath: path).unlock(with: credentials).restore(role: .sm, on: sm01)
        #expect(restored.recordProblem == nil)
        let log = try Vault.open(atPath: path).unlock(with: credentials).auditLog()
        #expect(log.isIntact && log.records.last?.action == .restore && log.records.last?.outcome == "ok: restored on SM01")
        #expect(log.records.last?.host?.value == "SM01" && log.records.last?.version == 1)
    }

    @Test func aCallerThatRecordsItselfWritesNothing() throws {
        let (path, credentials) = try vault()
        let before = try TestFiles.bytes(path)
        let restored = try Vault.open(atPath: path).unlock(with: credentials).restore(role: .sm, on: sm01, recording: .callerRecords)
        #expect(restored.key == (try SecretBytes(copying: Array("the SM01 key".utf8))) && restored.recordProblem == nil)
        #expect(try TestFiles.bytes(path) == before)
    }

    @Test func aRecordThatCannotBeWrittenStillReturnsTheKeyAndSaysWhy() throws {
        let (path, credentials) = try vault()
        let unlocked = try Vault.open(atPath: path).unlock(with: credentials)
        // The vault's folder goes away after the unlock (an unmounted share, say): the key is read from the open
        // file, and the record has nowhere to go.
        try FileManager.default.removeItem(atPath: Paths.directory(of: path))
        let restored = try unlocked.restore(role: .sm, on: sm01)
        #expect(restored.key == (try SecretBytes(copying: Array("the SM01 key".utf8))))
        #expect(restored.recordProblem?.contains(path) == true, "\(String(describing: restored.recordProblem))")
    }
}
