// A vault named in a PostgreSQL database: `postgresql://[user@]host[:port]/dbname#NAME`.

/// Where a vault lives when it is kept in a PostgreSQL database rather than in a file.
///
/// Written `postgresql://[user@]host[:port]/dbname#NAME` (or `postgres://…`): everything before `#` is a libpq
/// connection URI, so libpq's environment and files apply as usual (`PGPASSFILE`, `PGSSLMODE`, `PGSERVICE`, service
/// files, `~/.pgpass`); `NAME` names one vault among the several one database can hold. A password is refused in the
/// URI, where every user of the machine could read it in the process list: it belongs in `~/.pgpass`.
public struct DatabaseLocation: Sendable, Hashable, CustomStringConvertible {
    /// The libpq connection URI (the text before `#`).
    public let connectionURI: String
    /// The vault's name in that database.
    public let name: String

    /// The location as written.
    public var description: String { "\(connectionURI)#\(name)" }

    /// Whether `text` names a database location rather than a file (it starts `postgresql://` or `postgres://`).
    ///
    /// - Parameter text: a vault argument.
    /// - Returns: true for a database location, well-formed or not.
    public static func isDatabaseLocation(_ text: String) -> Bool {
        text.hasPrefix("postgresql://") || text.hasPrefix("postgres://")
    }

    /// Parses a location.
    ///
    /// - Parameter text: `postgresql://[user@]host[:port]/dbname#NAME` or `postgres://…`.
    /// - Throws: ``KeyVaultError/Code-swift.struct/invalidArgument`` when it is not one, has no vault name, a name
    ///   with other characters than letters, digits, `.`, `_` and `-` (at most 128, starting with a letter or digit),
    ///   or a password.
    public init(parsing text: String) throws {
        guard DatabaseLocation.isDatabaseLocation(text) else {
            throw KeyVaultError.invalidArgument("'\(text)' is not a database location: it must start with postgresql:// or postgres://")
        }
        guard let hash = text.lastIndex(of: "#") else {
            throw KeyVaultError.invalidArgument("database location has no vault name: end it with #NAME (postgresql://host/dbname#NAME)")
        }
        let uri = String(text[..<hash]), name = String(text[text.index(after: hash)...])
        guard !name.isEmpty else {
            throw KeyVaultError.invalidArgument("database location has an empty vault name after '#': end it with #NAME (postgresql://host/dbname#NAME)")
        }
        let allowed = name.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D }
        let first = name.utf8.first!
        guard allowed, name.utf8.count <= 128, first != 0x2E, first != 0x5F, first != 0x2D else {
            throw KeyVaultError.invalidArgument(
                "vault name '\(name)' is not allowed: use 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit")
        }
        // Printed in messages and JSON as given: nothing that would need escaping there.
        guard uri.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && $0 != "\"" && $0 != "\\" }) else {
            throw KeyVaultError.invalidArgument(
                "database location may hold only printable ASCII without spaces, '\"' or '\\' (percent-encode anything else, as URIs do)")
        }
        let scheme = uri.hasPrefix("postgresql://") ? "postgresql://".count : "postgres://".count
        let rest = uri.dropFirst(scheme)
        // User information ends where libpq ends it: at the first '@' before any '/' ('?' does not end it, so
        // `alice:p?ss@host` holds a password).
        if let end = rest.firstIndex(where: { $0 == "@" || $0 == "/" }), rest[end] == "@", rest[..<end].contains(":") {
            throw KeyVaultError.invalidArgument(
                "database location has a password in it, which every user of this machine can read in the process list: put it in ~/.pgpass (or the file PGPASSFILE names) instead")
        }
        // libpq percent-decodes parameter names too: `?%70assword=` is a password as well.
        if let query = rest.firstIndex(of: "?"),
            rest[rest.index(after: query)...].split(separator: "&").contains(where: {
                let key = String(decoding: PercentEncoding.decodedLeniently($0.prefix { $0 != "=" }), as: UTF8.self).lowercased()
                return key == "password" || key == "sslpassword" || key == "oauth_client_secret"
            })
        {
            throw KeyVaultError.invalidArgument(
                "database location has a password in it, which every user of this machine can read in the process list: put it in ~/.pgpass (or the file PGPASSFILE names) instead")
        }
        connectionURI = uri
        self.name = name
    }
}
