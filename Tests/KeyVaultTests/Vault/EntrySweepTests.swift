// Verifying every entry in one pass: the same verdict and message per entry as opening each one alone, however the
// sealed keys are split into reads, whatever their sizes.
import Foundation
import Testing
@testable import KeyVault
import KeyVaultTestSupport

struct EntrySweepTests {
    /// Keys of very different sizes, so that one reused buffer holds a short key right after a long one.
    static let sizes = [5_000, 10, 3_000, 1, 4_096, 200, 7_000]

    /// A vault of `sizes.count` entries and its credentials.
    func sealedVault() throws -> (path: String, credentials: Credentials) {
        let dir = try CustodianSupport.temporaryDirectory()
        let identity = try CustodianIdentity.generate()
        let path = "\(dir)/v.kv"
        try Vault.create(atPath: path, custodians: [.recipient(identity.recipient!)], endorsers: [identity])
        let items = try Self.sizes.enumerated().map { i, size in
            SealItem(key: try SecretBytes.random(count: size), request: SealRequest(role: .sm, host: try HostName("SM0\(i)")))
        }
        let credentials = Credentials(identities: [identity])
        _ = try Vault.seal(items, atPath: path, credentials: credentials)
        return (path, credentials)
    }

    /// What opening each entry alone says: nil, or its error's message.
    func oneByOne(_ unlocked: UnlockedVault) -> [String?] {
        unlocked.vault.entries.map { entry in
            do {
                _ = try unlocked.open(entry)
                return nil
            } catch let error as KeyVaultError {
                return error.message
            } catch {
                return "\(error)"
            }
        }
    }

    func overwrite(_ path: String, at offset: Int, with bytes: [UInt8]) throws {
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        try handle.seek(toOffset: UInt64(offset))
        try handle.write(contentsOf: Data(bytes))
        try handle.close()
    }

    @Test func anIntactVaultPassesWithAnyReadSize() throws {
        let (path, credentials) = try sealedVault()
        let unlocked = try Vault.open(atPath: path).unlock(with: credentials)
        for readCount in [1, 5_016, 9_000, 12_345, UnlockedVault.sweepReadCount] {
            #expect(unlocked.sweepEntries(readCount: readCount) == Array(repeating: nil, count: Self.sizes.count), "read size \(readCount)")
        }
        #expect(unlocked.verify().isIntact)
    }

    @Test func damagedAndMisfingerprintedEntriesAreNamedAsOpeningThemAloneNamesThem() throws {
        let (path, credentials) = try sealedVault()
        let before = try Vault.open(atPath: path).unlock(with: credentials)
        let vault = before.vault
        // Entry 3 (index 2): one bit of its sealed key flipped. Entry 6 (index 5): its last byte (the tag's) flipped.
        var third = try vault.file.read(count: 1, at: vault.offsets[2] + 100, what: "test")
        third[0] ^= 0x01
        try overwrite(path, at: vault.offsets[2] + 100, with: third)
        var sixth = try vault.file.read(count: 1, at: vault.offsets[5] + 215, what: "test")
        sixth[0] ^= 0x80
        try overwrite(path, at: vault.offsets[5] + 215, with: sixth)
        // Entry 5 (index 4): other bytes of the same length, sealed properly under the vault's own key, nonce and
        // associated data: it authenticates, but its fingerprint does not match.
        let record = vault.header.record(at: 4)
        let other = AEAD.seal(
            try SecretBytes.random(count: 4_096), key: before.entryKey, nonce: record.nonce,
            associatedData: record.associatedData(vaultID: vault.header.identity.id))
        try overwrite(path, at: vault.offsets[4], with: other)

        let unlocked = try Vault.open(atPath: path).unlock(with: credentials)
        let expected = oneByOne(unlocked)
        let names = unlocked.vault.entries.map(\.displayName)
        #expect(
            expected == [
                nil, nil, "vault damaged or tampered with: the \(names[2]) fails authentication", nil,
                "vault damaged: the \(names[4]) decrypts but does not match its recorded fingerprint",
                "vault damaged or tampered with: the \(names[5]) fails authentication", nil,
            ])
        for readCount in [1, 5_016, 9_000, 12_345, UnlockedVault.sweepReadCount] {
            #expect(unlocked.sweepEntries(readCount: readCount) == expected, "read size \(readCount)")
        }
        let report = unlocked.verify()
        #expect(report.entries.map(\.problem) == expected)
        #expect(report.isIndexAuthentic && !report.isIntact)
    }

    @Test func aVaultCutShortAfterItWasOpenedNamesEachEntryItCannotRead() throws {
        let (path, credentials) = try sealedVault()
        let unlocked = try Vault.open(atPath: path).unlock(with: credentials)
        // The file loses its last 3,000 bytes while the vault is open (the descriptor reads the same inode).
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(truncate(path, off_t(size - 3_000)) == 0)
        let expected = oneByOne(unlocked)
        #expect(expected.prefix(6).allSatisfy { $0 == nil })
        #expect(expected[6]?.hasPrefix("vault damaged or truncated: sealed key of ") == true)
        for readCount in [1, 9_000, UnlockedVault.sweepReadCount] {
            #expect(unlocked.sweepEntries(readCount: readCount) == expected, "read size \(readCount)")
        }
    }
}
