// Issue 14's figures: 8 writers sealing at once into one vault, as a file and in PostgreSQL (throughput, and every
// version there exactly once), and a restore from a 100,000-entry vault kept in the database.
#if canImport(Glibc)
    @preconcurrency import Glibc
#endif
import KeyVault

struct DatabaseBench {
    struct Writers {
        var store = ""
        var writers = 0
        var sealsEach = 0
        var seconds = 0.0
        /// Entries listed afterwards, distinct versions among them, and whether they are exactly 1…total.
        var entries = 0
        var distinctVersions = 0
        var consecutive = false
        /// Writers that stopped with an error (a refused seal ends that writer's loop).
        var failedWriters = 0
    }

    var writers: [Writers] = []
    /// Restoring one key from the 100,000-entry vault (whole processes): from the file, and from its copy in the database.
    var restoreFile = Samples()
    var restoreDatabase = Samples()
    var copySeconds = 0.0
    var entries = 0

    /// `writers` processes, each sealing `sealsEach` fresh keys for one (host, role) into `vault` (a path or location).
    static func concurrentSeals(_ s: Settings, store: String, vault: String, writers: Int, sealsEach: Int) throws -> Writers {
        var row = Writers()
        row.store = store
        row.writers = writers
        row.sealsEach = sealsEach
        _ = try spawn([s.keyvault, "init", vault, "--identity", "id"])
        let script = """
            i=0; while [ $i -lt "$1" ]; do i=$((i+1)); head -c \(s.entryKeySize) /dev/urandom > "k-$2.bin"; \
            "$3" seal "$4" --role sm --host CONC01 --key "k-$2.bin" --label "writer $2 seal $i" --identity id >/dev/null || exit 1; done
            """
        let start = now()
        var pids: [pid_t] = []
        for w in 0..<writers {
            let argv = ["sh", "-c", script, "sh", String(sealsEach), "\(store)-\(w)", s.keyvault, vault]
            let cArgs = argv.map { strdup($0) } + [nil]
            defer { for p in cArgs { free(p) } }
            var pid: pid_t = 0
            guard posix_spawnp(&pid, "sh", nil, nil, cArgs, environ) == 0 else { throw BenchFailure(description: "cannot start a writer") }
            pids.append(pid)
        }
        for pid in pids {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 { guard errno == EINTR else { break } }
            if status != 0 { row.failedWriters += 1 }  // (its error is in the log; the table shows the count)
        }
        row.seconds = now() - start
        unlink("list.json")
        _ = try spawn([s.keyvault, "list", vault, "--json", "--identity", "id"], log: "list.json")
        let versions = (readText("list.json") ?? "").split(separator: "\"version\":").dropFirst().map { Int($0.prefix { $0 >= "0" && $0 <= "9" }) ?? -1 }
        row.entries = versions.count
        row.distinctVersions = Set(versions).count
        row.consecutive = versions.sorted() == Array(1...(writers * sealsEach))
        print("  \(store): \(writers) × \(sealsEach) seals in \(formatSeconds(row.seconds)), \(row.entries) entries, consecutive: \(row.consecutive)")
        return row
    }

    static func run(_ s: Settings, database: String, sealsEach: Int, bigVault: String?) throws -> DatabaseBench {
        var out = DatabaseBench()
        let tag = String(getpid())
        unlink("writers.kv")
        out.writers.append(try concurrentSeals(s, store: "file", vault: "writers.kv", writers: 8, sealsEach: sealsEach))
        out.writers.append(try concurrentSeals(s, store: "database", vault: "\(database)#bench-writers-\(tag)", writers: 8, sealsEach: sealsEach))
        guard let bigVault else { return out }
        let location = "\(database)#bench-big-\(tag)"
        out.copySeconds = try spawn([s.keyvault, "copy", bigVault, location]).seconds
        out.entries = (try? Vault.open(atPath: bigVault))?.entryCount ?? 0
        let reps = 7
        for _ in 0..<reps {
            for (vault, samples) in [(bigVault, \DatabaseBench.restoreFile), (location, \DatabaseBench.restoreDatabase)] {
                unlink("o-db.bin")
                let run = try spawn(["/usr/bin/time", "-f", "%M", "-o", "peak.txt", s.keyvault, "restore", vault, "--role", "sm", "--out", "o-db.bin", "--identity", "id"])
                out[keyPath: samples].seconds.append(run.seconds)
                out[keyPath: samples].peakKiB.append(Int((readText("peak.txt") ?? "").split(separator: "\n").last.map(String.init) ?? "") ?? 0)
            }
        }
        print("  restore one of \(out.entries.grouped): file \(out.restoreFile.text), database \(out.restoreDatabase.text)")
        return out
    }
}
