// The management-server role a key belongs to.

/// The Service Manager role whose encryption key an entry holds.
///
/// Roles are distinct and never interchangeable: an SM key never serves a DW server, nor the reverse. The type is
/// open so that later roles (the Self-Service Portal, say) need no format change: a role is stored as its short
/// lowercase name.
public struct Role: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The short lowercase name stored in the vault, e.g. `"sm"`.
    public let rawValue: String

    /// The Service Manager management server.
    public static let sm = Role(unchecked: "sm")
    /// The data warehouse management server.
    public static let dw = Role(unchecked: "dw")
    /// The Self-Service Portal, which has its own key. Never interchangeable with sm or dw.
    public static let ssp = Role(unchecked: "ssp")
    /// A SQL Server computer holding the management group's databases: an inventory role only (it has no key here).
    public static let sql = Role(unchecked: "sql")

    /// The roles this version knows how to seal and restore.
    public static let known: [Role] = [.sm, .dw, .ssp]

    /// The roles a host of the inventory may have.
    public static let inventoryRoles: [Role] = [.sm, .dw, .ssp, .sql]

    private init(unchecked rawValue: String) { self.rawValue = rawValue }

    /// Parses a role as typed by a person (`sm`, `DW`); only ``known`` roles are accepted.
    ///
    /// - Parameter text: the role name, case-insensitive.
    /// - Throws: ``KeyVaultError/Code-swift.struct/invalidArgument`` naming the accepted roles.
    public init(parsing text: String) throws {
        let lower = text.lowercased()
        guard let role = Role.known.first(where: { $0.rawValue == lower }) else {
            throw KeyVaultError.invalidArgument(
                "unknown role '\(text.printable)': use one of \(Role.known.map(\.rawValue).joined(separator: ", ")) (sm = Service Manager management server, dw = data warehouse management server, ssp = Self-Service Portal)"
            )
        }
        self = role
    }

    /// Reads a role from a vault: 1–16 bytes of `a–z 0–9`; roles this version does not know are kept as they are.
    init?(stored bytes: ArraySlice<UInt8>) {
        guard Role.isStoredForm(bytes) else { return nil }
        self.rawValue = String(decoding: bytes, as: UTF8.self)
    }

    /// A role from bytes already checked with ``isStoredForm(_:)``.
    init(checked bytes: ArraySlice<UInt8>) { self.rawValue = String(decoding: bytes, as: UTF8.self) }

    /// Whether `bytes` can be a stored role: 1–16 bytes of `a–z 0–9`.
    static func isStoredForm(_ bytes: ArraySlice<UInt8>) -> Bool {
        (1...16).contains(bytes.count) && bytes.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) }
    }

    /// A short description for people, e.g. "Service Manager management server".
    public var title: String {
        switch rawValue {
        case "sm": return "Service Manager management server"
        case "dw": return "data warehouse management server"
        case "ssp": return "Self-Service Portal"
        case "sql": return "SQL Server (databases)"
        default: return "\(rawValue) role"
        }
    }

    public var description: String { rawValue }
    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rawValue < rhs.rawValue }
}
