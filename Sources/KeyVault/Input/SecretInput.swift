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
    ///
    /// Files as Windows writes them are read as the text they hold: a UTF-8 byte-order mark is dropped, and a file in
    /// UTF-16 with a byte-order mark (what Windows PowerShell's `Out-File` and `>` write) is converted to UTF-8, which
    /// ``conversionNotes`` then says. One trailing newline (`\n` or `\r\n`) is dropped.
    public static func passphrase(fromFile path: String, what noun: String) throws -> SecretBytes {
        let what = path == "-" ? "\(noun) from standard input" : "\(noun) file \(path)"
        // The name of a file that cannot be opened is not repeated: it may be the passphrase itself, typed where the
        // file name belongs.
        return try passphrase(from: try read(path, maxCount: 2 * (maximumPassphraseCount + 2) + 2, what: what, unnamed: noun), what: what)
    }

    /// A passphrase from the bytes of a passphrase file read elsewhere (over SSH, say), read as
    /// ``passphrase(fromFile:what:)`` reads a file: byte-order marks, UTF-16 and one trailing newline handled alike.
    ///
    /// - Parameters:
    ///   - bytes: the file's bytes.
    ///   - what: how messages name it, e.g. "export password file ssh://SM01/C:/keys/SM01.pw".
    /// - Returns: the passphrase.
    /// - Throws: ``KeyVaultError/Code-swift.struct/invalidArgument`` when it is empty, longer than
    ///   ``maximumPassphraseCount``, or broken UTF-16.
    public static func passphrase(from bytes: SecretBytes, what: String) throws -> SecretBytes {
        var raw = bytes
        // The byte-order mark is looked at where it lies: the passphrase's first bytes are never copied out of
        // guarded memory.
        let mark = raw.withUnsafeBytes { b -> ByteOrderMark? in
            if b.count >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF { return .utf8 }
            if b.count >= 2 && b[0] == 0xFF && b[1] == 0xFE { return .utf16LittleEndian }
            if b.count >= 2 && b[0] == 0xFE && b[1] == 0xFF { return .utf16BigEndian }
            return nil
        }
        if mark == .utf8 {
            raw = try raw.dropFirst(3)
        } else if let mark {
            raw = try utf8(fromUTF16: raw, bigEndian: mark == .utf16BigEndian, what: what)
            let note = "note: the \(what) is UTF-16 (as Windows PowerShell writes it); it was read as the text it holds, in UTF-8"
            notes.withLock { $0.append(note) }
        }
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

    /// The byte-order marks a passphrase file may start with.
    private enum ByteOrderMark { case utf8, utf16LittleEndian, utf16BigEndian }

    private static let notes = Locked<[String]>([])

    /// What reading secrets noticed and did, for the program to tell its user (a UTF-16 file converted, say).
    public static var conversionNotes: [String] { notes.withLock { $0 } }

    /// UTF-16 (after its 2-byte byte-order mark) to UTF-8, in guarded memory.
    ///
    /// - Throws: ``KeyVaultError/Code-swift.struct/invalidArgument`` for an odd length or an unpaired surrogate.
    static func utf8(fromUTF16 raw: SecretBytes, bigEndian: Bool, what: String) throws -> SecretBytes {
        guard raw.count % 2 == 0 else { throw KeyVaultError.invalidArgument("\(what) starts like UTF-16 but has an odd number of bytes; save it again as UTF-8") }
        let out = try SecretBytes(zeroedCount: raw.count / 2 * 3)
        let written: Int? = raw.withUnsafeBytes { input in
            out.withUnsafeMutableBytes { output -> Int? in
                var i = 2, n = 0
                func unit(_ at: Int) -> UInt32 {
                    bigEndian ? UInt32(input[at]) << 8 | UInt32(input[at + 1]) : UInt32(input[at + 1]) << 8 | UInt32(input[at])
                }
                while i < input.count {
                    var scalar = unit(i); i += 2
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard i < input.count else { return nil }
                        let low = unit(i); i += 2
                        guard (0xDC00...0xDFFF).contains(low) else { return nil }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        return nil
                    }
                    switch scalar {
                    case 0..<0x80:
                        output[n] = UInt8(scalar); n += 1
                    case 0x80..<0x800:
                        output[n] = UInt8(0xC0 | scalar >> 6); output[n + 1] = UInt8(0x80 | scalar & 0x3F); n += 2
                    case 0x800..<0x10000:
                        output[n] = UInt8(0xE0 | scalar >> 12); output[n + 1] = UInt8(0x80 | scalar >> 6 & 0x3F)
                        output[n + 2] = UInt8(0x80 | scalar & 0x3F); n += 3
                    default:
                        output[n] = UInt8(0xF0 | scalar >> 18); output[n + 1] = UInt8(0x80 | scalar >> 12 & 0x3F)
                        output[n + 2] = UInt8(0x80 | scalar >> 6 & 0x3F); output[n + 3] = UInt8(0x80 | scalar & 0x3F); n += 4
                    }
                }
                return n
            }
        }
        guard let written else { throw KeyVaultError.invalidArgument("\(what) is not valid UTF-16 (an unpaired surrogate); save it again as UTF-8") }
        return try out.prefix(written)
    }

    /// Reads a small text file that holds no secret (a checkpoint line): a regular file of at most 64 KiB.
    ///
    /// - Parameters:
    ///   - path: the file.
    ///   - what: how messages name it.
    /// - Returns: its text (invalid UTF-8 repaired).
    public static func textFile(_ path: String, what: String) throws -> String {
        let bytes = try read(path, maxCount: 64 * 1024, what: what, regularOnly: true)
        return bytes.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// Reads a key file (or standard input for `-`) of at most `maxCount` bytes.
    ///
    /// - Parameters:
    ///   - path: a file path, or `-` for standard input.
    ///   - maxCount: the largest size accepted.
    /// - Returns: the bytes.
    /// - Throws: ``KeyVaultError/Code-swift.struct/invalidArgument`` when larger than `maxCount`, or `maxCount` is
    ///   negative.
    public static func keyFile(_ path: String, maxCount: Int = 16 << 20) throws -> SecretBytes {
        let what = path == "-" ? "key from standard input" : "key file \(path)"
        guard maxCount >= 0 else { throw KeyVaultError.invalidArgument("the largest key to read must be 0 bytes or more, not \(maxCount)") }
        // One byte more than allowed is read to see that nothing follows (none more when that is the most there is).
        let bytes = try read(path, maxCount: maxCount == .max ? maxCount : maxCount + 1, what: what, regularOnly: true)
        guard bytes.count <= maxCount else {
            throw KeyVaultError.invalidArgument(
                "\(what) is larger than \(maxCount) bytes\(maxCount == 16 << 20 ? " (16 MiB)" : ""); keyvault seals exported key files, which are small")
        }
        return bytes
    }

    /// Reads up to `maxCount` bytes into guarded memory. With `regularOnly`, a path must name a regular file (key
    /// and identity files); passphrase files may also be pipes (`<(command)`). With `unnamed` (what the file holds:
    /// "passphrase"), a path that cannot be opened is not repeated in the error: it may be that secret itself.
    static func read(_ path: String, maxCount: Int, what: String, regularOnly: Bool = false, unnamed: String? = nil) throws -> SecretBytes {
        let fd: Int32
        var owned = false
        if path == "-" {
            guard !ProcessSafety.standardInputWasClosed else {
                throw KeyVaultError.invalidArgument("\(what): standard input is closed; give a file instead of -")
            }
            fd = STDIN_FILENO
            if Syscalls.isTerminal(fd) { return try line(from: fd, prompt: nil, what: what) }
        } else if regularOnly {
            (fd, _) = try OpenFile.openRegular(path, described: what)
            owned = true
        } else {
            let st: stat
            do { (fd, st) = try Syscalls.openForInspection(path) } catch {
                if let noun = unnamed {
                    let why = "its name is not repeated here, in case it is the \(noun) itself typed in its place"
                    if [ENOENT, ENOTDIR, ENAMETOOLONG].contains(error.code) { throw KeyVaultError(.fileConflict, "\(noun) file does not exist (\(why))") }
                    throw KeyVaultError(.io, "cannot open the \(noun) file: \(SystemError.describe(error.code)) (\(why))")
                }
                if error.code == ENOENT { throw KeyVaultError(.fileConflict, "\(what) does not exist") }
                throw KeyVaultError.io("open", path: path, errno: error.code)
            }
            owned = true
            let type = st.st_mode & S_IFMT
            guard type == S_IFREG || type == S_IFIFO || type == S_IFCHR else {
                Syscalls.close(fd)
                if type == S_IFDIR { throw KeyVaultError(.fileConflict, "\(what) is a directory") }
                throw KeyVaultError.invalidArgument("\(what) is \(Syscalls.describeFileType(st.st_mode)); give a file, a pipe or -")
            }
            // A terminal named by path (/dev/tty, /dev/stdin on a terminal): one line, echo off, as for `-`.
            if type == S_IFCHR && Syscalls.isTerminal(fd) {
                defer { Syscalls.close(fd) }
                return try line(from: fd, prompt: nil, what: what)
            }
        }
        defer { if owned { Syscalls.close(fd) } }
        let st: stat
        do { st = try Syscalls.fstat(fd) } catch { throw KeyVaultError.io("stat", path: path, errno: error.code) }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw KeyVaultError(.fileConflict, "\(what) is a directory") }
        func readUpTo(_ buffer: SecretBytes) throws -> Int {
            do {
                return try buffer.withUnsafeMutableBytes { b throws(SyscallFailure) in try Syscalls.readUpTo(fd, b) }
            } catch let error as SyscallFailure {
                throw KeyVaultError.io("read", path: path, errno: error.code)
            }
        }
        let size = Int(st.st_size)
        if (st.st_mode & S_IFMT) == S_IFREG && size < maxCount {
            // A regular file's size is known: read exactly that into guarded memory of that size, then one byte more
            // into a slot of its own to see that nothing follows (one guarded allocation of the file's size, not a
            // second one to copy a shorter read into). It must hold what its size says: a file still growing, or one
            // whose size the file system does not report (/proc), would otherwise be cut short without a word.
            let buffer = try SecretBytes(zeroedCount: size)
            let count = try readUpTo(buffer)
            let more = try readUpTo(try SecretBytes(zeroedCount: 1))
            guard count == size && more == 0 else {
                throw KeyVaultError.invalidArgument("\(what) changed while it was read, or is not an ordinary file (its size does not match what it holds); copy it to a regular file and try again")
            }
            return buffer
        }
        // A pipe, a terminal device, or a file at least as large as the cap: read into the cap.
        let buffer = try SecretBytes(zeroedCount: maxCount)
        let count = try readUpTo(buffer)
        return count == maxCount ? buffer : try buffer.prefix(count)
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
            let what = fileOption == "--passphrase-file" ? "passphrase" : fileOption == "--pin-file" ? "PIN" : "password"
            throw KeyVaultError.invalidArgument("no \(what) given and no terminal to ask on; pass \(fileOption) FILE (or - for standard input)")
        }
        defer { Syscalls.close(tty) }
        return try line(from: tty, prompt: prompt, what: "passphrase")
    }

    /// Reads one line from the terminal `fd` with echo off (a prompt first, if given), into guarded memory.
    static func line(from fd: Int32, prompt: String?, what: String) throws -> SecretBytes {
        if let prompt { Array(prompt.utf8).withUnsafeBytes { try? Syscalls.writeFully(fd, $0) } }
        let wasOn = Syscalls.setEcho(fd, false)
        defer {
            if wasOn == 1 { _ = Syscalls.setEcho(fd, true) }
            // The newline the user typed was not echoed: end the line on the terminal (fd 0 may be read-only).
            let out = fd == STDIN_FILENO ? STDERR_FILENO : fd
            if Syscalls.isTerminal(out) { try? Array("\n".utf8).withUnsafeBytes { try Syscalls.writeFully(out, $0) } }
        }
        let line = try SecretBytes(zeroedCount: maximumPassphraseCount + 1)
        var count = 0
        let tooLong = line.withUnsafeMutableBytes { buffer -> Bool in
            while true {
                guard let byte = Syscalls.readByte(fd), byte != 0x0A else { return false }
                if byte == 0x0D { continue }
                guard count < maximumPassphraseCount else { return true }
                buffer[count] = byte
                count += 1
            }
        }
        guard !tooLong else { throw KeyVaultError.invalidArgument("\(what) is longer than \(maximumPassphraseCount) bytes") }
        guard count > 0 else { throw KeyVaultError.invalidArgument("empty \(what); nothing was done") }
        return try line.prefix(count)
    }

    /// Turns core dumps off and makes the process non-dumpable, so secrets in memory cannot reach a core file.
    ///
    /// - Returns: whether the system accepted both settings.
    @discardableResult
    public static func protectProcessMemory() -> Bool { Syscalls.disableCoreDumps() }
}
