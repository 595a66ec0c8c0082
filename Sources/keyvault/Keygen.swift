// keyvault keygen: make an X25519 custodian identity, or show the recipient of one.
import ArgumentParser
import KeyVault

struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen", abstract: "Create an X25519 custodian identity, or print the recipient of an existing one.",
        discussion: "The identity file is secret (mode 0600); the recipient (kvr1...) printed on standard output is public: give it to whoever runs 'keyvault init --recipient'.")

    @Option(help: ArgumentHelp("Write a new identity to FILE (never overwrites) and print its recipient.", valueName: "file"))
    var out: String?

    @Option(name: .customLong("public"), help: ArgumentHelp("Print the recipient of the identity in FILE.", valueName: "file"))
    var publicOf: String?

    func run() throws {
        switch (out, publicOf) {
        case (let path?, nil):
            let identity = try CustodianIdentity.generate()
            try identity.write(toPath: path)
            Output.line(identity.recipient!.string)
            Output.note("wrote identity \(path) (mode 0600); keep it secret, and share the recipient above")
        case (nil, let path?):
            let identity = try CustodianIdentity.load(fromFile: path) { _ in
                throw CLIError.usage("\(path) is a PEM private key; its public side is its certificate")
            }
            guard let recipient = identity.recipient else { throw CLIError.usage("\(path) is a PEM private key; its public side is its certificate") }
            Output.line(recipient.string)
        default:
            throw CLIError.usage("give exactly one of --out FILE (new identity) or --public FILE (show a recipient)")
        }
    }
}
