// keyvault custodian list|add|remove: who can unlock a vault, and changing that.
import ArgumentParser
import KeyVault

struct CustodianCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "custodian",
        abstract: "List, add, remove or check the custodians who can unlock a vault.",
        subcommands: [CustodianList.self, CustodianAdd.self, CustodianRemove.self, CustodianCheck.self])
}

extension Custodian {
    var detail: String {
        switch kind {
        case .passphrase: return kdf.map { "\($0)" } ?? ""
        case .x25519: return recipient ?? ""
        case .certificate:
            let expiry = notAfter.map { isExpired ? "EXPIRED \($0.iso8601)" : "until \($0.iso8601)" } ?? ""
            return "\(subject ?? "") [\(algorithm ?? "")] \(expiry)"
        case .unknown: return "a kind this keyvault does not know"
        }
    }

    func json(checkIn status: CheckInStatus? = nil, now: Timestamp = .now()) -> JSON {
        var fields = json.objectFields
        if let status {
            fields += [
                // `committedAt` is the documented name (docs/JSON.md); `checkInBaseline`, the same value, is what
                // this field was printed as before, kept for scripts that read it.
                ("committedAt", status.baseline.map { .string($0.iso8601) } ?? .null),
                ("checkInBaseline", status.baseline.map { .string($0.iso8601) } ?? .null),
                ("lastCheckIn", status.lastCheckIn.map { .string($0.iso8601) } ?? .null),
                ("lastCheckInBy", status.lastCheckInBy.map(JSON.string) ?? .null), ("lastCheckInPending", .bool(status.isPending)),
                ("daysSinceLastProof", status.daysSinceLastProof(from: now).map { .int($0) } ?? .null),
            ]
        }
        return .object(fields)
    }

    var json: JSON {
        .object([
            ("id", .string(id)), ("kind", .string(kind.rawValue)), ("slot", .int(slotNumber)),
            ("recipient", recipient.map(JSON.string) ?? .null), ("subject", subject.map(JSON.string) ?? .null),
            ("certificateSHA256", certificateSHA256.map(JSON.string) ?? .null), ("algorithm", algorithm.map(JSON.string) ?? .null),
            ("notAfter", notAfter.map { .string($0.iso8601) } ?? .null), ("expired", .bool(isExpired)),
            ("daysUntilExpiry", daysUntilExpiry().map { .int($0) } ?? .null), ("endorsed", isEndorsed.map(JSON.bool) ?? .null),
        ])
    }
}

struct CustodianList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the custodians and the threshold (no secret needed).")

    @OptionGroup var vaultArgument: VaultArgument
    var vault: String { vaultArgument.path }

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Option(
        name: .customLong("check-in-max-age-days"),
        help: ArgumentHelp("Warn about custodians who have not checked in ('keyvault custodian check') for longer than this.", valueName: "days"))
    var checkInMaxAgeDays = 180

    func validate() throws {
        guard (1...3650).contains(checkInMaxAgeDays) else { throw CLIError.usage("--check-in-max-age-days must be from 1 to 3650, not \(checkInMaxAgeDays)") }
    }

    func run() throws {
        let v = try Vault.open(atPath: vault)
        let custodians = v.custodians
        let now = Timestamp.now()
        let statuses = v.checkInStatus(now: now)
        let review = CheckInReview(statuses, threshold: v.threshold, maxAgeDays: checkInMaxAgeDays, now: now)
        if json {
            Output.line(
                JSON.object([
                    ("vault", .string(vault)), ("threshold", v.threshold.map { .int($0) } ?? .null),
                    ("custodians", .array(zip(custodians, statuses).map { $0.json(checkIn: $1, now: now) })),
                    ("checkInWarnings", .array(review.problems.map(JSON.string))),
                ]).text)
            return
        }
        Output.line(
            Output.table(
                ["ID", "KIND", "ENDORSED", "LAST CHECK-IN", "DETAIL"],
                zip(custodians, statuses).map { c, s in
                    [c.id, c.kind.rawValue, c.isEndorsed.map { $0 ? "yes" : "no" } ?? "-", s.summary(now: now), c.detail]
                }))
        Output.line(
            v.threshold.map { "threshold: any \($0) of \(custodians.count) custodians together unlock this vault" }
                ?? "any one custodian unlocks this vault")
        for custodian in custodians { if let warning = custodian.expiryWarning(within: 60) { Output.note("warning: \(warning)") } }
        for problem in review.problems { Output.note("warning: \(problem)") }
    }
}

struct CustodianAdd: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Add custodians (unlock with existing ones).")

    @OptionGroup var vaultArgument: VaultArgument
    var vault: String { vaultArgument.path }

    @Option(name: .customLong("recipient"), help: ArgumentHelp("An X25519 recipient to add. Repeatable.", valueName: "recipient"))
    var recipients: [String] = []

    @Option(name: .customLong("cert"), help: ArgumentHelp("A certificate (PEM) to add. Repeatable.", valueName: "pem"))
    var certificates: [String] = []

    @Option(help: ArgumentHelp("Add a passphrase custodian whose passphrase is in FILE.", valueName: "file"))
    var newPassphraseFile: String?

    @Option(help: ArgumentHelp("Change the threshold: any K custodians together unlock the vault (1: any one). Re-keys the vault for all its custodians.", valueName: "k"))
    var threshold: Int?

    @OptionGroup var unlock: UnlockOptions
    @OptionGroup var history: HistoryOptions

    func run() throws {
        var added: [NewCustodian] = try recipients.map { .recipient(try Recipient(parsing: $0)) }
        for path in certificates {
            let certificate = try CertificateCustodian.load(fromFile: path)
            if certificate.isExpired { Output.note("warning: certificate \(path) has expired; it will still unlock the vault") }
            added.append(.certificate(certificate))
        }
        if let newPassphraseFile {
            added.append(.passphrase(try SecretInput.passphrase(fromFile: newPassphraseFile), .default))
        }
        let opened = try Vault.open(atPath: vault)
        let hasPassphrase = opened.hasPassphraseCustodian
        let credentials = try history.checkBeforeWrite(
            opened, path: vault, history.vouching(try unlock.credentials(for: opened, needPassphrase: (opened.threshold != nil || threshold != nil) && hasPassphrase)))
        let after = try Vault.addCustodians(added, atPath: vault, credentials: credentials, threshold: threshold)
        History.rememberWritten(path: vault)
        let threshold = CommittedVault.latest(forVaultAt: vault)?.threshold
        Output.line(
            "added \(added.count) custodian\(added.count == 1 ? "" : "s"); \(vault) now has \(after.count), \(thresholdWords(threshold))\(self.threshold.map { $0 != (opened.threshold ?? 1) ? "; re-keyed" : "" } ?? "")"
        )
        let rekeyed = self.threshold.map { $0 != (opened.threshold ?? 1) } == true
        if rekeyed { printNewKeyFingerprint(CommittedVault.latest(forVaultAt: vault)) }
        // New slots for every custodian (a re-key, or new shares of a threshold vault): who must endorse them again.
        if rekeyed || opened.threshold != nil { noteUnendorsedSlots(vault, what: rekeyed ? "the new key" : "the vault key, in its new slots,") }
    }
}

struct CustodianRemove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove a custodian and re-key the vault.",
        discussion: "Every entry is re-sealed under a new vault key, so the removed custodian opens nothing written from now on. A copy of the vault they kept from before still opens with their key.")

    @OptionGroup var vaultArgument: VaultArgument
    var vault: String { vaultArgument.path }

    @Argument(help: ArgumentHelp("The custodian's id (from 'keyvault custodian list'), recipient, or certificate SHA-256.", valueName: "id"))
    var id: String

    @Option(help: ArgumentHelp("Change the threshold: any K custodians together unlock the vault (1: any one). Re-keys the vault for all its custodians.", valueName: "k"))
    var threshold: Int?

    @OptionGroup var unlock: UnlockOptions
    @OptionGroup var history: HistoryOptions

    func run() throws {
        let opened = try Vault.open(atPath: vault)
        let keepsPassphrase = opened.hasPassphraseCustodian && id.lowercased() != "passphrase"
        let credentials = try history.checkBeforeWrite(opened, path: vault, history.vouching(try unlock.credentials(for: opened, needPassphrase: keepsPassphrase)))
        let removed = try Vault.removeCustodian(id: id, atPath: vault, credentials: credentials, threshold: threshold)
        History.rememberWritten(path: vault)
        // The counts of the file this process wrote, not of whatever is at the path now.
        let count = CommittedVault.latest(forVaultAt: vault)?.entryCount ?? 0
        Output.line(
            "removed custodian \(removed.id) (\(removed.kind.rawValue)); re-keyed \(vault): new vault key, \(count) entr\(count == 1 ? "y" : "ies") re-sealed; \(thresholdWords(CommittedVault.latest(forVaultAt: vault)?.threshold))"
        )
        printNewKeyFingerprint(CommittedVault.latest(forVaultAt: vault))
        noteUnendorsedSlots(vault, what: "the new key")
        Output.note("the removed custodian cannot open anything written from now on; a copy of the vault they kept from before still opens with their key")
    }
}

/// "any 2 of 3 custodians together" / "any one custodian" for a vault's threshold.
func thresholdWords(_ k: Int?) -> String { k.map { "any \($0) custodians together unlock it" } ?? "any one custodian unlocks it" }

extension CheckInStatus {
    /// "2026-12-01 (3 days ago)", "pending, …", "none on this slot; counts from 2026-12-01 (3 days ago)" (what a
    /// drill counts from then: the slot's making by `init` or `custodian add`, or across a re-key the custodian's last
    /// proof before it, or the re-key itself for those who unlocked for it), or "-" without a commitment.
    func summary(now: Timestamp) -> String {
        guard let baseline else { return "-" }
        let days = daysSinceLastProof(from: now) ?? 0
        let ago = days == 0 ? "today" : "\(days) day\(days == 1 ? "" : "s") ago"
        guard let last = lastCheckIn else { return "none on this slot; counts from \(baseline.iso8601.prefix(10)) (\(ago))" }
        return "\(last.iso8601.prefix(10)) (\(ago)\(isPending ? ", pending" : ""))"
    }
}
