// What `verify` would find wrong with how a version-2 vault is stored, said by the commands that only read it.
import KeyVault

enum StorageWarnings {
    /// One warning line on standard error per problem a write mends (a damaged slot area copy or preamble, the
    /// remains of an unfinished commit): a read-only command (`list`, `log`, `plan`, `inventory show`) leaves them,
    /// and a vault whose second slot copy is damaged too can no longer be unlocked. Bytes after the last sealed key
    /// (what a seal killed before its commit leaves) are not named here: nothing is at risk, and `verify` names them.
    static func warn(_ vault: Vault) {
        for finding in vault.storageFindings where finding.isRepairable {
            Output.note("warning: \(Output.displayed(vault.path)): \(finding.description); \(finding.remedy)")
        }
    }
}
