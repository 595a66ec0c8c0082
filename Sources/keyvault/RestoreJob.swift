// keyvault restore's work, on plain values: what ArgumentParser's `Restore` or QuickArguments parsed.
import KeyVault
#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// `keyvault restore` as asked: each property is the option of the same name in ``Restore``.
struct RestoreJob {
    var vault: String
    var role: RoleArgument
    var out: String?
    var to: String?
    var version: UInt32?
    var keyPasswordOut: String?
    var keyPasswordTo: String?
    var showKeyPassword = false
    var force = false
    var salvage = false
    var unlock = UnlockSources()
    var history = HistoryChoices()

    /// Checks that need no file: the role, the version, and which outputs go together.
    func validate() throws {
        _ = try role.value()
        if version == 0 { throw CLIError.usage("--version counts from 1") }
        switch (out, to) {
        case (nil, nil): throw CLIError.usage("say where to write the key: --out FILE, or --to ssh://HOST/PATH")
        case (.some, .some): throw CLIError.usage("give --out FILE or --to ssh://HOST/PATH, not both")
        case (.some(let out), nil):
            if keyPasswordTo != nil { throw CLIError.usage("--key-password-to goes with --to; with --out, use --key-password-out FILE") }
            if out == "-" { throw CLIError.usage("keys are written only to files (mode 0600), never to standard output; give --out FILE") }
            if keyPasswordOut == "-" { throw CLIError.usage("the export password is written only to a file (mode 0600); give --key-password-out FILE") }
            if let keyPasswordOut, Paths.sameEntry(keyPasswordOut, out) { throw CLIError.usage("--key-password-out and --out name the same file") }
        case (nil, .some):
            if keyPasswordOut != nil { throw CLIError.usage("--key-password-out goes with --out; with --to, use --key-password-to ssh://HOST/PATH") }
        }
    }

    func run() throws {
        let role = try self.role.value()
        if showKeyPassword && !Syscalls.isTerminal(STDOUT_FILENO) {
            throw CLIError.usage("--show-key-password prints the export password only on a terminal, and standard output is not one; use --key-password-out FILE")
        }
        if let out { try restoreHere(role: role, out: out) } else if let to { try restoreOverSSH(role: role, to: to) }
    }

    private func restoreHere(role: Role, out: String) throws {
        let host = try HostIdentity()
        let opened = try openVault()
        let (selected, wantsPassword) = try refuseBeforeAsking(opened, role: role, host: host, out: out)
        let (unlocked, recording) = try unlockForRestore(opened)
        // From the key's write to its audit record, a signal that would end the process waits (the record waits for
        // the vault's lock): a SIGTERM in between left the key out with no record of it.
        defer { Syscalls.resumeTermination() }
        let (restored, password) = try restoreRecording(unlocked, recording: recording, role: role, host: host, selected: selected, wantsPassword: wantsPassword, failureNote: "") {
            restored, password in
            Syscalls.deferTermination()
            try restored.write(toPath: out, replacing: force)
            if let keyPasswordOut, let password {
                do {
                    try FileIdentity.requireDistinct(keyPasswordOut, from: out, what: "--key-password-out")
                    try password.writeSecretFile(toPath: keyPasswordOut, replacing: force)
                } catch let error as KeyVaultError {
                    // The key is in place: the message (and the audit record) says so, not only what failed.
                    throw error.after("the key was written to \(out), but its export password was not: ")
                }
            }
        }
        let e = restored.entry
        Output.line("restored the \(e.role) key of \(e.host) (version \(e.version), sealed \(e.createdAt.iso8601)) to \(out): \(e.size) bytes, mode 0600, fingerprint \(e.fingerprint.short)")
        if let keyPasswordOut { Output.line("wrote its export password to \(keyPasswordOut) (mode 0600)") }
        finish(
            opened, unlocked, restored, password, recording: recording, wrote: keyPasswordOut.map { "\(out) and \($0)" } ?? out,
            recordPrefix: "ok: restored on \(host) to ", passwordOption: "--key-password-out FILE", host: host.name)
    }

    /// What a restore here refuses before it asks for anything: an output that is an input of this run, a host or
    /// role the vault holds no key for (the same rule runs again on the authenticated metadata), an export password
    /// asked for but not escrowed, an output that exists. Returns the entry and whether its password is wanted.
    private func refuseBeforeAsking(_ opened: Vault, role: Role, host: HostIdentity, out: String) throws -> (Entry, wantsPassword: Bool) {
        // No output may overwrite an input of this very run: the vault, or a file that unlocks it.
        let inputs = ([unlock.passphraseSource, unlock.identityPassphraseSource, unlock.token.pinSource] + unlock.identitySources.map { Optional($0) })
            .compactMap { $0 }.filter { $0 != "-" }
        for (option, path, what) in [("--out", out, "the key"), ("--key-password-out", keyPasswordOut, "the export password")] {
            guard let path else { continue }
            if opened.isFile(atPath: path) {
                throw CLIError.usage("\(option) \(path) is the vault itself; write \(what) to another file")
            }
            if let input = inputs.first(where: { FileIdentity.same($0, path) }) {
                throw CLIError.usage("\(option) \(path) is \(input), which this command reads to unlock the vault; write \(what) to another file")
            }
        }
        let selected = try opened.entry(for: role, version: version, on: host)
        let wantsPassword = try checkPasswordWanted(opened, selected)
        try Vault.checkCanCreate(out, what: "output file", hint: "pass --force to replace it", replacing: force)
        if let keyPasswordOut { try Vault.checkCanCreate(keyPasswordOut, what: "output file", hint: "pass --force to replace it", replacing: force) }
        return (selected, wantsPassword)
    }

    /// For a vault in a database: asks what unlocking will ask a person for before the vault is locked there, only
    /// when the restore gets that far — this user's copy of the vault passes what a restore refuses before asking, and
    /// the database could record it — so that, as on a file, a refused restore is refused before anything is asked.
    /// Not for --to, which asks the remote computer its name first.
    func askBeforeLocking(_ ahead: AheadOfTheLock) throws {
        guard let out, to == nil, !showKeyPassword || Syscalls.isTerminal(STDOUT_FILENO), let role = try? role.value(), let host = try? HostIdentity(),
            let kept = ahead.keptCopy(), (try? refuseBeforeAsking(kept, role: role, host: host, out: out)) != nil, !ahead.isReadOnly()
        else { return }
        try unlock.askBeforeLocking { kept }
    }

    private func restoreOverSSH(role: Role, to: String) throws {
        let (target, passwordTarget) = try parseSSHLocations(to, option: "--to", password: keyPasswordTo, passwordOption: "--key-password-to")
        let opened = try openVault()
        // The name the remote operating system reports, never a flag; refuse before the passphrase, as here.
        let remote = try RemoteHostIdentity.ask(target)
        let host = remote.identity
        try RemoteDomainCheck.refuseAnotherDomain(remote, inventory: opened.inventory, doing: "restored")
        let selected = try opened.entry(for: role, version: version, on: host)
        let rule = "rule: role \(role), recorded host \(selected.host), remote name \(remote.name) reported by \(target.connection), host key \(remote.hostKey)"
        let wantsPassword = try checkPasswordWanted(opened, selected)
        let (unlocked, recording) = try unlockForRestore(opened)
        var written: [String] = []
        var keyHash = ""
        let (restored, password) = try restoreRecording(unlocked, recording: recording, role: role, host: host, selected: selected, wantsPassword: wantsPassword, failureNote: "; \(rule)") {
            restored, password in
            let hash = try remote.write(restored.key, toPath: target.path, replacing: force)
            keyHash = hash
            written.append("\(target) (SHA-256 \(hash.prefix(16))… checked there)")
            if let passwordTarget, let password {
                do { _ = try remote.write(password, toPath: passwordTarget.path, replacing: force, notTheFileAt: target.path) } catch let error as KeyVaultError {
                    // The key is there: the message (and the audit record) says so, not only what failed.
                    throw error.after("the key was written to \(target), but its export password was not: ")
                }
                written.append("\(passwordTarget)")
            }
        }
        // The key is there: from here to its audit record, a signal that would end the process waits (not during the
        // transfer, which Ctrl-C must be able to stop).
        Syscalls.deferTermination()
        defer { Syscalls.resumeTermination() }
        let e = restored.entry
        Output.line(
            "restored the \(e.role) key of \(e.host) (version \(e.version), sealed \(e.createdAt.iso8601)) to \(target) on \(remote.name): \(e.size) bytes, readable only by its owner\(remote.shell.isWindows ? " (icacls)" : " (mode 0600)"), SHA-256 checked there: \(keyHash), fingerprint \(e.fingerprint.short)"
        )
        Output.note("the computer at \(target.connection) reported its name as \(remote.name); ssh verified its host key \(remote.hostKey)")
        if let passwordTarget { Output.line("wrote its export password to \(passwordTarget)") }
        finish(
            opened, unlocked, restored, password, recording: recording, wrote: written.joined(separator: " and "),
            recordPrefix: "ok: \(rule); restored to ", passwordOption: "--key-password-to ssh://HOST/PATH", host: remote.name)
    }

    /// The vault; with `--salvage`, read past damage where it can be (a version-2 commit that fails its check or whose
    /// structure is gone, a damaged chunk link), saying so.
    private func openVault() throws -> Vault {
        guard salvage else {
            do {
                return try Vault.open(atPath: vault)
            } catch let error as KeyVaultError where error.code == .damaged {
                // No vault at all (no magic): nothing to salvage; most often the key file given first.
                if error.message == WrongFile.notAVault { throw WrongFile.hint(vault, command: "restore VAULT --role ROLE --out FILE") }
                throw Self.withSalvageHint(error)
            }
        }
        let (opened, damage) = try Vault.openForSalvage(atPath: vault)
        if let damage {
            Output.note("warning: the vault is damaged (\(damage)); --salvage reads it all the same: a key is restored only if its own seal opens, and nothing is written to the vault")
        }
        return opened
    }

    /// `error` (damage that makes a plain restore refuse to read the vault) with what may still get the key out at 3
    /// a.m. (Not for a vault that reads but fails authentication: that is how tampering shows, and the vectors'
    /// messages for it are fixed.)
    private static func withSalvageHint(_ error: KeyVaultError) -> CLIError {
        CLIError(
            message: "\(error.message); 'keyvault restore --salvage' may still restore the key from its own seal, if that is intact",
            exitCode: ExitCodes.code(for: .damaged))
    }

    /// Whether the export password is asked for, refusing when it is but none is escrowed.
    private func checkPasswordWanted(_ opened: Vault, _ selected: Entry) throws -> Bool {
        let wantsPassword = keyPasswordOut != nil || keyPasswordTo != nil || showKeyPassword
        if wantsPassword && !opened.hasKeyPassword(for: selected) {
            throw CLIError(
                message: "no export password is escrowed for the \(selected.displayName); restore without \(to == nil ? "--key-password-out" : "--key-password-to") or --show-key-password",
                exitCode: ExitCodes.code(for: .notFound))
        }
        return wantsPassword
    }

    /// Unlocks the vault, and says whether this restore may record itself: a restore on a rolled-back copy still
    /// restores (a rebuilt server may only have an old copy), but records itself only when the roll-back is accepted.
    /// A vault `--salvage` read past damage (or that fails authentication) is never written: its record is tried and
    /// refused as for any such vault. An accepted roll-back (`--accept-rollback`) is recorded with the restore's own
    /// record, in its commit (a record that cannot be written, a read-only vault say, is a warning: the key is out).
    private func unlockForRestore(_ opened: Vault) throws -> (UnlockedVault, recording: RestoreRecording) {
        let unlocked = try unlock.unlock(opened, operatorVouches: history.endorse, takesEndorse: true)
        let readPastDamage = salvage && !unlocked.isAuthentic
        let rolledBack = History.warnIfRolledBack(opened, readPastDamage: readPastDamage)
        // (An accepted roll-back is recorded with the restore's own record, in its commit.)
        var rollbackGuard: Credentials?
        if rolledBack && history.acceptRollback && !readPastDamage {
            rollbackGuard = try history.checkBeforeWrite(opened, path: vault, history.vouching(Credentials()))
        }
        if readPastDamage {
            Output.note("warning: the vault's index fails authentication; restoring from the entry's own seal only (entries may have been removed or reordered)")
        }
        return (unlocked, RestoreRecording(enabled: readPastDamage || !rolledBack || history.acceptRollback, rollbackGuard: rollbackGuard))
    }

    /// Decrypts the entry and runs `write`; a failure from here on is recorded in the audit log (best effort).
    private func restoreRecording(
        _ unlocked: UnlockedVault, recording: RestoreRecording, role: Role, host: HostIdentity, selected: Entry, wantsPassword: Bool, failureNote: String,
        _ write: (RestoredKey, SecretBytes?) throws -> Void
    ) throws -> (RestoredKey, SecretBytes?) {
        do {
            let restored = try unlocked.restore(role: role, version: version, on: host, salvage: salvage, recording: .callerRecords)
            let password = wantsPassword ? try unlocked.keyPassword(for: restored) : nil
            try write(restored, password)
            return (restored, password)
        } catch let error as KeyVaultError {
            if recording.enabled {
                try? unlocked.record(.restore, entry: selected, outcome: "failed: \(error.message)\(failureNote)", rollbackGuard: recording.rollbackGuard)
            }
            throw error
        }
    }

    private func finish(
        _ opened: Vault, _ unlocked: UnlockedVault, _ restored: RestoredKey, _ password: SecretBytes?, recording: RestoreRecording, wrote: String,
        recordPrefix: String, passwordOption: String, host: HostName
    ) {
        let e = restored.entry
        if password == nil && !showKeyPassword && keyPasswordOut == nil && keyPasswordTo == nil && opened.hasKeyPassword(for: e) {
            Output.note("note: its export password is escrowed too; \(passwordOption) writes it (readable only by its owner)")
        }
        if showKeyPassword, let password { Output.secretLine("export password: ", password) }
        if recording.enabled {
            do {
                try unlocked.record(
                    .restore, entry: e, outcome: "\(recordPrefix)\(wrote)\(showKeyPassword ? "; export password shown on the terminal" : "")",
                    rollbackGuard: recording.rollbackGuard)
            } catch {
                Output.note("warning: the key was restored, but this restore could not be recorded in the vault's audit log: \((error as? KeyVaultError)?.message ?? "\(error)")")
            }
            History.rememberWritten(path: vault)
        } else {
            Output.note("note: this restore was not recorded in the vault, which is behind the copy this user last saw, or off its history (--accept-rollback records it)")
        }
        Output.note("next: import it with the Encryption Key Backup or Restore Wizard (SecureStorageBackup.exe) on \(host) before running Setup")
    }
}

/// Whether a restore records itself in the vault, and the roll-back check its record's write makes under the lock
/// (with the operator's acceptance of a roll-back, recorded in the same commit).
struct RestoreRecording {
    /// The restore writes its record.
    var enabled: Bool
    /// This user's record of the vault and the acceptance (`--accept-rollback`), when the vault was found behind.
    var rollbackGuard: Credentials?
}
