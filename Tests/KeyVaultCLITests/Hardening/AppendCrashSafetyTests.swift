// Crash safety of format version 2's appends, with real faults: `keyvault seal` on a version-2 vault is killed
// (SIGKILL) at each of its `pwrite`s and `fdatasync`s, and has each of them fail (EIO, ENOSPC), using strace's fault
// injection. Every time the vault opens with every entry it had (and the new one only when its commit was
// acknowledged), no byte of the old file but zeros is changed, and the next seal works and clears what was left.
import Foundation
import Testing
import KeyVaultTestSupport

@Suite(.serialized) struct AppendCrashSafetyTests {
    static let strace = CrashSafetyTests.strace

    /// A version-2 vault holding three 1 MiB keys (converted from version 1 by `upgrade --format 2`).
    func prepared() throws -> Workspace {
        let ws = try CrashSafetyTests().prepared()
        let r = try CLI.run(["upgrade", ws.file("vault.kv"), "--format", "2", "--identity", ws.file("id")])
        guard r.status == 0 else { throw WorkspaceError(message: "\(r)") }
        return ws
    }

    func seal(_ ws: Workspace, key: String = "k4.bin", inject: String? = nil) throws -> Run {
        let args = ["seal", ws.file("vault.kv"), "--role", "sm", "--host", "SM01", "--key", ws.file(key), "--identity", ws.file("id")]
        guard let inject else { return try CLI.run(args) }
        return try CLI.execute(
            [Self.strace, "-f", "-qq", "-o", "/dev/null", "-e", "trace=pwrite64,fdatasync", "-e", "inject=\(inject)", CLI.binary] + args,
            environment: CLI.underPtrace)
    }

    /// How many `pwrite`s and `fdatasync`s one seal makes here.
    func callsPerSeal() throws -> (pwrites: Int, syncs: Int) {
        let ws = try prepared(); defer { ws.cleanUp() }
        let log = ws.file("strace.log")
        let args = ["seal", ws.file("vault.kv"), "--role", "sm", "--host", "SM01", "--key", ws.file("k4.bin"), "--identity", ws.file("id")]
        let r = try CLI.execute([Self.strace, "-f", "-qq", "-o", log, "-e", "trace=pwrite64,fdatasync", CLI.binary] + args, environment: CLI.underPtrace)
        #expect(r.status == 0, "\(r)")
        let lines = try TestFiles.text(log).split(separator: "\n")
        return (lines.filter { $0.contains("pwrite64(") }.count, lines.filter { $0.contains("fdatasync(") }.count)
    }

    /// The number of entries after an interrupted append, each checked to open: `verify` exits 0, or 5 naming only
    /// what the interruption left (an unfinished commit, keys nothing refers to) and how each is cleared.
    static func entriesAfterAnInterruption(_ ws: Workspace) throws -> Int {
        let r = try CLI.run(["verify", ws.file("vault.kv"), "--identity", ws.file("id")])
        let damaged = r.stdout.split(separator: "\n").filter { $0.hasPrefix("DAMAGED") }
        let leftovers = damaged.filter {
            ($0.contains("bytes that are no complete commit follow commit") && $0.hasSuffix("'keyvault verify --repair' (or the next write) clears them"))
                || ($0.contains("bytes follow the last sealed key") && $0.hasSuffix("'keyvault compact' drops them"))
        }
        #expect((r.status == 0 && damaged.isEmpty) || (r.status == 5 && !damaged.isEmpty && leftovers.count == damaged.count), "\(r)")
        let summary = try #require(r.stdout.split(separator: "\n").last { $0.contains("entries intact") })
        let parts = summary.split(separator: " ")
        #expect(parts[0] == parts[2] && parts.count == 5, "\(summary)")
        return Int(parts[0]) ?? -1
    }

    @Test(.tool(strace)) func killedAtAnyWriteOrSyncTheVaultKeepsEveryEntry() throws {
        let (pwrites, syncs) = try callsPerSeal()
        // The key, the commit's head and changes, its tail; a sync after the changes and after the tail.
        #expect(pwrites >= 3 && syncs >= 2, "an append writes the keys, the commit and its tail with syncs between; saw \(pwrites) and \(syncs)")
        let points = (1...pwrites).map { "pwrite64:signal=SIGKILL:when=\($0)" } + (1...syncs).map { "fdatasync:signal=SIGKILL:when=\($0)" }
        var sawTorn = false, sawCommitted = false
        for point in points {
            let ws = try prepared(); defer { ws.cleanUp() }
            let before = try ws.read("vault.kv")
            let r = try seal(ws, inject: point)
            #expect(r.status == 128 + 9 || r.status == 9, "\(point): \(r)")
            let after = try ws.read("vault.kv")
            #expect(Version2CLITests.onlyAppended(before, after), "\(point): a byte of the old file changed")
            let count = try Self.entriesAfterAnInterruption(ws)
            // Killed before the tail was written: the old entries; after: the new one too.
            #expect(count == 3 || count == 4, "\(point): \(count) entries")
            if count == 4 { sawCommitted = true } else if after != before { sawTorn = true }
            if count == 4 { _ = try ws.key("k5.bin") }
            let next = try seal(ws, key: count == 3 ? "k4.bin" : "k5.bin")
            #expect(next.status == 0, "\(point): \(next)")
            #expect(try CrashSafetyTests().intactEntries(ws) == count + 1, "\(point)")
        }
        #expect(sawTorn, "no kill left an unfinished commit")
        #expect(sawCommitted, "no kill landed after the commit's tail")
    }

    @Test(
        .tool(strace),
        arguments: [
            ("pwrite64:error=ENOSPC:when=1", "no space left on device"),
            ("pwrite64:error=EIO:when=2", "input/output error"),
            ("fdatasync:error=EIO:when=1", "input/output error"),
        ])
    func aFailedWriteLeavesTheVaultAsItWas(inject: String, reason: String) throws {
        let ws = try prepared(); defer { ws.cleanUp() }
        let before = try ws.read("vault.kv")
        let r = try seal(ws, inject: inject)
        #expect(r.status == 1, "\(inject): \(r)")
        #expect(
            r.error
                == "cannot append to \(ws.file("vault.kv")): \(reason); what was written is never read ('keyvault verify' names what is left and what clears it); \(ws.file("vault.kv")) was not changed",
            "\(inject): \(r)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r)")
        #expect(Version2CLITests.onlyAppended(before, try ws.read("vault.kv")))
        #expect(try Self.entriesAfterAnInterruption(ws) == 3)
        #expect(try seal(ws).status == 0)
        #expect(try CrashSafetyTests().intactEntries(ws) == 4)
    }

    @Test(.tool(strace)) func aFailedLastSyncSaysTheChangeWasWritten() throws {
        let ws = try prepared(); defer { ws.cleanUp() }
        let (_, syncs) = try callsPerSeal()
        let r = try seal(ws, inject: "fdatasync:error=EIO:when=\(syncs)")
        #expect(r.status == 1, "\(r)")
        #expect(
            r.error == "\(ws.file("vault.kv")): the change was written, but making it durable failed (input/output error); 'keyvault list' shows what the vault holds",
            "\(r)")
        #expect(try CrashSafetyTests().intactEntries(ws) == 4)
    }
}
