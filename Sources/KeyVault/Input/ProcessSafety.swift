// What a process that handles secrets sets up before it reads the first one: no crash reports, no core dumps, and
// standard descriptors that can never turn out to be a vault or a key file.
#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Process-wide protections for a program that reads secrets. Call ``prepare()`` first thing in `main`.
public enum ProcessSafety {
    /// What ``prepare()`` found and did.
    public struct Report: Sendable {
        /// The standard descriptors (0, 1, 2) that were closed at start and now point at `/dev/null`.
        public let reopenedDescriptors: [Int32]
        /// Whether core dumps are off and the process is not dumpable.
        public let coreDumpsDisabled: Bool
        /// Whether every fatal signal is back at its default action (no crash handler runs).
        public let crashHandlersRemoved: Bool
    }

    // Written once by prepare(), before any thread starts; read afterwards.
    nonisolated(unsafe) private static var closedAtStart: Set<Int32> = []

    /// Whether standard input was closed when ``prepare()`` ran: then `-` must not mean standard input, which now
    /// reads `/dev/null`.
    public static var standardInputWasClosed: Bool { closedAtStart.contains(STDIN_FILENO) }

    /// Prepares the process:
    /// - descriptors 0, 1 and 2 that are closed are opened on `/dev/null`, so that no file opened later (a vault, a
    ///   key) becomes standard input, output or error by accident;
    /// - fatal signals (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGQUIT, SIGSYS) go back to their default
    ///   action whatever the environment asked for: the Swift runtime's backtracer would otherwise print registers
    ///   and the memory they point to, which can be secret bytes;
    /// - core dumps are turned off and the process is made non-dumpable.
    ///
    /// - Returns: what was done.
    @discardableResult
    public static func prepare() -> Report {
        var reopened: [Int32] = []
        for fd in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] where !Syscalls.isOpen(fd) {
            // open() returns the lowest free descriptor: this one, as the lower ones are open by now.
            let got = Syscalls.open("/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY)
            if got >= 0 && got != fd { Syscalls.duplicate(got, onto: fd); Syscalls.close(got) }
            reopened.append(fd)
        }
        closedAtStart = Set(reopened)
        // A write past the file-size limit (RLIMIT_FSIZE) fails with EFBIG, which every write reports with what it
        // left, instead of SIGXFSZ ending the process without a word (and a restore after its key was out unrecorded).
        Syscalls.ignoreFileSizeSignal()
        let handlers = Syscalls.resetFatalSignalHandlers()
        let cores = Syscalls.disableCoreDumps()
        return Report(reopenedDescriptors: reopened, coreDumpsDisabled: cores, crashHandlersRemoved: handlers)
    }
}
