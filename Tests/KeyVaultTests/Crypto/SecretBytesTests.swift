// SecretBytes: guarded memory that compares in constant time and is wiped on demand and on release.
import Foundation
import KeyVaultTestSupport
import Testing
@testable import KeyVault

struct SecretBytesTests {
    @Test func wipeZeroesTheBytesInPlace() throws {
        let secret = try SecretBytes(copying: Array("a decrypted escrowed key".utf8))
        #expect(!secret.isAllZero)
        let address = secret.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) }
        secret.wipe()
        #expect(secret.isAllZero)
        #expect(secret.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) } == address)
        #expect(secret.withUnsafeBytes { $0.allSatisfy { $0 == 0 } })
    }

    /// Sizes a caller gets wrong are errors, not traps in the program that links the library.
    @Test func aNegativeOrLargestSizeIsAnErrorNotATrap() throws {
        #expect(throws: KeyVaultError.invalidArgument("a secret cannot have a negative size (-1 bytes)")) { _ = try SecretBytes(zeroedCount: -1) }
        #expect(throws: KeyVaultError.invalidArgument("a secret cannot have a negative size (-5 bytes)")) { _ = try SecretBytes.random(count: -5) }
        let path = try TestFolders.make("kv-secret-size") + "/k.bin"
        #expect(FileManager.default.createFile(atPath: path, contents: Data("an exported key".utf8)))
        #expect(try SecretInput.keyFile(path, maxCount: .max).count == 15)
        #expect(throws: KeyVaultError.invalidArgument("the largest key to read must be 0 bytes or more, not -1")) { _ = try SecretInput.keyFile(path, maxCount: -1) }
        #expect(throws: KeyVaultError.invalidArgument("key file \(path) is larger than 10 bytes; keyvault seals exported key files, which are small")) {
            _ = try SecretInput.keyFile(path, maxCount: 10)
        }
    }

    @Test func equalityComparesContentsAndLength() throws {
        let a = try SecretBytes(copying: [1, 2, 3, 4]), b = try SecretBytes(copying: [1, 2, 3, 4])
        #expect(a == b)
        #expect(a != (try SecretBytes(copying: [1, 2, 3, 5])))
        #expect(a != (try SecretBytes(copying: [1, 2, 3])))
        #expect(constantTimeEqual([9, 9], [9, 9]) && !constantTimeEqual([9, 9], [9, 8]) && !constantTimeEqual([9], [9, 9]))
    }

    @Test func randomBytesDifferAndHaveTheirLength() throws {
        let a = try SecretBytes.random(count: 32), b = try SecretBytes.random(count: 32)
        #expect(a.count == 32 && a != b && !a.isAllZero)
        #expect(try SecretBytes.random(count: 0).count == 0)
    }

    @Test func describingASecretShowsNoBytes() throws {
        let secret = try SecretBytes(copying: Array("hunter2hunter2".utf8))
        #expect(!String(describing: secret).contains("hunter2"))
        #expect(!String(reflecting: secret).contains("hunter2"))
    }

    @Test func restoredKeysAreHeldInGuardedMemoryAndWipeable() throws {
        let dir = try CustodianSupport.temporaryDirectory()
        let identity = try CustodianIdentity.generate()
        try Vault.create(atPath: "\(dir)/v.kv", custodians: [.recipient(identity.recipient!)])
        let bytes = [UInt8](repeating: 0xA5, count: 1296)
        let credentials = Credentials(identities: [identity])
        _ = try Vault.seal(try SecretBytes(copying: bytes), SealRequest(role: .sm, host: try HostName("SM01")), atPath: "\(dir)/v.kv", credentials: credentials)
        let restored = try Vault.open(atPath: "\(dir)/v.kv").unlock(with: credentials).restore(role: .sm, on: HostIdentity(testingName: try HostName("SM01")))
        #expect(restored.key.withUnsafeBytes { Array($0) } == bytes)
        restored.key.wipe()
        #expect(restored.key.isAllZero)
    }
}
