// One libpq connection: statements with parameters, results read in binary, errors in keyvault's words.
internal import CKeyVaultLibpqLoader

/// A value passed to a statement: text (the server infers its type) or bytes (`bytea`).
enum SQLValue {
    case text(String)
    case bytes([UInt8])
}

/// A statement's result rows, each column's bytes in binary format (nil for SQL NULL).
struct SQLRows {
    var rows: [[[UInt8]?]]

    /// Column `column` of row `row` as a big-endian `bigint`.
    func int64(_ row: Int, _ column: Int) throws -> Int64 {
        guard let bytes = rows[row][column], bytes.count == 8 else { throw KeyVaultError(.internalError, "the database returned a malformed number") }
        return bytes.reduce(0) { $0 << 8 | Int64($1) }
    }

    /// Column `column` of row `row` as a big-endian `bigint`, nil when it is null.
    func optionalInt64(_ row: Int, _ column: Int) throws -> Int64? {
        rows[row][column] == nil ? nil : try int64(row, column)
    }
}

/// A connection to a PostgreSQL server, closed on release.
final class PostgresConnection {
    private let connection: OpaquePointer
    /// The server and database, for messages (the URI as given).
    let described: String

    private init(connection: OpaquePointer, described: String) {
        self.connection = connection
        self.described = described
    }

    deinit { kv_PQfinish(connection) }

    /// Whether the connection to the server is gone (a statement failed because it was lost, or the server closed it).
    var isLost: Bool { kv_PQstatus(connection) != CONNECTION_OK }

    /// Why libpq could not be loaded, or nil once it is; tried once per process.
    private static let loadFailure: String? = {
        var buffer = [CChar](repeating: 0, count: 512)
        guard kv_pq_load(&buffer, buffer.count) == 0 else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()

    /// Connects with libpq, which reads its usual environment and files (PGPASSFILE, PGSSLMODE, service files).
    static func connect(_ uri: String) throws -> PostgresConnection {
        if let why = loadFailure {
            throw KeyVaultError(.io, "a vault in a database needs PostgreSQL's client library libpq.so.5 (Debian package libpq5), which could not be loaded: \(why)")
        }
        guard let connection = kv_PQconnectdb(uri) else { throw KeyVaultError(.io, "cannot connect to \(uri): out of memory") }
        let opened = PostgresConnection(connection: connection, described: uri)
        guard kv_PQstatus(connection) == CONNECTION_OK else {
            throw KeyVaultError(.io, "cannot connect to \(uri): \(firstLine(kv_PQerrorMessage(connection)))")
        }
        return opened
    }

    /// The first line of a libpq message, without its "FATAL:" or "ERROR:" prefix.
    private static func firstLine(_ text: UnsafeMutablePointer<CChar>?) -> String {
        guard let text else { return "unknown error" }
        var line = String(cString: text).split(separator: "\n").first.map(String.init) ?? "unknown error"
        for prefix in ["FATAL:  ", "ERROR:  "] where line.hasPrefix(prefix) { line.removeFirst(prefix.count) }
        line = printable(line)
        return line.trimmingTrailingSpaces()
    }

    /// `text` without control characters (C0, DEL, C1): a server's words never move the operator's cursor or fake a line.
    static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.value >= 0x20 && !(0x7F...0x9F).contains($0.value) }))
    }

    /// A server error: its SQLSTATE and first line.
    struct ServerError: Error {
        let sqlState: String
        let message: String
    }

    /// Runs `sql` with `parameters` ($1, $2, …); rows in binary format. Throws ``ServerError`` for an error the server
    /// reported, a ``KeyVaultError`` when the connection failed.
    func execute(_ sql: String, _ parameters: [SQLValue] = []) throws -> SQLRows {
        var storage: [[CChar]] = []
        var lengths: [Int32] = [], formats: [Int32] = []
        for parameter in parameters {
            switch parameter {
            case .text(let text):
                storage.append(Array(text.utf8CString))
                lengths.append(0)
                formats.append(0)
            case .bytes(let bytes):
                storage.append(bytes.map { CChar(bitPattern: $0) })
                lengths.append(Int32(bytes.count))
                formats.append(1)
            }
        }
        let result: OpaquePointer? = withPointers(storage) { values in
            kv_PQexecParams(connection, sql, Int32(parameters.count), nil, values, lengths, formats, 1)
        }
        guard let result else { throw KeyVaultError(.io, "lost the connection to \(described): \(Self.firstLine(kv_PQerrorMessage(connection)))") }
        defer { kv_PQclear(result) }
        let status = kv_PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let state = kv_PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? ""
            if state.isEmpty || state.hasPrefix("08") {
                throw KeyVaultError(.io, "lost the connection to \(described): \(Self.firstLine(kv_PQerrorMessage(connection)))")
            }
            let message = kv_PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { Self.printable(String(cString: $0)) } ?? "unknown error"
            throw ServerError(sqlState: state, message: message)
        }
        var rows: [[[UInt8]?]] = []
        let count = kv_PQntuples(result), columns = kv_PQnfields(result)
        rows.reserveCapacity(Int(count))
        for row in 0..<count {
            rows.append(
                (0..<columns).map { column -> [UInt8]? in
                    if kv_PQgetisnull(result, row, column) == 1 { return nil }
                    let length = Int(kv_PQgetlength(result, row, column))
                    guard let value = kv_PQgetvalue(result, row, column) else { return [] }
                    return [UInt8](UnsafeRawBufferPointer(start: value, count: length))
                })
        }
        return SQLRows(rows: rows)
    }

    /// Runs `body` with C pointers to each of `storage`'s arrays.
    private func withPointers<R>(_ storage: [[CChar]], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        var pointers: [UnsafePointer<CChar>?] = []
        func next(_ index: Int) -> R {
            guard index < storage.count else { return body(pointers) }
            return storage[index].withUnsafeBufferPointer { buffer in
                pointers.append(buffer.baseAddress ?? UnsafePointer(bitPattern: 1))
                return next(index + 1)
            }
        }
        return next(0)
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return String(s)
    }
}
