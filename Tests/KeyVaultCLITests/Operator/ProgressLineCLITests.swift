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

    /// A write that has to wait for another command's lock on the vault says so on a terminal (it seemed to hang for
    /// up to two minutes), erases the line once it has the lock, and says nothing when standard error is no terminal.
    @Test(.tool("/usr/bin/script"), .tool("/usr/bin/flock")) func aWaitForTheVaultsLockIsShownOnATerminal() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        _ = try ws.key("sm1.bin", size: 1297)
        _ = try ws.key("sm2.bin", size: 1298)
        let seal = { (key: String) in
            [CLI.binary, "seal", ws.file("vault.kv"), "--role", "sm", "--host", "SM01", "--key", ws.file(key), "--passphrase-file", ws.file("pass")]
        }
        // flock(1) holds the vault's lock for four seconds, as another keyvault command would (a reader waits two for
        // it before it reads without it; the writer's wait comes after).
        let holder = "flock -x '\(ws.file("vault.kv"))' sleep 4 & sleep 0.3"
        let tty = try CLI.execute(["/bin/sh", "-c", "\(holder); /usr/bin/script -qec \"$0\" /dev/null", seal("sm1.bin").map { "'\($0)'" }.joined(separator: " ")])
        let waiting = "keyvault: waiting for another keyvault command to finish with the vault (it holds its lock; up to 120 s)…"
        #expect(tty.status == 0 && tty.stdout.contains(waiting + "\r\u{1B}[K") && tty.stdout.contains("sealed the sm key of SM01 as version 1"), "\(tty)")
        let piped = try CLI.execute(["/bin/sh", "-c", "\(holder); exec \"$@\"", "sh"] + seal("sm2.bin"))
        #expect(piped.status == 0 && !piped.stderr.contains("waiting") && piped.stdout.contains("as version 2"), "\(piped)")
    }
}
