// Vaults in a PostgreSQL database (`postgresql://host/dbname#NAME`): every command runs on this user's copy of the vault's
// file, with the vault locked in the database, and what it changed is stored back as one write (DatabaseStore).
import ArgumentParser
import KeyVault

/// Work on one existing vault, named by its path: a command ArgumentParser parsed, or a job ``QuickArguments`` filled.
protocol RunsOnAVault {
    /// The vault as given (a file, or a database location); for a database, replaced by this user's working copy.
    var vaultPath: String { get set }
    /// For a vault in a database, on a terminal: asks, before the vault is locked there, what this will ask a person
    /// for, when it gets that far (see ``AheadOfTheLock``); what was given is kept for the run.
    func askBeforeLocking(_ ahead: AheadOfTheLock) throws
    mutating func run() throws
    /// Whether what it prints says that a change was made ("sealed …", "re-keyed …"): then, for a vault in a database,
    /// it is printed only once the database has stored the change. A report (a drill's, a restore's) is printed as it
    /// comes: it holds whether or not its audit record is stored, which the error then says.
    var announcesChange: Bool { get }
}

extension RunsOnAVault {
    /// Nothing ahead, for commands that ask rarely, or make checks of their own before they ask (custodian and
    /// inventory changes, rekey, compact, upgrade…): they ask with the vault locked, as before.
    func askBeforeLocking(_ ahead: AheadOfTheLock) throws {}
    var announcesChange: Bool { false }
}

/// A command that works on one existing vault, named by its `VAULT` argument.
protocol WorksOnAVault: ParsableCommand, RunsOnAVault {
    var vaultArgument: VaultArgument { get set }
}

extension WorksOnAVault {
    var vaultPath: String {
        get { vaultArgument.path }
        set { vaultArgument.path = newValue }
    }
}

extension SealJob: RunsOnAVault {
    var announcesChange: Bool { true }
    var vaultPath: String {
        get { vault }
        set { vault = newValue }
    }
}

extension RestoreJob: RunsOnAVault {
    var vaultPath: String {
        get { vault }
        set { vault = newValue }
    }
}

// Commands that read without asking for the passphrase: a PEM key's password or a token's PIN is asked ahead.
extension List: WorksOnAVault {
    func askBeforeLocking(_ ahead: AheadOfTheLock) throws { try unlock.sources.loadIdentitiesBeforeLocking() }
}
extension Plan: WorksOnAVault {
    func askBeforeLocking(_ ahead: AheadOfTheLock) throws { try unlock.sources.loadIdentitiesBeforeLocking() }
}
extension InventoryShow: WorksOnAVault {
    func askBeforeLocking(_ ahead: AheadOfTheLock) throws { try unlock.sources.loadIdentitiesBeforeLocking() }
}
extension Info: WorksOnAVault {}
extension Compact: WorksOnAVault { var announcesChange: Bool { true } }
extension Upgrade: WorksOnAVault { var announcesChange: Bool { true } }
extension CheckpointCommand: WorksOnAVault {
    func askBeforeLocking(_ ahead: AheadOfTheLock) throws { try unlock.sources.askBeforeLocking(ahead.keptCopy) }
}
extension Retire: WorksOnAVault { var announcesChange: Bool { true } }
extension CustodianList: WorksOnAVault {}
extension CustodianAdd: WorksOnAVault { var announcesChange: Bool { true } }
extension CustodianRemove: WorksOnAVault { var announcesChange: Bool { true } }
extension CustodianCheck: WorksOnAVault {
    /// Only when this user's copy says the check would go ahead: not for more than one secret named, which it refuses
    /// before asking anything, nor on a threshold vault, which a database vault refuses (`refuseWhatCannotBeRecorded`).
    /// The passphrase only when no identity is named (the check proves the one secret named).
    func askBeforeLocking(_ ahead: AheadOfTheLock) throws {
        guard namedSecrets <= 1, let kept = ahead.keptCopy(), kept.threshold == nil else { return }
        if unlock.sources.identitySources.isEmpty {
            try unlock.sources.askBeforeLocking(ahead.keptCopy)
        } else {
            try unlock.sources.loadIdentitiesBeforeLocking()
        }
    }
}
extension Promote: WorksOnAVault { var announcesChange: Bool { true } }
extension InventoryGroup: WorksOnAVault { var announcesChange: Bool { true } }
extension InventoryHostCommand: WorksOnAVault { var announcesChange: Bool { true } }
extension InventoryDatabaseCommand: WorksOnAVault { var announcesChange: Bool { true } }
extension Rekey: WorksOnAVault { var announcesChange: Bool { true } }
extension Log: WorksOnAVault {
    func askBeforeLocking(_ ahead: AheadOfTheLock) throws { try unlock.sources.askBeforeLocking(ahead.keptCopy) }
}
extension Verify: WorksOnAVault {
    /// Not when a checkpoint given is refused: verify refuses it before asking anything.
    func askBeforeLocking(_ ahead: AheadOfTheLock) throws {
        guard (try? checkpoint.map(Self.readCheckpoint)) != nil else { return }
        try unlock.sources.askBeforeLocking(ahead.keptCopy)
    }
}
extension Drill: WorksOnAVault {
    func askBeforeLocking(_ ahead: AheadOfTheLock) throws { try unlock.sources.askBeforeLocking(ahead.keptCopy) }
}

enum DatabaseVaults {
    /// Runs `command`: on this user's copy of its vault when the vault is in a database, as it is otherwise.
    static func run(_ command: any ParsableCommand) throws {
        // Seal and restore, which scripts run most, are cast to their own types first: a cast to a protocol makes the
        // Swift runtime look the conformance up among every one in the binary (about 4,000; 305,000 instructions).
        if let seal = command as? Seal { return try run(onAVault: seal.job) }
        if let restore = command as? Restore { return try run(onAVault: restore.job) }
        if let command = command as? any WorksOnAVault { return try run(onAVault: command) }
        if var initCommand = command as? Init, DatabaseLocation.isDatabaseLocation(initCommand.vault) {
            let location = try DatabaseLocation(parsing: initCommand.vault)
            let pending = PendingStore(announcing: true)
            defer { pending.end() }
            var ran = false
            do {
                try DatabaseStore.withWorkingCopy(of: location, creating: true) { copy in
                    Output.workingCopy = (copy.path, location.description)
                    initCommand.vault = copy.path
                    try initCommand.run()
                    ran = true
                }
            } catch {
                // The command's own failure prints what it printed; a vault the database did not store, nothing, and
                // the key pinned for it goes.
                pending.failed(ran: ran, printing: !ran)
                throw error
            }
            pending.stored()
            return
        }
        var command = command
        try command.run()
    }

    /// Runs work on one vault: on this user's copy of it when the vault is in a database, as it is otherwise.
    static func run(onAVault job: some RunsOnAVault) throws {
        var job = job
        guard DatabaseLocation.isDatabaseLocation(job.vaultPath) else { return try job.run() }
        let location = try DatabaseLocation(parsing: job.vaultPath)
        var ran = false, reused = false
        let pending = PendingStore(announcing: job.announcesChange)
        defer { pending.end() }
        do {
            // What a person types is asked before the vault is locked in the database (from this user's copy of it).
            let asking = job
            try DatabaseStore.withWorkingCopy(of: location, beforeLocking: { ahead in if SecretInput.hasTerminal { try asking.askBeforeLocking(ahead) } }) {
                copy in
                reused = copy.isReused
                Output.workingCopy = (copy.path, location.description)
                try refuseWhatCannotBeRecorded(job, copy: copy, location: location)
                job.vaultPath = copy.path
                try job.run()
                ran = true
            }
        } catch let error where reused && isDamageReport(error) {
            pending.failed(ran: false, printing: true)
            // What was found damaged was this user's kept copy, which is gone now (the library's own errors say so).
            Output.note(
                "note: this user's copy of vault \(location), kept from an earlier command, was read and has been removed: run the command again to read the vault from the database; if it is damaged again, the vault in the database is"
            )
            throw error
        } catch let error as KeyVaultError where ran && job is RestoreJob {
            // The key is out, in the place the operator named; only its record is missing. Never "run it again".
            pending.failed(ran: true, printing: true)
            throw CLIError(
                message: "the key was restored; storing its audit record in vault \(location) failed: \(error.message)",
                exitCode: ExitCodes.code(for: .other))
        } catch {
            // A restore's key is out whatever else failed: what it printed says where.
            pending.failed(ran: ran, printing: !ran || job is RestoreJob)
            throw error
        }
        pending.stored()
    }

    /// What a command on a vault in a database holds back until the database has stored its change, and undoes when it
    /// does not: this user's record of the vault (``History/untilStored``), which moves on only once the change is
    /// stored; what a command that announces a change prints ("sealed" of a seal the database then refused would be a
    /// lie); and a key pinned by the change (a re-key's), unpinned again, else this user's next command would take the
    /// vault's own key for a replaced one.
    private struct PendingStore {
        let pins: [String: [UInt8]]?

        init(announcing: Bool) {
            History.untilStored = []
            if announcing { Output.holdStandardOutput() }
            pins = History.store?.pinnedKeys()
        }

        /// The database stored the change: print what was held, and move this user's record on.
        func stored() {
            Output.releaseHeld(printing: true)
            History.untilStored?.forEach { $0() }
        }

        /// The command failed, or `ran` and the database did not store its change (then its pins are put back); what
        /// was held is printed when `printing`: a command's own failure, or a restore's report of where the key went.
        func failed(ran: Bool, printing: Bool) {
            Output.releaseHeld(printing: printing)
            if ran, let pins { History.store?.restorePins(pins) }
        }

        /// Done either way: nothing more is held back for this command.
        func end() { History.untilStored = nil }
    }

    /// Whether `error` is a command's own report of damage (exit 5 from `verify`, `log`, a drill), rather than one of
    /// the library's errors, which say themselves that the copy was removed.
    private static func isDamageReport(_ error: any Error) -> Bool {
        let damaged = ExitCodes.code(for: .damaged)
        if let error = error as? CLIError { return error.exitCode == damaged }
        if let error = error as? ExitCode { return error.rawValue == damaged }
        return false
    }

    /// Refuses, before it starts, a command whose result the database could not keep.
    private static func refuseWhatCannotBeRecorded(_ command: some RunsOnAVault, copy: WorkingCopy, location: DatabaseLocation) throws {
        // A key must not leave a vault that cannot record that it did.
        if copy.isReadOnly, command is RestoreJob {
            throw CLIError(
                message:
                    "vault \(location) cannot be written here (a standby server, a read-only transaction, or a role without INSERT): a restore could not be recorded in its audit log; promote the standby or connect to the primary as a role that may insert; nothing was restored",
                exitCode: ExitCodes.code(for: .other))
        }
        // A custodian who cannot unlock a threshold vault alone checks in beside the vault file, which a database lacks.
        if command is CustodianCheck, (try? Vault.open(atPath: copy.path))?.threshold != nil {
            throw CLIError(
                message:
                    "a custodian of a threshold vault checks in alone beside the vault file, which vault \(location) in a database does not have: check in with a drill that enough custodians unlock together ('keyvault drill' with each one's --identity), which records each one's check-in; nothing was recorded",
                exitCode: ExitCodes.code(for: .other))
        }
    }
}
