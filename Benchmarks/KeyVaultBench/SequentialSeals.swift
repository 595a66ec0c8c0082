// Issue 13's check of flat costs: `keyvault seal` run thousands of times in a row on one vault made by `keyvault
// init`, each for a new host with a fresh key, every run a whole process timed; the first hundred against the last.
#if canImport(Glibc)
    @preconcurrency import Glibc
#endif
import KeyVault

struct SequentialSeals {
    struct Row {
        var format = 0
        var count = 0
        /// Each seal's wall-clock seconds, in order.
        var seconds: [Double] = []

        /// The median of the hundred seals starting at `start` (fewer at the end).
        func medianOfHundred(from start: Int) -> Double { Samples.median(Array(seconds[start..<min(seconds.count, start + 100)])) }
        var first: Double { medianOfHundred(from: 0) }
        var last: Double { medianOfHundred(from: max(0, seconds.count - 100)) }
    }

    var rows: [Row] = []

    /// `count` seals into a new vault of each format version, made by `keyvault init --identity id --format N`.
    static func run(_ s: Settings, count: Int) throws -> SequentialSeals {
        var out = SequentialSeals()
        for format in [2, 1] {
            var row = Row()
            row.format = format
            row.count = count
            let path = "sequential-v\(format).kv"
            unlink(path)
            _ = try spawn([s.keyvault, "init", path, "--identity", "id", "--format", String(format)])
            for i in 1...count {
                try writeFile("seq.bin", randomBytes(s.entryKeySize))
                let host = "SEQ\(String(i).leftPadded(6))"
                row.seconds.append(
                    try spawn([s.keyvault, "seal", path, "--role", "sm", "--host", host, "--key", "seq.bin", "--identity", "id"]).seconds)
            }
            print("  format \(format): first hundred \(formatSeconds(row.first)), last hundred \(formatSeconds(row.last))")
            out.rows.append(row)
        }
        return out
    }
}
