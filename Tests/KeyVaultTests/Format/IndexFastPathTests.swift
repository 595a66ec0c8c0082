// The index has two readers: a one-pass check of the common record (RecordLocation.common) and the full, strict one
// (IndexRecord.locate through TLVReader) that words every error. The fast one may decline anything, but what it
// accepts the full one must accept, at the same place, or the two would read one vault two ways.
import Testing
@testable import KeyVault
import KeyVaultTestSupport

/// Draws for the generated records; SplitMix64 (PublicCallSequenceTests) is deterministic, so a failure prints a seed
/// that reproduces it.
extension SplitMix64 {
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

struct IndexFastPathTests {
    static let hosts = ["SM01", "sm01.corp.example", "DW_01", "AVERYVERYVERYLO", "a-b.c-d.example", "x", "SSP01.contoso.com"]
    static let labels = ["", "install", "Installé le 2 décembre", "tab\there", "a/b", String(repeating: "L", count: 200)]
    static let fileNames = ["", "SM01.bin", "clé.bin", "dir/name.bin", "ok name.bin"]

    /// Valid metadata of every shape the writer makes (some past what the fast path takes), sometimes followed by an
    /// informational field.
    func metadata(_ g: inout SplitMix64) throws -> [UInt8] {
        let label = g.pick(Self.labels), fileName = g.pick(Self.fileNames)
        var meta = EntryMetadata.encode(
            role: g.pick([.sm, .dw, .ssp]), host: try HostName(g.pick(Self.hosts)), version: UInt32(1 + g.below(5)),
            createdAt: Timestamp(secondsSinceEpoch: g.next() >> 34), size: UInt32(1 + g.below(70_000)),
            fingerprint: (0..<32).map { _ in UInt8(truncatingIfNeeded: g.next()) },
            label: Entry.labelProblem(label) == nil ? label : "", fileName: Entry.fileNameProblem(fileName) == nil ? fileName : "")
        if g.below(4) == 0 {
            var w = TLVWriter()
            w.field(UInt8(0x80 + g.below(0x80)), (0..<g.below(6)).map { _ in UInt8(truncatingIfNeeded: g.next()) })
            meta += w.bytes
        }
        return meta
    }

    /// A mutation a hostile writer might make: a byte changed, a byte off by one (a length, say), bytes cut or added, a
    /// byte near the start (where tags and lengths are) set to a tag value, a bit flipped.
    func mutate(_ record: inout [UInt8], _ g: inout SplitMix64) {
        guard !record.isEmpty else { return }
        switch g.below(6) {
        case 0: record[g.below(record.count)] = UInt8(truncatingIfNeeded: g.next())
        case 1: let i = g.below(record.count); record[i] = record[i] &+ (g.below(2) == 0 ? 1 : 0xFF)
        case 2: record.removeLast(min(record.count, 1 + g.below(30)))
        case 3: record.insert(UInt8(truncatingIfNeeded: g.next()), at: g.below(record.count))
        case 4: record[g.below(min(record.count, 2 + 40))] = g.pick([0x00, 0x01, 0x02, 0x06, 0x07, 0x09, 0x7F, 0x80, 0xFF])
        default: record[g.below(record.count)] ^= UInt8(1 << g.below(8))
        }
    }

    @Test(arguments: [UInt64(1), 2, 3, 4])
    func whatTheFastPathAcceptsTheFullCheckAcceptsAlike(seed: UInt64) throws {
        var g = SplitMix64(state: seed)
        var fastAccepted = 0, fullOnly = 0, bothRefused = 0
        for round in 0..<TestScale.rounds(4_000) {
            let meta = try metadata(&g)
            var record = [UInt8(meta.count >> 8), UInt8(meta.count & 0xFF)] + meta + (0..<24).map { _ in UInt8(truncatingIfNeeded: g.next()) }
            for _ in 0..<(round % 3 == 0 ? 0 : 1 + g.below(3)) { mutate(&record, &g) }
            let fast = record.withUnsafeBufferPointer { RecordLocation.common(in: $0, at: 0) }
            var reader = ByteReader(record[...])
            let full = try? IndexRecord.locate(&reader, index: 0)
            if let fast {
                fastAccepted += 1
                let same =
                    full.map {
                        ($0.start, $0.metaCount, $0.roleCount, $0.hostCount, $0.size) == (fast.start, fast.metaCount, fast.roleCount, fast.hostCount, fast.size)
                    } ?? false
                #expect(same, "seed \(seed), round \(round): the fast path took \(record) as \(fast), the full check as \(String(describing: full))")
            } else if full != nil {
                fullOnly += 1
            } else {
                bothRefused += 1
            }
        }
        // Not vacuous: each path has its share of records.
        #expect(
            fastAccepted > TestScale.rounds(1_000) && fullOnly > TestScale.rounds(100) && bothRefused > TestScale.rounds(1_000), "fast \(fastAccepted), full only \(fullOnly), refused \(bothRefused)")
    }

    /// The eight-bytes-a-step check of labels and file names agrees with the byte-by-byte rule for every byte value at
    /// every position of every length up to 24 (where the 8-byte steps and the tail meet), and on random runs.
    @Test func printableCheckAgreesWithTheByteRule() {
        func slow(_ bytes: [UInt8], _ slash: Bool) -> Bool { bytes.allSatisfy { ($0 &- 0x20) < 0x5F && (slash || $0 != 0x2F) } }
        func fast(_ bytes: [UInt8], _ slash: Bool) -> Bool { bytes.withUnsafeBufferPointer { RecordLocation.isPrintable($0, allowingSlash: slash) } }
        var disagreements = 0
        for length in 0...24 {
            for position in 0..<max(length, 1) {
                for value in 0...255 {
                    var bytes = [UInt8](repeating: 0x41, count: length)
                    if length > 0 { bytes[position] = UInt8(value) }
                    for slash in [true, false] where fast(bytes, slash) != slow(bytes, slash) { disagreements += 1 }
                }
            }
        }
        var g = SplitMix64(state: 0x5EED)
        for _ in 0..<20_000 {
            let bytes = (0..<g.below(40)).map { _ in g.below(8) == 0 ? UInt8(truncatingIfNeeded: g.next()) : UInt8(0x20 + g.below(0x5F)) }
            for slash in [true, false] where fast(bytes, slash) != slow(bytes, slash) { disagreements += 1 }
        }
        #expect(disagreements == 0)
    }

    /// Audit records have the same two readers (AuditLog.isPlainRecord, AuditLog.check): what the one-pass check takes
    /// the full one takes, records of every shape the writer makes and hostile edits of them.
    @Test(arguments: [UInt64(1), 2, 3])
    func whatTheAuditRecordFastPathAcceptsTheFullCheckAccepts(seed: UInt64) throws {
        var g = SplitMix64(state: seed)
        let key = try SecretBytes.random(count: 32)
        let users = ["root", "alice (sudo from bob)", "jöns", String(repeating: "u", count: 64)]
        let outcomes = ["ok", "refused: SM02 is not SM01", "ok: label « install »", String(repeating: "o", count: 512)]
        var fastAccepted = 0, fullOnly = 0, bothRefused = 0
        for round in 0..<TestScale.rounds(4_000) {
            var log = AuditLog()
            let host = g.below(3) == 0 ? nil : try HostName(g.pick(Self.hosts))
            log.append(
                action: g.pick(AuditAction.known), role: g.below(3) == 0 ? nil : g.pick([.sm, .dw, .ssp]), host: host,
                version: g.below(2) == 0 ? nil : UInt32(g.below(9)), outcome: g.pick(outcomes),
                actor: AuditActor(user: g.pick(users), machine: g.pick(Self.hosts)), at: Timestamp(secondsSinceEpoch: g.next() >> 34), key: key)
            var record = log.stored[0].bytes
            let clean = round % 3 == 0
            if !clean { for _ in 0..<(1 + g.below(3)) { mutate(&record, &g) } }
            let fast = AuditLog.isPlainRecord(record[...])
            let full = (try? AuditLog.check(record[...], number: 1, position: 0)) != nil
            if clean { #expect(full, "seed \(seed), round \(round): a record the writer made is refused: \(record)") }
            // What the full check takes decodes (decoding stops the process on a record it cannot read).
            if full { #expect(StoredAuditRecord(checked: record).decoded.mac == Array(record.suffix(32))) }
            if fast {
                fastAccepted += 1
                #expect(full, "seed \(seed), round \(round): the fast path took \(record), the full check refuses it")
            } else if full {
                fullOnly += 1
            } else {
                bothRefused += 1
            }
        }
        #expect(
            fastAccepted > TestScale.rounds(500) && fullOnly > TestScale.rounds(100) && bothRefused > TestScale.rounds(1_000), "fast \(fastAccepted), full only \(fullOnly), refused \(bothRefused)")
    }
}
