// Several keyvault processes sealing into one vault at once: the lock serialises them and no seal is lost, in either
// format version.
import Foundation
import Testing

struct ConcurrencyCLITests {
    /// Format version 1 (each seal a new file renamed into place) and 2 (each seal an append to the same file); 8 writers
    /// at once, 3 seals each.
    @Test(arguments: ["1", "2"]) func eightConcurrentSealsAllLand(format: String) throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        let made = try CLI.run(["keygen", "--out", ws.file("id")])
        #expect(made.status == 0)
        #expect(try CLI.run(["init", ws.file("vault.kv"), "--identity", ws.file("id"), "--format", format]).status == 0)
        let writers = 8, each = 3, count = writers * each
        for i in 0..<count { _ = try ws.key("k\(i).bin", size: 64 + i) }
        nonisolated(unsafe) var results = [Run?](repeating: nil, count: count)
        let lock = NSLock()
        // One user's record of the vaults it saw, shared by every writer (as in a pipeline running as one account): a
        // writer that read the vault before another wrote it must not take the other's record for a roll-back.
        let state = ["XDG_STATE_HOME": ws.file("state")]
        DispatchQueue.concurrentPerform(iterations: writers) { w in
            for i in stride(from: w, to: count, by: writers) {
                let r = try? CLI.run(
                    [
                        "seal", ws.file("vault.kv"), "--role", "sm", "--host", "SM01", "--key", ws.file("k\(i).bin"),
                        "--label", "writer \(i)", "--identity", ws.file("id"),
                    ], environment: state)
                lock.lock(); results[i] = r; lock.unlock()
            }
        }
        for (i, r) in results.enumerated() { #expect(r?.status == 0, "seal \(i): \(String(describing: r))") }
        let list = try CLI.run(["list", ws.file("vault.kv"), "--json"])
        #expect(list.status == 0)
        for version in 1...count { #expect(list.stdout.contains("\"version\":\(version),"), "version \(version) missing") }
        for i in 0..<count { #expect(list.stdout.contains("\"label\":\"writer \(i)\""), "seal \(i) was lost") }
        let verify = try CLI.run(["verify", ws.file("vault.kv"), "--identity", ws.file("id")])
        #expect(verify.status == 0 && verify.stdout.contains("\(count) of \(count) entries intact"), "\(verify)")
        #expect(try ws.listing() == (["id", "pass", "state", "vault.kv"] + (0..<count).map { "k\($0).bin" }).sorted())
    }
}
