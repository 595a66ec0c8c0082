// The recovery rules, in one place: what to do when a computer of the management group fails (shared/DOMAIN.md).

/// The procedure for bringing back one failed computer, from Microsoft's recovery rules and the vault's inventory.
public struct RecoveryPlan: Sendable {
    /// One step: what to do, and the exact keyvault command when one applies.
    public struct Step: Sendable, Hashable {
        /// What to do.
        public let text: String
        /// The keyvault command to run for this step, if any.
        public let command: String?
    }

    /// One way back. A failed primary SM server with an additional SM server has two; every other case has one.
    public struct Way: Sendable {
        /// The kinds of way back; the raw value is what `plan --json` prints.
        public enum Kind: String, Sendable {
            /// Promote an additional SM server to primary.
            case promote
            /// Rebuild the computer under the same name and restore its key.
            case rebuild
            /// Bring back its databases on a computer of the same name and instance names.
            case databases
        }

        /// What kind of way it is.
        public let kind: Kind
        /// The role this way brings back.
        public let role: Role
        /// One line saying what this way is.
        public let title: String
        /// The steps, in order.
        public let steps: [Step]
    }

    /// The failed computer's name (from the inventory when recorded there, else as asked).
    public let host: HostName
    /// Its FQDN, when known.
    public let fqdn: HostName?
    /// Its roles (from the inventory, the vault's entries, and the databases recorded on it).
    public let roles: [Role]
    /// The management group, when recorded.
    public let managementGroup: String?
    /// The ways back, in the order to consider them.
    public let ways: [Way]
    /// Things that can make the recovery fail, found before it is needed.
    public let warnings: [String]

    /// Makes the plan for `failed`.
    ///
    /// - Parameters:
    ///   - failed: the computer that failed.
    ///   - vault: the vault (its inventory and entries; no secret is needed).
    ///   - vaultPath: the vault's path as the operator names it, for the commands.
    /// - Returns: the plan.
    /// - Throws: ``KeyVaultError/Code-swift.struct/noSuchEntry`` when the vault knows nothing about that computer.
    public static func make(for failed: HostName, vault: Vault, vaultPath: String) throws -> RecoveryPlan {
        try about(path: vaultPath) {
            var builder = try PlanBuilder(failed: failed, vault: vault, vaultPath: vaultPath)
            // A computer of several roles needs every one of them back: its ways are then parts of one recovery, not
            // alternatives, and its own databases come first (Setup of SM or DW uses the existing databases).
            let served = [Role.sm, .dw, .ssp, .sql].filter(builder.roles.contains)
            if served.count > 1 {
                builder.warnings.append(
                    "\(builder.name) runs \(served.map(\.rawValue).joined(separator: ", ")): the ways below are parts of one recovery, not alternatives (only SM's promotion or rebuild is a choice), done in the order shown\(served.contains(.sql) ? ", its databases first" : "")"
                )
            }
            for role in served.contains(.sql) ? [Role.sql, .sm, .dw, .ssp] : [Role.sm, .dw, .ssp] where builder.roles.contains(role) {
                switch role {
                case .sm: builder.addSMWays()
                case .dw: builder.addDWWay()
                case .ssp: builder.addSSPWay()
                default: builder.addDatabaseWay()
                }
            }
            return RecoveryPlan(
                host: builder.name, fqdn: builder.fqdn, roles: builder.roles, managementGroup: builder.inventory.managementGroup,
                ways: builder.ways, warnings: builder.warnings)

        }
    }

    /// The unlock options a restore of this vault needs, with placeholders named after its custodians: the passphrase
    /// when the vault has one and no threshold, else enough identities for the threshold (the first K custodians; any
    /// K will do, which the step's text does not need to say because the placeholders name real custodians).
    static func credentialOptions(for vault: Vault) -> String {
        let custodians = vault.custodians
        func option(_ c: Custodian) -> String {
            switch c.kind {
            case .passphrase: return " --passphrase-file PASSPHRASE-FILE"
            case .x25519: return " --identity IDENTITY-FILE-OF-\(c.id)"
            case .certificate: return " --identity PRIVATE-KEY-OF-\(c.subject.map(placeholderWord) ?? c.id)"
            case .unknown: return ""
            }
        }
        guard let k = vault.threshold else {
            if let passphrase = custodians.first(where: { $0.kind == .passphrase }) { return option(passphrase) }
            return custodians.first.map(option) ?? ""
        }
        return custodians.prefix(k).map(option).joined()
    }

    /// A certificate subject as one shell-safe word: its CN if it has one, letters, digits and `-` only.
    private static func placeholderWord(_ subject: String) -> String {
        let parts = subject.split(separator: ",").map { String($0).trimmingASCIIWhitespace }
        let cn = parts.first(where: { $0.hasPrefix("CN=") }).map { String($0.dropFirst(3)) } ?? subject
        let word = String(cn.unicodeScalars.map { CharacterSet.isPlain($0) ? Character($0) : "-" })
        return word.isEmpty ? "CERTIFICATE" : word
    }

    /// A path as a shell word: bare when it is plain, else in single quotes.
    static func shellQuote(_ text: String) -> String {
        let plain = !text.isEmpty && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) || "-_./+:@%".utf8.contains($0) }
        if plain { return text }
        var out = "'"
        for ch in text { out += ch == "'" ? "'\\''" : String(ch) }
        return out + "'"
    }
}

private enum CharacterSet {
    static func isPlain(_ s: Unicode.Scalar) -> Bool {
        (0x30...0x39).contains(s.value) || (0x41...0x5A).contains(s.value) || (0x61...0x7A).contains(s.value) || s == "-"
    }
}

/// The distinct strings of `items`, in first-seen order (case-insensitive).
func uniqueInOrder(_ items: [String]) -> [String] {
    var seen = Set<String>(), out: [String] = []
    for i in items where seen.insert(i.lowercased()).inserted { out.append(i) }
    return out
}
