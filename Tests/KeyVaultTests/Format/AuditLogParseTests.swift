// The audit log read after a writer's own append: only the new records are checked, and the answer (a log, or the
// error) is the one reading the whole section gives.
import Testing
@testable import KeyVault

@Suite struct AuditLogParseTests {
    let key: SecretBytes
    let actor = AuditActor(user: "tester", machine: "LAB01")

    init() throws { key = try SecretBytes.random(count: 32) }

    /// A log of `count` records, with `dropped` and an anchor when asked.
    func log(_ count: Int, dropped: UInt64 = 0) throws -> AuditLog {
        var log = AuditLog()
        log.dropped = dropped
        if dropped > 0 { log.anchor = [UInt8](repeating: 0xA5, count: 32) }
        for n in 0..<count {
            log.append(
                action: n % 2 == 0 ? .seal : .restore, role: .sm, host: try HostName("SM\(n % 7)"), version: UInt32(n % 3 + 1),
                outcome: "ok", actor: actor, at: Timestamp(secondsSinceEpoch: 1_700_000_000 + UInt64(n)), key: key)
        }
        return log
    }

    func encoded(_ log: AuditLog) -> [UInt8] {
        var w = ByteWriter()
        log.encode(into: &w)
        return w.bytes
    }

    /// The section read whole, and read after `base`: both the log and the error, as text.
    func bothWays(_ bytes: [UInt8], base: AuditLog) -> (whole: String, extending: String, wholeEnd: Int?, extendingEnd: Int?) {
        func run(_ base: AuditLog?) -> (String, Int?) {
            var r = ByteReader(bytes[...])
            do {
                let log = try AuditLog.parse(&r, extending: base)
                return ("\(log)", r.position)
            } catch { return ("error: \(error)", nil) }
        }
        let (whole, wholeEnd) = run(nil), (extending, extendingEnd) = run(base)
        return (whole, extending, wholeEnd, extendingEnd)
    }

    @Test func recordsAppendedAfterAKeptLogReadAsTheWholeSectionDoes() throws {
        let base = try log(40)
        var grown = base
        for n in 0..<5 {
            grown.append(action: .drill, role: .dw, host: try HostName("DW0\(n)"), outcome: "ok: drilled", actor: actor, key: key)
        }
        var r = ByteReader(encoded(grown)[...])
        let read = try AuditLog.parse(&r, extending: base)
        #expect(read == grown)
        #expect(r.isAtEnd)
        // Read by the short way: the kept records were not read again.
        var short = ByteReader(encoded(grown)[...])
        #expect(AuditLog.parseAppended(&short, to: base) == grown)
        #expect(short.isAtEnd)
        let both = bothWays(encoded(grown), base: base)
        #expect(both.whole == both.extending && both.wholeEnd == both.extendingEnd)
        // No record added: the same log.
        var same = ByteReader(encoded(base)[...])
        #expect(try AuditLog.parse(&same, extending: base) == base)
    }

    @Test func aSectionThatDoesNotRepeatTheKeptLogIsReadWhole() throws {
        let base = try log(30, dropped: 4)
        var grown = base
        grown.append(action: .seal, role: .ssp, host: try HostName("PORTAL"), outcome: "ok", actor: actor, key: key)
        let bytes = encoded(grown)
        // Every byte of the section flipped in turn, and cut at every length: the same log or the same error as a
        // whole read, never the kept records standing in for changed ones.
        var cases: [[UInt8]] = []
        for i in stride(from: 0, to: bytes.count, by: 3) {
            var changed = bytes
            changed[i] ^= 0x41
            cases.append(changed)
        }
        for cut in stride(from: 0, to: bytes.count, by: 17) { cases.append(Array(bytes[..<cut])) }
        var differed = 0
        for (n, bytes) in cases.enumerated() {
            let both = bothWays(bytes, base: base)
            #expect(both.whole == both.extending, "case \(n)")
            #expect(both.wholeEnd == both.extendingEnd, "case \(n)")
            if both.whole != "\(grown)" { differed += 1 }
            // The short way declines whatever it does not read as the whole read would.
            var r = ByteReader(bytes[...])
            if let log = AuditLog.parseAppended(&r, to: base) { #expect("\(log)" == both.whole, "case \(n)") }
        }
        #expect(differed > cases.count / 2)
        // Another dropped count or anchor: read whole.
        var other = try log(30, dropped: 5)
        other.append(action: .seal, outcome: "ok", actor: actor, key: key)
        let moved = bothWays(encoded(other), base: base)
        #expect(moved.whole == moved.extending && moved.whole == "\(other)")
    }

    @Test func aDamagedNewRecordGivesTheWholeReadsError() throws {
        let base = try log(10)
        var grown = base
        grown.append(action: .seal, outcome: "ok", actor: actor, key: key)
        var bytes = encoded(grown)
        // The new record's first field tag (time, 01) made 02: its tags no longer start with a time.
        let start = bytes.count - grown.stored.last!.bytes.count
        #expect(bytes[start] == 1)
        bytes[start] = 0x0A
        let both = bothWays(bytes, base: base)
        #expect(both.whole.hasPrefix("error: "), "\(both.whole)")
        #expect(both.whole == both.extending)
    }
}
