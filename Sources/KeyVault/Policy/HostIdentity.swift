// This machine's computer name, as the operating system reports it.

/// The identity of the machine a restore runs on.
///
/// The only public ways to make one are ``init()``, which asks the operating system (`gethostname`, the kernel's
/// UTS node name), and ``RemoteHostIdentity/identity``, the name another computer reported when asked over SSH.
/// There is deliberately no way to pass a name in: the host rule is an interlock against operator mistakes, and a
/// flag would defeat it. It is not a barrier against whoever holds the vault's secrets and writes code: the answer over
/// SSH comes from the program ``SSHClient`` runs (`KEYVAULT_SSH_COMMAND` too), which that caller chooses, and the
/// secrets decrypt the keys without keyvault at all (SECURITY.md, *One custodian*).
public struct HostIdentity: Sendable, CustomStringConvertible {
    /// This machine's name (or the remote computer's, for an identity asked over SSH).
    public let name: HostName
    /// How messages name the machine: "this computer", or "the computer at ssh://HOST".
    let subject: String

    /// Reads this machine's host name from the operating system.
    ///
    /// - Throws: ``KeyVaultError/Code-swift.struct/hostIdentity`` when the name cannot be read or is not a valid
    ///   computer name.
    public init() throws {
        let text: String
        do { text = try Syscalls.hostName() } catch {
            throw KeyVaultError(.hostIdentity, "cannot read this computer's host name: \(SystemError.describe(error.code))")
        }
        subject = "this computer"
        do { name = try HostName(text) } catch {
            throw KeyVaultError(.hostIdentity, "this computer's host name '\(text.printable)' is not a valid computer name, so no key can be matched to it; set a proper host name first")
        }
    }

    /// For tests of the library's own logic only; the command line and other tools use ``init()``.
    init(testingName name: HostName) { self.name = name; subject = "this computer" }

    /// The name a remote computer reported (``RemoteHostIdentity``); `subject` names it in messages.
    init(reported name: HostName, subject: String) { self.name = name; self.subject = subject }

    /// Whether this is the machine keyvault runs on (messages then say "this computer").
    var isLocal: Bool { subject == "this computer" }

    public var description: String { name.value }
}
