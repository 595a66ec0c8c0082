// Noticing roll-backs: what this user saw of each vault (SeenVaults), checked before writes and warned about on reads.
import ArgumentParser
import KeyVault

/// `--accept-rollback`, for commands that write a vault.
struct HistoryOptions: ParsableArguments {
    @Flag(help: "Write even though the vault is older than the copy this user last saw (a backup put back on purpose); recorded in the vault's audit log.")
    var acceptRollback = false

    @Flag(
        help:
            "Vouch for the vault's key yourself, after checking its key fingerprint against the one 'keyvault init' or the last re-key printed: write although nothing else vouches for it (slots never endorsed, a vault this user has not seen), or, knowing why, although it contradicts an endorsement or this user's pin (on restore and drill, only that). Your identities then endorse their slots."
    )
    var endorse = false

    /// The same as plain values, which do the work (``QuickArguments`` fills them without ArgumentParser).
    var choices: HistoryChoices { HistoryChoices(acceptRollback: acceptRollback, endorse: endorse) }

    /// See ``HistoryChoices/vouching(_:)``.
    func vouching(_ credentials: Credentials) -> Credentials { choices.vouching(credentials) }

    /// See ``HistoryChoices/checkBeforeWrite(_:path:_:)``.
    func checkBeforeWrite(_ vault: Vault, path: String, _ credentials: Credentials) throws -> Credentials {
        try choices.checkBeforeWrite(vault, path: path, credentials)
    }
}

/// `--accept-rollback` and `--endorse` as plain values, and what a writing command does with them (``HistoryOptions``'
/// values).
struct HistoryChoices {
    /// `--accept-rollback`.
    var acceptRollback = false
    /// `--endorse`.
    var endorse = false

    /// `credentials` with this user's key pins, and the operator's `--endorse`.
    func vouching(_ credentials: Credentials) -> Credentials {
        var out = credentials
        out.keyPins = History.store
        out.vouchForKey = endorse
        out.acceptRollback = acceptRollback
        return out
    }

    /// Before a write: refuses (exit 5) a vault behind what this user saw, unless `--accept-rollback`.
    ///
    /// - Returns: `credentials` for the write; when a roll-back is accepted, with the acceptance the write records in
    ///   the vault's log, in its own commit (a command refused before it writes leaves no record).
    func checkBeforeWrite(_ vault: Vault, path: String, _ credentials: Credentials) throws -> Credentials {
        if let other = History.store?.otherVaultSeen(at: Output.displayed(path), than: vault) {
            let what = History.describeReplacement(vault, other)
            guard endorse else {
                throw CLIError(
                    message: "refused: \(what); if it was replaced on purpose, check its key fingerprint with its custodians and run again with --endorse",
                    exitCode: ExitCodes.code(for: .damaged))
            }
            Output.note("warning: \(what); writing anyway (--endorse)")
        }
        guard let seen = History.store?.rollback(of: vault) else { return credentials }
        // Another writer may have written (and remembered) since this command read the vault, before it waits for the
        // lock: only a vault still behind when read again, with every acknowledged write in it (the writers' lock held
        // for the read), is a roll-back. 8 writers sharing a user's state once refused one another here.
        var what = History.describe(vault, seen)
        let recheck = Result { try Vault.withWritersWaitedFor(atPath: path) { now in History.store?.rollback(of: now).map { History.describe(now, $0) } } }
        if case .success(let behind) = recheck {
            guard let again = behind else { return credentials }
            what = again
        }
        guard acceptRollback else {
            throw CLIError(
                message: "refused: \(what); if this file is the vault to keep, run again with --accept-rollback (it is recorded in the vault's log)",
                exitCode: ExitCodes.code(for: .damaged))
        }
        Output.note("warning: \(what); writing anyway (--accept-rollback), and recording that in the vault's log with the change")
        var accepting = credentials
        accepting.acceptRollback = true
        let acceptance = RollbackAcceptance(words: what, shown: vault)
        accepting.rollbackAcceptance = acceptance
        History.acceptance = acceptance
        return accepting
    }
}

enum History {
    /// The user's store, unless its folders are unsafe (then said once, and not used).
    static let store: SeenVaults? = {
        guard let store = SeenVaults.forCurrentUser() else { return nil }
        if let problem = store.problem {
            Output.note(
                "warning: not using \(store.directory) to notice roll-backs: \(problem); fix the owner or mode of the folder named (0700 for keyvault's own), or set XDG_STATE_HOME to a folder of yours"
            )
            return nil
        }
        return store
    }()

    static func describeReplacement(_ vault: Vault, _ other: (id: String, sighting: SeenVaults.Sighting)) -> String {
        "this file holds another vault (id \(vault.id)) than the one this user last saw here (id \(other.id), on \(other.sighting.time.iso8601)): someone who can write the file may have replaced the vault with one of their own"
    }

    static func describe(_ vault: Vault, _ seen: SeenVaults.Sighting, readPastDamage: Bool = false) -> String {
        let now = vault.progress
        // Seen at another path: a copy of this vault written there (a scratch copy repaired or drilled at 3 a.m.)
        // holds the later history, which this user's record cannot tell from a roll-back of this file.
        let elsewhere = seen.path != "?" && seen.path != Paths.absolute(Output.displayed(vault.path)) ? seen.path : nil
        let at = elsewhere.map { " at \(FreeText.visible($0))" } ?? ""
        guard now.records < seen.progress.records else {
            // As many records or more, but not the history seen: an older copy put back and written to since.
            let how = "its audit record \(seen.progress.records) is not the one this user saw on \(seen.time.iso8601)\(at)"
            let why =
                elsewhere != nil
                ? "a copy of it at that path was written since (a scratch copy, say), or an older copy was put in its place here and written to"
                : "an older copy was put in its place and written to since, or another vault's history was copied into it"
            return "the vault's history is not the one this user last saw (\(how)): \(why)"
        }
        let how = "it has \(now.records) audit record\(now.records == 1 ? "" : "s"), but this user saw it with \(seen.progress.records) on \(seen.time.iso8601)\(at)"
        // A read past damage (restore --salvage) lacks whatever the damage took, audit records included.
        let why =
            readPastDamage
            ? "its newest records were lost with the damage --salvage read past, or an older copy was put in its place"
            : elsewhere != nil
                ? "a copy of it at that path was written since (a scratch copy, say), or an older copy was put in its place here"
                : "an older copy was put in its place, or its newest records were cut"
        return "the vault is older than the copy this user last saw (\(how)): \(why)"
    }

    /// After an unlock for reading: says (standard error) when nothing vouches for the key, or something contradicts it;
    /// pins the key when something vouches for it. Reads go on: a restore at 3 a.m. must work.
    @discardableResult
    static func checkKey(_ unlocked: UnlockedVault) -> KeyVouch {
        let vouch = unlocked.vouch(pinned: store?.pinnedKey(ofVaultID: unlocked.vault.id))
        switch vouch {
        case .contradicted:
            break  // refused by the caller, or vouched for by the operator
        case .unvouched(let why):
            Output.note("warning: \(why); check its key fingerprint \(unlocked.keyFingerprint) with its custodians, then 'keyvault upgrade --endorse' endorses it")
        default:
            // Pinned when the command has done its work: a read's own output comes first.
            vouchedKey = unlocked
        }
        return vouch
    }

    /// Throws (exit 5) when `vouch` is a contradiction: the key is not the vault's own, as far as anyone can tell.
    /// `takesEndorse`: the command itself goes on with `--endorse` (restore, drill), so that is what to run again.
    static func refuseContradicted(_ vouch: KeyVouch, _ unlocked: UnlockedVault, takesEndorse: Bool = false) throws {
        guard case .contradicted(let why) = vouch else { return }
        // A re-key by another command of this user since this one read the vault pins the new key, which the copy read
        // before contradicts: when the file's slots have changed since, it is "run it again", not a forgery.
        if unlocked.vault.slotsChanged() {
            throw CLIError(message: "the vault's key changed while this command ran (a re-key elsewhere, or the file was replaced); run it again", exitCode: ExitCodes.code(for: .other))
        }
        let remedy = takesEndorse ? "run it again with --endorse" : "run a write with --endorse (or keyvault upgrade --endorse)"
        throw CLIError(
            message:
                "refused: \(why); nothing in it can be trusted. Only if you know why and \(unlocked.keyFingerprint) is the key fingerprint its custodians expect, \(remedy)",
            exitCode: ExitCodes.code(for: .damaged))
    }

    /// The key a read found vouched for, to pin once the command succeeded.
    nonisolated(unsafe) private static var vouchedKey: UnlockedVault?

    /// Pins the key a read found vouched for (a command that ends with an error pins nothing).
    static func pinVouchedKey() {
        guard let store, let unlocked = vouchedKey else { return }
        vouchedKey = nil
        do { try store.pin(unlocked: unlocked) } catch let error as KeyVaultError {
            Output.note("warning: could not remember this vault's key in \(store.directory): \(error.message)")
        } catch {}
    }

    /// What this user saw of `vault` when it is behind that, asked again under the writers' lock when it looks so:
    /// this user's other commands may have written (and remembered it) since this one read the vault without the lock,
    /// which is no roll-back. The first answer stands when the second look cannot be had (a damaged file, say).
    static func behind(_ vault: Vault) -> SeenVaults.Sighting? {
        guard let store, let seen = store.rollback(of: vault) else { return nil }
        let again = Result { try Vault.withWritersWaitedFor(atPath: vault.path) { now in store.rollback(of: now) } }
        if case .success(let stillBehind) = again { return stillBehind }
        return seen
    }

    /// Warns (standard error) when `vault` is behind what this user saw; reads go on, a restore at 3 a.m. must work.
    /// Returns whether it was (after ``behind(_:)``'s second look), for a command that then does not record itself.
    @discardableResult
    static func warnIfRolledBack(_ vault: Vault, readPastDamage: Bool = false) -> Bool {
        let seen = behind(vault)
        if let seen { Output.note("warning: \(describe(vault, seen, readPastDamage: readPastDamage))") }
        if let other = store?.otherVaultSeen(at: Output.displayed(vault.path), than: vault) { Output.note("warning: \(describeReplacement(vault, other))") }
        return seen != nil
    }

    /// While a command runs on a vault in a database: what it will remember once the database has committed its
    /// change (a command whose change is not stored must not leave this user's record ahead of the vault). Nil
    /// otherwise: a file's writes are remembered at once.
    nonisolated(unsafe) static var untilStored: [() -> Void]?

    /// The roll-back this command's operator accepted (`--accept-rollback`, for a vault found behind): once a write
    /// has recorded it, what was written replaces the newer history this user had seen.
    nonisolated(unsafe) static var acceptance: RollbackAcceptance?

    /// After a write: remembers how far the vault's history has come as this process wrote it (never a re-read of
    /// the path, which someone else may have replaced meanwhile). Forward only.
    static func rememberWritten(path: String, replacingNewer: Bool = false) {
        guard let store, let committed = CommittedVault.latest(forVaultAt: path) else { return }
        let shown = Output.displayed(path)
        let replacing = replacingNewer || acceptance?.isRecorded == true
        whenStored { report(store) { try store.remember(committed, path: shown, replacingNewer: replacing) } }
    }

    /// After a read that authenticated `vault` (its header under the vault key): remembers it. Forward only.
    static func rememberAuthenticated(_ vault: Vault, path: String) {
        guard let store else { return }
        let shown = Output.displayed(path)
        whenStored { report(store) { try store.remember(vault, path: shown) } }
    }

    private static func whenStored(_ body: @escaping () -> Void) {
        if untilStored != nil { untilStored?.append(body) } else { body() }
    }

    /// A failure to write the record is only a warning: it protects later runs, not this one.
    private static func report(_ store: SeenVaults, _ body: () throws -> Void) {
        do { try body() } catch let error as KeyVaultError {
            Output.note("warning: could not remember this vault's state in \(store.directory): \(error.message)")
        } catch {}
    }
}
