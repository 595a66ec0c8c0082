// The rule, in one place: a key restores only onto the same-named computer, for the same role.

/// Chooses the entry a restore may decrypt, or says why none may be.
public enum RestoreRule {
    /// Picks the entry of `role` that belongs to `host`: the newest version, or `version` when given.
    ///
    /// Only entries whose recorded computer name matches `host` (see ``HostName/matches(_:)``) are candidates, and
    /// only entries of exactly `role`: an SM key never serves a DW server. A message names at most three computers
    /// or versions and counts the rest (`A, B, C and 699,997 more`), so it stays one short line for any vault.
    ///
    /// - Parameters:
    ///   - entries: the vault's entries.
    ///   - role: the role asked for.
    ///   - version: a specific version, or nil for the newest.
    ///   - host: the machine the restore runs on.
    ///   - inventory: the vault's inventory (``Vault/inventory``), which a restore of the vault's own passes: by the
    ///     FQDN it records for a computer, an entry of another computer of the same short name (SM01 of another
    ///     domain) is no candidate, and a short `host` that keys of two domains match is refused. Without it, names
    ///     alone decide.
    /// - Returns: the entry to decrypt.
    /// - Throws: ``KeyVaultError/Code-swift.struct/noSuchEntry`` when the vault has no key of that role (or not that
    ///   version); ``KeyVaultError/Code-swift.struct/hostMismatch`` when the role's keys belong to other computers,
    ///   naming both.
    public static func select(from entries: [Entry], role: Role, version: UInt32?, host: HostIdentity, inventory: Inventory? = nil) throws -> Entry {
        // The start of an index record for each entry (meta_len, then the role, host and version fields), where
        // RecordLocation expects them: the rule then reads built entries as it reads a vault's index.
        var bytes: [UInt8] = [], locations: [RecordLocation] = []
        for e in entries {
            let roleBytes = Array(e.role.rawValue.utf8), hostBytes = Array(e.host.value.utf8)
            locations.append(
                RecordLocation(
                    start: UInt32(bytes.count), metaCount: 0, roleCount: UInt8(roleBytes.count),
                    hostCount: UInt8(hostBytes.count), size: 0))
            bytes += [0, 0, 0x01, 0, UInt8(roleBytes.count)] + roleBytes + [0x02, 0, UInt8(hostBytes.count)] + hostBytes
            bytes += [0x03, 0, 4] + (0..<4).map { UInt8(truncatingIfNeeded: e.version >> (24 - 8 * UInt32($0))) }
        }
        let position = try bytes.withUnsafeBufferPointer { bytes in
            try choose(
                in: RestoreCandidates(bytes: bytes, locations: locations, indices: entries.map(\.index)),
                role: role, version: version, host: host, inventory: inventory)
        }
        return entries[position]
    }

    /// ``select(from:role:version:host:inventory:)`` over entries read by position (a vault's index, read in place); returns
    /// the position of the entry chosen.
    ///
    /// One pass finds the candidates, building nothing. Only a refusal takes a second pass, to name what the vault
    /// holds: it keeps at most ``NameList/shown`` names, and counts distinct names with a ``DistinctCount``.
    ///
    /// With the vault's `inventory`, an entry whose computer the inventory names by another FQDN than the restoring
    /// computer's is no candidate (``InventoryDomains``): SM01, recorded as `sm01.corp.example`, does not restore on
    /// `sm01.other.example`, nor `sm01.other.example`'s key on SM01.
    static func choose(in entries: RestoreCandidates, role: Role, version: UInt32?, host: HostIdentity, inventory: Inventory? = nil) throws -> Int {
        do {
            return try chooseWithoutContext(in: entries, role: role, version: version, host: host, domains: inventory.map { InventoryDomains($0, host: host.name) })
        } catch var error as KeyVaultError {
            error.context.role = role
            error.context.host = host.name.value
            throw error
        }
    }

    private static func chooseWithoutContext(
        in entries: RestoreCandidates, role: Role, version: UInt32?, host: HostIdentity, domains: InventoryDomains?
    ) throws -> Int {
        let wantedRole = Array(role.rawValue.utf8), wantedHost = Array(host.name.value.utf8)
        func isOfRole(_ i: Int) -> Bool { RestoreCandidates.equal(entries.role(i), wantedRole) }
        func isRole(_ i: Int) -> Bool { !entries.retired.contains(i) && isOfRole(i) }
        // By the inventory, another computer than this one (only names that match this one's are asked).
        func isAnotherComputer(_ i: Int) -> Bool { domains?.isAnotherComputer(entries.host(i)) ?? false }
        // A fully qualified name of this computer's short name in another domain, among the role's keys in service:
        // then a short-named key that no inventory record places may be either computer's (a seal records the short
        // name Windows reports; it numbers both computers' keys in one series). Found once, when first asked.
        var foundOtherDomain: (name: String?, searched: Bool) = (nil, false)
        func otherDomainsName() -> String? {
            if foundOtherDomain.searched { return foundOtherDomain.name }
            let wantedShort = Array(host.name.shortName.utf8)
            var found: String?
            for i in 0..<entries.count where isRole(i) {
                let name = entries.host(i)
                guard name.contains(UInt8(ascii: ".")), HostName.matches(name, wantedShort), !HostName.matches(name, wantedHost) else { continue }
                found = String(decoding: name, as: UTF8.self)
                break
            }
            foundOtherDomain = (found, true)
            return found
        }
        /// Refuses `chosen` when it is short-named, this computer fully qualified, no record places the name, and
        /// another domain's computer of that short name has keys of the role: the vault cannot tell whose it is.
        func refuseUnplacedShortName(_ chosen: Int) throws {
            let name = entries.host(chosen)
            guard host.name.isFullyQualified, !name.contains(UInt8(ascii: ".")), domains?.fqdn(of: name) == nil, let other = otherDomainsName() else { return }
            let short = String(decoding: name, as: UTF8.self)
            throw KeyVaultError(
                .hostMismatch,
                "refused: the \(role) key of \(short) (version \(entries.version(chosen))) may be another computer's: the vault also holds \(role) keys of \(other), another computer of the short name \(short), and nothing says which computer \(short) is; if it is \(host.name), record that (keyvault inventory host VAULT --name \(short) --fqdn \(host.name)), or retire the keys that are not this computer's",
                context: KeyVaultError.Context(recordedHosts: [short, other]))
        }
        func isThisComputers(_ i: Int) -> Bool { HostName.matches(entries.host(i), wantedHost) && !isAnotherComputer(i) }
        func isMine(_ i: Int) -> Bool { isRole(i) && isThisComputers(i) }
        // The first entry whose name matches this computer's but which the inventory gives to another computer.
        var otherComputer: Int?
        // Without an FQDN for this computer: the FQDN the inventory gives the matching entries, while they agree.
        var theirDomain: String?
        var hasRole = false, mine = 0, newest: Int?, asked: Int?, versions: [String] = []
        // The distinct names among the matches while they all match one another; names that all match one another
        // are few (a NetBIOS name, a short name, one FQDN), so this stays a handful however many entries match.
        var agreeing: [Int] = [], ambiguous = false, matching: [Int] = []
        for i in 0..<entries.count where isRole(i) {
            hasRole = true
            let name = entries.host(i)
            guard HostName.matches(name, wantedHost) else { continue }
            if isAnotherComputer(i) {
                otherComputer = otherComputer ?? i
                continue
            }
            if let domains, domains.wanted == nil, let theirs = domains.fqdn(of: name) {
                // This computer's name is short and the inventory does not place it: entries of two recorded
                // computers both match it.
                if let theirDomain, theirDomain != theirs { ambiguous = true }
                theirDomain = theirDomain ?? theirs
            }
            mine += 1
            matching.append(i)
            if !ambiguous, !agreeing.contains(where: { HostName.equalIgnoringASCIICase(entries.host($0), name) }) {
                if agreeing.allSatisfy({ HostName.matches(entries.host($0), name) }) { agreeing.append(i) } else { ambiguous = true }
            }
            let v = entries.version(i)
            if newest.map({ (entries.version($0), entries.index($0)) < (v, entries.index(i)) }) ?? true { newest = i }
            if asked == nil && v == version { asked = i }
            if versions.count < NameList.shown { versions.append(String(v)) }
        }
        guard hasRole else {
            let holds = held(in: entries)
            throw KeyVaultError(.noSuchEntry, "no \(role) key in this vault (\(holds.isEmpty ? "it holds no keys" : "it holds: \(holds)"))")
        }
        if newest == nil, let other = otherComputer, let domains, let wanted = domains.wanted, let theirs = domains.fqdn(of: entries.host(other)) {
            let recorded = String(decoding: entries.host(other), as: UTF8.self)
            throw KeyVaultError(
                .hostMismatch,
                "refused: the \(role) key of \(recorded) belongs to \(theirs)\(recorded.lowercased() == theirs ? "" : ", the inventory's name for \(recorded)"), but \(host.subject) is \(wanted); a key restores only onto a computer with the name it was exported from",
                context: KeyVaultError.Context(recordedHosts: [theirs]))
        }
        guard let newest else {
            let owners = hosts(in: entries, where: isRole)
            throw KeyVaultError(
                .hostMismatch,
                "refused: the \(role) key in this vault belongs to \(owners), but \(host.subject) is \(host.name); a key restores only onto a computer with the name it was exported from",
                context: KeyVaultError.Context(recordedHosts: owners.names))
        }
        if ambiguous {
            let names = hosts(in: entries, separator: " and ", where: isMine)
            throw KeyVaultError(
                .hostMismatch,
                "refused: \(role) keys for \(names) all match \(host.isLocal ? "this computer's name \(host.name)" : "the name \(host.name) of \(host.subject)"); set \(host.isLocal ? "this computer's" : "its") host name to its fully qualified name so exactly one matches",
                context: KeyVaultError.Context(recordedHosts: names.names)
            )
        }
        if let version {
            guard let asked else {
                let first = String(decoding: entries.host(agreeing[0]), as: UTF8.self)
                // A retired version is there, but out of restores: say so rather than that it does not exist.
                let isRetired = entries.retired.contains { i in isOfRole(i) && isThisComputers(i) && entries.version(i) == version }
                if isRetired {
                    throw KeyVaultError(
                        .noSuchEntry,
                        "version \(version) of the \(role) key of \(first) is retired, so no restore takes it ('keyvault list --all' shows why); versions in service: \(NameList(first: versions, count: mine))"
                    )
                }
                // Retired versions named too: the operator may be looking for one (`list --all` shows them).
                let retired = entries.retired.filter { isOfRole($0) && isThisComputers($0) }.map { entries.version($0) }.sorted()
                guard !retired.isEmpty else {
                    throw KeyVaultError(.noSuchEntry, "no version \(version) of the \(role) key of \(first) (versions: \(NameList(first: versions, count: mine)))")
                }
                throw KeyVaultError(
                    .noSuchEntry,
                    "no version \(version) of the \(role) key of \(first) (versions in service: \(NameList(first: versions, count: mine)); retired: \(NameList(retired.map { String($0) })))"
                )
            }
            try refuseTwoSeries(of: asked, among: matching, in: entries, role: role, host: host)
            try refuseUnplacedShortName(asked)
            return asked
        }
        try refuseTwoSeries(of: newest, among: matching, in: entries, role: role, host: host)
        try refuseUnplacedShortName(newest)
        return newest
    }

    /// Refuses to pick when another matching entry has the same version as `chosen` under another name for this
    /// computer (a long name and its NetBIOS form sealed as two series by an older version): the vault cannot tell
    /// which of the two is this computer's key.
    private static func refuseTwoSeries(of chosen: Int, among matching: [Int], in entries: RestoreCandidates, role: Role, host: HostIdentity) throws {
        let v = entries.version(chosen)
        guard let other = matching.first(where: { $0 != chosen && entries.version($0) == v }) else { return }
        let a = String(decoding: entries.host(other), as: UTF8.self), b = String(decoding: entries.host(chosen), as: UTF8.self)
        throw KeyVaultError(
            .hostMismatch,
            "refused: version \(v) of the \(role) key exists both for \(a) and for \(b), which both name \(host.subject) \(host.name); the vault cannot tell which one is this computer's key: check with 'keyvault list' and restore a version only one of them has (--version)"
        )
    }

    /// The next version number for (`host`, `role`): one more than the highest among entries whose host matches; nil
    /// when the highest is already the largest a version can be (4,294,967,295, which only a file made to be so holds).
    public static func nextVersion(in entries: [Entry], role: Role, host: HostName) -> UInt32? {
        var highest: UInt32 = 0
        for e in entries where e.role == role && e.host.matches(host) { highest = max(highest, e.version) }
        return highest == .max ? nil : highest + 1
    }

    /// The distinct hosts (ignoring ASCII case) of the entries `included`, in index order, as first spelled.
    private static func hosts(in entries: RestoreCandidates, separator: String = ", ", where included: (Int) -> Bool) -> NameList {
        var distinct = DistinctCount(), first: [String] = []
        for i in 0..<entries.count where included(i) {
            let name = entries.host(i)
            let hash = DistinctCount.hash(UnsafeBufferPointer(start: nil, count: 0), name, foldingCase: true)
            if distinct.insert(hash, at: i, same: { HostName.equalIgnoringASCIICase(entries.host($0), name) }),
                first.count < NameList.shown
            {
                first.append(String(decoding: name, as: UTF8.self))
            }
        }
        return NameList(first: first, count: distinct.count, separator: separator)
    }

    /// The distinct `role key of host` of every entry, sorted: the first few, kept as the pass goes, and the count.
    private static func held(in entries: RestoreCandidates) -> NameList {
        // Byte order is String order here: roles and hosts are ASCII, and the space after a role sorts before any
        // role character, so a shorter role sorts first as it does in the string.
        func precedes(_ a: Int, _ b: Int) -> Bool {
            let roleA = entries.role(a), roleB = entries.role(b)
            if !RestoreCandidates.equal(roleA, roleB) { return RestoreCandidates.precedes(roleA, roleB) }
            return RestoreCandidates.precedes(entries.host(a), entries.host(b))
        }
        var distinct = DistinctCount(), least: [Int] = []
        for i in 0..<entries.count {
            let role = entries.role(i), name = entries.host(i)
            let hash = DistinctCount.hash(role, name, foldingCase: false)
            guard distinct.insert(hash, at: i, same: { RestoreCandidates.equal(entries.role($0), role) && RestoreCandidates.equal(entries.host($0), name) }) else { continue }
            let at = least.firstIndex { precedes(i, $0) } ?? least.count
            if at < NameList.shown {
                least.insert(i, at: at)
                if least.count > NameList.shown { least.removeLast() }
            }
        }
        let names = least.map { "\(String(decoding: entries.role($0), as: UTF8.self)) key of \(String(decoding: entries.host($0), as: UTF8.self))" }
        return NameList(first: names, count: distinct.count)
    }
}

/// The entries ``RestoreRule`` chooses among, read in place from index-record bytes: a vault's header, or built
/// entries laid out the same way. Nothing is built per entry.
struct RestoreCandidates {
    let bytes: UnsafeBufferPointer<UInt8>
    let locations: [RecordLocation]
    /// Each entry's index in its vault, when that is not its position here.
    var indices: [Int]? = nil
    /// Positions of retired entries, which no restore takes.
    var retired: Set<Int> = []

    var count: Int { locations.count }
    func role(_ i: Int) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: bytes[locations[i].roleRange]) }
    func host(_ i: Int) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: bytes[locations[i].hostRange]) }
    func version(_ i: Int) -> UInt32 {
        var value: UInt32 = 0
        for at in locations[i].versionRange { value = value << 8 | UInt32(bytes[at]) }
        return value
    }
    /// The entry's position in its vault's index: of two entries of the same version, the later one is newer.
    func index(_ i: Int) -> Int { indices?[i] ?? i }

    static func equal<Other: Collection<UInt8>>(_ a: UnsafeBufferPointer<UInt8>, _ b: Other) -> Bool where Other.Index == Int {
        guard a.count == b.count else { return false }
        var i = 0, j = b.startIndex
        while i < a.count { if a[i] != b[j] { return false }; i += 1; j += 1 }
        return true
    }

    /// Byte order, a prefix first.
    static func precedes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        while i < a.count && i < b.count {
            if a[i] != b[i] { return a[i] < b[i] }
            i += 1
        }
        return a.count < b.count
    }
}
