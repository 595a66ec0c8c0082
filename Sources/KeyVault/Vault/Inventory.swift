// The management group's inventory: which computer does what, and where each database lives.

/// Where an SM management server stands: the primary (runs the workflows) or an additional one.
public enum SMPosition: String, Sendable, Hashable {
    /// The primary management server (the active workflow server).
    case primary
    /// An additional management server.
    case additional
    /// Was the primary; an additional server was promoted in its place. Its keys stay in the vault, for history.
    case formerPrimary = "former-primary"

    /// For sentences: "primary", "additional", "former primary".
    public var words: String { self == .formerPrimary ? "former primary" : rawValue }

    var stored: UInt8 {
        switch self {
        case .primary: return 1;
        case .additional: return 2;
        case .formerPrimary: return 3
        }
    }

    init?(stored: UInt8) {
        switch stored {
        case 1: self = .primary;
        case 2: self = .additional;
        case 3: self = .formerPrimary;
        default: return nil
        }
    }
}

/// The operating system a computer of the management group runs, as far as keyvault needs to know.
///
/// Service Manager's management servers and portals run on Windows Server, so ``windows`` is the default for a
/// host with the `sm`, `dw` or `ssp` role; ``other`` records one that does not (a lab box, a Linux SQL Server).
public enum HostOS: String, Sendable, Hashable, CaseIterable {
    /// Windows: keys go over SSH to it (`keyvault restore --to ssh://...`).
    case windows
    /// Not Windows: keys are restored on it, by keyvault running there.
    case other

    var stored: UInt8 { self == .windows ? 1 : 2 }

    init?(stored: UInt8) {
        switch stored {
        case 1: self = .windows;
        case 2: self = .other;
        default: return nil
        }
    }
}

/// One computer of the management group.
public struct InventoryHost: Sendable, Hashable {
    /// The computer name (short, as a rule).
    public var name: HostName
    /// Its fully qualified name, when known (the promotion procedure needs it).
    public var fqdn: HostName?
    /// What it runs: `sm`, `dw`, `ssp`, `sql`.
    public var roles: [Role]
    /// For SM management servers: primary, additional or former primary.
    public var smPosition: SMPosition?
    /// The Service Manager product version installed, e.g. `10.22.1068.0`.
    public var productVersion: String?
    /// When the product version was recorded: key backups sealed before it may predate an upgrade.
    public var productVersionRecordedAt: Timestamp?
    /// When the SM position last changed (a promotion).
    public var positionChangedAt: Timestamp?
    /// The operating system as recorded; nil when not recorded (then ``operatingSystem`` is the default).
    public var os: HostOS?

    /// A host record.
    ///
    /// - Parameters:
    ///   - name: the computer name.
    ///   - fqdn: its fully qualified name, if known.
    ///   - roles: what it runs.
    ///   - smPosition: for SM servers, primary or additional.
    ///   - productVersion: the installed product version.
    public init(name: HostName, fqdn: HostName? = nil, roles: [Role], smPosition: SMPosition? = nil, productVersion: String? = nil) {
        self.name = name
        self.fqdn = fqdn
        self.roles = roles
        self.smPosition = smPosition
        self.productVersion = productVersion
    }

    /// The operating system that applies: the recorded one, else the default for the roles (``defaultOS``).
    public var operatingSystem: HostOS? { os ?? defaultOS }

    /// Windows for a host with a keyed role (`sm`, `dw`, `ssp`), else nil (unknown).
    public var defaultOS: HostOS? { roles.contains(where: Role.known.contains) ? .windows : nil }

    /// The OS as stored: nil when it is the default, so records that do not use the field keep their old bytes.
    var storedOS: HostOS? { os == defaultOS ? nil : os }

    /// The FQDN when known, else the name.
    public var bestName: HostName { fqdn ?? name }

    /// The computer's fully qualified name as the record gives it: its FQDN, else its name when that is fully
    /// qualified; nil when the record does not say which domain the computer is in.
    package var fullyQualifiedName: HostName? { fqdn ?? (name.isFullyQualified ? name : nil) }

    /// Whether `other` names this computer (by its name or its FQDN). When the record has an FQDN, a fully qualified
    /// `other` must be that FQDN: the same short name in another domain (`sm01.other.example` for SM01, recorded as
    /// `sm01.corp.example`) is another computer, whose key must not join this one's version series.
    public func matches(_ other: HostName) -> Bool {
        if let fqdn, other.isFullyQualified { return fqdn.matches(other) }
        return name.matches(other) || (fqdn?.matches(other) ?? false)
    }

    /// Why this record cannot be stored, or nil.
    func problem() -> String? {
        if roles.isEmpty { return "give at least one role (--role sm, dw, ssp or sql)" }
        if let twice = roles.indices.first(where: { roles[..<$0].contains(roles[$0]) }) { return "the role \(roles[twice]) is given twice" }
        if let fqdn {
            if !fqdn.isFullyQualified { return "--fqdn \(fqdn) is not fully qualified (it has no domain)" }
            if !fqdn.matches(name) { return "--fqdn \(fqdn) does not name the computer \(name)" }
        }
        if smPosition != nil && !roles.contains(.sm) { return "only an sm host can be primary or additional" }
        if roles.contains(.sm) && smPosition == nil { return "say whether the SM server \(name) is --primary or --additional" }
        if let v = productVersion, let p = InventoryHost.versionProblem(v) { return p }
        return nil
    }

    static func versionProblem(_ v: String) -> String? {
        let ok =
            (1...32).contains(v.utf8.count) && v.utf8.allSatisfy { (0x30...0x39).contains($0) || $0 == 0x2E }
            && v.utf8.first != 0x2E && v.utf8.last != 0x2E
        return ok ? nil : "product version '\(v.printable)' must be 1-32 characters of digits and dots, like 10.22.1068.0"
    }
}

/// A database of the management group, and the SQL Server instance that holds it.
public struct InventoryDatabase: Sendable, Hashable {
    /// The database name: ServiceManager, DWStagingAndConfig, DWRepository, DWDataMart, OMDWDataMart, CMDWDataMart, …
    public var name: String
    /// The SQL Server computer.
    public var sqlHost: HostName
    /// The SQL Server instance name (`MSSQLSERVER` for the default instance).
    public var instance: String

    /// A database record.
    public init(name: String, sqlHost: HostName, instance: String) {
        self.name = name
        self.sqlHost = sqlHost
        self.instance = instance
    }

    /// The databases Service Manager's disaster-recovery notes name.
    public static let wellKnownNames = [
        "ServiceManager", "DWStagingAndConfig", "DWRepository", "DWDataMart",
        "OMDWDataMart", "CMDWDataMart", "ReportServer", "ReportServerTempDB", "DWASDataBase",
    ]

    static func nameProblem(_ name: String) -> String? {
        let ok =
            (1...128).contains(name.utf8.count)
            && name.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) || $0 == 0x5F || $0 == 0x2D || $0 == 0x2E }
        return ok ? nil : "database name '\(name.printable)' must be 1-128 characters of A-Z a-z 0-9 _ - ."
    }

    static func instanceProblem(_ instance: String) -> String? {
        let ok =
            (1...16).contains(instance.utf8.count)
            && instance.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) || $0 == 0x5F || $0 == 0x24 }
            && instance.utf8.first.map { !(0x30...0x39).contains($0) } == true
        return ok ? nil : "SQL Server instance name '\(instance.printable)' must be 1-16 characters of A-Z a-z 0-9 _ $, not starting with a digit"
    }
}

/// A change to what the inventory records about one computer: fields left nil keep their value.
public struct InventoryHostUpdate: Sendable {
    /// A field that can be cleared.
    public enum Field: String, Sendable, CaseIterable {
        /// The fully qualified name.
        case fqdn
        /// The product version (and when it was recorded).
        case productVersion = "product-version"
    }
    /// A new FQDN.
    public var fqdn: HostName?
    /// New roles (replacing the old ones).
    public var roles: [Role]?
    /// Refuse ``roles`` that leave out a role the computer is recorded with (the command line's default, unless
    /// `--clear roles`): an update meant to add a role ("SM01 runs the portal too") must not drop its `sm` role, and
    /// with it its place as the primary SM server, unnoticed.
    public var keepingRecordedRoles = false
    /// A new position among SM servers.
    public var smPosition: SMPosition?
    /// A new product version.
    public var productVersion: String?
    /// A new operating system (``InventoryHost/os``).
    public var os: HostOS?
    /// Fields to remove.
    public var clearing: Set<Field> = []

    /// An update that changes nothing yet.
    public init() {}
}

/// Everything the vault records about the management group.
public struct Inventory: Sendable, Hashable {
    /// The management group's name.
    public var managementGroup: String?
    /// The computers.
    public var hosts: [InventoryHost]
    /// The databases.
    public var databases: [InventoryDatabase]

    /// The host record for `name`, if any.
    public func host(matching name: HostName) -> InventoryHost? { hosts.first { $0.matches(name) } }

    /// The inventory's name for the computer `name` names (its short name or its FQDN), when exactly one recorded
    /// computer matches; nil otherwise.
    public func recordedName(of name: HostName) -> HostName? {
        let matching = hosts.filter { $0.matches(name) }
        return matching.count == 1 ? matching[0].name : nil
    }

    /// The current primary SM server.
    public var primarySM: InventoryHost? { hosts.first { $0.smPosition == .primary } }

    /// The original URL of the data warehouse's Reporting Server, which DW Setup must be given again in a recovery.
    public var reportingServerURL: String?

    /// Whether nothing is recorded.
    public var isEmpty: Bool { managementGroup == nil && hosts.isEmpty && databases.isEmpty && reportingServerURL == nil }

    /// Why `url` cannot be recorded as the Reporting Server URL, or nil: an `http://` or `https://` URL of at most
    /// 2048 bytes, without spaces, control or invisible characters.
    public static func reportingServerURLProblem(_ url: String) -> String? {
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else { return "the Reporting Server URL must start with http:// or https://" }
        if url.utf8.count > 2048 { return "the Reporting Server URL is longer than 2048 bytes" }
        if url.unicodeScalars.contains(where: { $0 == " " || $0.properties.generalCategory == .control || FreeText.isInvisible($0) }) {
            return "the Reporting Server URL contains a space, control or invisible character"
        }
        return nil
    }
}
