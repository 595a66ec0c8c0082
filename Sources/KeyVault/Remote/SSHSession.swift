// One run of the system's ssh client: the command line, the pipes, and what its -v output says about the server.

/// How keyvault starts `ssh`: the system client found on PATH, or the command in `KEYVAULT_SSH_COMMAND`.
///
/// As with git's `GIT_SSH_COMMAND`, the variable's text is run by `/bin/sh` with ssh's arguments appended, so it
/// may carry options (`ssh -i KEY -p 2222`) or name a wrapper. keyvault adds only `-v` (to learn the server's
/// host key fingerprint, which it records), `-T`, `-o ControlPath=none` (a fresh connection whose host key ssh
/// checks), `-l`/`-p` from the URL, the host and the remote command. It never turns `StrictHostKeyChecking` off:
/// ssh's own configuration, agents, jump hosts and `known_hosts` apply as for any ssh command.
public struct SSHClient: Sendable {
    /// The command text from `KEYVAULT_SSH_COMMAND`, or nil for plain `ssh`.
    public let command: String?

    /// A client that runs `command` (shell text, as in `KEYVAULT_SSH_COMMAND`), or `ssh` from PATH when nil.
    ///
    /// - Parameter command: the command text, or nil.
    public init(command: String?) { self.command = command }

    /// How long a connection may carry nothing either way before keyvault gives up on it (ssh's keep-alives end a
    /// dead one sooner; this ends one whose other side is alive and says nothing): 300 s, or `KEYVAULT_SSH_TIMEOUT`.
    /// A value under 1 counts as 1 second, one over a day (86,400) as a day: there is always a limit.
    public var idleSeconds: Int32 = 300
    /// Why `KEYVAULT_SSH_TIMEOUT` could not be used, if it could not (reported before anything is run).
    var timeoutProblem: String?

    /// The client the environment asks for: `KEYVAULT_SSH_COMMAND` when set and not empty, else `ssh` from PATH;
    /// `KEYVAULT_SSH_TIMEOUT` (1 to 3600 seconds) for ``idleSeconds``.
    public static func fromEnvironment() -> SSHClient {
        let text = Syscalls.environment("KEYVAULT_SSH_COMMAND")
        var client = SSHClient(command: (text?.isEmpty ?? true) ? nil : text)
        if let timeout = Syscalls.environment("KEYVAULT_SSH_TIMEOUT"), !timeout.isEmpty {
            if let seconds = Int32(timeout), (1...3600).contains(seconds) {
                client.idleSeconds = seconds
            } else {
                client.timeoutProblem = "KEYVAULT_SSH_TIMEOUT must be a number of seconds from 1 to 3600, not '\(FreeText.visible(String(timeout.prefix(40))))'"
            }
        }
        return client
    }

    /// The argv that runs ssh to `location` with `remoteCommand`.
    func argv(_ location: SSHLocation, _ remoteCommand: String) -> [String] {
        // A connection that is not made in 30 s, or that stops answering for a minute (15 s × 4 keep-alives), ends
        // ssh, and with it the transfer, instead of leaving keyvault waiting for TCP to give up (hours).
        var args = ["-v", "-T", "-o", "ControlPath=none", "-o", "ConnectTimeout=30", "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=4"]
        if let user = location.user { args += ["-l", user] }
        if let port = location.port { args += ["-p", String(port)] }
        args += ["--", location.host, remoteCommand]
        guard let command else { return ["ssh"] + args }
        return ["/bin/sh", "-c", command + " \"$@\"", "keyvault-ssh"] + args
    }
}

/// A running ssh process: what we send on its standard input, what it prints, and its exit.
///
/// Standard error is collected all along (ssh's `-v` lines and the remote's errors), so neither side can block on a
/// full pipe; it is shown to the user only, filtered, when something fails.
final class SSHSession {
    private let child: ChildProcess
    private var inputOpen = true
    private var outputOpen = true
    private var errorsOpen = true
    private var errorText: [UInt8] = []
    private let idleSeconds: Int32
    let location: SSHLocation
    /// The remote command, as sent.
    private let command: String

    init(_ client: SSHClient, _ location: SSHLocation, command: String) throws {
        self.location = location
        self.command = command
        idleSeconds = min(max(client.idleSeconds, 1), 86_400)
        Syscalls.ignoreBrokenPipes()
        let argv = client.argv(location, command)
        do { child = try Syscalls.spawn(argv) } catch {
            throw KeyVaultError(.remote, "cannot start \(argv[0]) to reach \(location.connection): \(SystemError.describe(error.code))")
        }
    }

    deinit {
        if inputOpen { Syscalls.close(child.input) }
        if outputOpen { Syscalls.close(child.output) }
        if errorsOpen { Syscalls.close(child.errors) }
    }

    /// Waits until one of our wanted descriptors is ready, draining standard error meanwhile; false when the wanted
    /// one was closed by the other side.
    private func waitFor(_ fd: Int32, _ events: Int16) throws -> Bool {
        while true {
            var fds = [(fd, events)]
            if errorsOpen { fds.append((child.errors, Syscalls.pollIn)) }
            let ready: [Int16]
            do { ready = try Syscalls.poll(fds, timeoutMilliseconds: idleSeconds * 1000) } catch {
                throw KeyVaultError(.remote, "poll failed: \(SystemError.describe(error.code))")
            }
            if ready.allSatisfy({ $0 == 0 }) { throw idle() }
            if fds.count > 1 && ready[1] != 0 { drainErrors() }
            if ready[0] & Syscalls.pollFailed != 0 && events == Syscalls.pollOut { return false }
            if ready[0] != 0 { return true }
        }
    }

    private func drainErrors() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = (try? buffer.withUnsafeMutableBytes { b throws(SyscallFailure) in try Syscalls.readOnce(child.errors, b) }) ?? 0
        if n <= 0 { Syscalls.close(child.errors); errorsOpen = false; return }
        if errorText.count < 1 << 20 { errorText += buffer[0..<n] }
    }

    /// Reads standard error until ssh has said it starts the remote command (by then it has named the host key, and
    /// through a jump host the target's after the jump's), or, from a client that never says so, until it has named a
    /// key; gives up after `seconds` of silence.
    func waitForHostKey(seconds: Int32 = 15) throws {
        while errorsOpen && !commandStarted && !(serverHostKey != nil && !isOpenSSH) {
            let ready: [Int16]
            do { ready = try Syscalls.poll([(child.errors, Syscalls.pollIn)], timeoutMilliseconds: seconds * 1000) } catch {
                throw KeyVaultError(.remote, "poll failed: \(SystemError.describe(error.code))")
            }
            if ready[0] == 0 { return }
            drainErrors()
        }
    }

    /// Sends `bytes` on ssh's standard input; false when the other side went away first.
    func send(_ bytes: UnsafeRawBufferPointer) throws -> Bool {
        var done = 0
        while done < bytes.count {
            guard try waitFor(child.input, Syscalls.pollOut) else { return false }
            let chunk = UnsafeRawBufferPointer(rebasing: bytes[done..<min(bytes.count, done + 65536)])
            do { done += try Syscalls.writeOnce(child.input, chunk) } catch {
                if error.code == Syscalls.brokenPipe { return false }
                throw KeyVaultError(.remote, "cannot write to ssh: \(SystemError.describe(error.code))")
            }
        }
        return true
    }

    /// Closes ssh's standard input (the remote side sees the end of its input).
    func closeInput() {
        if inputOpen { Syscalls.close(child.input); inputOpen = false }
    }

    /// Reads into `buffer` until it is full or the output ends; returns how many bytes came.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var done = 0
        while done < buffer.count && outputOpen {
            _ = try waitFor(child.output, Syscalls.pollIn)
            let n: Int
            do { n = try Syscalls.readOnce(child.output, UnsafeMutableRawBufferPointer(rebasing: buffer[done...])) } catch {
                throw KeyVaultError(.remote, "cannot read from ssh: \(SystemError.describe(error.code))")
            }
            if n == 0 { Syscalls.close(child.output); outputOpen = false; break }
            done += n
        }
        return done
    }

    /// One line of output (at most 512 bytes, CR LF or LF), without its end; nil when the output ended first.
    func readLine() throws -> String? {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while line.count < 512 {
            let n = try withUnsafeMutableBytes(of: &byte) { try read(into: $0) }
            if n == 0 { return line.isEmpty ? nil : String(decoding: line, as: UTF8.self) }
            if byte == 0x0A { break }
            line.append(byte)
        }
        if line.last == 0x0D { line.removeLast() }
        return String(decoding: line, as: UTF8.self)
    }

    /// Closes standard input, reads what is left of the output (at most 64 KiB kept), drains errors, and waits for
    /// ssh to exit; returns its status and the output.
    func finish() throws -> (status: Int32, output: String) {
        closeInput()
        var rest: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while outputOpen {
            let n = try buffer.withUnsafeMutableBytes { try read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<$0.count])) }
            if rest.count < 65536 { rest += buffer[0..<n] }
            if n < buffer.count { break }
        }
        try drainErrorsToTheEnd()
        guard let status = Syscalls.wait(child.pid, timeoutMilliseconds: idleSeconds * 1000) else { throw idle() }
        return (status, String(decoding: rest, as: UTF8.self))
    }

    /// Reads standard error to its end, giving up (``idle()``) after ``idleSeconds`` of silence.
    private func drainErrorsToTheEnd() throws {
        while errorsOpen {
            let ready: [Int16]
            do { ready = try Syscalls.poll([(child.errors, Syscalls.pollIn)], timeoutMilliseconds: idleSeconds * 1000) } catch {
                throw KeyVaultError(.remote, "poll failed: \(SystemError.describe(error.code))")
            }
            if ready[0] == 0 { throw idle() }
            drainErrors()
        }
    }

    /// Ends ssh (the other side has said nothing for ``idleSeconds``) and says so.
    private func idle() -> KeyVaultError {
        closeInput()
        // With what it started: a wrapper that did not exec ssh would otherwise leave ssh connected.
        ProcessTree.killNow(child.pid)
        _ = Syscalls.wait(child.pid)
        return KeyVaultError(
            .remote,
            "nothing came from or went to \(location.connection) for \(idleSeconds) s; gave up (KEYVAULT_SSH_TIMEOUT sets how long to wait)\(complaint.isEmpty ? "" : ": \(complaint)")")
    }

    /// Ends ssh at once (a transfer we no longer trust) and reaps it.
    func abort() {
        closeInput()
        ProcessTree.terminate(child.pid)
        while errorsOpen { drainErrors() }
        _ = Syscalls.wait(child.pid)
    }

    /// The server's host key as ssh -v reported it, e.g. `ssh-ed25519 SHA256:…`; for a host with a certificate, the
    /// certificate's key (`ssh-ed25519-cert-v01@openssh.com SHA256:…`), which ssh reports instead.
    /// The last one ssh named: through a jump host (ProxyJump), the jump's own ssh names the jump host's key first.
    var serverHostKey: String? {
        var key: String?
        for line in sshOwnLines {
            if line.hasPrefix("debug1: Server host key: ") { key = String(line.dropFirst("debug1: Server host key: ".count)) }
            if line.hasPrefix("debug1: Server host certificate: ") {
                key = String(line.dropFirst("debug1: Server host certificate: ".count).prefix { $0 != "," })
            }
        }
        return key
    }

    /// Whether the client is OpenSSH (its -v output starts with its version), which says when the command starts.
    private var isOpenSSH: Bool { errorLines.contains { $0.hasPrefix("OpenSSH_") } }

    /// Whether ssh has said it is starting the remote command: everything it says about the host is said by then.
    private var commandStarted: Bool { errorLines.contains { $0.hasPrefix("debug1: Sending command:") } }

    /// The lines ssh itself wrote before the remote command started (`debug1: Sending command:`): what the other
    /// computer writes on standard error comes after, and could imitate ssh's. All lines while that one has not come.
    private var sshOwnLines: ArraySlice<Substring> {
        let lines = errorLines
        return lines[..<(lines.firstIndex { $0.hasPrefix("debug1: Sending command:") } ?? lines.endIndex)]
    }

    /// The name `known_hosts` matched the host key under, as ssh -v reports it (`debug1: Host 'sm01.corp.example' is
    /// known and matches the ED25519 host key.`), without a `[…]:port` wrapping; nil when ssh did not say so (a key
    /// it has just added, say).
    var knownHostName: String? {
        let prefix = "debug1: Host '"
        // Only from ssh's own lines: without its "Sending command" line, the other computer's standard error cannot be
        // told from ssh's, and this name widens what a name may be taken for. The last one, as for the host key.
        guard commandStarted else { return nil }
        var found: String?
        for line in sshOwnLines where line.hasPrefix(prefix) && line.contains("' is known and matches") {
            let rest = line.dropFirst(prefix.count)
            guard let quote = rest.firstIndex(of: "'") else { continue }
            var name = rest[..<quote]
            if name.hasPrefix("["), let close = name.firstIndex(of: "]") { name = name[name.index(after: name.startIndex)..<close] }
            found = String(name)
        }
        return found
    }

    private var errorLines: [Substring] {
        String(decoding: errorText, as: UTF8.self).split(whereSeparator: \.isNewline)
    }

    /// What ssh and the remote side said on standard error, without ssh's -v lines, as one line. ssh -v echoes the
    /// command it sends ("debug1: Sending command: sh -c '…"), and the lines after that one of a command of several
    /// lines are this side's script, not anything said: left out too.
    var complaint: String {
        let ours = Set(command.split(whereSeparator: \.isNewline).map { $0.trimmingWhitespace() })
        let lines = errorLines.map { $0.trimmingWhitespace() }.filter { line in
            !line.isEmpty && !ours.contains(line) && !line.hasPrefix("debug1:") && !line.hasPrefix("debug2:") && !line.hasPrefix("debug3:")
                && !(line.hasPrefix("OpenSSH_") && line.contains("OpenSSL")) && !line.hasPrefix("Transferred:")
                && !line.hasPrefix("Bytes per second")
        }
        let text = lines.suffix(3).joined(separator: " / ")
        return text.isEmpty ? "" : FreeText.visible(String(text.prefix(400)))
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> String {
        var s = self
        while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" { s = s.dropLast() }
        return String(s)
    }
}
