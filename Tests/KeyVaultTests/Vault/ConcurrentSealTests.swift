// Threads of one process sealing into one vault: the lock serialises them (flock is per open file), no seal is lost,
// and ThreadSanitizer (scripts/test.sh runs this suite under it) sees no race in the library.
import Foundation
import Testing
@testable import KeyVault

struct ConcurrentSealTests {
    @Test func fourThreadsSealingTwiceEachLoseNothing() throws {
        let dir = try CustodianSupport.temporaryDirectory()
        let identity = try CustodianIdentity.generate()
        try Vault.create(atPath: "\(dir)/v.kv", custodians: [.recipient(identity.recipient!)])
        let credentials = Credentials(identities: [identity])
        let threads = 4, each = 2
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            for i in 0..<each {
                do {
                    let bytes = try SecretBytes(copying: Array("key from thread \(t), seal \(i)".utf8))
                    _ = try Vault.seal(
                        bytes, SealRequest(role: .dw, host: try HostName("DW01"), label: "t\(t)-\(i)"),
                        atPath: "\(dir)/v.kv", credentials: credentials)
                } catch {
                    failures.withLock { $0.append("thread \(t) seal \(i): \(error)") }
                }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty)
        let vault = try Vault.open(atPath: "\(dir)/v.kv")
        #expect(vault.entries.map(\.version).sorted() == Array(1...UInt32(threads * each)))
        #expect(Set(vault.entries.map(\.label)).count == threads * each)
        let report = try vault.unlock(with: credentials).verify()
        #expect(report.isIntact)
    }
}

/// A value behind a lock, for collecting results from several threads.
final class Mutex<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) -> R) -> R { lock.lock(); defer { lock.unlock() }; return body(&value) }
}
