// Memory hygiene, checked on the real process: `keyvault restore` runs under gdb, which dumps its memory (gcore) at
// the moment the restored key is linked (or renamed) into place, and again at _exit. The decrypted key must appear only in
// libsodium's guarded memory (excluded from core dumps), the passphrase nowhere once the key is derived, and neither
// anywhere at exit; the process must have made itself non-dumpable.
import Foundation
import Testing

@Suite(.serialized) struct MemoryHygieneTests {
    static let gdb = "/usr/bin/gdb"

    func count(_ needle: [UInt8], in path: String) throws -> Int {
        let data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        var found = 0, from = data.startIndex
        while let range = data.range(of: Data(needle), in: from..<data.endIndex) { found += 1; from = range.upperBound }
        return found
    }

    /// Reads the system call's arguments and result from x86_64's registers (rdi, rsi, rax).
    static let isX86_64: Bool = {
        #if arch(x86_64)
            true
        #else
            false
        #endif
    }()

    @Test(.namedHosts, .tool(gdb), .enabled(if: isX86_64, "reads a system call's arguments from x86_64's registers"))
    func theDecryptedKeyLivesOnlyInGuardedMemoryAndIsWipedByExit() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        try ws.initVault()
        let key = try ws.key("marker.bin", size: 4096)
        #expect(try ws.seal(role: "sm", host: "SM01", key: "marker.bin").status == 0)
        // Whether the process is non-dumpable is seen at every prctl(PR_SET_DUMPABLE, …) it makes, entry and return,
        // from gdb's registers (a catchpoint that stays until the process ends), not by calling prctl in it: on some
        // machines gdb cannot call a function in the process ("Couldn't write extended state status", seen 2026-12-06
        // with gdb 13.1). At a system call's entry the result register holds -ENOSYS; at its return, the result.
        let script = [
            "set breakpoint pending on", "catch syscall prctl", "condition 1 $rdi == 4",
            "commands 1", "silent", "printf \"prctl(4, %d) gives %d\\n\", $rsi, $rax", "continue", "end",
            "break linkat", "break renameat2", "break rename", "run",
            "gcore \(ws.file("core.rename"))",
            "set dump-excluded-mappings on", "gcore \(ws.file("core.rename-all"))", "set dump-excluded-mappings off",
            "delete 2-4", "break _exit", "continue",
            "set dump-excluded-mappings on", "gcore \(ws.file("core.exit-all"))",
            "kill",
        ]
        let gdbCommands = ["-x", try ws.write(Array(script.joined(separator: "\n").utf8), to: "gdb.commands")]
        let r = try CLI.execute(
            [
                "/usr/bin/unshare", "--uts", "/bin/sh", "-c", "hostname SM01 && exec \"$@\"", "x",
                Self.gdb, "-q", "-batch", "-nx",
            ] + gdbCommands + [
                "--args", CLI.binary, "restore", ws.file("vault.kv"), "--role", "sm", "--out", ws.file("out.bin"),
                "--passphrase-file", ws.file("pass"),
            ])
        // PR_SET_DUMPABLE (4) set to 0 and succeeded, and never set otherwise.
        let calls = r.stdout.split(separator: "\n").filter { $0.hasPrefix("prctl(4, ") }
        #expect(calls.contains("prctl(4, 0) gives 0") && calls.allSatisfy { $0.hasPrefix("prctl(4, 0) ") }, "the process did not make itself non-dumpable:\n\(r)")
        for core in ["core.rename", "core.rename-all", "core.exit-all"] { try #require(ws.exists(core), "gdb made no \(core):\n\(r)") }
        let passphrase = Array(ws.passphrase.utf8)
        // Control: with excluded mappings dumped too, the key is found: the breakpoint caught it in memory.
        #expect(try count(key, in: ws.file("core.rename-all")) == 1)
        // What a core dump would hold at that moment: no copy of the key outside guarded memory.
        #expect(try count(key, in: ws.file("core.rename")) == 0)
        #expect(try count(Array(key[1000..<1032]), in: ws.file("core.rename")) == 0)
        // The passphrase is gone once the vault is unlocked, guarded memory included.
        #expect(try count(passphrase, in: ws.file("core.rename-all")) == 0)
        // At exit, wiped everywhere.
        #expect(try count(key, in: ws.file("core.exit-all")) == 0)
        #expect(try count(Array(key[1000..<1032]), in: ws.file("core.exit-all")) == 0)
        #expect(try ws.read("out.bin") == key)
    }

    @Test func secretsHaveNoCommandLineOption() throws {
        for option in ["--passphrase", "--password", "--key-bytes"] {
            let r = try CLI.run(["init", "/tmp/never.kv", option, "hunter2hunter2"])
            #expect(r.status == 2 && r.error == "unknown option '\(option)' for 'init' (see 'keyvault help init')", "\(r)")
            #expect(!r.stderr.contains("hunter2"))
            #expect(!FileManager.default.fileExists(atPath: "/tmp/never.kv"))
        }
    }
}
