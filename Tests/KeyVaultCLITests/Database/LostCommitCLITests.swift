// A network that drops the connection at a write's COMMIT: the server is asked again whether it kept the change, and
// the command says what happened instead of guessing.
import Foundation
import Testing

/// Tests/interop/lost_commit_proxy.py, running: a proxy in front of the tests' PostgreSQL server that cuts the first
/// connection sending a keyvault write's COMMIT, `before` the server sees it or `after` it answered (`gone`: before, and
/// no connection is let through afterwards; `halfopen`: before, closing only the client's side; `read`: the first
/// COMMIT of all).
final class LostCommitProxy {
    static let script: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("interop/lost_commit_proxy.py").path
    }()

    /// The proxy's process id. Started through sh(1) in the background, not as Foundation's Process: the runs of the
    /// binary reap their own children, and Process's waitUntilExit then never returned (Swift 6.3, Linux).
    private let pid: pid_t
    /// The tests' database through the proxy (no TLS, so that the proxy can read the protocol).
    let uri: String

    init(mode: String, folder: String) throws {
        guard let server = URLComponents(string: TestDatabase.uri), let host = server.host, let port = server.port else {
            throw WorkspaceError(message: "KEYVAULT_TEST_POSTGRES has no host and port: \(TestDatabase.uri)")
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let portFile = folder + "/port", pidFile = folder + "/pid"
        let command = ["/usr/bin/python3", Self.script, mode, portFile, host, String(port)].map { "'\($0)'" }.joined(separator: " ")
        guard system("\(command) </dev/null >/dev/null 2>&1 & echo $! > '\(pidFile)'") == 0,
            let text = try? String(contentsOfFile: pidFile, encoding: .utf8), let started = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
        else { throw WorkspaceError(message: "the proxy did not start") }
        pid = started
        var waited = 0
        while !FileManager.default.fileExists(atPath: portFile) {
            guard kill(pid, 0) == 0, waited < 500 else { throw WorkspaceError(message: "the proxy did not start") }
            usleep(10_000)
            waited += 1
        }
        let listening = try String(contentsOfFile: portFile, encoding: .utf8)
        let through = TestDatabase.uri.replacingOccurrences(of: "\(host):\(port)", with: "\(host):\(listening)")
        uri = through + (through.contains("?") ? "&" : "?") + "sslmode=disable&gssencmode=disable"
        cutMarker = portFile + ".cut"
    }

    /// Whether the proxy has cut a connection at its COMMIT.
    var cut: Bool { FileManager.default.fileExists(atPath: cutMarker) }
    private let cutMarker: String

    /// Vault `name` in the tests' database, reached through the proxy.
    func location(_ name: String) -> String { "\(uri)#\(name)" }

    /// SIGKILL: the proxy cannot block or outlive it (it also unblocks SIGTERM when it starts, which a thread of this
    /// process may have blocked).
    deinit { kill(pid, SIGKILL) }
}

@Suite(.database, .tool("/usr/bin/python3")) struct LostCommitCLITests {
    @Test(.namedHosts) func aConnectionLostAtTheCommitIsAskedAboutAgain() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        let vault = TestDatabase.location("lostcommit")
        let name = TestDatabase.name(vault)
        let env = ["XDG_STATE_HOME": ws.file("state"), "XDG_CACHE_HOME": ws.file("cache")]
        let pass = ["--passphrase-file", ws.file("pass")]
        try #require(try CLI.run(["init", vault, "--kdf", "interactive"] + pass, environment: env).status == 0)
        let smKey = try ws.key("sm.bin")
        _ = try ws.key("dw.bin")
        func seal(_ role: String, at location: String) throws -> Run {
            try CLI.run(["seal", location, "--role", role, "--host", "\(role.uppercased())01", "--key", ws.file("\(role).bin")] + pass, environment: env)
        }
        let notKept = "; asked again, the server had not kept it: nothing was stored"

        // The COMMIT reaches the server, which commits; its answer never comes back. Asked again, the server kept the
        // seal: it succeeds as it would have, and says so.
        let after = try LostCommitProxy(mode: "after", folder: ws.file("after"))
        let kept = try seal("sm", at: after.location(name))
        #expect(kept.status == 0 && kept.stdout.hasPrefix("sealed the sm key of SM01 as version 1 ") && kept.stderr.isEmpty, "\(kept)")
        #expect(after.cut)
        #expect(try TestDatabase.writes(name) == ["1 image", "2 patch"])

        // The COMMIT never reaches the server, which rolls the write back. Asked again, it had not: nothing was
        // stored, nothing said "sealed", and this user's record did not move (the same seal, run again, is stored).
        let before = try LostCommitProxy(mode: "before", folder: ws.file("before"))
        let lost = try seal("dw", at: before.location(name))
        let lostPrefix = "the connection was lost while vault \(before.location(name)) stored this change (lost the connection to "
        #expect(lost.status == 1 && lost.error.hasPrefix(lostPrefix) && lost.error.hasSuffix(notKept), "\(lost)")
        #expect(lost.stdout.isEmpty && lost.stderr.split(separator: "\n").count == 1, "\(lost)")
        #expect(before.cut)
        #expect(try TestDatabase.writes(name) == ["1 image", "2 patch"])
        // Lost so, with the server out of reach afterwards: not known, and said so.
        let gone = try LostCommitProxy(mode: "gone", folder: ws.file("gone"))
        let unknown = try seal("dw", at: gone.location(name))
        #expect(
            unknown.status == 1 && unknown.error.hasPrefix("the connection was lost while vault \(gone.location(name)) stored this change (lost the connection to ")
                && unknown.error.contains("), and asking the server again whether it kept it failed (")
                && unknown.error.hasSuffix(
                    "): whether the vault's write 3 was stored is not known; see 'keyvault log' before running the command again (once the lost session has ended)"),
            "\(unknown)")
        #expect(unknown.stdout.isEmpty && gone.cut, "\(unknown)")
        #expect(try TestDatabase.writes(name) == ["1 image", "2 patch"])
        // Lost so, the server not told: it still holds the session, idle in its transaction and holding the vault's
        // lock (until its TCP keepalive notices). Asked again, that session is ended, and the answer comes at once.
        let halfOpen = try LostCommitProxy(mode: "halfopen", folder: ws.file("halfopen"))
        let started = Date()
        let notTold = try seal("dw", at: halfOpen.location(name))
        #expect(notTold.status == 1 && notTold.error.hasSuffix(notKept) && halfOpen.cut, "\(notTold)")
        #expect(Date().timeIntervalSince(started) < 60, "the lock the lost session held was waited for")
        #expect(try TestDatabase.writes(name) == ["1 image", "2 patch"])
        let again = try seal("dw", at: vault)
        #expect(again.status == 0 && again.stdout.hasPrefix("sealed the dw key of DW01 as version 1 "), "\(again)")
        #expect(try TestDatabase.writes(name) == ["1 image", "2 patch", "3 patch"])

        // A restore whose audit record is lost so: the key is out where the operator named, and the error says its
        // record was not kept, having asked.
        let third = try LostCommitProxy(mode: "before", folder: ws.file("third"))
        let restore = try CLI.run(["restore", third.location(name), "--role", "sm", "--out", ws.file("out.bin")] + pass, host: "SM01", environment: env)
        #expect(
            restore.status == 1
                && restore.error.hasPrefix("the key was restored; storing its audit record in vault \(third.location(name)) failed: the connection was lost")
                && restore.error.hasSuffix(notKept), "\(restore)")
        #expect(try ws.read("out.bin") == smKey)
        #expect(third.cut)
        #expect(try TestDatabase.writes(name) == ["1 image", "2 patch", "3 patch"])
        // A command that stored nothing loses nothing when the connection goes at its end.
        let read = try LostCommitProxy(mode: "read", folder: ws.file("read"))
        let listed = try CLI.run(["list", read.location(name)] + pass, environment: env)
        #expect(listed.status == 0 && listed.stdout.contains("DW01") && listed.stderr.isEmpty && read.cut, "\(listed)")
        // Reached directly, the same restore is recorded.
        let recorded = try CLI.run(["restore", vault, "--role", "sm", "--out", ws.file("out2.bin")] + pass, host: "SM01", environment: env)
        #expect(recorded.status == 0, "\(recorded)")
        #expect(try TestDatabase.writes(name) == ["1 image", "2 patch", "3 patch", "4 patch"])
        withExtendedLifetime([after, before, gone, halfOpen, third, read]) {}
    }
}
