// Crash safety of the other commands that write a version-2 vault, with real faults: `restore` (its audit record is
// an append), `compact` and `upgrade --format 2` (each a rewrite: temp file, sync, rename) are killed (SIGKILL) at each
// of their writes, syncs and renames, using strace's fault injection. Every time the vault opens with every entry it
// had, a restore's key file is whole or absent, and the same command then works.
import Foundation
import Testing
import KeyVaultTestSupport

@Suite(.serialized) struct CommandCrashSafetyTests {
    static let strace = CrashSafetyTests.strace
    static let traced = "trace=write,pwrite64,fsync,fdatasync,rename,renameat2"

    /// A vault of three 1 MiB keys (sm of SM01, versions 1-3): version 2 for `restore` and `compact`, version 1 for
    /// `upgrade`.
    func prepared(for command: String) throws -> Workspace {
        command == "upgrade" ? try CrashSafetyTests().prepared() : try AppendCrashSafetyTests().prepared()
    }

    /// `keyvault COMMAND` on the workspace's vault (a restore on a computer named SM01), under strace with `inject`
    /// (or logging the traced calls to `log`).
    func run(_ command: String, _ ws: Workspace, inject: String? = nil, log: String = "/dev/null") throws -> Run {
        let id = ["--identity", ws.file("id")]
        let args: [String]
        switch command {
        case "restore": args = ["restore", ws.file("vault.kv"), "--role", "sm", "--out", ws.file("sm.out")] + id
        case "compact": args = ["compact", ws.file("vault.kv")] + id
        default: args = ["upgrade", ws.file("vault.kv"), "--format", "2"] + id
        }
        let traced = [Self.strace, "-f", "-qq", "-o", log, "-e", Self.traced] + (inject.map { ["-e", "inject=\($0)"] } ?? []) + [CLI.binary] + args
        let named = command == "restore" ? ["/usr/bin/unshare", "--uts", "/bin/sh", "-c", "hostname \"$0\" && exec \"$@\"", "SM01"] : []
        return try CLI.execute(named + traced, environment: CLI.underPtrace)
    }

    /// The traced calls of one uninterrupted run, by name ("write", "pwrite64", …): how many of each.
    func calls(of command: String) throws -> [String: Int] {
        let ws = try prepared(for: command); defer { ws.cleanUp() }
        let r = try run(command, ws, log: ws.file("strace.log"))
        #expect(r.status == 0, "\(command): \(r)")
        var counts: [String: Int] = [:]
        for line in try TestFiles.text(ws.file("strace.log")).split(separator: "\n") {
            let text = line.drop { $0.isNumber || $0 == " " }
            if let name = text.split(separator: "(", maxSplits: 1).first, Self.traced.contains(String(name)) { counts[String(name), default: 0] += 1 }
        }
        return counts
    }

    @Test(.tool(strace), .namedHosts, arguments: ["restore", "compact", "upgrade"])
    func killedAtAnyWriteSyncOrRenameTheVaultKeepsEveryEntry(command: String) throws {
        let counts = try calls(of: command)
        let points = counts.sorted { $0.key < $1.key }.flatMap { name, n in (1...n).map { "\(name):signal=SIGKILL:when=\($0)" } }
        #expect(points.count >= 3, "\(command) made only these calls: \(counts)")
        var sawChanged = false, sawUnchanged = false
        for point in points {
            let ws = try prepared(for: command); defer { ws.cleanUp() }
            let before = try ws.read("vault.kv")
            let r = try run(command, ws, inject: point)
            #expect(r.status == 128 + 9 || r.status == 9, "\(command), \(point): \(r)")
            let after = try ws.read("vault.kv")
            if after == before { sawUnchanged = true } else { sawChanged = true }
            if command == "restore" {
                // An append: nothing written before is changed; the key file is all there or not there.
                #expect(Version2CLITests.onlyAppended(before, after), "\(point): a byte of the old file changed")
                // (The key is written before the restore is recorded: a kill between the two leaves it unrecorded.)
                if ws.exists("sm.out") {
                    #expect(try ws.read("sm.out") == ws.read("k3.bin"), "\(point): a partial key file")
                    try FileManager.default.removeItem(atPath: ws.file("sm.out"))  // a restore never overwrites one
                }
            }
            #expect(try AppendCrashSafetyTests.entriesAfterAnInterruption(ws) == 3, "\(command), \(point)")
            let again = try run(command, ws)
            #expect(again.status == 0, "\(command) after \(point): \(again)")
            #expect(try CrashSafetyTests().intactEntries(ws) == 3, "\(command) after \(point)")
            if command == "restore" { #expect(try ws.read("sm.out") == ws.read("k3.bin")) }
        }
        // Not vacuous: some kills came before the vault changed (a rewrite's rename, a restore's append), some after.
        #expect(sawUnchanged && sawChanged, "\(command): kills left the vault unchanged \(sawUnchanged), changed \(sawChanged)")
    }
}
