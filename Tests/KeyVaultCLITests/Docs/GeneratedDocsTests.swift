// The committed shell completions and man page (share/) are the ones the argument parser generates now.
import Foundation
import Testing
import KeyVaultTestSupport

@Suite struct GeneratedDocsTests {
    static let share = URL(fileURLWithPath: VectorCase.folder).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("share").path

    @Test(arguments: [("bash", "completions/keyvault.bash"), ("zsh", "completions/_keyvault"), ("fish", "completions/keyvault.fish")])
    func completionScriptsAreCurrent(shell: String, file: String) throws {
        let r = try CLI.run(["--generate-completion-script", shell])
        #expect(r.status == 0, "\(r)")
        let committed = try TestFiles.text("\(Self.share)/\(file)")
        #expect(r.stdout == committed, "share/\(file) is stale: run scripts/generate-completions-and-man.sh")
        for command in ["inventory", "plan", "promote", "drill", "log", "restore"] { #expect(committed.contains(command)) }
    }

    @Test func theManPageDocumentsEveryCommandAndExitCode() throws {
        let page = try TestFiles.text("\(Self.share)/man/man1/keyvault.1")
        for command in [
            "init", "seal", "list", "restore", "verify", "info", "keygen", "custodian", "rekey",
            "inventory", "plan", "promote", "drill", "log",
        ] {
            #expect(page.contains(".It Em \(command)"), "the man page lacks \(command): run scripts/generate-completions-and-man.sh")
        }
        for option in ["key-password-file", "key-password-out", "show-key-password", "failed"] { #expect(page.contains(option)) }
        #expect(page.contains("6  no such entry"))
    }
}
