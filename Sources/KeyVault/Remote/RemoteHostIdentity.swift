// Another computer's name, as it reports it over SSH, and the two transfers that need it: writing a key there and
// reading an exported key from there.

/// The shell a remote computer runs commands with, as keyvault detected it (never assumed).
public enum RemoteShell: String, Sendable {
    /// A POSIX shell (Linux, BSD, macOS): scripts run with `sh -c`.
    case posix
    /// Windows' `cmd.exe` (OpenSSH Server's default shell on Windows): scripts run with `powershell -EncodedCommand`.
    case cmd
    /// Windows PowerShell as the OpenSSH default shell: scripts run with `powershell -EncodedCommand` as well.
    case powershell

    /// Whether the computer runs Windows.
    public var isWindows: Bool { self != .posix }
}

/// A remote computer's identity, as it reported it when asked over SSH.
///
/// The only way to make one is ``ask(_:client:)``, which connects with the system's `ssh` client, detects the
/// remote shell and asks the computer for its name (`hostname`, which Windows and Linux both answer). There is no
/// initialiser that takes a name: the host rule (``RestoreRule``) must see the name the remote operating system
/// reports, never one typed by an operator. ``identity`` is what the rule takes. The answer is the one the `ssh` command
/// it runs returns: a caller that gives ``ask(_:client:)`` a command of its own (or sets `KEYVAULT_SSH_COMMAND`)
/// chooses what answers, so this keeps an operator from a mistake, not a program that holds the vault's secrets from
/// reading its keys (``HostIdentity``).
public struct RemoteHostIdentity: Sendable, CustomStringConvertible {
    /// Where it was reached (the path of the URL used to ask is kept, but only the connection part matters).
    public let location: SSHLocation
    /// The computer name it reported.
    public let name: HostName
    /// Its shell, as detected.
    public let shell: RemoteShell
    /// The SSH host key that ssh verified against `known_hosts`, as ssh reports it: `ssh-ed25519 SHA256:…`.
    public let hostKey: String
    /// The name `known_hosts` matched that key under, as ssh reported it; nil when ssh did not say.
    let knownAs: String?
    let client: SSHClient

    /// The identity the host rule takes, named in messages as the computer at the location: the reported name; or,
    /// when ssh reached the computer by a fully qualified name whose first label is the short name it reports (Windows
    /// reports `SM01`), that fully qualified name. The domain is then the one whose name ssh verified the host key of
    /// (`known_hosts`, which must have matched the key under that very name: not an alias's `HostName` or
    /// `HostKeyAlias`, nor a key ssh has just added), and it only narrows the reported name: of the computers the
    /// reported short name can be (SM01 of two domains in one vault), it says which one this is. A name of another
    /// first label, an address or a short name adds nothing.
    public var identity: HostIdentity {
        HostIdentity(reported: reachedName ?? name, subject: "the computer at \(location.connection)")
    }

    /// The fully qualified name ssh reached the computer by, when its first label is the short name the computer
    /// reports (``identity``); nil otherwise.
    public var reachedName: HostName? {
        guard !name.isFullyQualified, let reached = try? HostName(location.host), reached.isFullyQualified, reached.matches(name),
            let known = knownAs.flatMap({ try? HostName($0) }), known.isFullyQualified, known.matches(reached)
        else { return nil }
        return reached
    }

    public var description: String { "\(name) (\(location.connection))" }

    /// Connects to `location` and asks the computer for its shell and its name.
    ///
    /// - Parameters:
    ///   - location: the computer (its path is not used here).
    ///   - client: how to run ssh; by default from the environment (`KEYVAULT_SSH_COMMAND`).
    /// - Returns: the identity, with the host key ssh verified.
    /// - Throws: ``KeyVaultError/Code-swift.struct/remote`` when ssh fails (unknown or changed host key,
    ///   authentication, network) or the shell cannot be recognised; ``KeyVaultError/Code-swift.struct/hostIdentity``
    ///   when the reported name is not a valid computer name.
    public static func ask(_ location: SSHLocation, client: SSHClient = .fromEnvironment()) throws -> RemoteHostIdentity {
        if let problem = client.timeoutProblem { throw KeyVaultError.invalidArgument(problem) }
        let (probe, key, knownAs) = try run(client, location, command: RemoteScripts.probe, expectedKey: nil, what: "ask it which shell it runs")
        let answer = probe.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let shell: RemoteShell
        if answer.contains("Windows_NT") && answer.hasPrefix("\"") {
            shell = .cmd
        } else if answer.hasPrefix("kv-probe:%OS%:") && answer.count > "kv-probe:%OS%:".count {
            shell = .powershell
        } else if answer == "kv-probe:%OS%:" {
            shell = .posix
        } else {
            throw KeyVaultError(
                .remote, "cannot tell which shell \(location.connection) runs (it answered '\(String(answer.prefix(80)).printable)'); keyvault knows POSIX shells, cmd.exe and PowerShell")
        }
        let (text, _, _) = try run(client, location, command: RemoteScripts.hostname(shell), expectedKey: key, what: "ask its computer name")
        let reported = text.split(whereSeparator: \.isNewline).first.map { String($0).trimmingCharacters(in: " \t") } ?? ""
        guard let name = try? HostName(reported) else {
            throw KeyVaultError(
                .hostIdentity,
                "the computer at \(location.connection) reported the host name '\(String(reported.prefix(80)).printable)', which is not a valid computer name, so no key can be matched to it")
        }
        return RemoteHostIdentity(location: location, name: name, shell: shell, hostKey: key, knownAs: knownAs, client: client)
    }

    /// Runs one command to completion; returns its output, the host key ssh reported (which must be `expectedKey`
    /// when given: every connection of one operation must reach the same server) and the name known_hosts matched it
    /// under.
    private static func run(
        _ client: SSHClient, _ location: SSHLocation, command: String, expectedKey: String?, what: String
    ) throws -> (String, String, String?) {
        let session = try SSHSession(client, location, command: command)
        let (status, output) = try session.finish()
        guard status == 0 else { throw failure(session, status: status, what: what) }
        let key = try checkHostKey(session, expected: expectedKey)
        return (output, key, session.knownHostName)
    }

    /// The host key ssh reported for `session`, which must be `expected` when given.
    static func checkHostKey(_ session: SSHSession, expected: String?) throws -> String {
        guard let key = session.serverHostKey else {
            throw KeyVaultError(.remote, "ssh did not report the host key of \(session.location.connection) (keyvault runs it with -v to record the key it verified); check KEYVAULT_SSH_COMMAND")
        }
        if let expected, expected != key {
            throw KeyVaultError(.remote, "the host key of \(session.location.connection) changed between two connections (\(expected), then \(key)); nothing was written")
        }
        return key
    }

    /// The one-line error for an ssh run that failed with `status`.
    static func failure(_ session: SSHSession, status: Int32, what: String) -> KeyVaultError {
        let said = session.complaint
        let to = session.location.connection
        if said.contains("Host key verification failed") || said.contains("REMOTE HOST IDENTIFICATION HAS CHANGED") || said.contains("No ED25519 host key is known")
            || said.contains("host key for") && said.contains("is not known")
        {
            return KeyVaultError(.remote, "ssh refused \(to): its host key is not in known_hosts or does not match it (\(said)); check the server's key fingerprint and add it with ssh first")
        }
        let detail = said.isEmpty ? "" : ": \(said)"
        if status == 255 {
            return KeyVaultError(.remote, "ssh could not connect to \(to) to \(what) (exit 255)\(detail)")
        }
        return KeyVaultError(.remote, "the command to \(what) failed on \(to) (exit \(status))\(detail)")
    }

    // MARK: Writing a secret there

    /// Writes `secret` to `path` on this computer, so that only the connecting user can read it (mode 0600, or
    /// an ACL for that user alone set with `icacls` on Windows), and checks what was written.
    ///
    /// The bytes travel only on ssh's standard input. The remote side writes a temporary file next to `path`,
    /// checks its size and reports its SHA-256 (`sha256sum`, `Get-FileHash`); keyvault compares that with the
    /// SHA-256 of `secret` and only then tells it to give the file its name (without replacing an existing file
    /// unless `replacing`). A cut connection leaves no file: the temporary file is removed on hang-up or end of
    /// input.
    ///
    /// - Parameters:
    ///   - secret: the bytes.
    ///   - path: the remote path (from an ``SSHLocation`` on the same connection; any other is checked by its rules,
    ///     ``SSHLocation/checkPath(_:)``).
    ///   - replacing: whether an existing file may be replaced.
    ///   - other: a file just written on the same connection (the key, when this is its export password): a `path` that
    ///     reaches it through a link (`-ef`, on a POSIX shell) is refused before anything replaces it.
    /// - Returns: the SHA-256 (hex) of the bytes as written and checked there.
    /// - Throws: ``KeyVaultError/Code-swift.struct/fileConflict`` when `path` exists and `replacing` is false
    ///   (nothing is written); ``KeyVaultError/Code-swift.struct/invalidArgument`` when `path` is a folder (or a link
    ///   to one), is `other` through a link, or is not a path an ``SSHLocation`` can hold; ``KeyVaultError/Code-swift.struct/remote`` when the transfer fails or the check does not match
    ///   (nothing is left there), or when the connection is lost as the file is given its name (whether it was is then
    ///   not known, and the message says so).
    public func write(_ secret: SecretBytes, toPath path: String, replacing: Bool, notTheFileAt other: String? = nil) throws -> String {
        try SSHLocation.checkPath(path)
        if let other { try SSHLocation.checkPath(other) }
        let expected = secret.withUnsafeBytes { Hashing.sha256Hex($0) }
        let session = try SSHSession(
            client, location, command: RemoteScripts.write(shell, path: path, count: secret.count, replacing: replacing, notSameAs: other))
        let where_ = "\(location.connection)\(path.hasPrefix("/") ? "" : "/")\(path)"
        // No key byte is sent before the remote side has checked the path and made its temporary file.
        let ready = try session.readLine()
        if ready == "kv-exists" {
            _ = try? session.finish()
            throw KeyVaultError(.fileConflict, "\(where_) already exists", remedy: .replaceExisting)
        }
        if ready == "kv-folder" {
            _ = try? session.finish()
            throw Self.isAFolder(where_)
        }
        if ready == "kv-nofolder" {
            _ = try? session.finish()
            let folder = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
            throw KeyVaultError(.fileConflict, "cannot write \(where_): folder \(folder) does not exist on that computer; nothing was written")
        }
        if ready == "kv-same" {
            _ = try? session.finish()
            throw Self.isTheOther(where_, other)
        }
        guard ready == "kv-ready" else {
            let (status, _) = (try? session.finish()) ?? (-1, "")
            if session.serverHostKey == nil || status == 255 { throw Self.failure(session, status: status, what: "write the key") }
            let said = [ready.map(Self.shown), session.complaint.isEmpty ? nil : session.complaint].compactMap { $0 }.joined(separator: ": ")
            throw KeyVaultError(.remote, "cannot write to \(where_) (exit \(status)\(said.isEmpty ? "" : ": \(said)")); nothing was written")
        }
        try session.waitForHostKey()
        _ = try Self.checkHostKey(session, expected: hostKey)
        _ = try secret.withUnsafeBytes { try session.send($0) }
        let report = try session.readLine()
        guard let line = report, line.hasPrefix("kv-written ") else {
            let (status, _) = (try? session.finish()) ?? (-1, "")
            let said = [report.map(Self.shown), session.complaint.isEmpty ? nil : session.complaint].compactMap { $0 }.joined(separator: ": ")
            throw KeyVaultError(.remote, "the transfer to \(where_) was cut off or failed (exit \(status)\(said.isEmpty ? "" : ": \(said)")); the remote side removes its partial copy")
        }
        let parts = line.split(separator: " ")
        let ok = parts.count == 3 && parts[1] == "\(secret.count)" && parts[2].lowercased() == expected
        let answer = Array((ok ? "commit\n" : "abort\n").utf8)
        _ = try answer.withUnsafeBytes { try session.send($0) }
        // Once told to commit, the other side may name the file however this side's wait ends: a silence that ends it
        // (the idle timeout) is "not known", and after its kv-done, ssh lingering (a job a login script left holding
        // the channel) does not undo the file being there.
        let done: String?
        do { done = try session.readLine() } catch let error as KeyVaultError where ok {
            throw Self.notKnown(where_, error.message)
        }
        let status: Int32
        do { (status, _) = try session.finish() } catch let error as KeyVaultError where ok {
            guard done == "kv-done" else { throw Self.notKnown(where_, error.message) }
            status = 0
        }
        guard ok else {
            throw KeyVaultError(
                .remote,
                "the copy written to \(where_) does not match the key (\(parts.count == 3 ? Self.shown("\(parts[1]) bytes, SHA-256 \(parts[2])") : "an unreadable report")); it was removed there")
        }
        if done == "kv-exists" { throw KeyVaultError(.fileConflict, "\(where_) already exists", remedy: .replaceExisting) }
        if done == "kv-folder" { throw Self.isAFolder(where_) }
        if done == "kv-same" { throw Self.isTheOther(where_, other) }
        guard done == "kv-done", status == 0 else {
            let said = session.complaint.isEmpty ? "" : ": \(session.complaint)"
            // Told to give it its name, the remote side may have done so before the answer was lost: unknown, not
            // "nothing there".
            if done == nil && (status == 255 || status < 0) { throw Self.notKnown(where_, "exit \(status)\(said)") }
            throw KeyVaultError(.remote, "\(where_) was written and checked but not given its name (exit \(status)\(said)); nothing was left there")
        }
        _ = try Self.checkHostKey(session, expected: hostKey)
        return expected
    }

    /// The connection ended (`why`) after the other side was told to give the file its name and before it said it had.
    private static func notKnown(_ where_: String, _ why: String) -> KeyVaultError {
        KeyVaultError(
            .remote,
            "\(where_) was written and checked, and the connection was lost as it was being given its name (\(why)): whether it is there now is not known; look, and run again with --force to replace it"
        )
    }

    /// The refusal of a remote path that is a folder (a move would put the file into it, and report success).
    private static func isAFolder(_ where_: String) -> KeyVaultError {
        KeyVaultError.invalidArgument("\(where_) is a folder; name the file to write in it (\(where_)/NAME); nothing was written")
    }

    /// The refusal of a remote path that reaches, through a link, the file just written there (`other`).
    private static func isTheOther(_ where_: String, _ other: String?) -> KeyVaultError {
        KeyVaultError.invalidArgument(
            "\(where_) is, through a link, the file just written there (\(other.map(Self.shown) ?? "")); name another file; nothing was written to it")
    }

    /// A line the other computer sent, as a message may show it: visible characters only, at most 200.
    private static func shown(_ line: String) -> String { FreeText.visible(String(line.prefix(200))) }

    // MARK: Reading a file from there

    /// Reads the file at `path` on this computer into guarded memory, checking its size and its SHA-256 as the
    /// remote side computed them.
    ///
    /// - Parameters:
    ///   - path: the remote path (checked as ``SSHLocation/checkPath(_:)`` checks it).
    ///   - maxCount: the largest size accepted.
    ///   - what: how messages name the file ("key file", "export password file").
    /// - Returns: the bytes.
    /// - Throws: ``KeyVaultError/Code-swift.struct/fileConflict`` when there is no such file;
    ///   ``KeyVaultError/Code-swift.struct/invalidArgument`` when it is larger than `maxCount`, or `path` is not a path
    ///   an ``SSHLocation`` can hold;
    ///   ``KeyVaultError/Code-swift.struct/remote`` when the transfer fails or does not match.
    public func read(path: String, maxCount: Int, what: String) throws -> SecretBytes {
        try SSHLocation.checkPath(path)
        guard maxCount >= 0 else { throw KeyVaultError.invalidArgument("the largest size to read must be 0 bytes or more, not \(maxCount)") }
        let session = try SSHSession(client, location, command: RemoteScripts.read(shell, path: path, maxCount: maxCount))
        let where_ = "\(location.connection)\(path.hasPrefix("/") ? "" : "/")\(path)"
        let header = try session.readLine()
        if header == "kv-missing" {
            _ = try? session.finish()
            throw KeyVaultError(.fileConflict, "\(what) \(where_) does not exist (or is not a file)")
        }
        if let header, header.hasPrefix("kv-toolarge") {
            _ = try? session.finish()
            throw KeyVaultError.invalidArgument("\(what) \(where_) is larger than \(maxCount) bytes; is it the right file?")
        }
        let parts = header?.split(separator: " ") ?? []
        guard parts.count == 3, parts[0] == "kv-file", let size = Int(parts[1]), (0...maxCount).contains(size), parts[2].count == 64 else {
            let (status, _) = (try? session.finish()) ?? (-1, "")
            if status == 255 { throw Self.failure(session, status: status, what: "read \(what)") }
            throw KeyVaultError(.remote, "reading \(where_) failed (exit \(status)\(session.complaint.isEmpty ? "" : ": \(session.complaint)"))")
        }
        let bytes = try SecretBytes(zeroedCount: size)
        let got = try bytes.withUnsafeMutableBytes { try session.read(into: $0) }
        let (status, _) = try session.finish()
        guard got == size, status == 0 else {
            throw KeyVaultError(
                .remote, "the transfer of \(where_) was cut off (\(got < size ? "part of the file came" : "exit \(status)")\(session.complaint.isEmpty ? "" : ": \(session.complaint)"))")
        }
        let actual = bytes.withUnsafeBytes { Hashing.sha256Hex($0) }
        guard actual == parts[2].lowercased() else {
            throw KeyVaultError(.remote, "\(where_) arrived with SHA-256 \(actual), but the computer there computed \(parts[2]); nothing was kept")
        }
        _ = try Self.checkHostKey(session, expected: hostKey)
        return bytes
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let c = s.first, set.contains(c) { s = s.dropFirst() }
        while let c = s.last, set.contains(c) { s = s.dropLast() }
        return String(s)
    }
}
