// A computer reached over SSH reports its name, and Windows reports the short one (SM01): when the name ssh reached
// it by is fully qualified and the inventory records that short name in another domain, the computer is not the
// inventory's. Refused before anything is pulled or written.
import KeyVault

enum RemoteDomainCheck {
    /// Refuses (exit 3) when `remote` reports a name the inventory records under another FQDN than the fully
    /// qualified name ssh reached it by (`sm01.other.example` reporting `SM01`, recorded as `sm01.corp.example`).
    /// Nothing is said when ssh reached it by an address, a short name or an alias of another first label.
    static func refuseAnotherDomain(_ remote: RemoteHostIdentity, inventory: Inventory, doing: String) throws {
        try refuseAnotherComputer(remote, inventory: inventory, doing: doing)
        guard let reached = remote.reachedName else { return }
        // As a restore on a computer named `reached` counts entries named as the remote reports itself.
        let domains = InventoryDomains(inventory, host: reached)
        guard domains.isAnotherComputer(remote.name), let fqdn = domains.fqdn(of: remote.name) else { return }
        throw CLIError(
            message:
                "refused: the computer at \(remote.location.connection) reports its name as \(remote.name), which the inventory records as \(fqdn): ssh reached another computer of that short name, or the inventory's name is wrong; nothing was \(doing)",
            exitCode: ExitCodes.code(for: .refused))
    }

    /// Refuses (exit 3) when ssh reached the computer by a fully qualified name that the inventory records as
    /// another computer's FQDN than the name it reports (`sm01.corp.example`, SM01's, answering `DW01`): a wrong
    /// DNS record or ssh configuration, or a wrong inventory; either way the key is not moved on that answer alone.
    static func refuseAnotherComputer(_ remote: RemoteHostIdentity, inventory: Inventory, doing: String) throws {
        guard let reached = try? HostName(remote.location.host), reached.isFullyQualified, !reached.matches(remote.name) else { return }
        // Every record of that FQDN (an older inventory may hold two), whatever their order: any that is another
        // computer than the reported one refuses.
        guard let record = inventory.hosts.first(where: { ($0.fullyQualifiedName?.matches(reached) ?? false) && !$0.matches(remote.name) })
        else { return }
        throw CLIError(
            message:
                "refused: the computer at \(remote.location.connection) reports its name as \(remote.name), but the inventory records \(reached) as \(record.name): ssh reached another computer than the one named, or the inventory is wrong; nothing was \(doing)",
            exitCode: ExitCodes.code(for: .refused))
    }
}
