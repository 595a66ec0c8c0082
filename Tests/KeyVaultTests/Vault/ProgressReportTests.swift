// Long operations report their progress to ProgressReport.reporter (issue 13): the KDF as a start and an end, loops
// over 1,000 entries or more every 250 entries, and nothing at all when no reporter is bound.
import Testing
@testable import KeyVault

struct ProgressReportTests {
    let passphrase = try! SecretBytes(copying: Array("progress report passphrase".utf8))

    /// Collects the reports made while `body` runs.
    func reports(_ body: () throws -> Void) rethrows -> [ProgressReport] {
        let seen = Locked<[ProgressReport]>([])
        try ProgressReport.$reporter.withValue({ report in seen.withLock { $0.append(report) } }) { try body() }
        return seen.withLock { $0 }
    }

    func vault(entries: Int) throws -> String {
        let path = "\(try CustodianSupport.temporaryDirectory())/v.kv"
        try Vault.create(atPath: path, passphrase: passphrase, kdf: try KDFParameters(opsLimit: 1, memLimitKiB: 8))
        let items = try (0..<entries).map { i in
            SealItem(key: try CustodianSupport.secret("key \(i)"), request: SealRequest(role: .sm, host: try HostName("SM\(i)")))
        }
        _ = try Vault.seal(items, atPath: path, credentials: Credentials(passphrase: passphrase))
        return path
    }

    @Test func theKDFReportsItsStartAndEnd() throws {
        let path = try vault(entries: 1)
        let seen = try reports { _ = try Vault.open(atPath: path).unlock(with: Credentials(passphrase: passphrase)) }
        let task = "deriving the key from the passphrase (Argon2id, 0 MiB)"
        #expect(seen == [ProgressReport(task: task, completed: 0, total: nil, isFinished: false), ProgressReport(task: task, completed: 0, total: nil, isFinished: true)])
    }

    @Test func verifyingAThousandEntriesReportsEvery250AndFinishes() throws {
        let path = try vault(entries: 1_000)
        let unlocked = try Vault.open(atPath: path).unlock(with: Credentials(passphrase: passphrase))
        let seen = reports { #expect(unlocked.verify().isIntact) }
        #expect(seen.map(\.completed) == [0, 250, 500, 750, 1_000, 1_000])
        #expect(seen.allSatisfy { $0.task == "checking entries" && $0.total == 1_000 })
        #expect(seen.map(\.isFinished) == [false, false, false, false, false, true])
    }

    @Test func smallVaultsAndUnboundReportersReportNothing() throws {
        let path = try vault(entries: 999)
        let unlocked = try Vault.open(atPath: path).unlock(with: Credentials(passphrase: passphrase))
        #expect(reports { _ = unlocked.verify() } == [])
        // Without a reporter bound, the operation runs exactly the same and nothing is called.
        #expect(unlocked.verify().entries.count == 999)
    }

    @Test func aReKeyReportsBothPassesOverTheEntries() throws {
        let path = try vault(entries: 1_000)
        let seen = try reports { try Vault.rekey(atPath: path, credentials: Credentials(passphrase: passphrase)) }
        let loop = seen.filter { $0.task == "re-keying entries" }
        #expect(loop.first?.completed == 0 && loop.first?.total == 2_000)
        #expect(loop.last == ProgressReport(task: "re-keying entries", completed: 2_000, total: 2_000, isFinished: true))
        #expect(loop.count == 10, "\(loop.map(\.completed))")
        #expect(try Vault.open(atPath: path).unlock(with: Credentials(passphrase: passphrase)).verify().isIntact)
    }
}
