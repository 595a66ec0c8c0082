// The one place that turns the library's typed remedies into this command line's words (its options and commands).
import KeyVault

enum Advice {
    /// The error line for `error`: the library's neutral message, then what to do with this tool.
    static func line(for error: KeyVaultError) -> String {
        guard let remedy = error.remedy else { return error.message }
        switch remedy {
        case .replaceExisting:
            return "\(error.message); pass --force to replace it"
        case .checkKeyFingerprint(let fingerprint):
            return
                "\(error.message). If \(fingerprint) is the key fingerprint 'keyvault init' or the last re-key printed (or that a custodian who used the vault confirms), run again with --endorse (keyvault upgrade VAULT --identity FILE --endorse endorses it and changes nothing else)"
        case .overrideContradiction(let fingerprint):
            return "\(error.message). Only if you know why (an older keyvault re-keyed it, say) and \(fingerprint) is the key fingerprint its custodians expect, run again with --endorse"
        case .addCustodians(let passphrase):
            return "\(error.message); add more with \(passphrase ? "--identity FILE or --passphrase-file FILE" : "--identity FILE")"
        case .useIdentity:
            return "\(error.message); unlock it with a custodian's identity (--identity FILE)"
        }
    }
}
