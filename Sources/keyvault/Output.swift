// Printing: results to standard output, errors and notes as one line on standard error, and JSON by hand.
import KeyVault
#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

enum Output {
    static func line(_ text: String) {
        write(STDOUT_FILENO, text + "\n")
    }

    /// A note for the operator (not data): standard error.
    static func note(_ text: String) {
        ProgressLine.shared.clear()
        write(STDERR_FILENO, text + "\n")
    }

    /// `prefix`, then secret bytes, then a newline, to standard output; the secret never passes through a String (nor
    /// through held output: what was held is written first, in order).
    static func secretLine(_ prefix: String, _ secret: SecretBytes) {
        let holding = held != nil
        releaseHeld(printing: true)
        defer { if holding { held = [] } }
        write(STDOUT_FILENO, prefix)
        secret.withUnsafeBytes { write(STDOUT_FILENO, $0) }
        write(STDOUT_FILENO, "\n")
    }

    static func error(_ text: String) {
        ProgressLine.shared.clear()
        write(STDERR_FILENO, "keyvault: error: \(text)\n")
    }

    /// `count` lines to standard output, written 64 KiB at a time rather than one system call each: for a line per entry.
    static func lines(count: Int, _ line: (Int) -> String) {
        var out: [UInt8] = []
        out.reserveCapacity(1 << 17)
        for i in 0..<count {
            out.append(contentsOf: line(i).utf8)
            out.append(0x0A)
            if out.count >= 1 << 16 { out.withUnsafeBytes { write(STDOUT_FILENO, $0) }; out.removeAll(keepingCapacity: true) }
        }
        if !out.isEmpty { out.withUnsafeBytes { write(STDOUT_FILENO, $0) } }
    }

    /// Text to standard output as it is, for output written in pieces.
    static func text(_ text: String) {
        write(STDOUT_FILENO, text)
    }

    /// Prints a table like ``table(_:_:)`` (and a final newline) without holding all its text: the widths are found
    /// in a first pass over the rows, which are then rendered and written a few hundred at a time.
    static func printTable(_ header: [String], count: Int, row: (Int) -> [String]) {
        // Characters, as `table` counts them; for ASCII without CR (CR LF is one character) that is the byte count.
        func width(_ s: String) -> Int { s.utf8.allSatisfy { $0 < 0x80 && $0 != 0x0D } ? s.utf8.count : s.count }
        var widths = header.map(width)
        for i in 0..<count { for (c, cell) in row(i).enumerated() { widths[c] = max(widths[c], width(cell)) } }
        var out: [UInt8] = []
        out.reserveCapacity(1 << 17)
        func render(_ cells: [String]) {
            for (i, cell) in cells.enumerated() {
                if i > 0 { out.append(0x20); out.append(0x20) }
                out.append(contentsOf: cell.utf8)
                if i < cells.count - 1 { out.append(contentsOf: repeatElement(0x20, count: max(0, widths[i] - width(cell)))) }
            }
        }
        render(header)
        for i in 0..<count {
            out.append(0x0A)
            render(row(i))
            if out.count >= 1 << 16 { out.withUnsafeBytes { write(STDOUT_FILENO, $0) }; out.removeAll(keepingCapacity: true) }
        }
        out.append(0x0A)
        out.withUnsafeBytes { write(STDOUT_FILENO, $0) }
    }

    private static func write(_ fd: Int32, _ text: String) {
        Array(displayed(text).utf8).withUnsafeBytes { write(fd, $0) }
    }

    /// The copy of a database vault a command works on, and the location the operator named: every line
    /// printed names the location, never the copy (which is gone when the command ends).
    nonisolated(unsafe) static var workingCopy: (path: String, location: String)?

    /// `text` with the working copy's path replaced by the vault's location.
    static func displayed(_ text: String) -> String {
        guard let (path, location) = workingCopy else { return text }
        let needle = Array(path.utf8), haystack = Array(text.utf8)
        guard haystack.count >= needle.count else { return text }
        var out: [UInt8] = []
        var i = 0
        var changed = false
        while i < haystack.count {
            if i + needle.count <= haystack.count, haystack[i] == needle[0], haystack[i..<(i + needle.count)].elementsEqual(needle) {
                out += location.utf8
                i += needle.count
                changed = true
            } else {
                out.append(haystack[i])
                i += 1
            }
        }
        return changed ? String(decoding: out, as: UTF8.self) : text
    }

    /// While a command runs on a vault in a database: its standard output, held until the database has stored what
    /// the command changed, so that nothing says "sealed" of a change the database then refuses (``releaseHeld(printing:)``).
    /// Nil otherwise.
    nonisolated(unsafe) private static var held: [UInt8]?

    /// Holds standard output from now on (see ``held``).
    static func holdStandardOutput() { held = held ?? [] }

    /// Writes what was held (`printing`), or drops it (a change the database did not store), and holds no more.
    static func releaseHeld(printing: Bool) {
        guard let bytes = held else { return }
        held = nil
        if printing, !bytes.isEmpty { bytes.withUnsafeBytes { write(STDOUT_FILENO, $0) } }
    }

    /// Writes all of `bytes`; a failure (a closed pipe) is ignored: there is nowhere left to say it.
    private static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) {
        if fd == STDOUT_FILENO, held != nil {
            held!.append(contentsOf: bytes)
            return
        }
        do { try Syscalls.writeFully(fd, bytes) } catch {
            if fd == STDOUT_FILENO && standardOutputFailure == nil { standardOutputFailure = error.code }
        }
    }

    /// The error of the first write to standard output that failed (a full disk, a closed pipe while SIGPIPE is
    /// ignored), or nil: the run then ends with exit 1 and says so, since what it printed — a checkpoint line to keep,
    /// a listing, an export password — is incomplete (``failIfOutputWasLost()``).
    nonisolated(unsafe) static var standardOutputFailure: Int32?

    /// After a run that otherwise succeeded: when a write to standard output failed, says so on standard error and
    /// exits 1 (an I/O failure); the command's own work (a seal, a restore's key file) was done.
    static func failIfOutputWasLost() {
        guard let code = standardOutputFailure else { return }
        error("cannot write to standard output (\(SystemError.describe(code))): what was printed is incomplete; the command itself ran to its end")
        exit(ExitCodes.code(for: .other))
    }

    /// A left-aligned text table with a header row.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func render(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in i == cells.count - 1 ? c : c.padding(to: widths[i]) }.joined(separator: "  ")
        }
        return ([render(header)] + rows.map(render)).joined(separator: "\n")
    }
}

extension String {
    func padding(to width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}

/// A minimal JSON writer: objects keep insertion order, strings are escaped per RFC 8259.
indirect enum JSON {
    case string(String), int(Int), bool(Bool), null, array([JSON]), object([(String, JSON)])

    /// An object's fields (none for other values), to extend it.
    var objectFields: [(String, JSON)] {
        if case .object(let fields) = self { return fields }
        return []
    }

    var text: String {
        switch self {
        case .string(let s): return JSON.quote(s)
        case .int(let i): return String(i)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array(let items): return "[" + items.map(\.text).joined(separator: ",") + "]"
        case .object(let fields): return "{" + fields.map { JSON.quote($0.0) + ":" + $0.1.text }.joined(separator: ",") + "}"
        }
    }

    static func quote(_ s: String) -> String {
        // Nothing to escape (the usual case; `list --json` quotes every field of every entry): quotes around it.
        if s.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x7F && $0 != 0x22 && $0 != 0x5C }) { return "\"" + s + "\"" }
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

extension Entry {
    /// The fields of ``json``, for callers that add their own.
    var jsonFields: [(String, JSON)] {
        [
            ("role", .string(role.rawValue)), ("host", .string(host.value)), ("version", .int(Int(version))),
            ("created", .string(createdAt.iso8601)), ("label", .string(label)),
            ("fileName", originalFileName.isEmpty ? .null : .string(originalFileName)),
            ("size", .int(Int(size))), ("fingerprint", .string(fingerprint.hex)),
        ]
    }

    var json: JSON { .object(jsonFields) }
}
