// The audit trail kept inside the vault: who did what, when, and whether it worked; each record chained to the last.

/// One record of the vault's audit log.
public struct AuditRecord: Sendable, Hashable {
    /// When (UTC).
    public let time: Timestamp
    /// What was done.
    public let action: AuditAction
    /// The role concerned, if one.
    public let role: Role?
    /// The computer concerned, if one.
    public let host: HostName?
    /// The entry version concerned, if one.
    public let version: UInt32?
    /// The operating-system user who ran keyvault (as the OS reports it; not proof of identity).
    public let user: String
    /// The computer keyvault ran on (its host name).
    public let machine: String
    /// How it ended: `ok`, or what went wrong.
    public let outcome: String
    /// `H_k(previous mac ‖ fields)`: chains this record to the one before.
    public let mac: [UInt8]
    /// The record's fields before the mac, exactly as stored (what the mac covers).
    let fields: [UInt8]
}

/// Who is acting: the OS user and machine recorded in the log.
public struct AuditActor: Sendable, Hashable {
    /// The user name.
    public let user: String
    /// The machine's host name.
    public let machine: String

    /// Reads both from the operating system (`getpwuid(geteuid())`, `SUDO_USER`, `gethostname`).
    public static func current() -> AuditActor {
        var user = Syscalls.effectiveUserName ?? "uid \(Syscalls.effectiveUserID)"
        if let sudo = Syscalls.environment("SUDO_USER"), !sudo.isEmpty, sudo != user { user += " (sudo from \(sudo))" }
        let machine = (try? Syscalls.hostName()) ?? "unknown"
        return AuditActor(user: clean(user, 64), machine: clean(machine, 255))
    }

    /// A record-safe form: control characters replaced, cut to `max` bytes, never empty.
    static func clean(_ text: String, _ max: Int) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            let piece = scalar.properties.generalCategory == .control || FreeText.isInvisible(scalar) ? "?" : String(scalar)
            if out.utf8.count + piece.utf8.count > max { break }
            out += piece
        }
        return out.isEmpty ? "?" : out
    }

    /// For tests.
    init(user: String, machine: String) {
        self.user = user
        self.machine = machine
    }
}

/// The log section: records dropped from its start (when it reached its cap), the mac they ended on, the records.
struct AuditLog: Sendable, Hashable {
    static let fieldTags: ClosedRange<UInt8> = 1...9
    var dropped: UInt64 = 0
    var anchor: [UInt8] = [UInt8](repeating: 0, count: 32)
    var records: [AuditRecord] = []

    /// The mac the next record chains to.
    var lastMAC: [UInt8] { records.last?.mac ?? anchor }

    /// Appends a record chained with `key` (Subkey(5)), dropping the oldest beyond the cap.
    mutating func append(
        action: AuditAction, role: Role? = nil, host: HostName? = nil, version: UInt32? = nil,
        outcome: String, actor: AuditActor, at time: Timestamp = .now(), key: SecretBytes
    ) {
        var f = TLVWriter()
        f.uint(1, time.secondsSinceEpoch, bytes: 8)
        f.text(2, action.rawValue)
        f.text(3, role?.rawValue)
        f.text(4, host?.value)
        f.uint(5, version.map(UInt64.init), bytes: 4)
        f.text(6, AuditActor.clean(actor.user, 64))
        f.text(7, AuditActor.clean(actor.machine, 255))
        f.text(8, AuditActor.clean(outcome, 512))
        let mac = AuditLog.mac(previous: lastMAC, fields: f.bytes, key: key)
        records.append(
            AuditRecord(
                time: time, action: action, role: role, host: host, version: version,
                user: AuditActor.clean(actor.user, 64), machine: AuditActor.clean(actor.machine, 255),
                outcome: AuditActor.clean(outcome, 512), mac: mac, fields: f.bytes))
        if records.count > FormatV1.maxLogRecords {
            let cut = records.count - FormatV1.maxLogRecords
            anchor = records[cut - 1].mac
            dropped += UInt64(cut)
            records.removeFirst(cut)
        }
    }

    /// `mac_i = H_k(mac_{i-1} ‖ len(fields_i) u16 ‖ fields_i)`.
    static func mac(previous: [UInt8], fields: [UInt8], key: SecretBytes) -> [UInt8] {
        var w = ByteWriter(capacity: 34 + fields.count)
        w.append(previous)
        w.u16(UInt16(fields.count))
        w.append(fields)
        return Hashing.blake2b(w.bytes, key: key)
    }

    /// The first record (0-based) whose mac does not follow from the one before, or nil when the chain holds.
    func firstBrokenLink(key: SecretBytes) -> Int? {
        var previous = anchor
        for (i, record) in records.enumerated() {
            guard constantTimeEqual(AuditLog.mac(previous: previous, fields: record.fields, key: key), record.mac) else { return i }
            previous = record.mac
        }
        return nil
    }

    /// The same records chained again under another key (after a re-key).
    func rechained(key: SecretBytes) -> AuditLog {
        // The anchor is only where the chain starts; records dropped before it are gone either way.
        var out = AuditLog(dropped: dropped, anchor: anchor, records: [])
        for r in records {
            let mac = AuditLog.mac(previous: out.lastMAC, fields: r.fields, key: key)
            out.records.append(
                AuditRecord(
                    time: r.time, action: r.action, role: r.role, host: r.host, version: r.version,
                    user: r.user, machine: r.machine, outcome: r.outcome, mac: mac, fields: r.fields))
        }
        return out
    }
}
