// Issue 17, items 8 and 9: passphrases from the environment, three tries at the terminal prompt, and text files as
// Windows writes them (UTF-8 with a BOM, UTF-16 with a BOM).
import Foundation
import Testing

@Suite struct PassphraseInputCLITests {
    @Test func theEnvironmentNamesThePassphraseAndIdentityFiles() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        _ = try ws.key("k.bin")
        let env = ["KEYVAULT_PASSPHRASE_FILE": ws.file("pass")]
        // As pasted in a script: no --passphrase-file, no terminal.
        var r = try CLI.run(["seal", ws.file("vault.kv"), "--role", "sm", "--host", "SM01", "--key", ws.file("k.bin")], environment: env)
        #expect(r.status == 0, "\(r)")
        r = try CLI.run(["list", ws.file("vault.kv"), "--json"], environment: env)
        let listed = try VaultBytes.json(r)
        #expect(r.status == 0 && listed["authenticated"] as? Bool == true, "the variable authenticates reads too: \(r)")
        // The option wins over the variable.
        try ws.write(Array("not the passphrase\n".utf8), to: "wrong")
        r = try CLI.run(["verify", ws.file("vault.kv"), "--passphrase-file", ws.file("pass")], environment: ["KEYVAULT_PASSPHRASE_FILE": ws.file("wrong")])
        #expect(r.status == 0, "\(r)")

        try #require(try CLI.run(["keygen", "--out", ws.file("alice.id")]).status == 0)
        try #require(try CLI.run(["init", ws.file("x.kv"), "--identity", ws.file("alice.id")]).status == 0)
        r = try CLI.run(["seal", ws.file("x.kv"), "--role", "sm", "--host", "SM01", "--key", ws.file("k.bin")], environment: ["KEYVAULT_IDENTITY_FILE": ws.file("alice.id")])
        #expect(r.status == 0, "\(r)")
    }

    /// Runs `command` on a real terminal (script(1)), typing `lines` one second apart once it waits for them.
    func onTerminal(_ ws: Workspace, _ command: String, typing lines: [String]) throws -> (Run, String) {
        let typed = lines.map { "sleep 1; printf '%s\\n' '\($0)'" }.joined(separator: "; ")
        let r = try CLI.execute(["/bin/sh", "-c", "(\(typed); sleep 2) | /usr/bin/script -q -e -c \"$0\" \"$1\"", command, ws.file("typescript")])
        return (r, String(decoding: try ws.read("typescript"), as: UTF8.self))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "script(1) from util-linux gives the prompt a terminal"))
    func theTerminalPromptAllowsThreeTries() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        let verify = "\(CLI.binary) verify \(ws.file("vault.kv"))"
        var (r, shown) = try onTerminal(ws, verify, typing: ["typo one", "typo two", ws.passphrase])
        #expect(r.status == 0 && shown.contains("wrong passphrase; try again (2 tries left)") && shown.contains("wrong passphrase; try again (1 try left)"), "\(r)\n\(shown)")
        #expect(!shown.contains("typo one") && !shown.contains(ws.passphrase), "nothing typed is echoed:\n\(shown)")
        (r, shown) = try onTerminal(ws, verify, typing: ["typo one", "typo two", "typo three"])
        #expect(r.status == 4 && shown.contains("keyvault: error: wrong passphrase three times; nothing was done"), "\(r)\n\(shown)")
    }

    /// A passphrase typed at the prompt is checked against the vault, and the unlock that follows uses the key that
    /// check derived: Argon2id runs once per command (its progress line shows each run), for a read and for a write.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "script(1) from util-linux gives the prompt a terminal"))
    func aTypedPassphraseIsHashedOnce() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        let made = try CLI.run(["init", ws.file("vault.kv"), "--passphrase-file", ws.file("pass")])
        try #require(made.status == 0, "\(made)")
        _ = try ws.key("sm.bin")
        for command in [
            "\(CLI.binary) verify \(ws.file("vault.kv"))",
            "\(CLI.binary) seal \(ws.file("vault.kv")) --role sm --host SM01 --key \(ws.file("sm.bin"))",
            "\(CLI.binary) verify \(ws.file("vault.kv"))",
        ] {
            let (r, shown) = try onTerminal(ws, command, typing: ["typo one", ws.passphrase])
            #expect(r.status == 0 && shown.contains("wrong passphrase; try again (2 tries left)"), "\(r)\n\(shown)")
            // One run for the typo, one for the passphrase; none again to unlock.
            #expect(shown.components(separatedBy: "deriving the key from the passphrase (Argon2id, 256 MiB)").count - 1 == 2, "\(command)\n\(shown)")
        }
        #expect(try CLI.run(["list", ws.file("vault.kv"), "--passphrase-file", ws.file("pass")]).stdout.contains("SM01"))
    }

    /// Interrupted at the prompt (Ctrl-C, a kill, a hang-up), keyvault ends as the signal says and gives the terminal
    /// its echo back: a shell that does not repair it (dash, Debian's sh) would otherwise leave the operator typing
    /// blind.
    @Test(
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "script(1) from util-linux gives the prompt a terminal"),
        arguments: ["INT", "TERM", "HUP", "QUIT"])
    func aSignalAtThePromptGivesTheTerminalItsEchoBack(signal: String) throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        // On the terminal: verify waits at the prompt (in the background of a shell without job control, so in the
        // terminal's foreground group; such a shell starts it with SIGINT and SIGQUIT ignored, and a test runner may
        // ignore SIGTERM and SIGHUP: env puts all four back to their defaults, as a foreground command of an
        // interactive shell has them), is sent the signal, and stty then shows the terminal's settings.
        let inner = [
            "env --default-signal=INT,QUIT,TERM,HUP \"$1\" verify \"$2\" & pid=$!",
            "i=0; until grep -q 'Vault passphrase:' \"$3\" 2>/dev/null; do i=$((i+1)); [ $i -gt 300 ] && exit 1; sleep 0.1; done",
            "kill -\(signal) $pid; wait $pid; echo \"status=$?\"; stty -a",
        ].joined(separator: "\n")
        try ws.write(Array(inner.utf8), to: "inner.sh")
        let command = ["/bin/sh", ws.file("inner.sh"), CLI.binary, ws.file("vault.kv"), ws.file("typescript")].map { "'\($0)'" }.joined(separator: " ")
        let r = try CLI.execute(["/bin/sh", "-c", "sleep 8 | /usr/bin/script -q -e -f -c \"$0\" \"$1\"", command, ws.file("typescript")])
        let shown = String(decoding: try ws.read("typescript"), as: UTF8.self)
        let status = ["INT": 130, "TERM": 143, "HUP": 129, "QUIT": 131][signal]!
        #expect(r.status == 0 && shown.contains("status=\(status)"), "ended by the signal: \(r)\n\(shown)")
        let settings = shown.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == ";" })
        #expect(settings.contains("echo") && !settings.contains("-echo"), "echo is back on:\n\(shown)")
    }

    /// Stopped at the prompt (Ctrl-Z), keyvault gives the terminal its echo back while it waits, and takes the
    /// passphrase once it is continued in the foreground (`fg`).
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "script(1) from util-linux gives the prompt a terminal"))
    func aStopAtThePromptGivesTheTerminalItsEchoBackUntilContinued() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        // A shell with job control (set -m): verify runs as its foreground job in a process group of its own (one
        // the kernel lets a stop signal stop); a background helper stops it at the prompt; the shell shows its
        // settings, then continues it with fg; the passphrase is typed after that.
        let inner = [
            "set -m",
            "( i=0; until grep -q 'Vault passphrase:' \"$3\" 2>/dev/null && [ -s \"$4\" ]; do i=$((i+1)); [ $i -gt 300 ] && exit 1; sleep 0.1; done",
            "  kill -TSTP \"$(cat \"$4\")\" ) &",
            "env --default-signal=TSTP,INT,QUIT,TERM,HUP sh -c 'echo $$ > \"$0\"; exec \"$@\"' \"$4\" \"$1\" verify \"$2\"",
            "echo \"stopped=$?\"",
            "stty -a",
            "fg",
            "echo \"status=$?\"",
        ].joined(separator: "\n")
        try ws.write(Array(inner.utf8), to: "inner.sh")
        let command = ["/bin/sh", ws.file("inner.sh"), CLI.binary, ws.file("vault.kv"), ws.file("typescript"), ws.file("pid")].map { "'\($0)'" }
            .joined(separator: " ")
        let r = try CLI.execute([
            "/bin/sh", "-c", "(sleep 6; printf '%s\\r' \"$2\"; sleep 4) | /usr/bin/script -q -e -f -c \"$0\" \"$1\"", command, ws.file("typescript"), ws.passphrase,
        ])
        let shown = String(decoding: try ws.read("typescript"), as: UTF8.self)
        #expect(r.status == 0 && shown.contains("stopped=148") && shown.contains("status=0") && shown.contains("entries intact"), "\(r)\n\(shown)")
        let whileStopped = shown.components(separatedBy: "stopped=148").last?.components(separatedBy: "status=").first ?? ""
        let settings = whileStopped.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == ";" })
        #expect(settings.contains("echo") && !settings.contains("-echo"), "echo is on while stopped:\n\(shown)")
        #expect(!shown.contains(ws.passphrase), "the passphrase typed after fg is not echoed:\n\(shown)")
    }

    /// `text` as Windows PowerShell writes it: a byte-order mark, UTF-16 (little-endian unless `bigEndian`), CR LF.
    func utf16(_ text: String, bigEndian: Bool = false) -> [UInt8] {
        var out: [UInt8] = bigEndian ? [0xFE, 0xFF] : [0xFF, 0xFE]
        for unit in (text + "\r\n").utf16 {
            let pair = [UInt8(unit & 0xFF), UInt8(unit >> 8)]
            out += bigEndian ? pair.reversed() : pair
        }
        return out
    }

    @Test func passphraseAndPasswordFilesFromWindowsAreReadAsTheTextTheyHold() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        let passphrase = "pässwörd-€-𝄞-long enough"
        try ws.write(Array("\(passphrase)\n".utf8), to: "utf8.txt")
        try #require(try CLI.run(["init", ws.file("vault.kv"), "--passphrase-file", ws.file("utf8.txt"), "--kdf", "interactive"]).status == 0)
        try ws.write([0xEF, 0xBB, 0xBF] + Array("\(passphrase)\r\n".utf8), to: "bom.txt")
        try ws.write(utf16(passphrase), to: "le.txt")
        try ws.write(utf16(passphrase, bigEndian: true), to: "be.txt")
        var r = try CLI.run(["verify", ws.file("vault.kv"), "--passphrase-file", ws.file("bom.txt")])
        #expect(r.status == 0 && !r.stderr.contains("UTF-16"), "a UTF-8 byte-order mark is dropped quietly: \(r)")
        for name in ["le.txt", "be.txt"] {
            r = try CLI.run(["verify", ws.file("vault.kv"), "--passphrase-file", ws.file(name)])
            #expect(r.status == 0, "\(name): \(r)")
            #expect(r.stderr.contains("note: the passphrase file \(ws.file(name)) is UTF-16 (as Windows PowerShell writes it); it was read as the text it holds, in UTF-8"), "\(name): \(r)")
        }
        // An export password saved by PowerShell is escrowed as its text, and restored in UTF-8.
        _ = try ws.key("sm.bin")
        try ws.write(utf16("Export-Pa55word-ü"), to: "pw.txt")
        r = try CLI.run([
            "seal", ws.file("vault.kv"), "--role", "sm", "--host", "SM01", "--key", ws.file("sm.bin"),
            "--key-password-file", ws.file("pw.txt"), "--passphrase-file", ws.file("utf8.txt"),
        ])
        #expect(r.status == 0 && r.stderr.contains("note: the export password file \(ws.file("pw.txt")) is UTF-16"), "\(r)")
        // Broken UTF-16 is refused with what to do.
        try ws.write([0xFF, 0xFE, 0x41], to: "odd.txt")
        r = try CLI.run(["verify", ws.file("vault.kv"), "--passphrase-file", ws.file("odd.txt")])
        #expect(r.status == 2 && r.error == "passphrase file \(ws.file("odd.txt")) starts like UTF-16 but has an odd number of bytes; save it again as UTF-8", "\(r)")
        try ws.write([0xFF, 0xFE, 0x00, 0xDC, 0x41, 0x00], to: "lone.txt")
        r = try CLI.run(["verify", ws.file("vault.kv"), "--passphrase-file", ws.file("lone.txt")])
        #expect(r.status == 2 && r.error == "passphrase file \(ws.file("lone.txt")) is not valid UTF-16 (an unpaired surrogate); save it again as UTF-8", "\(r)")
    }
}
