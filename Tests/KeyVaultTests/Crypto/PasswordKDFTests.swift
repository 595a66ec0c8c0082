// Argon2id through libsodium, and the one derivation kept so that a passphrase typed at a prompt, checked and then
// used to unlock, is hashed once.
import Testing
@testable import KeyVault

@Suite struct PasswordKDFTests {
    func bytes(_ key: SecretBytes) -> [UInt8] { key.withUnsafeBytes { Array($0) } }

    /// The same inputs give the same key whether derived or taken from the kept derivation; any other passphrase, salt
    /// or parameters give their own; and a caller wiping the key it got does not change the next caller's.
    @Test func theKeptDerivationIsTheSameKeyAndOnlyForTheSameInputs() throws {
        let parameters = try KDFParameters(opsLimit: 1, memLimitKiB: 8)
        let passphrase = try SecretBytes(copying: Array("kept derivation passphrase".utf8))
        let salt = [UInt8](repeating: 7, count: PasswordKDF.saltCount)
        let first = try PasswordKDF.deriveKey(passphrase: passphrase, salt: salt, parameters: parameters)
        let expected = bytes(first)
        first.wipe()
        passphrase.withUnsafeMutableBytes { $0[0] = UInt8(ascii: "k") }  // (the same first letter: unchanged)
        let again = try PasswordKDF.deriveKey(passphrase: passphrase, salt: salt, parameters: parameters)
        #expect(bytes(again) == expected && expected != [UInt8](repeating: 0, count: 32))
        let other = try SecretBytes(copying: Array("kept derivation passphrasE".utf8))
        #expect(bytes(try PasswordKDF.deriveKey(passphrase: other, salt: salt, parameters: parameters)) != expected)
        var otherSalt = salt
        otherSalt[15] = 8
        #expect(bytes(try PasswordKDF.deriveKey(passphrase: passphrase, salt: otherSalt, parameters: parameters)) != expected)
        #expect(bytes(try PasswordKDF.deriveKey(passphrase: passphrase, salt: salt, parameters: KDFParameters(opsLimit: 2, memLimitKiB: 8))) != expected)
        // Back to the first inputs after others: derived afresh, the same key.
        #expect(bytes(try PasswordKDF.deriveKey(passphrase: passphrase, salt: salt, parameters: parameters)) == expected)
    }
}
