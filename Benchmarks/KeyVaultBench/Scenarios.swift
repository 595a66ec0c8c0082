// The measured scenarios: keyvault against age, in-process, passphrase costs, and vaults of 1 to 100,000 entries.
#if canImport(Glibc)
    @preconcurrency import Glibc
#endif
import KeyVault

struct Settings {
    var keyvault = ".build/release/keyvault"
    var age = "age"
    var ageKeygen = "age-keygen"
    var workdir = "/tmp/keyvault-bench"
    var reps = 21
    var sizes = [1, 1_000, 10_000, 100_000]
    /// How many seals in a row, per format, for the flatness check (0: none).
    var sequentialSeals = 2_000
    var entryKeySize = 1_300  // an exported SM key file is about 1.3 KiB
    var comparisonKeySize = 4_096  // the age comparison
    var output: String? = "docs/BENCHMARKS.md"
    var commit = "unknown"
    var command = ""
    var selfPath = CommandLine.arguments[0]
    /// A PostgreSQL database (`postgresql://…`, no #NAME) for issue 14's figures; scripts/bench.sh starts a throwaway one.
    var database: String?
    /// Seals per writer in the 8-writer comparison (0: none).
    var writerSeals = 1_000
}

/// The shell wrapper the issue prescribes for restores: a UTS namespace whose host name is SM01.
let unshareWrapper = ["unshare", "--uts", "sh", "-c", "hostname SM01 && exec \"$@\"", "x"]

/// keyvault against age, whole processes, on a 4 KiB key sealed to one public-key custodian.
struct AgeComparison {
    var results: [String: Samples] = [:]
    var inProcess: [String: Samples] = [:]
    /// How many fsync (and fdatasync) calls one keyvault seal and one restore make, counted by strace.
    var fsyncCalls: [String: Int] = [:]
    /// One fsync, of a freshly written 4 KiB file or of its folder, on the work folder's file system.
    var fsync = Samples()

    /// The age command each keyvault command is compared with.
    static let ageCounterpart = ["kv-seal": "age-seal", "kv-restore": "age-restore"]

    /// The median of keyvault command `name` less its fsyncs, priced at ``fsync``'s median: an estimate.
    func secondsWithoutFsyncs(_ name: String) -> Double {
        results[name]!.median - Double(fsyncCalls[name] ?? 0) * fsync.median
    }

    /// The median of keyvault command `name` run with fsync made a no-op (libeatmydata, `LD_PRELOAD`), measured in the
    /// same rounds as the rest; nil when libeatmydata is not installed or did not stop every fsync.
    func measuredWithoutFsyncs(_ name: String) -> Double? {
        results[name + "-nosync"]?.median
    }

    /// libeatmydata, whose `fsync` and `fdatasync` do nothing: keyvault run with it preloaded is keyvault without its
    /// fsyncs, measured rather than estimated (its own loading stays in the figure, which errs against keyvault).
    static let eatMyData: String? = {
        let candidates: [String] = ["/usr/lib/x86_64-linux-gnu/libeatmydata.so", "/usr/lib/aarch64-linux-gnu/libeatmydata.so", "/usr/lib/libeatmydata.so"]
        return candidates.first { access($0, R_OK) == 0 }
    }()

    static func run(_ s: Settings) throws -> AgeComparison {
        var out = AgeComparison()
        let kv = s.keyvault
        let key = randomBytes(s.comparisonKeySize)
        try writeFile("k4.bin", key)
        // keyvault: identity, an empty vault sealed to it, and a vault holding the key (for restores).
        unlink("id")
        let identity = try CustodianIdentity.generate()
        try identity.write(toPath: "id")
        for f in ["empty.kv", "one.kv"] { unlink(f) }
        // Endorsed by its custodian and of format version 2, as `keyvault init --identity` makes it: the command line
        // refuses a vault nothing vouches for.
        try Vault.create(atPath: "empty.kv", custodians: [.recipient(identity.recipient!)], endorsers: [identity], formatVersion: 2)
        try copyFile("empty.kv", "one.kv")
        let credentials = Credentials(identities: [identity])
        let request = SealRequest(role: .sm, host: try HostName("SM01"), originalFileName: "k4.bin")
        _ = try Vault.seal(try SecretBytes(copying: key), request, atPath: "one.kv", credentials: credentials)
        // age: an identity and the key encrypted to it.
        unlink("aid")
        try spawn([s.ageKeygen, "-o", "aid"])
        let recipient = try ageRecipient("aid")
        try spawn([s.age, "-r", recipient, "-o", "k4.age", "k4.bin"])

        // A new vault for each seal, sealed into as by a user who has not used it before (keyvault refuses a copy of a
        // vault it has seen grow, and another vault at a path where it saw one): its record of seen vaults is cleared.
        let freshVault = {
            try spawn(["rm", "-rf", "state"])
            unlink("seal.kv")
            _ = try Vault.create(atPath: "seal.kv", custodians: [.recipient(identity.recipient!)], endorsers: [identity], formatVersion: 2)
        }
        let restoreArgs = [kv, "restore", "one.kv", "--role", "sm", "--out", "o-kv.bin", "--identity", "id"]
        let sealArgs = [kv, "seal", "seal.kv", "--role", "sm", "--host", "SM01", "--key", "k4.bin", "--identity", "id"]
        let noSync = eatMyData.map { ["LD_PRELOAD=\($0)"] }
        let withoutFsyncs =
            noSync.map { env in
                [
                    // What preloading costs by itself, as `--version` with it against without.
                    Command(name: "kv-start-nosync", argv: [kv, "--version"], environment: env),
                    Command(name: "kv-seal-nosync", argv: sealArgs, prepare: freshVault, environment: env),
                    Command(name: "kv-restore-nosync", argv: restoreArgs, prepare: { unlink("o-kv.bin") }, environment: env),
                ]
            } ?? []
        out.results = try measure(
            [
                Command(name: "kv-start", argv: [kv, "--version"]),
                Command(name: "age-start", argv: [s.age, "--version"]),
                Command(
                    name: "kv-seal", argv: sealArgs,
                    prepare: freshVault),
                Command(name: "age-seal", argv: [s.age, "-r", recipient, "-o", "k4-new.age", "k4.bin"], prepare: { unlink("k4-new.age") }),
                Command(name: "kv-restore-unshare", argv: unshareWrapper + restoreArgs, prepare: { unlink("o-kv.bin") }),
                Command(name: "kv-restore", argv: restoreArgs, prepare: { unlink("o-kv.bin") }),
                Command(name: "unshare", argv: unshareWrapper + ["true"]),
                Command(name: "age-restore", argv: [s.age, "-d", "-i", "aid", "-o", "o-age.bin", "k4.age"], prepare: { unlink("o-age.bin") }),
            ] + withoutFsyncs, reps: s.reps)
        // keyvault syncs what it writes and age does not: count keyvault's fsyncs (strace, untimed) and time one here.
        try freshVault()
        out.fsyncCalls["kv-seal"] = try countFsyncs(sealArgs)
        unlink("o-kv.bin")
        out.fsyncCalls["kv-restore"] = try countFsyncs(restoreArgs)
        out.fsync = measureFsync(reps: s.reps)
        // The runs without fsyncs count only if libeatmydata stopped every one of them.
        if let env = noSync {
            try freshVault()
            let sealCalls = try countFsyncs(sealArgs, environment: env)
            unlink("o-kv.bin")
            let restoreCalls = try countFsyncs(restoreArgs, environment: env)
            if sealCalls + restoreCalls != 0 {
                for name in ["kv-start-nosync", "kv-seal-nosync", "kv-restore-nosync"] { out.results[name] = nil }
            }
        }
        guard readText("o-kv.bin").map(Array.init) != nil, fileSize("o-kv.bin") == key.count else {
            throw BenchFailure(description: "keyvault restore did not give the key back")
        }

        // The same through the library, in this process: no process start, no argument parsing.
        let host = try HostIdentity()
        out.inProcess["seal"] = try measureInProcess(reps: s.reps, prepare: freshVault) {
            let id = try CustodianIdentity.load(fromFile: "id") { _ in throw BenchFailure(description: "no password") }
            let bytes = try SecretInput.keyFile("k4.bin")
            _ = try Vault.seal(bytes, request, atPath: "seal.kv", credentials: Credentials(identities: [id]))
        }
        out.inProcess["restore"] = try measureInProcess(reps: s.reps, prepare: { unlink("o-lib.bin") }) {
            let id = try CustodianIdentity.load(fromFile: "id") { _ in throw BenchFailure(description: "no password") }
            let restored = try Vault.open(atPath: "one.kv").unlock(with: Credentials(identities: [id])).restore(role: .sm, on: host)
            try restored.write(toPath: "o-lib.bin", replacing: false)
        }
        // Where a restore's time goes: open and parse, unlock, decrypt, write (temp file, fsync, rename, fsync folder).
        var parts: [String: Samples] = [:]
        for _ in 0..<s.reps {
            unlink("o-lib.bin")
            var t = now()
            let id = try CustodianIdentity.load(fromFile: "id") { _ in throw BenchFailure(description: "no password") }
            parts["identity", default: Samples()].seconds.append(now() - t); t = now()
            let vault = try Vault.open(atPath: "one.kv")
            parts["open", default: Samples()].seconds.append(now() - t); t = now()
            let unlocked = try vault.unlock(with: Credentials(identities: [id]))
            parts["unlock", default: Samples()].seconds.append(now() - t); t = now()
            let restored = try unlocked.restore(role: .sm, on: host)
            parts["decrypt", default: Samples()].seconds.append(now() - t); t = now()
            try restored.write(toPath: "o-lib.bin", replacing: false)
            parts["write", default: Samples()].seconds.append(now() - t)
        }
        for (k, v) in parts { out.inProcess["restore/\(k)"] = v }
        return out
    }
}

/// Argon2id at keyvault's default against scrypt at age's, each in a child process.
struct PassphraseCosts {
    var results: [String: Samples] = [:]

    static func run(_ s: Settings, reps: Int) throws -> PassphraseCosts {
        var out = PassphraseCosts()
        out.results = try measure(
            ["none", "argon2id-moderate", "argon2id-interactive", "scrypt-age"].map {
                Command(name: $0, argv: [s.selfPath, "child-kdf", $0])
            }, reps: reps)
        return out
    }
}

/// Vaults of 1 to 100,000 entries: build (library batch seal), then seal one more, list, verify, restore one.
struct Scaling {
    struct Row {
        var entries = 0
        var fileBytes = 0
        var headerBytes = 0
        var generate = 0.0
        var processes: [String: Samples] = [:]
        var unlock = Samples()
        var restoreInProcess = Samples()
        /// Format version 2's reading of the same vault, as one commit and as one commit per entry.
        var formatV2: [String: FormatV2Probe.Timings] = [:]
        /// The same vault converted by `keyvault upgrade --format 2` (once, timed), the commands on it, and
        /// `keyvault compact` after them (once, timed).
        var upgrade = 0.0
        var compact = 0.0
        var processesV2: [String: Samples] = [:]
    }
    var rows: [Row] = []

    static func run(_ s: Settings) throws -> Scaling {
        var out = Scaling()
        let kv = s.keyvault
        try writeFile("k13.bin", randomBytes(s.entryKeySize))
        let identity = try CustodianIdentity.load(fromFile: "id") { _ in throw BenchFailure(description: "no password") }
        let credentials = Credentials(identities: [identity])
        let host = try HostIdentity()
        for n in s.sizes {
            var row = Row()
            row.entries = n
            let path = "big-\(n).kv"
            unlink(path)
            try Vault.create(atPath: path, custodians: [.recipient(identity.recipient!)], endorsers: [identity])
            let start = now()
            try generate(n, keySize: s.entryKeySize, into: path, credentials: credentials)
            row.generate = now() - start
            row.fileBytes = fileSize(path)
            let reps = n >= 100_000 ? max(3, s.reps / 4) : n >= 10_000 ? max(3, s.reps / 2) : s.reps
            row.formatV2 = try FormatV2Probe.measure(vaultAt: path, reps: reps, clock: now)
            row.processes = try measure(
                [
                    Command(name: "list", argv: [kv, "list", path]),
                    Command(name: "verify", argv: [kv, "verify", path, "--identity", "id"]),
                    Command(
                        name: "restore", argv: [kv, "restore", path, "--role", "sm", "--out", "o-big.bin", "--identity", "id"],
                        prepare: { unlink("o-big.bin") }),
                ], reps: reps)
            // Seal last: each run adds an entry (a new version for NEW01), so the vault grows by `reps` entries.
            row.processes["seal"] = try measure(
                [
                    Command(name: "seal", argv: [kv, "seal", path, "--role", "sm", "--host", "NEW01", "--key", "k13.bin", "--identity", "id"])
                ], reps: reps)["seal"]
            row.unlock = try measureInProcess(reps: reps) { _ = try Vault.open(atPath: path).unlock(with: credentials) }
            row.restoreInProcess = try measureInProcess(reps: reps) {
                _ = try Vault.open(atPath: path).unlock(with: credentials).restore(role: .sm, on: host)
            }
            row.headerBytes = try headerSize(path)
            try measureVersion2(path, into: &row, reps: reps, keyvault: kv)
            out.rows.append(row)
            print("  \(n) entries: generated in \(formatSeconds(row.generate)), \(format(Double(row.fileBytes) / 1_048_576, 1)) MiB")
        }
        return out
    }

    /// The vault at `path` copied and converted to format version 2 by the command line, then the commands of the
    /// version-1 rows on it (seal last, as there), then compacted.
    static func measureVersion2(_ path: String, into row: inout Row, reps: Int, keyvault kv: String) throws {
        let v2 = String(path.dropLast(3)) + "-v2.kv"
        unlink(v2)
        try copyFile(path, v2)
        row.upgrade = try spawn([kv, "upgrade", v2, "--format", "2", "--identity", "id"], log: "bench-upgrade.log").seconds
        row.processesV2 = try measure(
            [
                Command(name: "list", argv: [kv, "list", v2]),
                Command(name: "verify", argv: [kv, "verify", v2, "--identity", "id"]),
                Command(
                    name: "restore", argv: [kv, "restore", v2, "--role", "sm", "--out", "o-big.bin", "--identity", "id"],
                    prepare: { unlink("o-big.bin") }),
            ], reps: reps)
        row.processesV2["seal"] = try measure(
            [Command(name: "seal", argv: [kv, "seal", v2, "--role", "sm", "--host", "NEW01", "--key", "k13.bin", "--identity", "id"])],
            reps: reps)["seal"]
        row.compact = try spawn([kv, "compact", v2, "--identity", "id"], log: "bench-compact.log").seconds
        unlink(v2)
    }

    /// `n` entries through the library's batch seal, in one write: hosts H000001…, roles sm and dw alternating,
    /// and SM01's sm key in the middle (the one restores look for). Keys are random, `keySize` bytes each.
    static func generate(_ n: Int, keySize: Int, into path: String, credentials: Credentials) throws {
        let middle = n / 2
        let items = (0..<n).lazy.map { i -> SealItem in
            let host = i == middle ? "SM01" : "H\(String(i + 1).leftPadded(6))"
            let role: Role = i == middle || i % 2 == 0 ? .sm : .dw
            // Errors here are impossible for these names; the bench stops on them.
            return SealItem(
                key: try! SecretBytes.random(count: keySize),
                request: SealRequest(
                    role: role, host: try! HostName(host), label: "bench entry \(i + 1)",
                    originalFileName: "\(host).bin"))
        }
        _ = try Vault.seal(items, atPath: path, credentials: credentials)
    }

    static func headerSize(_ path: String) throws -> Int {
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        var b = [UInt8](repeating: 0, count: 16)
        guard pread(fd, &b, 16, 0) == 16 else { throw BenchFailure(description: "short vault \(path)") }
        return b[12..<16].reduce(0) { $0 << 8 | Int($1) }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}

func randomBytes(_ count: Int) -> [UInt8] {
    var g = SystemRandomNumberGenerator()
    return (0..<count).map { _ in UInt8.random(in: 0...255, using: &g) }
}

/// The `age1…` recipient of an age identity file (age-keygen writes it in a comment).
func ageRecipient(_ path: String) throws -> String {
    guard let text = readText(path),
        let line = text.split(separator: "\n").first(where: { $0.hasPrefix("# public key: ") })
    else {
        throw BenchFailure(description: "no public key in \(path)")
    }
    return String(line.dropFirst("# public key: ".count))
}

/// The number of fsync and fdatasync calls `argv` makes, from `strace -f -c`.
func countFsyncs(_ argv: [String], environment: [String] = []) throws -> Int {
    unlink("strace.txt")
    try spawn(["strace", "-f", "-c", "-o", "strace.txt", "-e", "trace=fsync,fdatasync"] + argv, environment: environment)
    guard let summary = readText("strace.txt") else { throw BenchFailure(description: "strace wrote no summary for \(argv)") }
    // Rows: % time, seconds, usecs/call, calls, [errors,] syscall.
    return summary.split(separator: "\n").reduce(0) { total, line in
        let fields = line.split(separator: " ")
        guard let last = fields.last, last == "fsync" || last == "fdatasync", fields.count >= 5, let calls = Int(fields[3]) else { return total }
        return total + calls
    }
}

/// Seconds per fsync, as keyvault's atomic writes make them: a new 4 KiB temp file written and synced, renamed over the
/// previous one, and the folder synced (two fsyncs each time).
func measureFsync(reps: Int) -> Samples {
    let folder = open(".", O_RDONLY | O_DIRECTORY)
    defer { close(folder) }
    let page = [UInt8](repeating: 0x5A, count: 4096)
    var pair = Floor.perOperation(batch: 10, reps: reps) {
        let fd = open("fsync-probe.tmp", O_WRONLY | O_CREAT | O_EXCL, 0o600)
        _ = page.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
        close(fd)
        rename("fsync-probe.tmp", "fsync-probe")
        fsync(folder)
    }
    unlink("fsync-probe")
    pair.seconds = pair.seconds.map { $0 / 2 }
    return pair
}
