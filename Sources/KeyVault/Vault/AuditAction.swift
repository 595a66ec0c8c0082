// What an audit record says was done: a closed set of spellings the reader accepts, so no caller can store another.

/// The action an ``AuditRecord`` names.
///
/// The stored form is 1–32 bytes of `a–z` and `-`. Callers pick one of the static values; a vault written by a later
/// version may hold actions this one does not know, which ``init(rawValue:)`` accepts as long as they have the stored
/// form, so reading never fails on them and writing can never produce a record the reader refuses.
public struct AuditAction: Hashable, Sendable, CustomStringConvertible {
    /// The stored spelling, e.g. `"restore"`.
    public let rawValue: String

    /// Keys were sealed.
    public static let seal = AuditAction(unchecked: "seal")
    /// A key was restored (or a restore was refused after unlocking).
    public static let restore = AuditAction(unchecked: "restore")
    /// An additional SM server was recorded as promoted to primary.
    public static let promote = AuditAction(unchecked: "promote")
    /// A drill opened every entry.
    public static let drill = AuditAction(unchecked: "drill")
    /// The inventory changed.
    public static let inventory = AuditAction(unchecked: "inventory")
    /// Custodians were added.
    public static let custodianAdd = AuditAction(unchecked: "custodian-add")
    /// A custodian was removed (and the vault re-keyed).
    public static let custodianRemove = AuditAction(unchecked: "custodian-remove")
    /// The vault was re-keyed.
    public static let rekey = AuditAction(unchecked: "rekey")

    /// An entry was retired (taken out of restores, plans and drill coverage; kept in the vault).
    public static let retire = AuditAction(unchecked: "retire")
    /// A write to a vault older than what the user had seen was accepted on purpose (`--accept-rollback`).
    public static let acceptRollback = AuditAction(unchecked: "accept-rollback")

    /// Custodians endorsed their slots and the vault key (their first write, `--endorse`, or `keyvault upgrade`).
    public static let endorse = AuditAction(unchecked: "endorse")

    /// A custodian proved that its secret opens its own slot (`keyvault custodian check`).
    public static let checkIn = AuditAction(unchecked: "check-in")

    /// The vault was converted to a newer format version (`keyvault upgrade --format 2`).
    public static let upgrade = AuditAction(unchecked: "upgrade")
    /// A format-version-2 vault's commits were written again as one (`keyvault compact`).
    public static let compact = AuditAction(unchecked: "compact")
    /// A damaged slot copy or preamble was written again from the good copy (`keyvault verify --repair`).
    public static let repair = AuditAction(unchecked: "repair")

    /// Every action this version writes.
    public static let known: [AuditAction] = [
        .seal, .restore, .promote, .drill, .inventory, .custodianAdd, .custodianRemove, .rekey, .acceptRollback, .retire, .endorse, .checkIn, .upgrade,
        .compact, .repair,
    ]

    private init(unchecked rawValue: String) { self.rawValue = rawValue }

    /// An action in its stored form: 1–32 bytes of `a–z` and `-`; nil for anything else.
    ///
    /// - Parameter rawValue: the spelling, e.g. `"restore"` (case matters: `"Restore"` is not an action).
    public init?(rawValue: String) {
        guard AuditAction.isStoredForm(rawValue.utf8) else { return nil }
        self.rawValue = rawValue
    }

    /// Whether `bytes` can be a stored action.
    static func isStoredForm<C: Collection<UInt8>>(_ bytes: C) -> Bool {
        (1...32).contains(bytes.count) && bytes.allSatisfy { (0x61...0x7A).contains($0) || $0 == 0x2D }
    }

    public var description: String { rawValue }
}
