// Seals two keys into a new vault, lists them, restores this machine's and is refused the other's, with public API only.
import Foundation
import KeyVault

/// Stops the example with a message and exit status 1: anything unexpected is a failure.
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("SealListRestore: unexpected: \(message)\n".utf8))
    exit(1)
}

do {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("keyvault-example-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("escrow.kv").path

    // 1. A vault under a passphrase (the interactive Argon2id preset, to keep the example quick).
    let passphrase = try SecretBytes(copying: Array("an example passphrase, not a real one".utf8))
    let vault = try Vault.create(atPath: path, passphrase: passphrase, kdf: .interactive)
    print("created \(path) (format version \(vault.formatVersion))")

    // 2. Two keys: this machine's SM key, and the DW key of another computer.
    let here = try HostIdentity()
    let other = try HostName(here.name.matches(try HostName("DW-ELSEWHERE")) ? "DW-SOMEWHERE" : "DW-ELSEWHERE")
    let smBytes = (0..<1296).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
    let dwBytes = (0..<1424).map { UInt8(truncatingIfNeeded: $0 &* 17 &+ 3) }
    for (bytes, request) in [
        (smBytes, SealRequest(role: .sm, host: here.name, originalFileName: "sm.bin")),
        (dwBytes, SealRequest(role: .dw, host: other, originalFileName: "dw.bin")),
    ] {
        let result = try Vault.seal(try SecretBytes(copying: bytes), request, atPath: path, credentials: Credentials(passphrase: passphrase))
        print("sealed the \(result.entry.displayName), \(result.entry.size) bytes")
    }

    // 3. The list: public metadata, read without the passphrase.
    let entries = try Vault.open(atPath: path).entries
    print("the vault lists \(entries.count) entries:")
    for entry in entries { print("  \(entry.role)  \(entry.host)  version \(entry.version)  \(entry.size) bytes  \(entry.fingerprint.description.prefix(16))…") }
    guard entries.count == 2 else { fail("expected 2 entries, found \(entries.count)") }

    // 4. Restore this machine's key: HostIdentity() reads the host name from the operating system.
    let unlocked = try Vault.open(atPath: path).unlock(with: passphrase)
    let restored = try unlocked.restore(role: .sm, on: here)
    let same = restored.key.withUnsafeBytes { Array($0) == smBytes }
    guard same else { fail("the restored sm key differs from the sealed bytes") }
    print("restored the \(restored.entry.displayName) on \(here): the bytes match")

    // 5. The other computer's key is refused here, with a code a tool can act on.
    do {
        _ = try unlocked.restore(role: .dw, on: here)
        fail("the dw key of \(other) was restored on \(here)")
    } catch let error as KeyVaultError where error.code == .hostMismatch {
        print("restoring the dw key on \(here) was refused (\(error.code), category \(error.code.category)): \(error.message)")
    }
    print("ok")
} catch let error as KeyVaultError {
    fail("\(error.code): \(error.message)")
} catch {
    fail("\(error)")
}
