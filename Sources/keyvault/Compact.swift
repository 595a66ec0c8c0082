// keyvault compact: a format-version-2 vault's commits written again as one.
import ArgumentParser
import KeyVault

struct Compact: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact", abstract: "Write a format-version-2 vault's appended changes again as one (nothing it holds changes).",
        discussion: """
            A format-version-2 vault grows by appends: every seal, restore record and drill. Compacting writes a new \
            file holding the same entries, sections and audit log in one commit, verifies it whole (every entry \
            opens), and renames it into place; a crash leaves the old file. A format-version-1 vault is rewritten whole \
            by every change and has nothing to compact.
            """)

    @OptionGroup var vaultArgument: VaultArgument
    var vault: String { vaultArgument.path }

    @OptionGroup var unlock: UnlockOptions
    @OptionGroup var history: HistoryOptions

    func run() throws {
        let opened = try Vault.open(atPath: vault)
        let credentials = try history.checkBeforeWrite(opened, path: vault, history.vouching(try unlock.credentials(for: opened)))
        guard let done = try Vault.compact(atPath: vault, credentials: credentials) else {
            Output.line("\(vault): format version 1 is rewritten whole by every change; nothing to compact")
            return
        }
        History.rememberWritten(path: vault)
        Output.line(
            "\(vault): compacted \(done.commitsBefore) commit\(done.commitsBefore == 1 ? "" : "s") into one, \(Self.size(done.bytesBefore)) -> \(Self.size(done.bytesAfter)); every entry verified")
    }

    /// A byte count for a person: bytes, KiB or MiB.
    static func size(_ bytes: Int) -> String {
        let tenths = (bytes * 10) >> 20
        return bytes < 1 << 10
            ? "\(bytes) bytes" : bytes < 1 << 20 ? "\(bytes >> 10) KiB" : tenths % 10 == 0 ? "\(tenths / 10) MiB" : "\(tenths / 10).\(tenths % 10) MiB"
    }
}
