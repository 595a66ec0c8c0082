// Every call into the operating system goes through Storage/Syscalls.swift (docs/PORTING.md): a port to another
// system replaces that file, not calls scattered through the vault logic.
import Testing
import KeyVaultTestSupport

@Suite struct SystemCallFunnelTests {
    /// C library calls that reach the operating system (files, locks, terminals, clock, users, processes, memory).
    /// Names keyvault also gives its own methods (`open`, `close`, `stat`, `read`, `write`, `rename`) are found only
    /// when written `Glibc.…`; pure computations (`memcmp`, `gmtime_r`) are not system calls.
    static let systemCalls = [
        "openat", "pread", "pwrite", "fsync", "fdatasync", "flock", "fcntl", "fstat", "lstat", "unlinkat", "renameat",
        "renameat2", "linkat", "mkdir", "mkstemp", "mkostemp", "opendir", "readdir", "ftruncate", "fchmod", "chmod",
        "fchown", "chown", "realpath", "getcwd", "dup2", "isatty", "tcgetattr", "tcsetattr", "gethostname", "uname",
        "getpwuid", "geteuid", "getuid", "getenv", "setenv", "clock_gettime", "usleep", "nanosleep", "prctl",
        "setrlimit", "getrlimit", "sigaction", "posix_spawn", "waitpid", "mlock", "munlock", "madvise", "strerror", "pthread_create",
        "pthread_join", "lseek", "fallocate", "fstatfs",
    ]

    /// Files allowed to call the operating system: the funnel itself, and the pthread mutex behind `Locked`.
    static let allowed: Set<String> = ["KeyVault/Storage/Syscalls.swift", "KeyVault/Concurrency/Locked.swift"]

    @Test func onlyTheFunnelCallsTheOperatingSystem() throws {
        let sources = TestFiles.repositoryRoot + "/Sources"
        var offenders: [String] = []
        var scanned = 0
        for file in try TestFiles.swiftFiles(under: sources) where !Self.allowed.contains(String(file.dropFirst(sources.count + 1))) {
            scanned += 1
            for (number, line) in try TestFiles.text(file).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let code = line.trimmingPrefix(while: { $0 == " " })
                if code.hasPrefix("//") { continue }
                if let call = Self.systemCall(in: String(code)) {
                    offenders.append("\(file.dropFirst(sources.count + 1)):\(number + 1): \(call)")
                }
            }
        }
        #expect(scanned > 80, "the scan found \(scanned) Swift files under \(sources)")
        #expect(offenders == [], "operating-system calls outside Storage/Syscalls.swift:\n\(offenders.joined(separator: "\n"))")
    }

    /// The scan itself finds what it must, and no method of ours with a system call's name.
    @Test func theScanFindsDirectCallsOnly() {
        #expect(Self.systemCall(in: "let n = gethostname(&buffer, 255)") == "gethostname(")
        #expect(Self.systemCall(in: "if isatty(1) == 1 {") == "isatty(")
        #expect(Self.systemCall(in: "_ = Glibc.write(fd, p, n)") == "Glibc.")
        #expect(Self.systemCall(in: "let fd = Syscalls.fstat(fd)") == nil)
        #expect(Self.systemCall(in: "let vault = try Vault.open(atPath: path)") == nil)
        #expect(Self.systemCall(in: "static func fstat(_ fd: Int32) -> stat") == nil)
        #expect(Self.systemCall(in: "let name = getenv(\"HOME\")") == "getenv(")
        #expect(Self.systemCall(in: "try out.write(bytes)") == nil)
    }

    /// The first direct call in `line`: `Glibc.` anything, or a listed name called unqualified (not after `.`, not
    /// part of a longer name, not a declaration).
    static func systemCall(in line: String) -> String? {
        if line.contains("Glibc.") { return "Glibc." }
        let bytes = Array(line.utf8)
        func isName(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F }
        for name in systemCalls where line.contains(name + "(") {
            let needle = Array((name + "(").utf8)
            var i = 0
            while i + needle.count <= bytes.count {
                if Array(bytes[i..<(i + needle.count)]) == needle {
                    let before = i == 0 ? UInt8(0x20) : bytes[i - 1]
                    let declared = line.contains("func \(name)(")
                    if !isName(before) && before != 0x2E && !declared { return name + "(" }
                }
                i += 1
            }
        }
        return nil
    }
}
