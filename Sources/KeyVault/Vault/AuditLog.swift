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

/// One record of the log as stored: its fields, then the mac field (`09 00 20 ‖ mac`), the item's bytes exactly.
///
/// Every open reads the whole log (up to 65,536 records) and checks each record, but decodes none: a record becomes
/// an ``AuditRecord`` (strings, a host name) only when something asks for it (``AuditLog/records``).
struct StoredAuditRecord: Sendable, Hashable {
    /// `fields ‖ 09 00 20 ‖ mac[32]`.
    let bytes: [UInt8]

    /// A record already checked (``AuditLog/parse(_:)``) or just made (``AuditLog/append(action:role:host:version:outcome:actor:at:key:)``).
    init(checked bytes: [UInt8]) {
        precondition(bytes.count >= 35 && bytes[bytes.count - 35] == 9, "an audit record ends with its mac field")
        self.bytes = bytes
    }

    init(fields: [UInt8], mac: [UInt8]) {
        self.init(checked: fields + [9, 0, 32] + mac)
    }

    /// The record's fields before the mac (what the mac covers).
    var fields: ArraySlice<UInt8> { bytes[..<(bytes.count - 35)] }
    /// `H_k(previous mac ‖ fields)`.
    var mac: ArraySlice<UInt8> { bytes[(bytes.count - 32)...] }

    /// The record decoded. It was checked when it was read or made, so this cannot fail.
    var decoded: AuditRecord {
        do {
            let f = try ItemFields(bytes[...], known: AuditLog.fieldTags, what: "audit log record", position: 0)
            return AuditRecord(
                time: Timestamp(secondsSinceEpoch: try f.uint(1, "time", bytes: 8, required: true)!),
                action: AuditAction(rawValue: try f.text(2, "action", max: 32, required: true)!)!, role: try f.role(3, required: false),
                host: try f.host(4, "host", required: false), version: try f.uint(5, "version", bytes: 4, required: false).map { UInt32($0) },
                user: try f.text(6, "user", max: 64, required: true)!, machine: try f.text(7, "machine", max: 255, required: true)!,
                outcome: try f.text(8, "outcome", max: 512, required: true)!, mac: Array(mac), fields: Array(fields))
        } catch {
            preconditionFailure("an audit record that was checked does not decode: \(error)")
        }
    }
}

/// The log section: records dropped from its start (when it reached its cap), the mac they ended on, the records.
struct AuditLog: Sendable, Hashable {
    static let fieldTags: ClosedRange<UInt8> = 1...9
    var dropped: UInt64 = 0
    var anchor: [UInt8] = [UInt8](repeating: 0, count: 32)
    /// The records as stored, oldest first.
    var stored: [StoredAuditRecord] = []

    /// The records decoded, oldest first (each decoded on every call: for reports, not for counting).
    var records: [AuditRecord] { stored.map(\.decoded) }

    /// The mac the next record chains to.
    var lastMAC: [UInt8] { stored.last.map { Array($0.mac) } ?? anchor }

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
        stored.append(StoredAuditRecord(fields: f.bytes, mac: AuditLog.mac(previous: lastMAC, fields: f.bytes[...], key: key)))
        if stored.count > FormatV1.maxLogRecords {
            let cut = stored.count - FormatV1.maxLogRecords
            anchor = Array(stored[cut - 1].mac)
            dropped += UInt64(cut)
            stored.removeFirst(cut)
        }
    }

    /// `mac_i = H_k(mac_{i-1} ‖ len(fields_i) u16 ‖ fields_i)`.
    static func mac(previous: [UInt8], fields: ArraySlice<UInt8>, key: SecretBytes) -> [UInt8] {
        var w = ByteWriter(capacity: 34 + fields.count)
        w.append(previous)
        w.u16(UInt16(fields.count))
        w.append(fields)
        return Hashing.blake2b(w.bytes, key: key)
    }

    /// The first record (0-based) whose mac does not follow from the one before, or nil when the chain holds.
    func firstBrokenLink(key: SecretBytes) -> Int? {
        var previous = anchor
        for (i, record) in stored.enumerated() {
            let mac = AuditLog.mac(previous: previous, fields: record.fields, key: key)
            guard constantTimeEqual(mac, Array(record.mac)) else { return i }
            previous = mac
        }
        return nil
    }

    /// The same records chained again under another key (after a re-key).
    func rechained(key: SecretBytes) -> AuditLog {
        // The anchor is only where the chain starts; records dropped before it are gone either way.
        var out = AuditLog(dropped: dropped, anchor: anchor, stored: [])
        for r in stored {
            out.stored.append(StoredAuditRecord(fields: Array(r.fields), mac: AuditLog.mac(previous: out.lastMAC, fields: r.fields, key: key)))
        }
        return out
    }
}
