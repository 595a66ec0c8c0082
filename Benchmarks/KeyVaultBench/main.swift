// keyvault-bench: measures keyvault against age and against libsodium, and writes docs/BENCHMARKS.md.
// Usage: keyvault-bench [--keyvault PATH] [--reps N] [--sizes 1,1000,...] [--sequential N] [--workdir DIR] [--output FILE|-]
//        [--commit ID] [--database postgresql://… --writer-seals N]
#if canImport(Glibc)
    @preconcurrency import Glibc
#endif
import KeyVault

func fail(_ message: String) -> Never {
    _ = "keyvault-bench: \(message)\n".withCString { write(2, $0, strlen($0)) }
    exit(1)
}

var arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "child-kdf" {
    exit(PasswordHashChild.run(arguments.count > 1 ? arguments[1] : ""))
}

var settings = Settings()
settings.command = CommandLine.arguments.joined(separator: " ")
var cwd = [CChar](repeating: 0, count: 4096)
_ = getcwd(&cwd, cwd.count)
let startDirectory = String(decoding: cwd.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
func absolute(_ path: String) -> String { path.hasPrefix("/") ? path : "\(startDirectory)/\(path)" }
settings.selfPath = absolute(CommandLine.arguments[0])
settings.keyvault = absolute(settings.keyvault)
settings.output = absolute(settings.output!)
while !arguments.isEmpty {
    let flag = arguments.removeFirst()
    guard let value = arguments.first else { fail("\(flag) needs a value") }
    arguments.removeFirst()
    switch flag {
    case "--keyvault": settings.keyvault = absolute(value)
    case "--age": settings.age = value
    case "--age-keygen": settings.ageKeygen = value
    case "--reps": settings.reps = Int(value) ?? settings.reps
    case "--sequential": settings.sequentialSeals = Int(value) ?? settings.sequentialSeals
    case "--sizes": settings.sizes = value.split(separator: ",").compactMap { Int($0) }
    case "--workdir": settings.workdir = absolute(value)
    case "--output": settings.output = value == "-" ? nil : absolute(value)
    case "--commit": settings.commit = value
    case "--database": settings.database = value
    case "--writer-seals": settings.writerSeals = Int(value) ?? settings.writerSeals
    case "--command": settings.command = value
    default: fail("unknown option \(flag)")
    }
}

// Restores need this machine to be SM01: re-run in a UTS namespace of our own (root), as the wrapper does.
var hostBuffer = [CChar](repeating: 0, count: 256)
gethostname(&hostBuffer, 255)
if String(decoding: hostBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) != "SM01" {
    let argv = unshareWrapper + [settings.selfPath] + Array(CommandLine.arguments.dropFirst())
    let cArgs = argv.map { strdup($0) } + [nil]
    execvp(argv[0], cArgs)
    fail("cannot run under unshare --uts (needs root and util-linux): \(String(cString: strerror(errno)))")
}
mkdir(settings.workdir, 0o700)
guard chdir(settings.workdir) == 0 else { fail("cannot enter \(settings.workdir)") }
// keyvault's record of the vaults this user has seen, kept in the work folder rather than the user's own.
setenv("XDG_STATE_HOME", settings.workdir + "/state", 1)

do {
    print("libsodium floor…")
    let floor = Floor.measure(sizes: [1_300, 4_096], reps: 15)
    print("keyvault vs age, 4 KiB key, \(settings.reps) runs each…")
    let age = try AgeComparison.run(settings)
    print("passphrase costs…")
    let kdf = try PassphraseCosts.run(settings, reps: max(3, settings.reps / 4))
    print("vaults of \(settings.sizes.map(String.init).joined(separator: ", ")) entries…")
    let scaling = try Scaling.run(settings)
    print("\(settings.sequentialSeals) seals in a row, each format…")
    let sequential = settings.sequentialSeals > 0 ? try SequentialSeals.run(settings, count: settings.sequentialSeals) : SequentialSeals()
    var database: DatabaseBench?
    if let uri = settings.database, settings.writerSeals > 0 {
        print("8 writers at once, \(settings.writerSeals) seals each, into a file and into PostgreSQL…")
        let biggest = settings.sizes.max().map { "big-\($0).kv" }.flatMap { fileSize($0) > 0 ? $0 : nil }
        database = try DatabaseBench.run(settings, database: uri, sealsEach: settings.writerSeals, bigVault: biggest)
    }
    let report = Report(settings: settings, floor: floor, age: age, kdf: kdf, scaling: scaling, sequential: sequential, database: database).markdown
    print(report)
    if let output = settings.output { try Report.write(report, into: output); print("wrote \(output)") }
} catch {
    fail("\(error)")
}
