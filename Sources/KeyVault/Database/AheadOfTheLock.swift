// What a command may look at before a vault in a database is locked, to ask a person for what it will need first.

/// What a command may look at before the vault is locked in the database
/// (``DatabaseStore/withWorkingCopy(of:creating:beforeLocking:_:)``), so that it asks a person for what it will need
/// (a passphrase, a PIN) before it holds a lock others wait on. Nothing here is trusted, and it may already be out of
/// date: the command reads the vault again under the lock, and checks there whatever it decided here.
public final class AheadOfTheLock {
    private let location: DatabaseLocation
    /// A connection of its own, made on first use and closed with this value, so that the one the command works on is
    /// not left idle while a person types.
    private var connection: PostgresConnection?
    private var kept: Vault??

    init(location: DatabaseLocation) { self.location = location }

    /// This user's copy of the vault as the last command left it (it may be behind the database), read under this
    /// machine's lock on the copy and let go of before returning; nil when there is none, it is not as it was left, it
    /// does not read, the database cannot be reached, or another command of this machine is using the copy.
    public func keptCopy() -> Vault? {
        if let kept { return kept }
        var read: Vault?
        if let connection = connected(), let server = try? DatabaseStore.serverName(location, connection),
            let cache = try? DatabaseCache.forCurrentUser(location, server: server, waiting: false), cache.current() != nil
        {
            read = try? Vault.open(atPath: cache.vaultPath)
        }
        kept = .some(read)
        return read
    }

    /// Whether a change could not be stored now (a standby, a read-only transaction, a role that may not insert);
    /// false when that cannot be told.
    public func isReadOnly() -> Bool {
        guard let connection = connected() else { return false }
        return (try? DatabaseStore.isReadOnly(location, connection)) ?? false
    }

    private func connected() -> PostgresConnection? {
        if connection == nil { connection = try? PostgresConnection.connect(location.connectionURI) }
        return connection
    }
}
