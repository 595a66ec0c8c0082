// A write unlocks the same vault key several times (before the lock, under it, the written file's check, the pin):
// the subkeys are derived once and shared, and only between unlocks of the very same key object.
import Testing
@testable import KeyVault
import KeyVaultTestSupport

struct UnlockedVaultSiblingTests {
    let passphrase = try! SecretBytes(copying: Array("sibling unlock passphrase".utf8))

    func unlockedVault() throws -> (Vault, UnlockedVault) {
        let dir = try CustodianSupport.temporaryDirectory()
        let path = "\(dir)/v.kv"
        try Vault.create(atPath: path, passphrase: passphrase, kdf: try KDFParameters(opsLimit: 1, memLimitKiB: 8))
        let vault = try Vault.open(atPath: path)
        return (vault, try vault.unlock(with: Credentials(passphrase: passphrase)))
    }

    /// The subkeys of `unlocked` as bytes, with its key commitment.
    func subkeys(_ unlocked: UnlockedVault) -> [[UInt8]] {
        [unlocked.entryKey, unlocked.fingerprintKey, unlocked.tagKey, unlocked.passwordKey, unlocked.logKey]
            .map { key in key.withUnsafeBytes { Array($0) } } + [unlocked.keyCommitment]
    }

    @Test func anUnlockOfTheSameKeyObjectSharesTheSubkeys() throws {
        let (vault, unlocked) = try unlockedVault()
        let again = try UnlockedVault(vault: vault, vaultKey: unlocked.vaultKey, sibling: unlocked)
        #expect(again.entryKey === unlocked.entryKey && again.logKey === unlocked.logKey && again.tagKey === unlocked.tagKey)
        #expect(subkeys(again) == subkeys(unlocked))
        #expect(again.isAuthentic)
    }

    @Test func aSiblingOfAnotherKeyGivesNothingAway() throws {
        let (vault, unlocked) = try unlockedVault()
        let (_, other) = try unlockedVault()
        // The same bytes in another object derive their own subkeys: only identity, never equality, shares.
        let copy = try SecretBytes(copying: unlocked.vaultKey.withUnsafeBytes { Array($0) })
        let fromCopy = try UnlockedVault(vault: vault, vaultKey: copy, sibling: unlocked)
        #expect(fromCopy.entryKey !== unlocked.entryKey && subkeys(fromCopy) == subkeys(unlocked))
        // Another vault's unlock offered as sibling: this key's own subkeys, and the vault still authenticates.
        let crossed = try UnlockedVault(vault: vault, vaultKey: unlocked.vaultKey, sibling: other)
        #expect(crossed.entryKey !== other.entryKey && subkeys(crossed) == subkeys(unlocked) && subkeys(crossed) != subkeys(other))
        #expect(crossed.isAuthentic)
        // The other vault's key offered with this vault's unlock as sibling does not authenticate this vault.
        let wrong = try UnlockedVault(vault: vault, vaultKey: other.vaultKey, sibling: unlocked)
        #expect(!wrong.isAuthentic && subkeys(wrong) == subkeys(other))
    }
}
