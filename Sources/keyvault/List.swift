// keyvault list: what the vault holds, never key bytes.
import ArgumentParser
import KeyVault

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the sealed keys: role, host, version, created, size, fingerprint, label.",
        discussion:
            "Needs no passphrase: the metadata is stored in the clear, and without a secret the listing says first that it is not authenticated. With --passphrase-file or --identity it is authenticated (exit 5 when the vault was tampered with)."
    )

    @OptionGroup var vaultArgument: VaultArgument
    var vault: String { vaultArgument.path }

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Flag(help: "Also list retired entries (status 'retired'), which restores, plans and drill coverage leave out.")
    var all = false

    @OptionGroup(title: "Authenticating the listing (optional; never asked on the terminal)") var unlock: UnlockOptions

    func run() throws {
        let opened = try Vault.open(atPath: vault)
        History.warnIfRolledBack(opened)
        StorageWarnings.warn(opened)
        let authenticated = try unlock.authenticate(opened)
        if authenticated { History.rememberAuthenticated(opened, path: vault) }
        let retired = opened.retiredIndexes
        let entries = all ? opened.entries : opened.entriesInService
        let drills = opened.lastDrills(for: entries)
        let withPassword = opened.entriesWithKeyPassword(for: entries)
        let former = opened.inventory.hosts.filter { $0.smPosition == .formerPrimary }
        func status(_ e: Entry) -> String? {
            if retired.contains(e.index) { return "retired" }
            return e.role == .sm && former.contains(where: { $0.matches(e.host) }) ? "former-primary" : nil
        }
        if json {
            // Written entry by entry: the same text as one JSON value, without holding all of it.
            let head = JSON.object([
                ("vault", .string(vault)), ("formatVersion", .int(opened.formatVersion)), ("id", .string(opened.id)),
                ("authenticated", .bool(authenticated)), ("entries", .array([])),
            ]).text
            var chunk = String(head.dropLast(2))
            for (i, e) in entries.enumerated() {
                if i > 0 { chunk += "," }
                var fields = e.jsonFields
                fields.append(("passwordEscrowed", .bool(withPassword.contains(e.index))))
                fields.append(
                    (
                        "retired",
                        opened.retirement(of: e).map { r in
                            .object([("time", .string(r.time.iso8601)), ("reason", .string(r.reason)), ("user", .string(r.user))])
                        } ?? .null
                    ))
                fields.append(("status", status(e).map(JSON.string) ?? .null))
                fields.append(
                    (
                        "lastDrill",
                        drills[e.index].map { d in
                            .object([("time", .string(d.time.iso8601)), ("ok", .bool(d.problem == nil)), ("problem", d.problem.map(JSON.string) ?? .null)])
                        } ?? .null
                    ))
                chunk += JSON.object(fields).text
                if chunk.utf8.count >= 1 << 16 { Output.text(chunk); chunk = "" }
            }
            Output.line(chunk + "]}")
            return
        }
        if !authenticated { Output.line(UnlockOptions.notAuthenticatedNotice) }
        guard !entries.isEmpty else {
            Output.line("no keys sealed in \(vault) yet")
            return
        }
        // A plain version-1 vault lists as it always did; the recovery columns appear once the vault has such data.
        guard opened.hasExtensions else {
            Output.printTable(["ROLE", "HOST", "VERSION", "CREATED (UTC)", "SIZE", "FINGERPRINT", "LABEL"], count: entries.count) { i in
                let e = entries[i]
                return [e.role.rawValue, e.host.value, String(e.version), e.createdAt.iso8601, String(e.size), e.fingerprint.short, e.visibleLabel]
            }
            return
        }
        Output.printTable(
            ["ROLE", "HOST", "VERSION", "CREATED (UTC)", "SIZE", "FINGERPRINT", "PASSWORD", "LAST DRILL", "STATUS", "LABEL"],
            count: entries.count
        ) { i in
            let e = entries[i]
            return [
                e.role.rawValue, e.host.value, String(e.version), e.createdAt.iso8601, String(e.size), e.fingerprint.short,
                withPassword.contains(e.index) ? "yes" : "no",
                drills[e.index].map { "\($0.time.iso8601) \($0.problem == nil ? "ok" : "FAILED")" } ?? "never",
                status(e).map { $0 == "former-primary" ? "former primary" : $0 } ?? "-", e.visibleLabel,
            ]
        }
        // Why each listed entry was retired, which the STATUS column only names.
        for e in entries where retired.contains(e.index) {
            guard let r = opened.retirement(of: e) else { continue }
            Output.line("retired: the \(e.displayName), \(r.time.iso8601) by \(r.user): \(FreeText.visible(r.reason))")
        }
    }
}
