// Runs the real keyvault binary (built next to the test bundle) and captures what it printed and how it exited.
import Foundation
import Testing
import KeyVaultTestSupport

/// The outcome of one run of `keyvault`.
struct Run: CustomStringConvertible {
    let status: Int32
    let stdout: String
    let stderr: String
    var description: String { "exit \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }

    /// The error line keyvault printed, without its `keyvault: error: ` prefix.
    var error: String {
        let line = stderr.split(separator: "\n").first { $0.hasPrefix("keyvault: error: ") } ?? ""
        return String(line.dropFirst("keyvault: error: ".count))
    }
}

enum CLI {
    /// `keyvault`, from the same build folder as the test bundle that is running.
    static let binary: String = {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var folder = URL(fileURLWithPath: me).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("keyvault").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return "keyvault"
    }()

    static var isRoot: Bool { geteuid() == 0 }
    static var inCI: Bool { ProcessInfo.processInfo.environment["CI"] != nil }
    /// The user name keyvault records in the audit log for runs by this user (`root` in CI).
    static let userName: String = getpwuid(geteuid()).flatMap { $0.pointee.pw_name.map { String(cString: $0) } } ?? "uid \(geteuid())"

    /// Runs `keyvault ARGS` with `stdin` as its standard input, detached from any terminal (setsid), so a prompt
    /// can never wait on a person. With `host`, it runs in its own UTS namespace whose host name is `host`.
    @discardableResult
    static func run(
        _ arguments: [String], stdin: [UInt8] = [], host: String? = nil, in directory: String? = nil,
        environment: [String: String] = [:]
    ) throws -> Run {
        var argv: [String]
        if let host {
            argv = ["/usr/bin/unshare", "--uts", "/bin/sh", "-c", "hostname \"$0\" && exec \"$@\"", host, binary] + arguments
        } else {
            argv = [binary] + arguments
        }
        argv = ["/usr/bin/setsid", "-w"] + argv
        return try execute(argv, stdin: stdin, in: directory, environment: environment)
    }

    /// Settings for a keyvault run under ptrace (strace, gdb): LeakSanitizer cannot work under ptrace and would
    /// print a fatal error at exit when the binary is built with AddressSanitizer.
    static let underPtrace = ["ASAN_OPTIONS": "detect_leaks=0"]

    /// Runs any program and captures its output; `environment` is added to this process's own.
    ///
    /// Unless `environment` names `XDG_STATE_HOME`, each run gets a fresh, empty one (removed afterwards): keyvault
    /// remembers every vault it sees there, and many tests put older bytes back on purpose. Tests of that memory pass
    /// their own folder.
    ///
    /// A run that overstays `deadlines` (never ends, or leaves its pipes held by another process after it exited)
    /// throws ``ChildOverstayed``, naming who holds the pipes, instead of hanging the test run.
    static func execute(
        _ argv: [String], stdin: [UInt8] = [], in directory: String? = nil,
        environment: [String: String] = [:], deadlines: ChildDeadlines = ChildDeadlines()
    ) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        var environment = environment
        var freshState: String?
        if environment["XDG_STATE_HOME"] == nil {
            let state = NSTemporaryDirectory() + "kv-state-" + UUID().uuidString
            environment["XDG_STATE_HOME"] = state
            freshState = state
        }
        defer { if let freshState { try? FileManager.default.removeItem(atPath: freshState) } }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        // The child starts with no signal blocked, as from a shell: the test's thread (a pool thread) blocks most of
        // them, and a child inherits the mask of the thread that starts it (a SIGTERM to it would stay pending).
        var none = sigset_t(), kept = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &kept)
        defer { pthread_sigmask(SIG_SETMASK, &kept, nil) }
        try process.run()
        let writer = Thread {
            input.fileHandleForWriting.write(Data(stdin))
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let (outputData, errorData) = try ChildOutput.read(
            output.fileHandleForReading, errors.fileHandleForReading, of: process, command: argv, deadlines: deadlines)
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, stdout: String(decoding: outputData, as: UTF8.self),
            stderr: String(decoding: errorData, as: UTF8.self))
    }

    /// Whether a run can be given a host name of its own: `unshare --uts` needs root.
    static let canNameHosts = isRoot
}

/// Conditions for tests that cannot run everywhere. Such a test is reported as skipped, with the reason; in CI
/// (scripts/test.sh with CI set) any skip fails the run, so there every one of them must run.
extension Trait where Self == ConditionTrait {
    /// Restores on a computer of a chosen name (`CLI.run(host:)`), which needs root for `unshare --uts`.
    static var namedHosts: Self {
        .enabled(if: CLI.canNameHosts, "needs root: it restores on computers of chosen names (unshare --uts)")
    }

    /// A shared library the test loads (a PKCS#11 module), which scripts/require-packages.sh installs.
    static func library(_ path: String) -> Self {
        .enabled(if: FileManager.default.isReadableFile(atPath: path), "\(path) is missing; scripts/require-packages.sh installs it")
    }

    /// A program the test runs, which scripts/require-packages.sh installs.
    static func tool(_ path: String) -> Self {
        .enabled(if: FileManager.default.isExecutableFile(atPath: path), "\(path) is missing; scripts/require-packages.sh installs it")
    }
}

/// A temporary folder with a passphrase file and helpers for files in it.
struct Workspace {
    let path: String
    let passphrase = "correct horse battery staple"

    init() throws {
        path = NSTemporaryDirectory() + "kv-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try write(Array("\(passphrase)\n".utf8), to: "pass")
    }

    func file(_ name: String) -> String { "\(path)/\(name)" }

    @discardableResult
    func write(_ bytes: [UInt8], to name: String) throws -> String {
        let p = file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }

    func read(_ name: String) throws -> [UInt8] { try TestFiles.bytes(file(name)) }
    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: file(name)) }
    func mode(_ name: String) throws -> Int { (try FileManager.default.attributesOfItem(atPath: file(name))[.posixPermissions] as? Int) ?? -1 }

    /// Names in the folder (to prove nothing stray was left behind).
    func listing() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: path).sorted() }

    /// Random key bytes, as an exported .bin would hold. (Read from /dev/urandom in one go: a
    /// `SystemRandomNumberGenerator` call per byte is a system call per byte, which made the crash-safety suites, each
    /// of whose cases writes four 1 MiB keys, spend more time in the kernel than in keyvault.)
    func key(_ name: String, size: Int = 1296) throws -> [UInt8] {
        let bytes = try TestFiles.prefix(of: "/dev/urandom", count: size)
        guard bytes.count == size else { throw WorkspaceError(message: "/dev/urandom gave \(bytes.count) of \(size) bytes") }
        try write(bytes, to: name)
        return bytes
    }

    /// `init` a vault with the workspace passphrase.
    func initVault(_ name: String = "vault.kv", extra: [String] = []) throws {
        let r = try CLI.run(["init", file(name), "--passphrase-file", file("pass"), "--kdf", "interactive"] + extra)
        guard r.status == 0 else { throw WorkspaceError(message: "init failed: \(r)") }
    }

    /// `seal` a key with the workspace passphrase.
    @discardableResult
    func seal(_ vault: String = "vault.kv", role: String, host: String, key: String, extra: [String] = []) throws -> Run {
        try CLI.run(["seal", file(vault), "--role", role, "--host", host, "--key", file(key), "--passphrase-file", file("pass")] + extra)
    }

    func cleanUp() { try? FileManager.default.removeItem(atPath: path) }
}

struct WorkspaceError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
