// The one error type the library throws: what happened, in words a person can act on.

/// An error from the KeyVault library.
///
/// Every error carries a ``Code`` (stable, for programs) and a one-line ``message`` (for people) that says what
/// happened and, where there is something to do, what to do. Messages never contain secret material.
///
/// Codes are grouped into a small set of ``Category`` values; the `keyvault` command line maps each category to
/// one exit code.
///
/// Every throwing call of this library throws only `KeyVaultError` (and whatever a closure you pass it throws). The
/// signatures say plain `throws`, not `throws(KeyVaultError)`: typed throws were tried, and Swift 6.3.1 crashes while
/// compiling a caller's non-exhaustive `catch where error.code == …` over a typed-throws call (a nine-line file
/// reproduces it), the very pattern a tool uses to handle one code and pass the rest on.
public struct KeyVaultError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is; stable across versions, and extensible without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's stable name, e.g. `"unlockFailed"`.
        public let name: String
        /// The category this code belongs to.
        public let category: Category

        init(_ name: String, _ category: Category) {
            self.name = name
            self.category = category
        }

        public var description: String { name }

        /// An argument is not valid: a host name, role, label, passphrase or file size that the rules refuse.
        public static let invalidArgument = Code("invalidArgument", .usage)
        /// A file named to be created already exists, or one named to be read does not.
        public static let fileConflict = Code("fileConflict", .usage)
        /// The key for the asked role exists, but for another computer name.
        public static let hostMismatch = Code("hostMismatch", .refused)
        /// A seal names a computer or role the vault's inventory does not record for it.
        public static let notInInventory = Code("notInInventory", .refused)
        /// The passphrase does not open any slot of the vault.
        /// Nothing vouches for the vault key a write would use (see ``KeyVouch``): the operator must check its
        /// fingerprint and vouch for it.
        public static let unvouchedKey = Code("unvouchedKey", .refused)
        public static let unlockFailed = Code("unlockFailed", .unlockFailed)
        /// A custodian check cannot be made: the vault holds no commitment to the custodian's slot to check the share
        /// against (a threshold vault written before check-ins existed, until its next re-key).
        public static let notCommitted = Code("notCommitted", .refused)
        /// The vault's bytes do not parse, or fail authentication: damaged or tampered with.
        public static let damaged = Code("damaged", .damaged)
        /// The file is a vault written in a format version this library does not read.
        public static let unsupportedVersion = Code("unsupportedVersion", .damaged)
        /// No entry matches the request (role, or version).
        public static let noSuchEntry = Code("noSuchEntry", .notFound)
        /// An operating-system call failed (read, write, fsync, rename, lock).
        public static let io = Code("io", .other)
        /// This machine's own host name could not be read or is not a valid computer name.
        public static let hostIdentity = Code("hostIdentity", .other)
        /// The other computer of an ssh:// location could not be reached (ssh failed: host key, authentication,
        /// network), or a step there failed or was cut off; nothing was left half-written there.
        public static let remote = Code("remote", .other)
        /// A PKCS#11 token or its module failed (named with the module's CK_RV); a wrong PIN is ``unlockFailed``.
        public static let token = Code("token", .other)
        /// libsodium could not be initialised or could not allocate guarded memory.
        public static let crypto = Code("crypto", .other)
        /// The library was about to write a vault that would not read back; nothing was written. A bug: report it.
        public static let internalError = Code("internalError", .other)
    }

    /// The broad class of an error; the command line has exactly one exit code per category.
    public enum Category: String, Sendable, CaseIterable {
        /// Anything not below (I/O failures, the machine's host name, libsodium).
        case other
        /// Bad usage or an invalid argument.
        case usage
        /// Refused by the host/role rule.
        case refused
        /// The passphrase did not unlock the vault.
        case unlockFailed
        /// The vault is damaged or was tampered with, or is not a vault this version reads.
        case damaged
        /// No such entry.
        case notFound
    }

    /// What a person can do about an error, when there is one thing to do. The library says *what* (typed); a front
    /// end says *how* in its own words (the `keyvault` command line names its options), so ``message`` stays neutral.
    public enum Remedy: Sendable, Equatable {
        /// The file exists: replace it on purpose (`keyvault`: `--force`).
        case replaceExisting
        /// Nothing vouches for the vault key: check its fingerprint with the custodians, then vouch for it
        /// (``Credentials/vouchForKey``; `keyvault`: `--endorse`, `keyvault upgrade`).
        case checkKeyFingerprint(String)
        /// An endorsement or the pin contradicts the key: vouch for it only knowing why (``Credentials/vouchForKey``).
        case overrideContradiction(String)
        /// Give more custodians' secrets; `passphrase`: the passphrase custodian is one of them.
        case addCustodians(passphrase: Bool)
        /// Unlock with a custodian's identity, not a passphrase.
        case useIdentity
    }

    /// What an error is about, for a program to act on without reading ``message``: the file, the role and the
    /// computer asked about, and counts. A field the error does not concern is nil.
    public struct Context: Sendable, Equatable {
        /// The file the call was working on when it failed: the vault it was given, or another file it named (an
        /// output file, an identity file, a certificate) when the error is about that one. Nil for an error about an
        /// argument alone (a request refused before any file was read).
        public var path: String?
        /// The role asked for.
        public var role: Role?
        /// The computer the request was for: the restoring computer's name at a restore, the named host at a seal.
        public var host: String?
        /// The computers the vault records for ``role``, when a restore is refused for ``host``.
        public var recordedHosts: [String]?
        /// How many were given: custodians at a threshold unlock.
        public var given: Int?
        /// How many are needed: custodians at a threshold unlock.
        public var needed: Int?

        /// An empty context.
        public init(
            path: String? = nil, role: Role? = nil, host: String? = nil, recordedHosts: [String]? = nil,
            given: Int? = nil, needed: Int? = nil
        ) {
            self.path = path
            self.role = role
            self.host = host
            self.recordedHosts = recordedHosts
            self.given = given
            self.needed = needed
        }
    }

    /// The stable code.
    public let code: Code
    /// One line for a person: what happened. Never contains secrets, nor a front end's option names.
    public let message: String
    /// What to do about it, when there is one thing to do.
    public let remedy: Remedy?
    /// What it is about (file, role, computer, counts), as far as the library knows.
    public internal(set) var context: Context

    /// Creates an error; the library's own code uses the static helpers below.
    init(_ code: Code, _ message: String, remedy: Remedy? = nil, context: Context = Context()) {
        self.code = code
        self.message = message
        self.remedy = remedy
        self.context = context
    }

    public var description: String { message }
}

extension KeyVaultError {
    static func invalidArgument(_ message: String) -> KeyVaultError { .init(.invalidArgument, message) }
    static func damaged(_ message: String) -> KeyVaultError { .init(.damaged, message) }
    static func io(_ operation: String, path: String, errno code: Int32) -> KeyVaultError {
        .init(.io, "cannot \(operation) \(path): \(SystemError.describe(code))", context: Context(path: path))
    }

    /// This error with `lead` before its message: what had been done before it failed.
    package func after(_ lead: String) -> KeyVaultError { KeyVaultError(code, lead + message, remedy: remedy, context: context) }

    /// This error, about the file `path` unless it names a file already.
    func about(path: String) -> KeyVaultError {
        var out = self
        if out.context.path == nil { out.context.path = path }
        return out
    }
}

/// Runs `body`; a ``KeyVaultError`` it throws that names no file is about `path` (the vault a public call was given).
/// One that names `resolved` (the same vault, symbolic links resolved) is about `path` too: the name the caller used.
func about<T>(path: String, resolved: String? = nil, _ body: () throws -> T) rethrows -> T {
    do { return try body() } catch var error as KeyVaultError {
        if let resolved, error.context.path == resolved { error.context.path = path }
        throw error.about(path: path)
    }
}
