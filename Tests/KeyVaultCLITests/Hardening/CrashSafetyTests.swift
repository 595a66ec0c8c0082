// Crash safety, proven with real faults: `keyvault seal` is killed (SIGKILL) before each of its writes, fsyncs and
// its rename, and has each of those fail (ENOSPC, EIO), using strace's fault injection; and it runs out of room on a
// real, tiny tmpfs. Every time, the vault still opens with every entry it had, and no half-written vault replaces it.
import Foundation
import Testing
import KeyVaultTestSupport

@Suite(.serialized) struct CrashSafetyTests {
    static let strace = "/usr/bin/strace"

    /// A custodian vault (no Argon2id per run) holding three 1 MiB keys, so a seal makes several chunked writes.
    func prepared() throws -> Workspace {
        let ws = try Workspace()
        guard try CLI.run(["keygen", "--out", ws.file("id")]).status == 0,
            try CLI.run(["init", ws.file("vault.kv"), "--identity", ws.file("id"), "--format", "1"]).status == 0
        else { throw WorkspaceError(message: "init") }
        for i in 1...4 { _ = try ws.key("k\(i).bin", size: 1 << 20) }
        for i in 1...3 {
            let r = try CLI.run(["seal", ws.file("vault.kv"), "--role", "sm", "--host", "SM01", "--key", ws.file("k\(i).bin"), "--identity", ws.file("id")])
            guard r.status == 0 else { throw WorkspaceError(message: "\(r)") }
        }
        return ws
    }

    func seal(_ ws: Workspace, key: String = "k4.bin", inject: String? = nil) throws -> Run {
        let args = ["seal", ws.file("vault.kv"), "--role", "sm", "--host", "SM01", "--key", ws.file(key), "--identity", ws.file("id")]
        guard let inject else { return try CLI.run(args) }
        return try CLI.execute(
            [
                Self.strace, "-f", "-qq", "-o", "/dev/null", "-e", "trace=write,fsync,rename,renameat2",
                "-e", "inject=\(inject)", CLI.binary,
            ] + args, environment: CLI.underPtrace)
    }

    /// The number of entries, after checking every one opens.
    func intactEntries(_ ws: Workspace) throws -> Int {
        let r = try CLI.run(["verify", ws.file("vault.kv"), "--identity", ws.file("id")])
        #expect(r.status == 0, "\(r)")
        let summary = try #require(r.stdout.split(separator: "\n").last { $0.contains("entries intact") })
        let parts = summary.split(separator: " ")
        #expect(parts[0] == parts[2], "\(summary)")
        return Int(parts[0]) ?? -1
    }

    func leftovers(_ ws: Workspace) throws -> [String] { try ws.listing().filter { $0.hasPrefix(".vault.kv.keyvault-") } }

    /// How many write(2) calls a complete seal makes here.
    func writesPerSeal() throws -> Int {
        let ws = try prepared(); defer { ws.cleanUp() }
        let log = ws.file("strace.log")
        let args = ["seal", ws.file("vault.kv"), "--role", "sm", "--host", "SM01", "--key", ws.file("k4.bin"), "--identity", ws.file("id")]
        _ = try CLI.execute(
            [Self.strace, "-f", "-qq", "-o", log, "-e", "trace=write", CLI.binary] + args,
            environment: CLI.underPtrace)
        let text = try TestFiles.text(log)
        return text.split(separator: "\n").filter { $0.contains("write(") }.count
    }

    @Test(.tool(strace)) func killedBeforeAnyWriteFsyncOrRenameTheVaultKeepsEveryEntry() throws {
        let writes = try writesPerSeal()
        #expect(writes >= 5, "a seal of a 3 MiB vault should write in several chunks; saw \(writes)")
        var points = (1...writes).map { "write:signal=SIGKILL:when=\($0)" }
        points += ["fsync:signal=SIGKILL:when=1", "fsync:signal=SIGKILL:when=2", "rename:signal=SIGKILL:when=1"]
        var sawLeftover = false, sawCommitted = false
        for point in points {
            let ws = try prepared(); defer { ws.cleanUp() }
            let before = try ws.read("vault.kv")
            let r = try seal(ws, inject: point)
            #expect(r.status == 128 + 9 || r.status == 9 || r.status == 0, "\(point): \(r)")
            let count = try intactEntries(ws)
            // Killed before the rename: the old vault, byte for byte. After it: the new one, whole.
            #expect(count == 3 || count == 4, "\(point): \(count) entries")
            if count == 3 { #expect(try ws.read("vault.kv") == before, "\(point)") } else { sawCommitted = true }
            if try !leftovers(ws).isEmpty { sawLeftover = true }
            // The next seal works at once (the dead writer's lock went with it) and removes its temp file.
            // (When k4 already landed, seal a fifth key: the same bytes again would add nothing.)
            if count == 4 { _ = try ws.key("k5.bin") }
            let next = try seal(ws, key: count == 3 ? "k4.bin" : "k5.bin")
            #expect(next.status == 0, "\(point): \(next)")
            #expect(try intactEntries(ws) == count + 1, "\(point)")
            let left = try leftovers(ws)
            #expect(left.isEmpty, "\(point): leftovers \(left)")
        }
        #expect(sawLeftover, "no kill landed while a temp file existed")
        #expect(sawCommitted, "no kill landed after the rename")
    }

    @Test(
        .tool(strace),
        arguments: [
            ("write:error=ENOSPC:when=2", "no space left on device"),
            ("write:error=EIO:when=1", "input/output error"),
            ("write:error=EDQUOT:when=3", "disk quota exceeded"),
            ("fsync:error=EIO:when=1", "input/output error"),
            ("rename:error=EIO:when=1", "input/output error"),
        ])
    func aFailedWriteLeavesTheVaultAsItWas(inject: String, reason: String) throws {
        let ws = try prepared(); defer { ws.cleanUp() }
        let before = try ws.read("vault.kv")
        let r = try seal(ws, inject: inject)
        #expect(r.status == 1, "\(inject): \(r)")
        #expect(r.error.contains(reason) && r.error.hasSuffix("\(ws.file("vault.kv")) was not changed"), "\(inject): \(r)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r)")
        #expect(try ws.read("vault.kv") == before)
        #expect(try leftovers(ws).isEmpty, "the failed writer removes its own temp file")
        #expect(try intactEntries(ws) == 3)
    }

    @Test(.tool(strace)) func aFailedFolderSyncSaysTheVaultWasWritten() throws {
        let ws = try prepared(); defer { ws.cleanUp() }
        let r = try seal(ws, inject: "fsync:error=EIO:when=2")
        #expect(r.status == 1, "\(r)")
        #expect(r.error.contains("was written, but syncing its folder") && r.error.contains("'keyvault list' shows what the vault holds"), "\(r)")
        #expect(try intactEntries(ws) == 4)
    }

    @Test(.enabled(if: CLI.isRoot, "needs root: it mounts a tiny tmpfs"))
    func aFullFilesystemLosesNothing() throws {
        let ws = try prepared(); defer { ws.cleanUp() }
        let mount = ws.file("small")
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        // Room for the 3 MiB vault but not for a second copy of it beside it.
        let mounted = try CLI.execute(["/bin/mount", "-t", "tmpfs", "-o", "size=5m", "tmpfs", mount])
        try #require(mounted.status == 0, "\(mounted)")
        defer { _ = try? CLI.execute(["/bin/umount", mount]) }
        try FileManager.default.copyItem(atPath: ws.file("vault.kv"), toPath: "\(mount)/vault.kv")
        let before = try ws.read("small/vault.kv")
        let r = try CLI.run(["seal", "\(mount)/vault.kv", "--role", "sm", "--host", "SM01", "--key", ws.file("k4.bin"), "--identity", ws.file("id")])
        #expect(r.status == 1, "\(r)")
        #expect(r.error.contains("no space left on device") && r.error.hasSuffix("\(mount)/vault.kv was not changed"), "\(r)")
        #expect(try ws.read("small/vault.kv") == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: mount) == ["vault.kv"])
        let verify = try CLI.run(["verify", "\(mount)/vault.kv", "--identity", ws.file("id")])
        #expect(verify.status == 0 && verify.stdout.contains("3 of 3 entries intact"), "\(verify)")
    }

    /// A vault in `ws` with the sm key of SM01 (1,300 bytes, returned) and its export password escrowed.
    static func sealedWithItsPassword(_ ws: Workspace) throws -> [UInt8] {
        try ws.initVault()
        let key = try ws.key("sm.bin", size: 1300)
        try ws.write(Array("Pa55word-SM01\n".utf8), to: "sm.pw")
        try #require(try ws.seal(role: "sm", host: "SM01", key: "sm.bin", extra: ["--key-password-file", ws.file("sm.pw")]).status == 0)
        return key
    }

    /// The folder fills up after the key is written and before its export password is: the key stays (it is what a
    /// rebuilt server needs), and the error and the audit record say it is there, not only that the password failed.
    /// Found by an attacker's review: the record said "failed" with the key on disk.
    @Test(.enabled(if: CLI.isRoot, "needs root: it mounts a tiny tmpfs and restores on a computer of a chosen name"))
    func aFolderThatFillsUpAfterTheKeySaysTheKeyIsThere() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        let key = try Self.sealedWithItsPassword(ws)
        let mount = ws.file("small")
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        // Three pages, two of them taken: room for the key, none for the password.
        let mounted = try CLI.execute(["/bin/mount", "-t", "tmpfs", "-o", "size=12k", "tmpfs", mount])
        try #require(mounted.status == 0, "\(mounted)")
        defer { _ = try? CLI.execute(["/bin/umount", mount]) }
        try ws.write([UInt8](repeating: 0, count: 8192), to: "small/filler")
        let r = try CLI.run(
            ["restore", ws.file("vault.kv"), "--role", "sm", "--out", "\(mount)/sm.bin", "--key-password-out", "\(mount)/sm.pw", "--passphrase-file", ws.file("pass")],
            host: "SM01")
        let expected = "the key was written to \(mount)/sm.bin, but its export password was not: cannot write the new sm.pw: no space left on device; \(mount)/sm.pw was not changed"
        #expect(r.status == 1 && r.error == expected, "\(r)")
        #expect(try ws.read("small/sm.bin") == key)
        let log = try CLI.run(["log", ws.file("vault.kv"), "--passphrase-file", ws.file("pass")])
        #expect(log.stdout.split(separator: "\n").last?.hasSuffix("failed: \(expected)") == true, "\(log)")
    }

    /// --key-password-out reaching the key just written under another name, which no comparison of the names can see
    /// (here a bind mount of its folder; a file system that ignores case is the same): refused before the password
    /// replaces the key, and the key is kept. Found by an attacker's review.
    @Test(.enabled(if: CLI.isRoot, "needs root: it bind-mounts a folder and restores on a computer of a chosen name"))
    func aPasswordFileThatIsTheKeyUnderAnotherNameIsRefused() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        let key = try Self.sealedWithItsPassword(ws)
        for folder in ["a", "b"] { try FileManager.default.createDirectory(atPath: ws.file(folder), withIntermediateDirectories: true) }
        let mounted = try CLI.execute(["/bin/mount", "--bind", ws.file("a"), ws.file("b")])
        try #require(mounted.status == 0, "\(mounted)")
        defer { _ = try? CLI.execute(["/bin/umount", ws.file("b")]) }
        let r = try CLI.run(
            ["restore", ws.file("vault.kv"), "--role", "sm", "--out", ws.file("a/k.bin"), "--key-password-out", ws.file("b/k.bin"), "--force", "--passphrase-file", ws.file("pass")],
            host: "SM01")
        #expect(r.status == 2, "\(r)")
        #expect(
            r.error
                == "the key was written to \(ws.file("a/k.bin")), but its export password was not: --key-password-out \(ws.file("b/k.bin")) is \(ws.file("a/k.bin")) under another name (a file system that ignores case, or a bind mount)",
            "\(r)")
        #expect(try ws.read("a/k.bin") == key)
    }

    @Test func readersNeverSeeAPartialVault() throws {
        let ws = try prepared(); defer { ws.cleanUp() }
        for i in 5...10 { _ = try ws.key("k\(i).bin", size: 1 << 20) }
        nonisolated(unsafe) var readerFailures: [String] = []
        nonisolated(unsafe) var reads = 0
        nonisolated(unsafe) var writing = true
        let lock = NSLock()
        let finished = DispatchSemaphore(value: 0)
        let reader = Thread {
            defer { finished.signal() }
            while lock.withLock({ writing }) {
                let r = try? CLI.run(["list", ws.file("vault.kv"), "--json"])
                lock.withLock {
                    reads += 1
                    if r?.status != 0 { readerFailures.append("\(String(describing: r))") }
                }
            }
        }
        reader.start()
        for i in 4...10 {
            let r = try CLI.run(["seal", ws.file("vault.kv"), "--role", "dw", "--host", "DW01", "--key", ws.file("k\(i).bin"), "--identity", ws.file("id")])
            #expect(r.status == 0, "\(r)")
        }
        lock.withLock { writing = false }
        finished.wait()
        #expect(readerFailures.isEmpty, "\(readerFailures.prefix(2))")
        #expect(reads > 3, "only \(reads) reads overlapped the writers")
        #expect(try intactEntries(ws) == 10)
    }
}
