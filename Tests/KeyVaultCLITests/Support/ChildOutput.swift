// Reading a child's standard output and error to their end, with deadlines: a run that never ends, or whose pipes
// stay open after it exited (a process it started, or one that inherited them, still holds them), fails its test
// with who holds them instead of hanging the whole test run.
import Foundation
import KeyVaultTestSupport

/// How long a run may take, and how long its pipes may stay open after it exited.
struct ChildDeadlines {
    /// From the start: then the run is killed (SIGKILL to it and to whatever holds its pipes) and the test fails.
    var run: Double = 600
    /// After the process exited: then the test fails, naming the processes that hold the pipes.
    var afterExit: Double = 30
}

/// A run that overstayed a deadline (``ChildDeadlines``).
struct ChildOverstayed: Error, CustomStringConvertible {
    let description: String
    /// The processes that held the pipes (killed already when the run did not finish).
    var holders: [Int32] = []
}

enum ChildOutput {
    /// Reads `stdout` and `stderr` (read ends of pipes) until both reach end-of-file, while `process` runs.
    ///
    /// - Returns: what each pipe gave.
    /// - Throws: ``ChildOverstayed`` when a deadline passes; the process is then killed (when still running), and
    ///   the message names the command and the processes holding the pipes' write ends.
    static func read(
        _ stdout: FileHandle, _ stderr: FileHandle, of process: Process, command: [String], deadlines: ChildDeadlines
    ) throws -> (stdout: [UInt8], stderr: [UInt8]) {
        let fds = [stdout.fileDescriptor, stderr.fileDescriptor]
        var data: [[UInt8]] = [[], []]
        var open = [true, true]
        let start = Self.now()
        var exitedAt: Double?
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while open.contains(true) {
            var polled = fds.indices.filter { open[$0] }.map { pollfd(fd: fds[$0], events: Int16(POLLIN), revents: 0) }
            let ready = poll(&polled, nfds_t(polled.count), 100)
            if ready < 0 && errno != EINTR { throw ChildOverstayed(description: "poll failed (errno \(errno)) reading \(command.joined(separator: " "))") }
            for p in polled where p.revents != 0 {
                let index = fds.firstIndex(of: p.fd)!
                let n = buffer.withUnsafeMutableBytes { Glibc.read(p.fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    data[index] += buffer[0..<n]
                } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                    open[index] = false
                }
            }
            let now = Self.now()
            if exitedAt == nil && hasExited(process.processIdentifier) { exitedAt = now }
            if let exitedAt, open.contains(true), now - exitedAt > deadlines.afterExit {
                let held = holders(of: fds.indices.filter { open[$0] }.map { fds[$0] })
                throw ChildOverstayed(
                    description:
                        "\(command.joined(separator: " ")) exited, but its \(open[0] ? "standard output" : "standard error") stayed open \(Int(deadlines.afterExit)) s later: held by \(describe(held))",
                    holders: held.map(\.pid))
            }
            if exitedAt == nil, now - start > deadlines.run {
                // The run, and whatever holds its pipes (what it started: they inherited them), are killed.
                let held = holders(of: fds)
                kill(process.processIdentifier, SIGKILL)
                for holder in held { kill(holder.pid, SIGKILL) }
                throw ChildOverstayed(
                    description: "\(command.joined(separator: " ")) did not finish in \(Int(deadlines.run)) s; killed, with what held its pipes: \(describe(held))")
            }
        }
        return (data[0], data[1])
    }

    /// Whether the child `pid` has exited (it is left for `Process` to reap).
    private static func hasExited(_ pid: Int32) -> Bool {
        var info = siginfo_t()
        let r = waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT)
        return r != 0 || info._sifields._sigchld.si_pid == pid  // (an error: already reaped)
    }

    private static func describe(_ holders: [(pid: Int32, command: String)]) -> String {
        holders.isEmpty ? "nobody found" : holders.map { "\($0.pid) (\($0.command))" }.joined(separator: ", ")
    }

    /// The processes (other than this one) with a descriptor on the pipes whose read ends are `fds`, with their command
    /// lines.
    static func holders(of fds: [Int32]) -> [(pid: Int32, command: String)] {
        let pipes = Set(
            fds.compactMap { fd -> String? in
                var info = stat()
                return fstat(fd, &info) == 0 ? "pipe:[\(info.st_ino)]" : nil
            })
        let me = getpid()
        var found: [(pid: Int32, command: String)] = []
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), pid != me,
                let descriptors = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")
            else { continue }
            let holds = descriptors.contains { fd in
                (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)")).map(pipes.contains) ?? false
            }
            guard holds else { continue }
            let cmdline = ((try? TestFiles.bytes("/proc/\(pid)/cmdline")) ?? []).map { $0 == 0 ? UInt8(ascii: " ") : $0 }
            found.append((pid, String(decoding: cmdline, as: UTF8.self).trimmingCharacters(in: .whitespaces)))
        }
        return found
    }

    private static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}
