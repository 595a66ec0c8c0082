// The per-user record of each vault seen and how far its history had come, so that an older copy put back is noticed.
#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Remembers, for one user, how far each vault's history had come when it was last seen (``VaultProgress``).
///
/// One small file per vault id in `$XDG_STATE_HOME/keyvault/seen/` (default `~/.local/state/keyvault/seen/`), mode
/// 0600 in a 0700 folder. A restore on a freshly rebuilt host never needs it: with no record, a vault is simply
/// remembered. Records only move forward, except when a roll-back is deliberately accepted.
public struct SeenVaults: Sendable {
    /// The folder holding one file per vault.
    public let directory: String

    /// A store in `directory` (created on first write).
    ///
    /// - Parameter directory: an absolute path.
    public init(directory: String) {
        self.directory = directory
        ancestorProblem = Self.ancestorProblem(of: directory)
    }

    /// What ``ancestorProblem(of:)`` found when the store was made: the folders above it are walked once, not on each
    /// of the several reads and writes a command makes.
    private let ancestorProblem: String?

    /// The current user's store, from `XDG_STATE_HOME` (when absolute) or `HOME`; nil when neither is set.
    public static func forCurrentUser() -> SeenVaults? {
        if let state = Syscalls.environment("XDG_STATE_HOME"), state.hasPrefix("/") {
            return SeenVaults(directory: "\(state)/keyvault/seen")
        }
        guard let home = Syscalls.environment("HOME"), home.hasPrefix("/") else { return nil }
        return SeenVaults(directory: "\(home)/.local/state/keyvault/seen")
    }

    /// What was remembered of one vault.
    public struct Sighting: Sendable, Hashable {
        /// How far its history had come.
        public let progress: VaultProgress
        /// When it was seen.
        public let time: Timestamp
        /// Under which path.
        public let path: String
        /// A digest of the fields of its newest audit record (``Vault/recordDigest(number:)``); nil in a record
        /// written before keyvault kept it.
        let newest: [UInt8]?
    }

    private func file(for id: String) -> String { "\(directory)/\(id)" }

    /// Why this store must not be used, or nil: its folder, or the `keyvault` folder above it, is a symbolic link,
    /// belongs to another user, or can be written by others, so someone else could plant or remove records (a false
    /// roll-back, or a real one hidden). Nil as well when the folders do not exist yet (they are made 0700).
    public var problem: String? {
        for folder in [Paths.directory(of: directory), directory] {
            guard let st = Syscalls.lstat(folder) else { continue }
            if (st.st_mode & S_IFMT) != S_IFDIR { return "\(folder) is not a folder (a symbolic link?)" }
            if st.st_uid != Syscalls.effectiveUserID { return "\(folder) belongs to user \(st.st_uid), not to this user (\(Syscalls.effectiveUserID))" }
            if st.st_mode & 0o022 != 0 { return "others can write \(folder) (mode \(String(st.st_mode & 0o777, radix: 8)))" }
        }
        return ancestorProblem
    }

    /// Why a folder above the store's own two lets someone else rename or remove them (and with them every record and
    /// pin): one that belongs to another user than root or this one, or that every user may write without the sticky
    /// bit (as /tmp has). A folder its group may write is accepted: with umask 002 (RHEL, Fedora) a user's own folders
    /// are, for a group of that user alone. Nil when every folder up to `/` is safe.
    private static func ancestorProblem(of directory: String) -> String? {
        var folder = Paths.directory(of: Paths.directory(of: directory))
        // The first folder that exists, resolved: links along the way are followed as the kernel follows them.
        while Syscalls.stat(folder) == nil && folder != "/" { folder = Paths.directory(of: folder) }
        folder = Syscalls.resolvedPath(folder) ?? folder
        let me = Syscalls.effectiveUserID
        while true {
            if let st = Syscalls.stat(folder) {
                if st.st_uid != 0 && st.st_uid != me {
                    return "\(folder), a folder above it, belongs to user \(st.st_uid), who can move this user's records away"
                }
                if st.st_mode & 0o002 != 0 && st.st_mode & S_ISVTX == 0 {
                    return "every user can write \(folder), a folder above it (mode \(String(st.st_mode & 0o777, radix: 8)), no sticky bit), and move this user's records away"
                }
            }
            if folder == "/" { return nil }
            folder = Paths.directory(of: folder)
        }
    }

    /// What was remembered of the vault with id `id`, or nil (never seen, or an unreadable record).
    public func lastSighting(ofVaultID id: String) -> Sighting? {
        guard problem == nil, let text = try? Syscalls.readSmallFile(file(for: id), max: 16_384, ownedBy: Syscalls.effectiveUserID) else { return nil }
        // The first line of each name counts (a record written before paths were encoded may hold a path with a line
        // break, whose second part must not pass for a field).
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2, fields[String(parts[0])] == nil { fields[String(parts[0])] = String(parts[1]) }
        }
        guard fields["keyvault-seen"] == "1", let records = fields["records"].flatMap({ UInt64($0) }),
            let head = fields["head"].flatMap(Array<UInt8>.init(hex:)), head.count == 32,
            let seconds = fields["time"].flatMap({ UInt64($0) })
        else { return nil }
        return Sighting(
            progress: VaultProgress(records: records, head: head), time: Timestamp(secondsSinceEpoch: seconds),
            path: fields["path"].map(Self.decodedPath) ?? "?", newest: fields["newest"].flatMap(Array<UInt8>.init(hex:)).flatMap { $0.count == 32 ? $0 : nil })
    }

    /// The vault this user last saw at `path`, when it was another vault than `vault` and this user never saw `vault`
    /// itself (no sighting, no pin): the file at that path was replaced by a different vault (a new id), which is
    /// how someone who can write the file would escape what this user remembers of the real one.
    ///
    /// - Parameters:
    ///   - vault: the vault now at `path`.
    ///   - path: where it was opened.
    /// - Returns: the other vault's id and sighting, or nil.
    public func otherVaultSeen(at path: String, than vault: Vault) -> (id: String, sighting: Sighting)? {
        guard problem == nil, lastSighting(ofVaultID: vault.id) == nil, pinnedKey(ofVaultID: vault.id) == nil,
            case let names = Syscalls.listDirectory(directory)
        else { return nil }
        let absolute = Paths.absolute(path)
        var latest: (id: String, sighting: Sighting)?
        for name in names where name.count == 32 && name != vault.id {
            guard let seen = lastSighting(ofVaultID: name), seen.path == absolute else { continue }
            if latest == nil || seen.time.secondsSinceEpoch > latest!.sighting.time.secondsSinceEpoch { latest = (name, seen) }
        }
        return latest
    }

    /// The earlier sighting that `vault` is behind, or nil when it is as new as, or newer than, anything seen.
    ///
    /// Behind means fewer records than seen (an older copy, or records cut from the end), or a history that went
    /// another way: as many records with another newest one, or more with another record where the newest one seen
    /// was (an older copy put back and written to since; told by a digest of that record's fields, which a re-key
    /// leaves as they were).
    public func rollback(of vault: Vault) -> Sighting? {
        guard let seen = lastSighting(ofVaultID: vault.id) else { return nil }
        if vault.progress.records < seen.progress.records || Self.wentAnotherWay(vault, from: seen.progress, newest: seen.newest) {
            return seen
        }
        return nil
    }

    /// Whether `vault`'s history is not a continuation of the one seen at `seen` (whose newest record's digest is
    /// `newest`): as many records with another newest one; or more, with another record where the seen newest one
    /// was (an older copy put back and written to since). The second needs the digest and the record still kept.
    static func wentAnotherWay(_ vault: Vault, from seen: VaultProgress, newest: [UInt8]?) -> Bool {
        wentAnotherWay(vault.progress, log: vault.header.extensions.log, from: seen, newest: newest)
    }

    /// As the other, for a history at `now` whose audit log is `log`.
    static func wentAnotherWay(_ now: VaultProgress, log: AuditLog, from seen: VaultProgress, newest: [UInt8]?) -> Bool {
        if now.records == seen.records { return now.head != seen.head }
        guard now.records > seen.records, let newest, let there = log.digest(ofRecord: seen.records) else { return false }
        return there != newest
    }

    /// The vault-key commitment this user pinned for the vault with id `id`, or nil (never pinned, or unreadable).
    ///
    /// - Parameter id: the vault id, in hex.
    public func pinnedKey(ofVaultID id: String) -> [UInt8]? {
        guard problem == nil, let text = try? Syscalls.readSmallFile(file(for: id) + ".key", max: 4096, ownedBy: Syscalls.effectiveUserID) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("key ") {
            if let key = Array<UInt8>(hex: String(line.dropFirst(4))), key.count == 32 { return key }
        }
        return nil
    }

    /// Pins `commitment` as the key of the vault with id `id` (replacing an earlier pin).
    ///
    /// - Parameters:
    ///   - commitment: the key's 32-byte commitment.
    ///   - id: the vault id, in hex.
    /// - Throws: ``KeyVaultError/Code-swift.struct/io`` when the pin cannot be written.
    func pin(_ commitment: [UInt8], vaultID id: String) throws {
        if pinnedKey(ofVaultID: id) == commitment { return }
        do { try Syscalls.makeDirectories(directory, mode: 0o700) } catch {
            throw KeyVaultError.io("create the folder", path: directory, errno: error.code)
        }
        if let problem { throw KeyVaultError(.io, "not using \(directory) to remember vault keys: \(problem)") }
        let text = "keyvault-key 1\nkey \(commitment.hexString)\ntime \(Timestamp.now().secondsSinceEpoch)\n"
        let out = try AtomicFile(finalPath: file(for: id) + ".key")
        try out.write(Array(text.utf8))
        Self.pinnedHere.withLock { _ = $0.insert(id) }
        try out.commit(replacing: true)
    }

    /// The vault ids whose pins this process wrote (``restorePins(_:)`` puts back only those).
    private static let pinnedHere = Locked<Set<String>>([])

    /// Every key pin this store holds, by vault id: to put back with ``restorePins(_:)`` when a change that pinned a
    /// new key was not stored after all (a vault in a database that refused it).
    package func pinnedKeys() -> [String: [UInt8]] {
        guard problem == nil else { return [:] }
        var out: [String: [UInt8]] = [:]
        for name in Syscalls.listDirectory(directory) where name.utf8.count == 36 && name.hasSuffix(".key") {
            let id = String(name.prefix(32))
            if let key = pinnedKey(ofVaultID: id) { out[id] = key }
        }
        return out
    }

    /// Puts the pins this process changed back as `pins` (from ``pinnedKeys()``) held them: a pin changed since goes
    /// back to the key before it, and one made since goes; pins another process changed meanwhile are left alone.
    /// Best effort: what cannot be written stays as it is.
    package func restorePins(_ pins: [String: [UInt8]]) {
        let mine = Self.pinnedHere.withLock { $0 }
        for (id, key) in pinnedKeys() where mine.contains(id) && pins[id] != key {
            if let old = pins[id] { try? pin(old, vaultID: id) } else { Syscalls.unlink(file(for: id) + ".key") }
        }
    }

    /// Pins the key of `unlocked` as this user's key for its vault; only after something vouched for it
    /// (``UnlockedVault/vouch(pinned:)``).
    ///
    /// - Parameter unlocked: the vault, unlocked.
    /// - Throws: ``KeyVaultError/Code-swift.struct/io`` when the pin cannot be written.
    public func pin(unlocked: UnlockedVault) throws {
        try pin(unlocked.keyCommitment, vaultID: unlocked.vault.id)
    }

    /// Remembers `vault` as it is now, unless something newer was seen (or `replacingNewer`, for an accepted roll-back).
    /// Call it only with a vault whose header was authenticated, or that this process wrote.
    ///
    /// - Throws: ``KeyVaultError/Code-swift.struct/io`` when the record cannot be written.
    public func remember(_ vault: Vault, path: String, replacingNewer: Bool = false) throws {
        try remember(
            id: vault.id, progress: vault.progress, newest: vault.newestRecordDigest, path: path, replacingNewer: replacingNewer,
            anotherWay: { Self.wentAnotherWay(vault, from: $0.progress, newest: $0.newest) })
    }

    /// Remembers a vault this process has just written (``CommittedVault/latest``).
    public func remember(_ committed: CommittedVault, path: String, replacingNewer: Bool = false) throws {
        // Its own write should have continued the history seen (a roll-back is refused before and under the lock,
        // unless accepted: then `replacingNewer`); asked all the same, so that no path that missed it moves the record
        // onto another history.
        try remember(
            id: committed.id, progress: committed.progress, newest: committed.newestRecordDigest, path: path, replacingNewer: replacingNewer,
            anotherWay: { Self.wentAnotherWay(committed.progress, log: committed.log, from: $0.progress, newest: $0.newest) })
    }

    /// Forward only, unless `replacingNewer`: a sighting further on, the same one, or one that `anotherWay` says the
    /// vault's history did not pass through (a roll-back this user was warned of, and must accept to write) is kept.
    private func remember(
        id: String, progress now: VaultProgress, newest: [UInt8]?, path: String, replacingNewer: Bool, anotherWay: (Sighting) -> Bool
    ) throws {
        if !replacingNewer, let seen = lastSighting(ofVaultID: id),
            seen.progress.records > now.records
                || (seen.progress.records == now.records && seen.progress.head == now.head && (seen.newest != nil || newest == nil))
                || anotherWay(seen)
        {
            return
        }
        do { try Syscalls.makeDirectories(directory, mode: 0o700) } catch {
            throw KeyVaultError.io("create the folder", path: directory, errno: error.code)
        }
        if let problem { throw KeyVaultError(.io, "not using \(directory) to remember vaults: \(problem)") }
        // The path last, with line breaks and other control characters as %XX: a path is any bytes but NUL, and one
        // with a line break wrote lines of its own into the record (a lower record count, say).
        let text =
            "keyvault-seen 1\nrecords \(now.records)\nhead \(now.head.hexString)\ntime \(Timestamp.now().secondsSinceEpoch)\n"
            + (newest.map { "newest \($0.hexString)\n" } ?? "") + "path \(Self.encodedPath(Paths.absolute(path)))\n"
        let out = try AtomicFile(finalPath: file(for: id))
        try out.write(Array(text.utf8))
        try out.commit(replacing: true)
    }
}

extension SeenVaults {
    /// `path` with `%`, control characters and DEL as `%XX`, on one line.
    static func encodedPath(_ path: String) -> String {
        var out: [UInt8] = []
        for byte in path.utf8 {
            if byte < 0x20 || byte == 0x7F || byte == 0x25 {
                out += Array("%".utf8) + Array(String(byte, radix: 16, uppercase: true).leftPadded(to: 2).utf8)
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The path ``encodedPath(_:)`` encoded.
    static func decodedPath(_ text: String) -> String { String(decoding: PercentEncoding.decodedLeniently(text), as: UTF8.self) }
}

extension Array where Element == UInt8 {
    /// Bytes from lowercase or uppercase hex; nil for anything else.
    init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x61...0x66: return c - 0x61 + 10
            case 0x41...0x46: return c - 0x41 + 10
            default: return nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var i = 0
        while i < digits.count {
            guard let hi = value(digits[i]), let lo = value(digits[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        self = out
    }
}
