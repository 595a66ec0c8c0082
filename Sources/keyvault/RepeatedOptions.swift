// An option given twice that takes one value: ArgumentParser keeps the last one silently, so `--key A --key B` would
// seal B and `--passphrase-file A --passphrase-file B` read B. Such a line is refused instead, naming the option.

enum RepeatedOptions {
    /// Options that take one value each time and may be repeated: custodians (`--identity`, `--recipient`, `--cert`),
    /// inventory fields to clear, and an inventory host's roles.
    static func repeatable(in arguments: [String]) -> [String] {
        ["--identity", "--recipient", "--cert", "--clear"] + (arguments.first == "inventory" ? ["--role"] : [])
    }

    /// The error line for `arguments` (without the program name) when an option other than those is given twice
    /// (before any `--`); nil otherwise.
    static func line(for arguments: [String]) -> String? {
        let repeatable = repeatable(in: arguments)
        var seen: [String] = []
        for token in arguments {
            if token == "--" { break }
            guard token.hasPrefix("--"), token.count > 2 else { continue }
            let name = String(token.split(separator: "=", maxSplits: 1)[0])
            guard !repeatable.contains(name) else { continue }
            if seen.contains(name) { return "\(name) is given twice; give it once" }
            seen.append(name)
        }
        return nil
    }
}
