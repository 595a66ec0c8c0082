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
        write(STDERR_FILENO, text + "\n")
    }

    /// `prefix`, then secret bytes, then a newline, to standard output; the secret never passes through a String.
    static func secretLine(_ prefix: String, _ secret: SecretBytes) {
        write(STDOUT_FILENO, prefix)
        secret.withUnsafeBytes { b in
            var done = 0
            while done < b.count {
                let n = Glibc.write(STDOUT_FILENO, b.baseAddress! + done, b.count - done)
                if n <= 0 { if n < 0 && errno == EINTR { continue }; break }
                done += n
            }
        }
        write(STDOUT_FILENO, "\n")
    }

    static func error(_ text: String) {
        write(STDERR_FILENO, "keyvault: error: \(text)\n")
    }

    private static func write(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + done, $0.count - done) }
            if n <= 0 { if n < 0 && errno == EINTR { continue }; return }
            done += n
        }
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
    var json: JSON {
        .object([
            ("role", .string(role.rawValue)), ("host", .string(host.value)), ("version", .int(Int(version))),
            ("created", .string(createdAt.iso8601)), ("label", .string(label)), ("fileName", .string(originalFileName)),
            ("size", .int(Int(size))), ("fingerprint", .string(fingerprint.hex)),
        ])
    }
}
