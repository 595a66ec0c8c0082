// Reading passphrases and key files straight into guarded memory: from a file, standard input, or the terminal.
#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// Where secrets come from. Every reader here fills ``SecretBytes`` directly; no copy passes through a Swift
/// `String` or `Array`.
public enum SecretInput {
    /// The longest passphrase accepted, in bytes.
    public static let maximumPassphraseCount = 4096

    /// Reads a passphrase file (or standard input for `-`): its contents minus one trailing newline (`\n` or `\r\n`).
    ///
    /// - Parameter path: a file path, or `-` for standard input.
    /// - Returns: the passphrase.
    /// - Throws: ``KeyVaultError/Code-swift.struct/invalidArgument`` when it is empty or longer than
    ///   ``maximumPassphraseCount``; ``KeyVaultError/Code-swift.struct/fileConflict`` when the file does not exist.
    public static func passphrase(fromFile path: String) throws -> SecretBytes {
        try passphrase(fromFile: path, what: "passphrase")
    }

    /// As ``passphrase(fromFile:)``, naming the secret `what` in messages (e.g. "export password").
    public static func passphrase(fromFile path: String, what noun: String) throws -> SecretBytes {
        let what = path == "-" ? "\(noun) from standard input" : "\(noun) file \(path)"
        let raw = try read(path, maxCount: maximumPassphraseCount + 2, what: what)
        let count = raw.withUnsafeBytes { bytes -> Int in
            var n = bytes.count
            if n > 0 && bytes[n - 1] == 0x0A { n -= 1; if n > 0 && bytes[n - 1] == 0x0D { n -= 1 } }
            return n
        }
        guard count > 0 else { throw KeyVaultError.invalidArgument("\(what) is empty") }
        guard count <= maximumPassphraseCount else {
            throw KeyVaultError.invalidArgument("\(what) is longer than \(maximumPassphraseCount) bytes; is it the right file?")
        }
        return try raw.prefix(count)
    }

    /// Reads a key file (or standard input for `-`) of at most `maxCount` bytes.
    ///
    /// - Parameters:
    ///   - path: a file path, or `-` for standard input.
    ///   - maxCount: the largest size accepted.
    /// - Returns: the bytes.
    /// - Throws: ``KeyVaultError/Code-swift.struct/invalidArgument`` when larger than `maxCount`.
    public static func keyFile(_ path: String, maxCount: Int = 16 << 20) throws -> SecretBytes {
        let what = path == "-" ? "key from standard input" : "key file \(path)"
        let bytes = try read(path, maxCount: maxCount + 1, what: what)
        guard bytes.count <= maxCount else {
            throw KeyVaultError.invalidArgument("\(what) is larger than \(maxCount) bytes (16 MiB); keyvault seals exported key files, which are small")
        }
        return bytes
    }

    /// Reads up to `maxCount` bytes into guarded memory.
    static func read(_ path: String, maxCount: Int, what: String) throws -> SecretBytes {
        let fd: Int32
        var owned = false
        if path == "-" { fd = STDIN_FILENO } else {
            fd = Syscalls.open(path, O_RDONLY)
            guard fd >= 0 else {
                let code = Syscalls.errno
                if code == ENOENT { throw KeyVaultError(.fileConflict, "\(what) does not exist") }
                throw KeyVaultError.io("open", path: path, errno: code)
            }
            owned = true
        }
        defer { if owned { Syscalls.close(fd) } }
        let st: stat
        do { st = try Syscalls.fstat(fd) } catch { throw KeyVaultError.io("stat", path: path, errno: error.code) }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw KeyVaultError(.fileConflict, "\(what) is a directory") }
        // A regular file's size is known: allocate exactly (capped); otherwise read into the cap.
        let capacity = (st.st_mode & S_IFMT) == S_IFREG ? min(Int(st.st_size) + 1, maxCount) : maxCount
        let buffer = try SecretBytes(zeroedCount: capacity)
        let count: Int
        do {
            count = try buffer.withUnsafeMutableBytes { b throws(SyscallFailure) in try Syscalls.readUpTo(fd, b) }
        } catch let error as SyscallFailure {
            throw KeyVaultError.io("read", path: path, errno: error.code)
        }
        return count == capacity ? buffer : try buffer.prefix(count)
    }

    /// Whether this process has a controlling terminal to ask on (`/dev/tty` opens).
    public static var hasTerminal: Bool {
        let tty = Syscalls.open("/dev/tty", O_RDWR | O_NOCTTY)
        guard tty >= 0 else { return false }
        Syscalls.close(tty)
        return true
    }

    /// Asks for a passphrase on the controlling terminal with echo off.
    ///
    /// - Parameters:
    ///   - prompt: the text shown, e.g. `"Vault passphrase: "`.
    ///   - fileOption: the option that names a file instead, for the message when there is no terminal.
    /// - Returns: the line typed, without its newline.
    /// - Throws: ``KeyVaultError/Code-swift.struct/invalidArgument`` when there is no terminal (so a script never
    ///   hangs), or the passphrase is empty or too long.
    public static func passphraseFromTerminal(prompt: String, fileOption: String = "--passphrase-file") throws -> SecretBytes {
        let tty = Syscalls.open("/dev/tty", O_RDWR | O_NOCTTY)
        guard tty >= 0 else {
            let what = fileOption == "--passphrase-file" ? "passphrase" : "password"
            throw KeyVaultError.invalidArgument("no \(what) given and no terminal to ask on; pass \(fileOption) FILE (or - for standard input)")
        }
        defer { Syscalls.close(tty) }
        Array(prompt.utf8).withUnsafeBytes { try? Syscalls.writeFully(tty, $0) }
        let wasOn = Syscalls.setEcho(tty, false)
        defer {
            if wasOn == 1 { _ = Syscalls.setEcho(tty, true) }
            try? Array("\n".utf8).withUnsafeBytes { try Syscalls.writeFully(tty, $0) }
        }
        let line = try SecretBytes(zeroedCount: maximumPassphraseCount + 1)
        var count = 0
        let tooLong = line.withUnsafeMutableBytes { buffer -> Bool in
            var byte: UInt8 = 0
            while true {
                let n = Glibc.read(tty, &byte, 1)
                if n < 0 && Syscalls.errno == EINTR { continue }
                if n <= 0 || byte == 0x0A { return false }
                if byte == 0x0D { continue }
                guard count < maximumPassphraseCount else { return true }
                buffer[count] = byte
                count += 1
            }
        }
        guard !tooLong else { throw KeyVaultError.invalidArgument("passphrase longer than \(maximumPassphraseCount) bytes") }
        guard count > 0 else { throw KeyVaultError.invalidArgument("empty passphrase; nothing was done") }
        return try line.prefix(count)
    }

    /// Turns core dumps off and makes the process non-dumpable, so secrets in memory cannot reach a core file.
    ///
    /// - Returns: whether the system accepted both settings.
    @discardableResult
    public static func protectProcessMemory() -> Bool { Syscalls.disableCoreDumps() }
}
