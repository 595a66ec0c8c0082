// The key a passphrase check derived for a passphrase slot, carried to the unlock so that Argon2id runs once: used
// only for a slot of its salt and parameters, and dropped when the passphrase it came from is replaced.
import Testing
@testable import KeyVault
import KeyVaultTestSupport

struct PassphraseSlotKeyTests {
    let passphrase = try! SecretBytes(copying: Array("slot key passphrase".utf8))
    let wrong = try! SecretBytes(copying: Array("not the slot key passphrase".utf8))

    func vault() throws -> Vault {
        let path = "\(try CustodianSupport.temporaryDirectory())/v.kv"
        try Vault.create(atPath: path, passphrase: passphrase, kdf: try KDFParameters(opsLimit: 1, memLimitKiB: 8))
        return try Vault.open(atPath: path)
    }

    func unlocks(_ vault: Vault, _ credentials: Credentials) -> Bool {
        (try? vault.unlock(with: credentials)) != nil
    }

    @Test func theCheckGivesTheKeyOnlyForThePassphrase() throws {
        let v = try vault()
        #expect(try v.passphraseSlotKey(wrong) == nil)
        let key = try #require(try v.passphraseSlotKey(passphrase))
        #expect(try v.opensPassphraseSlot(passphrase) && !(try v.opensPassphraseSlot(wrong)))
        var credentials = Credentials(passphrase: passphrase)
        credentials.passphraseSlotKey = key
        #expect(unlocks(v, credentials))
        // A second check with the key derives nothing and agrees.
        #expect(try v.passphraseSlotKey(passphrase, derived: key) != nil)
    }

    @Test func theKeyIsWhatTheUnlockUsesForItsSlotOnly() throws {
        let v = try vault(), other = try vault()
        let key = try #require(try v.passphraseSlotKey(passphrase))
        let otherKey = try #require(try other.passphraseSlotKey(passphrase))
        // Carried with a passphrase it did not come from (no caller does this), the key opens its own slot: proof
        // that the unlock took it instead of deriving.
        var mismatched = Credentials(passphrase: passphrase)
        mismatched.passphraseSlotKey = key
        mismatched.passphrase = wrong
        // ...but replacing the passphrase dropped it, so the wrong passphrase is derived and refused.
        #expect(mismatched.passphraseSlotKey == nil)
        #expect(!unlocks(v, mismatched))
        var forced = Credentials(passphrase: wrong)
        forced.passphraseSlotKey = key
        #expect(unlocks(v, forced))
        // Another vault's slot key (another salt) is not used: the wrong passphrase is derived and refused.
        var crossed = Credentials(passphrase: wrong)
        crossed.passphraseSlotKey = otherKey
        #expect(!unlocks(v, crossed))
        var crossedRight = Credentials(passphrase: passphrase)
        crossedRight.passphraseSlotKey = otherKey
        #expect(unlocks(v, crossedRight))
    }
}
