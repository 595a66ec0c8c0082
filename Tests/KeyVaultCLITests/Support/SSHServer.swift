// A throwaway OpenSSH server for the tests: 127.0.0.1 on a high port, in its own UTS namespace with its own host name,
// its own host key, key-only authentication with a throwaway client key, and a known_hosts of its own.
import Foundation
import Testing
import KeyVaultTestSupport

final class SSHServer: @unchecked Sendable {
    static let sshd = "/usr/sbin/sshd"

    /// Whether an sshd can be started here: root (for unshare --uts) and the OpenSSH server and client installed.
    static var canRun: Bool { CLI.isRoot && FileManager.default.isExecutableFile(atPath: sshd) && which("ssh") != nil && which("ssh-keygen") != nil }

    /// Why the tests are skipped when they cannot run; in CI they run and fail instead (see ``start(hostname:)``).
    static let skipReason: Comment = "needs root (unshare --uts) and Debian's openssh-server and openssh-client (scripts/require-packages.sh); CI runs these"

    /// Enabled where the server can run, and always in CI, where a missing sshd must be a failure, not a skip.
    static var enabled: Bool { canRun || CLI.inCI }

    let folder: String
    let port: Int
    let hostname: String
    private let pid: Int32

    /// The ssh command line (for KEYVAULT_SSH_COMMAND): the throwaway key, our known_hosts, no user configuration.
    let sshCommand: String
    /// known_hosts holding this server's key, as `[127.0.0.1]:PORT`.
    var knownHosts: String { "\(folder)/known_hosts" }
    var clientKey: String { "\(folder)/client" }
    /// The host key's fingerprint as ssh -v prints it, `SHA256:…`.
    let hostKeyFingerprint: String

    /// The environment that makes keyvault use this server's ssh settings.
    var environment: [String: String] { ["KEYVAULT_SSH_COMMAND": sshCommand] }

    /// `ssh://127.0.0.1:PORT/PATH`.
    func url(_ path: String) -> String { "ssh://127.0.0.1:\(port)\(path)" }

    /// Starts sshd as `hostname`; fails (never skips) when it cannot.
    init(hostname: String) throws {
        guard SSHServer.canRun else {
            throw WorkspaceError(message: "cannot start sshd: \(SSHServer.skipReason) (in CI they must run)")
        }
        self.hostname = hostname
        folder = NSTemporaryDirectory() + "kv-sshd-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // sshd's privilege separation folder.
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        for name in ["host", "client"] {
            let r = try CLI.execute(["/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "keyvault-test", "-f", "\(folder)/\(name)"])
            guard r.status == 0 else { throw WorkspaceError(message: "ssh-keygen failed: \(r)") }
        }
        try FileManager.default.copyItem(atPath: "\(folder)/client.pub", toPath: "\(folder)/authorized_keys")
        let fp = try CLI.execute(["/usr/bin/ssh-keygen", "-l", "-E", "sha256", "-f", "\(folder)/host.pub"])
        hostKeyFingerprint = fp.stdout.split(separator: " ").dropFirst().first.map(String.init) ?? "?"
        let hostPublic = try TestFiles.text("\(folder)/host.pub").split(separator: " ").prefix(2).joined(separator: " ")

        // sshd runs as a daemon (no -D): Foundation's Process cannot watch a child that closes every descriptor
        // it inherited, as sshd does, without blocking the run loop that every other Process waits on.
        var started: (Int32, Int)?
        var lastLog = ""
        for _ in 0..<5 where started == nil {
            let port = Int.random(in: 40000...60000)
            let config = """
                ListenAddress 127.0.0.1
                Port \(port)
                HostKey \(folder)/host
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                PubkeyAuthentication yes
                AuthorizedKeysFile \(folder)/authorized_keys
                UsePAM no
                PidFile \(folder)/sshd.pid
                StrictModes no
                PermitRootLogin prohibit-password
                """
            try Data(config.utf8).write(to: URL(fileURLWithPath: "\(folder)/sshd_config"))
            let r = try CLI.execute([
                "/usr/bin/unshare", "--uts", "/bin/sh", "-c", "hostname \"$0\" && exec \(SSHServer.sshd) -f \"$1\" -E \"$2\"",
                hostname, "\(folder)/sshd_config", "\(folder)/sshd.log",
            ])
            lastLog = r.description + ((try? TestFiles.text("\(folder)/sshd.log")) ?? "")
            // The pid file is written once the socket is listening.
            for _ in 0..<100 where r.status == 0 {
                if let text = try? TestFiles.text("\(folder)/sshd.pid"), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                    started = (pid, port)
                    break
                }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        guard let (pid, port) = started else { throw WorkspaceError(message: "sshd did not start: \(lastLog)") }
        self.pid = pid
        self.port = port
        try Data("[127.0.0.1]:\(port) \(hostPublic)\n".utf8).write(to: URL(fileURLWithPath: "\(folder)/known_hosts"))
        sshCommand = "ssh -F /dev/null -i \(folder)/client -o IdentitiesOnly=yes -o UserKnownHostsFile=\(folder)/known_hosts -o GlobalKnownHostsFile=/dev/null -o BatchMode=yes"
    }

    /// The sshd processes serving connections now (the listener's descendants named sshd), not the shells they run.
    func sessionProcesses() -> [Int32] {
        var parents: [Int32: Int32] = [:], names: [Int32: String] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), let stat = try? TestFiles.text("/proc/\(pid)/stat"),
                let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")")
            else { continue }
            names[pid] = String(stat[stat.index(after: open)..<close])
            let rest = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
            if rest.count > 1, let ppid = Int32(rest[1]) { parents[pid] = ppid }
        }
        func descends(_ pid: Int32) -> Bool {
            var p = parents[pid]
            while let q = p, q > 1 { if q == pid { return true }; p = parents[q] }
            return false
        }
        return parents.keys.filter { descends($0) && (names[$0]?.hasPrefix("sshd") ?? false) }.sorted()
    }

    /// Kills the processes serving current connections (SIGKILL): the connection drops as when a server dies.
    func dropConnections() {
        for pid in sessionProcesses() { kill(pid, SIGKILL) }
    }

    func stop() {
        kill(pid, SIGTERM)
        // sshd removes its pid file as it exits: wait for it, or the folder's removal races with it.
        for _ in 0..<100 where kill(pid, 0) == 0 { Thread.sleep(forTimeInterval: 0.02) }
        for _ in 0..<5 where FileManager.default.fileExists(atPath: folder) {
            try? FileManager.default.removeItem(atPath: folder)
        }
    }

    private static func which(_ name: String) -> String? {
        for dir in ["/usr/bin", "/bin", "/usr/local/bin"] where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") { return "\(dir)/\(name)" }
        return nil
    }
}

extension CLI {
    /// Runs `keyvault ARGS` with `environment` added (KEYVAULT_SSH_COMMAND), detached from any terminal.
    @discardableResult
    static func run(_ arguments: [String], environment: [String: String], stdin: [UInt8] = []) throws -> Run {
        try execute(["/usr/bin/setsid", "-w", binary] + arguments, stdin: stdin, environment: environment)
    }
}
