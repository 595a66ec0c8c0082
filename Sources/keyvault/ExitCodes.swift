// The one table from error category to exit code, shared by every command and the help text.
import KeyVault

enum ExitCodes {
    static let ok: Int32 = 0

    static func code(for category: KeyVaultError.Category) -> Int32 {
        switch category {
        case .other: return 1
        case .usage: return 2
        case .refused: return 3
        case .unlockFailed: return 4
        case .damaged: return 5
        case .notFound: return 6
        }
    }

    /// The exit-code section of `keyvault --help` and the man page, wrapped to fit 80 columns (ArgumentParser wraps a
    /// longer line at column 0).
    static let helpText = """
        EXIT CODES
          0  success
          1  other error (I/O failure, lock timeout, unreadable host name; ssh
             failed, or a transfer was cut off; a token or its PKCS#11 module
             failed)
          2  bad usage or invalid argument (including a file that exists when it
             must not, or is missing; a bad ssh:// location)
          3  refused by the host/role rule: a key for that role exists, but for
             another computer name (over SSH: the name the remote reports);
             or a write under a vault key nothing vouches for yet (check its
             fingerprint, then --endorse or keyvault upgrade);
             or a custodian check of a threshold vault that holds no commitment
             to the custodian's slot (re-key it once)
          4  unlock failed: wrong passphrase, identity or token PIN (a locked
             PIN too), or too few custodians
          5  vault damaged or tampered with (or written by a newer keyvault);
             older than the copy this user saw, or another vault than the one
             this user saw at that path; or a vault key that an endorsement or
             this user's pin contradicts; or a custodian's slot whose share is
             not the one the vault key committed to
          6  no such entry (no key of that role, or no such version)
        """
}
