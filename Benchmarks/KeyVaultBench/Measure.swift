// Timing: whole processes (posix_spawn, wait4 for peak RSS) and closures in this process, with medians and spread.
#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Monotonic seconds.
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Repeated measurements of one thing: wall seconds and, for processes, peak RSS in KiB.
struct Samples {
    var seconds: [Double] = []
    var peakKiB: [Int] = []

    var median: Double { Samples.median(seconds) }
    var min: Double { seconds.min() ?? .nan }
    var max: Double { seconds.max() ?? .nan }
    var medianPeakKiB: Int { peakKiB.isEmpty ? 0 : peakKiB.sorted()[peakKiB.count / 2] }
    var maxPeakKiB: Int { peakKiB.max() ?? 0 }

    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// "12.3 ms (11.9–14.0)"
    var text: String { "\(formatSeconds(median)) (\(formatSeconds(min, unit: false))–\(formatSeconds(max, unit: false)))" }
}

/// A duration in a unit chosen for it; with `unit: false`, the same unit as `formatSeconds(value)` would pick for
/// values of its size, without the suffix (for spreads next to a median).
func formatSeconds(_ s: Double, unit: Bool = true) -> String {
    guard s.isFinite else { return "n/a" }
    let (value, suffix): (Double, String) = s >= 1 ? (s, "s") : s >= 1e-3 ? (s * 1e3, "ms") : (s * 1e6, "µs")
    let digits = value >= 100 ? 0 : value >= 10 ? 1 : 2
    return format(value, digits) + (unit ? " " + suffix : "")
}

func format(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite else { return "n/a" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    var text = String(rounded)
    if digits == 0, text.hasSuffix(".0") { text.removeLast(2) }
    if let dot = text.firstIndex(of: "."), digits > 0 {
        let decimals = text.distance(from: dot, to: text.endIndex) - 1
        if decimals < digits { text += String(repeating: "0", count: digits - decimals) }
    }
    return text
}

func mib(_ kib: Int) -> String { format(Double(kib) / 1024, 1) + " MiB" }

struct BenchFailure: Error, CustomStringConvertible {
    let description: String
}

/// Runs a program to completion with standard output and error discarded (or to `log`), with this process's
/// environment and `environment` (`NAME=value` entries) added.
/// - Returns: wall seconds and the child's peak RSS (KiB); throws when it exits non-zero.
@discardableResult
func spawn(_ argv: [String], log: String = "/dev/null", environment: [String] = []) throws -> (seconds: Double, peakKiB: Int) {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    let cArgs = argv.map { strdup($0) } + [nil]
    defer { for p in cArgs { free(p) } }
    // Built before the clock starts; without additions, this process's own environment as it is.
    var inherited: [UnsafeMutablePointer<CChar>?] = []
    if !environment.isEmpty {
        var e = environ
        while let entry = e.pointee {
            inherited.append(entry)
            e += 1
        }
    }
    let added = environment.map { strdup($0) }
    defer { for p in added { free(p) } }
    let envp = environment.isEmpty ? nil : inherited + added + [nil]
    var pid: pid_t = 0
    let start = now()
    let rc = envp.map { posix_spawnp(&pid, argv[0], &actions, nil, cArgs, $0) } ?? posix_spawnp(&pid, argv[0], &actions, nil, cArgs, environ)
    guard rc == 0 else { throw BenchFailure(description: "cannot start \(argv[0]): \(String(cString: strerror(rc)))") }
    var status: Int32 = 0
    var usage = rusage()
    while wait4(pid, &status, 0, &usage) < 0 {
        guard errno == EINTR else { throw BenchFailure(description: "wait4 failed for \(argv[0])") }
    }
    let seconds = now() - start
    let exited = (status & 0x7f) == 0
    let code = (status >> 8) & 0xff
    guard exited, code == 0 else {
        throw BenchFailure(description: "\(argv.joined(separator: " ")) failed (status \(status)); see \(log)")
    }
    return (seconds, Int(usage.ru_maxrss))
}

/// One command of a comparison: how to prepare a run (untimed) and what to run.
struct Command {
    let name: String
    let argv: [String]
    var prepare: () throws -> Void = {}
    /// `NAME=value` entries added to its environment.
    var environment: [String] = []
}

/// Runs each command `reps` times, round-robin (so drift on a shared machine hits all alike), after one untimed
/// warm-up each; then once more under GNU time for its peak RSS.
///
/// Why not `wait4`'s own figure: posix_spawn starts the child with vfork, and the kernel records the parent's RSS
/// high-water mark as the child's when it execs, so the child's figure would never be below this process's.
/// GNU time forks (its child starts from time's own small footprint) and reports the child's `ru_maxrss`.
func measure(_ commands: [Command], reps: Int) throws -> [String: Samples] {
    var results: [String: Samples] = [:]
    for c in commands { try c.prepare(); try spawn(c.argv, log: "bench-\(c.name.filter { $0.isLetter || $0.isNumber }).log", environment: c.environment) }
    for _ in 0..<reps {
        for c in commands {
            try c.prepare()
            let (s, _) = try spawn(c.argv, environment: c.environment)
            results[c.name, default: Samples()].seconds.append(s)
        }
    }
    for c in commands {
        try c.prepare()
        unlink("rss.txt")
        try spawn(["/usr/bin/time", "-f", "%M", "-o", "rss.txt"] + c.argv, environment: c.environment)
        guard let kib = readText("rss.txt").flatMap({ Int($0.split(separator: "\n").last ?? "") }) else {
            throw BenchFailure(description: "no peak RSS from GNU time for \(c.name)")
        }
        results[c.name, default: Samples()].peakKiB.append(kib)
    }
    return results
}

/// Times `body` `reps` times in this process after `prepare` (untimed) each time, plus one warm-up.
func measureInProcess(reps: Int, prepare: () throws -> Void = {}, _ body: () throws -> Void) throws -> Samples {
    var samples = Samples()
    try prepare(); try body()
    for _ in 0..<reps {
        try prepare()
        let start = now()
        try body()
        samples.seconds.append(now() - start)
    }
    return samples
}

func copyFile(_ from: String, _ to: String) throws {
    let input = open(from, O_RDONLY)
    guard input >= 0 else { throw BenchFailure(description: "cannot open \(from)") }
    defer { close(input) }
    unlink(to)
    let output = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard output >= 0 else { throw BenchFailure(description: "cannot create \(to)") }
    defer { close(output) }
    var buffer = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
        guard n > 0 else { break }
        _ = buffer.withUnsafeBytes { write(output, $0.baseAddress, n) }
    }
}

func writeFile(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o600) throws {
    unlink(path)
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)
    guard fd >= 0 else { throw BenchFailure(description: "cannot create \(path)") }
    defer { close(fd) }
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
}

func readText(_ path: String) -> String? {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { break }
        bytes += buffer[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
}

func fileSize(_ path: String) -> Int {
    var st = stat()
    return stat(path, &st) == 0 ? Int(st.st_size) : 0
}
