// SecretInput.read: a secret file into guarded memory of exactly its size, or a stream into the cap.
import Foundation
import Testing
@testable import KeyVault
import KeyVaultTestSupport

struct SecretFileReadTests {
    private func bytes(_ secret: SecretBytes) -> [UInt8] { secret.withUnsafeBytes { Array($0) } }

    @Test(arguments: [0, 1, 297, 4096, 70_000])
    func aRegularFileIsReadWholeIntoExactlyItsSize(size: Int) throws {
        let path = try TestFolders.make("kv-secret-read") + "/f"
        let content = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        #expect(FileManager.default.createFile(atPath: path, contents: Data(content)))
        let secret = try SecretInput.read(path, maxCount: 1 << 20, what: "key file", regularOnly: true)
        #expect(secret.count == size)
        #expect(bytes(secret) == content)
    }

    @Test func aFileAtTheCapIsReadUpToTheCapForTheCallerToRefuse() throws {
        let path = try TestFolders.make("kv-secret-read") + "/f"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(repeating: 9, count: 5000)))
        let secret = try SecretInput.read(path, maxCount: 4097, what: "key file", regularOnly: true)
        #expect(bytes(secret) == [UInt8](repeating: 9, count: 4097))
    }

    @Test func aFileThatHoldsMoreThanItsSizeSaysIsRefused() throws {
        // /proc files report a size of 0 and hold bytes all the same.
        #expect {
            _ = try SecretInput.read("/proc/self/stat", maxCount: 1 << 20, what: "key file", regularOnly: true)
        } throws: {
            ($0 as? KeyVaultError)?.message
                == "key file changed while it was read, or is not an ordinary file (its size does not match what it holds); copy it to a regular file and try again"
        }
    }

    @Test func aPipeIsReadIntoTheCap() throws {
        // As `--passphrase-file <(command)` gives it: /dev/fd/N, the read end of a pipe.
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]) }
        #expect([UInt8]("line\n".utf8).withUnsafeBytes { write(ends[1], $0.baseAddress, $0.count) } == 5)
        close(ends[1])
        let secret = try SecretInput.read("/dev/fd/\(ends[0])", maxCount: 1024, what: "passphrase file")
        #expect(bytes(secret) == Array("line\n".utf8))
    }
}
