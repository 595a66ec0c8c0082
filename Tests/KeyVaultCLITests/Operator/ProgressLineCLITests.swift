// Progress on a terminal (issue 13): a long step draws one line on standard error when it is a terminal, erases it
// before the result, and prints nothing at all when standard error is a file or a pipe.
import Foundation
import Testing

struct ProgressLineCLITests {
    @Test(.tool("/usr/bin/script")) func theKDFShowsOneErasedLineOnATerminalOnly() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        let verify = [CLI.binary, "verify", ws.file("vault.kv"), "--passphrase-file", ws.file("pass")]
        // script(1) gives keyvault a terminal for all three descriptors; its transcript is what the terminal got.
        let tty = try CLI.execute(["/usr/bin/script", "-qec", verify.map { "'\($0)'" }.joined(separator: " "), "/dev/null"])
        #expect(tty.status == 0, "\(tty)")
        let erase = "\r\u{1B}[K"
        #expect(tty.stdout.hasPrefix(erase + "keyvault: deriving the key from the passphrase (Argon2id, 64 MiB)…" + erase + "0 of 0 entries intact"), "\(tty)")
        // The same command with pipes: the result alone, and nothing on standard error.
        let piped = try CLI.run(Array(verify.dropFirst()))
        #expect(piped.status == 0 && piped.stderr == "" && piped.stdout == "0 of 0 entries intact\n", "\(piped)")
    }

    @Test(.tool("/usr/bin/script")) func anErrorAfterProgressStartsOnAClearedLine() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        try "a wrong passphrase\n".write(toFile: ws.file("wrong"), atomically: true, encoding: .utf8)
        let verify = [CLI.binary, "verify", ws.file("vault.kv"), "--passphrase-file", ws.file("wrong")]
        let tty = try CLI.execute(["/usr/bin/script", "-qec", verify.map { "'\($0)'" }.joined(separator: " "), "/dev/null"])
        #expect(tty.status == 4, "\(tty)")
        #expect(tty.stdout.contains("…\r\u{1B}[Kkeyvault: error: wrong passphrase: it does not unlock this vault"), "\(tty)")
    }
}
