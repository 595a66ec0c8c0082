// A file on another computer, named by a strict ssh:// URL: ssh://[user@]host[:port]/path.

/// Where a file lives on another computer reached with the system's `ssh` client.
///
/// The text form is `ssh://[user@]HOST[:PORT]/PATH`, parsed strictly: no password, query, fragment or percent
/// escapes. `PATH` is the URL's path: `/srv/keys/dw.bin` names an absolute path; `/C:/keys/dw.bin` (a drive letter
/// after the first slash) names `C:/keys/dw.bin` on Windows. The path may hold only letters, digits, space and
/// `. _ - + , @ /` (and the drive's `:`), so it reaches the remote shell without quoting surprises.
public struct SSHLocation: Sendable, Hashable, CustomStringConvertible {
    /// The login name, when the URL gives one (else ssh's own default: `~/.ssh/config`, then the local user).
    public let user: String?
    /// The host as ssh is to resolve it: a name (an alias from `~/.ssh/config` works), an IPv4 address, or an IPv6
    /// address (written in brackets in the URL).
    public let host: String
    /// The port, when the URL gives one.
    public let port: UInt16?
    /// The path on the remote computer: `/srv/keys/dw.bin`, or `C:/keys/dw.bin` on Windows.
    public let path: String

    /// Whether `text` is meant as an ssh:// location (begins with `ssh://`, any case), so a caller can tell it
    /// from a local path before parsing it strictly.
    public static func isSSHURL(_ text: String) -> Bool { text.lowercased().hasPrefix("ssh://") }

    /// Parses `ssh://[user@]HOST[:PORT]/PATH`.
    ///
    /// - Parameter text: the URL.
    /// - Throws: ``KeyVaultError/Code-swift.struct/invalidArgument`` saying what is wrong with it.
    public init(parsing text: String) throws {
        func bad(_ why: String) -> KeyVaultError {
            KeyVaultError.invalidArgument("'\(text.printable)' is not a valid ssh:// location: \(why); write ssh://[user@]HOST[:PORT]/PATH")
        }
        guard SSHLocation.isSSHURL(text) else { throw bad("it does not start with ssh://") }
        let rest = text.dropFirst("ssh://".count)
        guard let slash = rest.firstIndex(of: "/") else { throw bad("it names no path") }
        var authority = rest[..<slash]
        let rawPath = String(rest[slash...])
        if let at = authority.lastIndex(of: "@") {
            let name = String(authority[..<at])
            guard !name.isEmpty, !name.contains(":") else {
                throw bad(name.contains(":") ? "a password in the URL is not accepted; use keys or an agent" : "the user name is empty")
            }
            guard name.utf8.count <= 64, name.utf8.allSatisfy({ SSHLocation.isWordByte($0) }), name.first != "-" else {
                throw bad("the user name may hold only A-Z a-z 0-9 . _ - (a domain user goes in ~/.ssh/config)")
            }
            user = name
            authority = authority[authority.index(after: at)...]
        } else {
            user = nil
        }
        var hostPart = authority
        var portText: Substring?
        if authority.first == "[" {
            guard let close = authority.firstIndex(of: "]") else { throw bad("an IPv6 address lacks its ]") }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.first == ":" else { throw bad("unexpected text after the IPv6 address") }
                portText = after.dropFirst()
            }
            guard !hostPart.isEmpty, hostPart.utf8.allSatisfy({ SSHLocation.isHexDigit($0) || $0 == 0x3A || $0 == 0x2E }) else {
                throw bad("'\(String(hostPart).printable)' is not an IPv6 address")
            }
        } else {
            if let colon = authority.firstIndex(of: ":") {
                hostPart = authority[..<colon]
                portText = authority[authority.index(after: colon)...]
            }
            guard !hostPart.isEmpty else { throw bad("the host is empty") }
            guard hostPart.first != "-", hostPart.first != "." else { throw bad("the host may not start with '-' or '.'") }
            guard hostPart.utf8.count <= 253, hostPart.utf8.allSatisfy({ SSHLocation.isWordByte($0) }) else {
                throw bad("the host '\(String(hostPart).printable)' may hold only letters, digits, '-', '_' and '.'")
            }
        }
        host = String(hostPart)
        if let portText {
            guard let n = UInt16(portText), n > 0, portText.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
                throw bad("the port '\(String(portText).printable)' is not a number from 1 to 65535")
            }
            port = n
        } else {
            port = nil
        }
        // A drive letter after the first slash: a Windows path.
        let u = Array(rawPath.utf8)
        let drive = u.count >= 3 && SSHLocation.isLetter(u[1]) && u[2] == 0x3A
        if drive && (u.count < 4 || u[3] != 0x2F) { throw bad("a Windows path is written /C:/folder/file") }
        let body = drive ? Array(u.dropFirst(1)) : u
        if let why = Self.problem(inPath: body, drive: drive) { throw bad(why) }
        path = String(decoding: body, as: UTF8.self)
    }

    /// Refuses a remote path that an ``SSHLocation`` could not hold (``path``'s form: `/srv/keys/dw.bin`, or
    /// `C:/keys/dw.bin` on Windows): the remote commands are built from it, so a path from anywhere else is checked
    /// by the same rules before it reaches them.
    ///
    /// - Parameter path: the remote path.
    /// - Throws: ``KeyVaultError/Code-swift.struct/invalidArgument`` saying what is wrong with it.
    public static func checkPath(_ path: String) throws {
        let u = Array(path.utf8)
        let drive = u.count >= 2 && isLetter(u[0]) && u[1] == 0x3A
        var why = drive && (u.count < 3 || u[2] != 0x2F) ? "a Windows path is written C:/folder/file" : nil
        if !drive && u.first != 0x2F { why = "it is not an absolute path" }
        if let why = why ?? problem(inPath: u, drive: drive) {
            throw KeyVaultError.invalidArgument("'\(path.printable)' is not a remote path keyvault can use: \(why)")
        }
    }

    /// What is wrong with a path (its bytes, from the leading slash or the drive letter), or nil.
    private static func problem(inPath body: [UInt8], drive: Bool) -> String? {
        guard body.count > 1, body.last != 0x2F else { return "the path names a folder, not a file" }
        guard body.count <= 1024 else { return "the path is longer than 1024 bytes" }
        for (i, b) in body.enumerated() where !(SSHLocation.isWordByte(b) || b == 0x2F || b == 0x20 || b == 0x2B || b == 0x2C || b == 0x40 || (drive && i == 1)) {
            return b == 0x25
                ? "percent escapes are not accepted" : "'\(String(decoding: [b], as: UTF8.self).printable)' is not allowed in a path (only letters, digits, space and . _ - + , @ /)"
        }
        let parts = body.split(separator: 0x2F, omittingEmptySubsequences: false).dropFirst()  // the empty part before a leading slash, or the drive
        guard !parts.contains(where: { $0.elementsEqual("..".utf8) || $0.elementsEqual(".".utf8) || $0.isEmpty }) else {
            return "the path has an empty, '.' or '..' part"
        }
        return nil
    }

    /// The connection part, `ssh://[user@]HOST[:PORT]`, for messages and the audit log.
    public var connection: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return "ssh://\(user.map { "\($0)@" } ?? "")\(h)\(port.map { ":\($0)" } ?? "")"
    }

    /// Whether `other` is reached over the same connection (user, host and port), whatever its path.
    public func sameConnection(as other: SSHLocation) -> Bool {
        user == other.user && host.lowercased() == other.host.lowercased() && port == other.port
    }

    /// Whether `other` names the same file over the same connection. A Windows path (one with a drive letter) is
    /// compared as Windows compares names: whatever the case of its letters, and without the dots and spaces that end
    /// a part (`/C:/K/DW.bin.` is `/c:/k/dw.bin`).
    public func sameFile(as other: SSHLocation) -> Bool {
        guard sameConnection(as: other) else { return false }
        guard isWindowsPath || other.isWindowsPath else { return path == other.path }
        func windowsForm(_ path: String) -> String {
            path.split(separator: "/", omittingEmptySubsequences: false)
                .map { part in String(part.reversed().drop { $0 == "." || $0 == " " }.reversed()).lowercased() }
                .joined(separator: "/")
        }
        return windowsForm(path) == windowsForm(other.path)
    }

    /// Whether the path starts with a drive letter (`C:/…`).
    private var isWindowsPath: Bool {
        let u = Array(path.utf8.prefix(2))
        return u.count == 2 && Self.isLetter(u[0]) && u[1] == 0x3A
    }

    /// The URL again, in its canonical form.
    public var description: String { connection + (path.hasPrefix("/") ? path : "/" + path) }

    private static func isLetter(_ b: UInt8) -> Bool { (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) }
    private static func isHexDigit(_ b: UInt8) -> Bool { (0x30...0x39).contains(b) || (0x41...0x46).contains(b) || (0x61...0x66).contains(b) }
    /// A-Z a-z 0-9 . _ -
    private static func isWordByte(_ b: UInt8) -> Bool {
        isLetter(b) || (0x30...0x39).contains(b) || b == 0x2E || b == 0x5F || b == 0x2D
    }
}
