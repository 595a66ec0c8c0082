// Issue 11 through the real binary: fatal signals, killed restores, odd files, closed descriptors, the vault as an
// output, shared-group vaults, the memory-lock limit, terminals, invisible characters.
import Foundation
import Testing
#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

@Suite(.serialized) struct HostileEnvironmentTests {
    static let pattern = Array("KVSECRETPATTERN!".utf8)
    static var machineName: String {
        var buffer = [UInt8](repeating: 0, count: 256)
        gethostname(&buffer, 255)
        return String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// A workspace with a vault holding a 16 MiB key of a recognisable pattern for this machine's own name (role dw).
    func patternedVault() throws -> Workspace {
        let ws = try Workspace()
        try ws.initVault()
        try ws.write(Array((0..<(1 << 20)).map { _ in Self.pattern }.joined()), to: "big.bin")
        // A recognisable pattern is plain text, which seal questions: --force.
        let r = try ws.seal(role: "dw", host: Self.machineName, key: "big.bin", extra: ["--force"])
        try #require(r.status == 0, "\(r)")
        return ws
    }

    func holdsPattern(_ text: String) -> Bool {
        // The backtracer prints memory as hex bytes and as text: "4b 56 53 45 ...  KVSECRETPATTERN!".
        let lower = text.lowercased()
        return lower.contains("kvsecret") || lower.contains("4b 56 53 45") || lower.contains("4b565345")
            || lower.contains("53 45 43 52 45 54") || lower.contains("patternn!") || lower.contains("50 41 54 54 45 52 4e")
    }

    @Test func fatalSignalsDuringRestoresPrintNoKeyBytes() throws {
        let ws = try patternedVault(); defer { ws.cleanUp() }
        var killed = 0
        for run in 0..<16 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: CLI.binary)
            process.arguments = ["restore", ws.file("vault.kv"), "--role", "dw", "--out", ws.file("out.bin"), "--force", "--passphrase-file", ws.file("pass")]
            // Whatever the environment asks for, no crash handler may run once secrets are about.
            process.environment = ProcessInfo.processInfo.environment.merging(["SWIFT_BACKTRACE": "enable=yes,interactive=no", "XDG_STATE_HOME": ws.file("state")]) { $1 }
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            usleep(useconds_t(20_000 + (run * 37_000) % 300_000))
            kill(process.processIdentifier, run % 3 == 2 ? SIGBUS : SIGSEGV)
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            if process.terminationReason == .uncaughtSignal { killed += 1 }
            #expect(!holdsPattern(text), "run \(run): the crash output holds key bytes:\n\(text.prefix(2000))")
            #expect(!text.contains("Backtracing") && !text.contains("Program crashed"), "run \(run): a crash handler ran:\n\(text.prefix(500))")
            // A killed restore leaves no named file holding the key but the (complete) output.
            let stray = try ws.listing().filter { $0.hasPrefix(".out.bin") }
            #expect(stray.isEmpty, "run \(run): \(stray)")
        }
        #expect(killed >= 4, "only \(killed) of 16 restores were hit by the signal; the test proved little")
    }

    @Test func aRestoreKilledBeforeItsOutputIsNamedLeavesNothing() throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/strace"), "strace is missing; scripts/require-packages.sh installs it")
        let ws = try patternedVault(); defer { ws.cleanUp() }
        let before = try ws.listing()
        // SIGKILL at the moment the finished file would get its name (linkat), then at its fsync.
        for point in ["linkat:signal=SIGKILL", "fsync:signal=SIGKILL:when=1"] {
            let r = try CLI.execute(
                [
                    "/usr/bin/strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=linkat,fsync", "-e", "inject=\(point)", CLI.binary,
                    "restore", ws.file("vault.kv"), "--role", "dw", "--out", ws.file("out.bin"), "--passphrase-file", ws.file("pass"),
                ],
                environment: CLI.underPtrace)
            #expect(r.status != 0, "\(point): \(r)")
            let after = try ws.listing()
            #expect(after == before, "\(point): something was left: \(after)")
        }
        // A named temp file a killed writer left on a file system without unnamed files is removed by the next run.
        try ws.write(Array("leftover key bytes".utf8), to: ".out.bin.keyvault-AbC123")
        let r = try CLI.run(["restore", ws.file("vault.kv"), "--role", "dw", "--out", ws.file("out.bin"), "--passphrase-file", ws.file("pass")])
        #expect(r.status == 0, "\(r)")
        let restored = try ws.read("out.bin")
        #expect(!ws.exists(".out.bin.keyvault-AbC123") && restored.count == 1 << 24)
        #expect(try ws.mode("out.bin") == 0o600)
    }

    @Test func aFIFOOrDeviceIsRefusedAtOnce() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        _ = try ws.key("SM01.bin")
        try #require(mkfifo(ws.file("fifo"), 0o600) == 0)
        let vaultBefore = try ws.read("vault.kv")
        let cases: [([String], String)] = [
            (["list", ws.file("fifo")], "vault \(ws.file("fifo")) is a FIFO (named pipe), not a regular file; keyvault reads vaults, keys and identities only from regular files"),
            (
                ["restore", ws.file("fifo"), "--role", "sm", "--out", ws.file("o.bin"), "--passphrase-file", ws.file("pass")],
                "vault \(ws.file("fifo")) is a FIFO (named pipe), not a regular file; keyvault reads vaults, keys and identities only from regular files"
            ),
            (
                ["seal", ws.file("vault.kv"), "--role", "sm", "--host", "SM01", "--key", ws.file("fifo"), "--passphrase-file", ws.file("pass")],
                "key file \(ws.file("fifo")) is a FIFO (named pipe), not a regular file; keyvault reads vaults, keys and identities only from regular files"
            ),
            (
                ["seal", ws.file("vault.kv"), "--role", "sm", "--host", "SM01", "--key", "/dev/zero", "--passphrase-file", ws.file("pass")],
                "key file /dev/zero is a character device, not a regular file; keyvault reads vaults, keys and identities only from regular files"
            ),
            (
                ["list", ws.file("vault.kv"), "--identity", ws.file("fifo")],
                "identity file \(ws.file("fifo")) is a FIFO (named pipe), not a regular file; keyvault reads vaults, keys and identities only from regular files"
            ),
        ]
        for (args, message) in cases {
            let start = Date()
            let r = try CLI.run(args)
            #expect(r.status == 2 && r.error == message, "\(args): \(r)")
            #expect(Date().timeIntervalSince(start) < 20, "\(args) blocked")
        }
        #expect(try ws.read("vault.kv") == vaultBefore)
        #expect(!ws.exists("o.bin"))
    }

    /// Runs keyvault through a shell with descriptors closed (`<&-`), as a careless script would.
    func runClosing(_ fds: String, _ args: [String]) throws -> Run {
        let quoted = ([CLI.binary] + args).map { "'\($0)'" }.joined(separator: " ")
        return try CLI.execute(["/bin/sh", "-c", "exec \(quoted) \(fds)"])
    }

    @Test func closedStandardDescriptorsNeverBecomeAVaultOrAKey() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        _ = try ws.key("SM01.bin")
        let before = try ws.read("vault.kv")
        let seal = ["seal", ws.file("vault.kv"), "--role", "sm", "--host", "SM01"]
        var r = try runClosing("<&-", seal + ["--key", "-", "--passphrase-file", ws.file("pass")])
        #expect(r.status == 2 && r.error == "key from standard input: standard input is closed; give a file instead of -", "\(r)")
        r = try runClosing("<&-", seal + ["--key", ws.file("SM01.bin"), "--passphrase-file", "-"])
        #expect(r.status == 2 && r.error == "passphrase from standard input: standard input is closed; give a file instead of -", "\(r)")
        #expect(try ws.read("vault.kv") == before, "nothing was sealed")
        // With standard output and error closed, a seal still works and writes nothing into the vault it opened.
        r = try runClosing(">&- 2>&-", seal + ["--key", ws.file("SM01.bin"), "--passphrase-file", ws.file("pass")])
        #expect(r.status == 0, "\(r)")
        let list = try CLI.run(["list", ws.file("vault.kv"), "--json"])
        #expect(list.status == 0 && list.stdout.contains("\"host\":\"SM01\""), "\(list)")
        #expect(try CLI.run(["verify", ws.file("vault.kv"), "--passphrase-file", ws.file("pass")]).status == 0)
    }

    @Test func theVaultItselfIsNeverAnOutputNorAKey() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        _ = try ws.key("k.bin")
        try #require(try ws.seal(role: "dw", host: Self.machineName, key: "k.bin").status == 0)
        try FileManager.default.createSymbolicLink(atPath: ws.file("link.kv"), withDestinationPath: ws.file("vault.kv"))
        try #require(link(ws.file("vault.kv"), ws.file("hard.kv")) == 0)
        let before = try ws.read("vault.kv")
        for out in ["vault.kv", "link.kv", "hard.kv"] {
            for force in [[], ["--force"]] {
                let r = try CLI.run(["restore", ws.file("vault.kv"), "--role", "dw", "--out", ws.file(out), "--passphrase-file", ws.file("pass")] + force)
                #expect(r.status == 2 && r.error == "--out \(ws.file(out)) is the vault itself; write the key to another file", "\(out) \(force): \(r)")
            }
        }
        let r = try CLI.run(["seal", ws.file("vault.kv"), "--role", "sm", "--host", "SM01", "--key", ws.file("link.kv"), "--passphrase-file", ws.file("pass")])
        #expect(r.status == 2 && r.error == "--key \(ws.file("link.kv")) is the vault itself; give the exported key file", "\(r)")
        #expect(try ws.read("vault.kv") == before)
    }

    @Test(.enabled(if: CLI.isRoot || CLI.inCI, "changing a vault's owner needs root (CI runs as root)"))
    func aRewriteKeepsTheVaultsOwnerGroupAndMode() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault(extra: ["--format", "1"])  // version 1 rewrites the file for every change
        _ = try ws.key("k.bin")
        try #require(try ws.seal(role: "dw", host: Self.machineName, key: "k.bin").status == 0)
        try #require(chown(ws.file("vault.kv"), 65534, 65534) == 0 && chmod(ws.file("vault.kv"), 0o640) == 0)
        let commands: [[String]] = [
            ["restore", ws.file("vault.kv"), "--role", "dw", "--out", ws.file("o.bin"), "--passphrase-file", ws.file("pass")],
            ["drill", ws.file("vault.kv"), "--passphrase-file", ws.file("pass")],
            ["seal", ws.file("vault.kv"), "--role", "sm", "--host", "SM01", "--key", ws.file("k2.bin"), "--passphrase-file", ws.file("pass")],
        ]
        _ = try ws.key("k2.bin")
        for args in commands {
            let r = try CLI.run(args)
            #expect(r.status == 0 && !r.stderr.contains("could not be recorded"), "\(args[0]): \(r)")
            var st = stat()
            try #require(stat(ws.file("vault.kv"), &st) == 0)
            #expect(st.st_uid == 65534 && st.st_gid == 65534 && st.st_mode & 0o7777 == 0o640, "\(args[0]): \(st.st_uid):\(st.st_gid) \(String(st.st_mode & 0o7777, radix: 8))")
        }
        // A user who may write the folder but cannot give the new file the vault's owner is refused; nothing changes.
        try #require(chmod(ws.path, 0o1777) == 0 && chmod(ws.file("pass"), 0o644) == 0 && chmod(ws.file("k.bin"), 0o644) == 0)
        try #require(chown(ws.file("vault.kv"), 0, 65534) == 0 && chmod(ws.file("vault.kv"), 0o666) == 0)
        let before = try ws.read("vault.kv")
        let r = try CLI.execute([
            "/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", CLI.binary,
            "seal", ws.file("vault.kv"), "--role", "ssp", "--host", "SSP01", "--key", ws.file("k.bin"), "--passphrase-file", ws.file("pass"),
        ])
        #expect(
            r.status == 1
                && r.error
                    == "refused to rewrite \(ws.file("vault.kv")): it belongs to user 0 and group 65534, and a file written by this user (uid 65534) cannot keep that owner and group (operation not permitted); run as the vault's owner or as root. The vault was not changed",
            "\(r)")
        #expect(try ws.read("vault.kv") == before)
        var st = stat()
        #expect(stat(ws.file("vault.kv"), &st) == 0 && st.st_uid == 0 && st.st_gid == 65534 && st.st_mode & 0o777 == 0o666)
        #expect(try ws.listing().filter { $0.hasPrefix(".vault.kv.keyvault-") }.isEmpty)
    }

    /// A SIGTERM that comes after a restore wrote its key, while its audit record waits for the vault's lock (held here
    /// by flock(1)), waits for that record: the process then ends as the signal says, with the record written. It
    /// ended at once, the key out with no record of it (a review saw it in 8 of 10 restores among busy writers).
    @Test(.enabled(if: CLI.isRoot || CLI.inCI, "a restore on a named host needs unshare --uts (root); CI runs as root"), .tool("/usr/bin/flock"))
    func aSignalAfterTheKeyIsOutWaitsForItsRecord() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault(extra: ["--format", "2"])
        let key = try ws.key("k.bin")
        try #require(try ws.seal(role: "dw", host: "DW01", key: "k.bin").status == 0)
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        holder.arguments = [ws.file("vault.kv"), "sleep", "6"]
        try holder.run()
        usleep(300_000)
        let restore = Process()
        restore.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        restore.arguments = [
            "--uts", "/bin/sh", "-c", "hostname DW01 && exec \"$@\"", "x", CLI.binary, "restore", ws.file("vault.kv"), "--role", "dw", "--out", ws.file("o.bin"),
            "--passphrase-file", ws.file("pass"),
        ]
        restore.environment = ProcessInfo.processInfo.environment.merging(["XDG_STATE_HOME": ws.file("state")]) { $1 }
        restore.standardOutput = FileHandle.nullDevice
        restore.standardError = FileHandle.nullDevice
        try restore.run()
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: ws.file("o.bin")) && Date() < deadline { usleep(20_000) }
        try #require(FileManager.default.fileExists(atPath: ws.file("o.bin")), "the key was never written")
        usleep(300_000)
        #expect(restore.isRunning, "the restore waits for the lock to write its record")
        kill(restore.processIdentifier, SIGTERM)
        restore.waitUntilExit()
        holder.waitUntilExit()
        #expect(restore.terminationReason == .uncaughtSignal && restore.terminationStatus == SIGTERM, "\(restore.terminationReason) \(restore.terminationStatus)")
        #expect(try ws.read("o.bin") == key)
        let log = try VaultBytes.json(try CLI.run(["log", ws.file("vault.kv"), "--json", "--passphrase-file", ws.file("pass")]))
        #expect((log["records"] as? [[String: Any]])?.last?["action"] as? String == "restore", "\(log)")
    }

    /// `--force` over another user's file in a folder with the sticky bit (as /tmp): the file cannot be removed, which
    /// is said as such; before, the failed removal went unnoticed and the link after it reported the file as already
    /// there, with "pass --force" though it was passed.
    @Test(.enabled(if: CLI.isRoot || CLI.inCI, "another user's file in a sticky folder needs an unprivileged user (root may remove it); CI runs as root"))
    func anotherUsersFileInAStickyFolderIsNotReportedAsAlreadyThere() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        _ = try ws.key("k.bin")
        try #require(try ws.seal(role: "dw", host: Self.machineName, key: "k.bin").status == 0)
        try #require(chmod(ws.path, 0o1777) == 0 && chmod(ws.file("pass"), 0o644) == 0 && chmod(ws.file("vault.kv"), 0o644) == 0)
        let theirs = Array("another user's file\n".utf8)
        try ws.write(theirs, to: "o.bin")
        try #require(chown(ws.file("o.bin"), 1, 1) == 0)
        let r = try CLI.execute([
            "/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", CLI.binary,
            "restore", ws.file("vault.kv"), "--role", "dw", "--out", ws.file("o.bin"), "--force", "--passphrase-file", ws.file("pass"),
        ])
        #expect(
            r.status == 1
                && r.error
                    == "cannot replace \(ws.file("o.bin")): operation not permitted (it belongs to user 1, and in a folder with the sticky bit only a file's owner may replace it); \(ws.file("o.bin")) was not changed",
            "\(r)")
        #expect(try ws.read("o.bin") == theirs)
        #expect(try ws.listing().filter { $0.contains(".keyvault-") }.isEmpty)
    }

    @Test(.enabled(if: CLI.isRoot || CLI.inCI, "a memory-lock limit that bites needs an unprivileged user (root ignores it); CI runs as root"))
    func aFailedMemoryLockIsWarnedAboutOnceWithoutALength() throws {
        let ws = try patternedVault(); defer { ws.cleanUp() }
        try #require(chmod(ws.path, 0o1777) == 0 && chmod(ws.file("pass"), 0o644) == 0 && chmod(ws.file("vault.kv"), 0o644) == 0)
        let r = try CLI.execute([
            "/usr/bin/prlimit", "--memlock=8388608", "/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
            CLI.binary, "restore", ws.file("vault.kv"), "--role", "dw", "--out", ws.file("o.bin"), "--passphrase-file", ws.file("pass"),
        ])
        #expect(r.status == 0, "\(r)")
        let warnings = r.stderr.split(separator: "\n").filter { $0.hasPrefix("warning: secret memory could not be locked") }
        #expect(warnings.count == 1, "\(r.stderr)")
        #expect(warnings.first?.contains("locked-memory limit 8192 KiB") == true && warnings.first?.contains("16777216") == false, "\(r.stderr)")
        // Within the limit, nothing is said.
        let small = try CLI.execute([
            "/usr/bin/prlimit", "--memlock=8388608", "/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
            CLI.binary, "list", ws.file("vault.kv"), "--passphrase-file", ws.file("pass"),
        ])
        #expect(small.status == 0 && !small.stderr.contains("could not be locked"), "\(small)")
    }

    @Test func aPassphraseTypedOnStandardInputIsNotEchoed() throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "script(1) is missing (util-linux)")
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        // script(1) gives keyvault a real terminal as standard input; what the terminal shows is captured.
        let typescript = ws.file("typescript")
        let command = "\(CLI.binary) list \(ws.file("vault.kv")) --passphrase-file -"
        // The passphrase is typed a moment after keyvault starts waiting for it, as a person would type it.
        let r = try CLI.execute([
            "/bin/sh", "-c", "(sleep 1; printf '%s\\n' \"$1\"; sleep 1) | /usr/bin/script -q -e -c \"$0\" \"$2\"",
            command, ws.passphrase, typescript,
        ])
        let shown = String(decoding: try ws.read("typescript"), as: UTF8.self)
        #expect(r.status == 0, "\(r)\n\(shown)")
        #expect(!shown.contains(ws.passphrase) && !r.stdout.contains(ws.passphrase), "the passphrase was echoed:\n\(shown)")
    }

    @Test func invisibleAndBidirectionalCharactersAreRefusedInFreeText() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        _ = try ws.key("k.bin")
        let before = try ws.read("vault.kv")
        for (text, code) in [("evil\u{202E}nib.yek", "202E"), ("zero\u{200B}width", "200B"), ("\u{FEFF}bom", "FEFF"), ("line\u{2028}sep", "2028")] {
            let r = try ws.seal(role: "sm", host: "SM01", key: "k.bin", extra: ["--label", text])
            #expect(r.status == 2 && r.error == "invalid label: it contains an invisible or bidirectional formatting character (U+\(code))", "\(r)")
            let g = try CLI.run(["inventory", "group", ws.file("vault.kv"), "--name", text, "--passphrase-file", ws.file("pass")])
            #expect(g.status == 2 && g.error.contains("invisible or bidirectional formatting character (U+\(code))"), "\(g)")
        }
        #expect(try ws.read("vault.kv") == before)
        // Ordinary non-ASCII text is still fine.
        #expect(try ws.seal(role: "sm", host: "SM01", key: "k.bin", extra: ["--label", "clé de secours — Zürich"]).status == 0)
    }

    // What an independent attack review of this work found, each now refused.

    @Test func noOutputOverwritesAFileThatUnlocksTheVault() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try #require(try CLI.run(["keygen", "--out", ws.file("alice.id")]).status == 0)
        try #require(try CLI.run(["init", ws.file("vault.kv"), "--identity", ws.file("alice.id")]).status == 0)
        _ = try ws.key("k.bin")
        try #require(try CLI.run(["seal", ws.file("vault.kv"), "--role", "dw", "--host", Self.machineName, "--key", ws.file("k.bin"), "--identity", ws.file("alice.id")]).status == 0)
        let identity = try ws.read("alice.id")
        for option in ["--out", "--key-password-out"] {
            let extra = option == "--out" ? [] : ["--out", ws.file("o.bin")]
            let r = try CLI.run(["restore", ws.file("vault.kv"), "--role", "dw", option, ws.file("alice.id"), "--force", "--identity", ws.file("alice.id")] + extra)
            #expect(
                r.status == 2
                    && r.error
                        == "\(option) \(ws.file("alice.id")) is \(ws.file("alice.id")), which this command reads to unlock the vault; write \(option == "--out" ? "the key" : "the export password") to another file",
                "\(option): \(r)"
            )
        }
        #expect(try ws.read("alice.id") == identity, "the only custodian's identity is intact")
    }

    @Test func aKeyFileThatIsNotWhatItsSizeSaysIsRefused() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        let before = try ws.read("vault.kv")
        let proc = try CLI.run(["seal", ws.file("vault.kv"), "--role", "sm", "--host", "SM01", "--key", "/proc/self/environ", "--force", "--passphrase-file", ws.file("pass")])
        #expect(
            proc.status == 2
                && proc.error == "key file /proc/self/environ changed while it was read, or is not an ordinary file (its size does not match what it holds); copy it to a regular file and try again",
            "\(proc)")
        #expect(try ws.read("vault.kv") == before)
    }

    @Test func aSocketIsRefusedAsAnInputWithExit2() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        let made = try CLI.execute(["/usr/bin/python3", "-c", "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])", ws.file("sock")])
        try #require(made.status == 0, "\(made)")
        let r = try CLI.run(["list", ws.file("sock")])
        #expect(r.status == 2 && r.error == "vault \(ws.file("sock")) is a socket, not a regular file; keyvault reads vaults, keys and identities only from regular files", "\(r)")
    }

    @Test func moreInvisibleCharactersAreRefused() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        _ = try ws.key("k.bin")
        for (text, code) in [("a\u{3164}b", "3164"), ("a\u{115F}b", "115F"), ("a\u{034F}b", "034F"), ("a\u{FE0F}b", "FE0F"), ("a\u{2800}b", "2800"), ("a\u{3000}b", "3000")] {
            let r = try ws.seal(role: "sm", host: "SM01", key: "k.bin", extra: ["--label", text])
            #expect(r.status == 2 && r.error == "invalid label: it contains an invisible or bidirectional formatting character (U+\(code))", "\(code): \(r)")
        }
    }

    @Test func aForcedRestoreKilledAtAnyPointLeavesNoHiddenCopy() throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/strace"), "strace is missing; scripts/require-packages.sh installs it")
        let ws = try patternedVault(); defer { ws.cleanUp() }
        try ws.write(Array("old output\n".utf8), to: "out.bin")
        for point in ["linkat:signal=SIGKILL", "unlink:signal=SIGKILL"] {
            let r = try CLI.execute(
                [
                    "/usr/bin/strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=linkat,unlink", "-e", "inject=\(point)", CLI.binary,
                    "restore", ws.file("vault.kv"), "--role", "dw", "--out", ws.file("out.bin"), "--force", "--passphrase-file", ws.file("pass"),
                ],
                environment: CLI.underPtrace)
            #expect(r.status != 0, "\(point): \(r)")
            let hidden = try ws.listing().filter { $0.hasPrefix(".out.bin") }
            #expect(hidden.isEmpty, "\(point): \(hidden)")
        }
    }

    @Test(.enabled(if: CLI.isRoot && FileManager.default.isExecutableFile(atPath: "/usr/bin/setfacl"), "needs root and setfacl (acl); CI has both"))
    func aRewriteKeepsTheVaultsACLAndASetgidFoldersGroupDoesNotWiden() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        _ = try ws.key("k.bin")
        try #require(try CLI.execute(["/usr/bin/setfacl", "-m", "u:65534:r,g::---,m::r", ws.file("vault.kv")]).status == 0)
        let acl = try CLI.execute(["/usr/bin/getfacl", "-c", ws.file("vault.kv")]).stdout
        try #require(try ws.seal(role: "sm", host: "SM01", key: "k.bin").status == 0)
        #expect(try CLI.execute(["/usr/bin/getfacl", "-c", ws.file("vault.kv")]).stdout == acl, "the ACL is kept")
        // A setgid folder whose group is not the vault's: the vault keeps its own group.
        let folder = ws.file("sg")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try #require(chown(folder, 65534, 100) == 0 && chmod(folder, 0o2775) == 0)
        try FileManager.default.copyItem(atPath: ws.file("vault.kv"), toPath: "\(folder)/v.kv")
        try #require(chown("\(folder)/v.kv", 0, 0) == 0 && chmod("\(folder)/v.kv", 0o640) == 0)
        _ = try ws.key("k2.bin")
        let r = try CLI.run(["seal", "\(folder)/v.kv", "--role", "dw", "--host", "DW01", "--key", ws.file("k2.bin"), "--passphrase-file", ws.file("pass")])
        #expect(r.status == 0, "\(r)")
        var st = stat()
        #expect(stat("\(folder)/v.kv", &st) == 0 && st.st_gid == 0 && st.st_mode & 0o777 == 0o640, "group \(st.st_gid), mode \(String(st.st_mode & 0o777, radix: 8))")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "script(1) from util-linux gives the command a terminal"))
    func aPassphraseFileThatIsTheTerminalIsNotEchoed() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        let command = "\(CLI.binary) list \(ws.file("vault.kv")) --passphrase-file /dev/stdin"
        let r = try CLI.execute([
            "/bin/sh", "-c", "(sleep 1; printf '%s\\n' \"$1\"; sleep 1) | /usr/bin/script -q -e -c \"$0\" \"$2\"",
            command, ws.passphrase, ws.file("typescript"),
        ])
        let shown = String(decoding: try ws.read("typescript"), as: UTF8.self)
        #expect(r.status == 0 && !shown.contains(ws.passphrase), "\(r)\n\(shown)")
    }
}
