// A computer reached over SSH reports its name, and Windows reports the short one (SM01): when the name ssh reached
// it by is fully qualified and the inventory records that short name in another domain, the computer is not the
// inventory's. Refused before anything is pulled or written.
import KeyVault

enum RemoteDomainCheck {
    /// Refuses (exit 3) when `remote` reports a name the inventory records under another FQDN than the fully
    /// qualified name ssh reached it by (`sm01.other.example` reporting `SM01`, recorded as `sm01.corp.example`).
    /// Nothing is said when ssh reached it by an address, a short name or an alias of another first label.
    static func refuseAnotherDomain(_ remote: RemoteHostIdentity, inventory: Inventory, doing: String) throws {
        guard let reached = remote.reachedName else { return }
        // As a restore on a computer named `reached` counts entries named as the remote reports itself.
        let domains = InventoryDomains(inventory, host: reached)
        guard domains.isAnotherComputer(remote.name), let fqdn = domains.fqdn(of: remote.name) else { return }
        throw CLIError(
            message:
                "refused: the computer at \(remote.location.connection) reports its name as \(remote.name), which the inventory records as \(fqdn): ssh reached another computer of that short name, or the inventory's name is wrong; nothing was \(doing)",
            exitCode: ExitCodes.code(for: .refused))
    }
}
