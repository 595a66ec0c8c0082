// A mistyped option (`keyvault seal … --rol dw`): ArgumentParser reports a missing required option first ("Missing
// expected argument '--role <role>'"), which hides the word that was wrong. The option the command does not know is
// named instead, with the nearest one it does.
import ArgumentParser

enum OptionSuggestion {
    /// The command `arguments` (without the program name) run, down to its last subcommand, and the arguments after
    /// its name; nil when the first word is no command.
    static func command(for arguments: [String]) -> (type: ParsableCommand.Type, name: String, rest: ArraySlice<String>)? {
        var type: ParsableCommand.Type = KeyVaultCommand.self
        var names: [String] = []
        var rest = arguments[...]
        while let word = rest.first,
            let sub = type.configuration.subcommands.first(where: { $0.configuration.commandName == word })
        {
            type = sub
            names.append(word)
            rest = rest.dropFirst()
        }
        return names.isEmpty ? nil : (type, names.joined(separator: " "), rest)
    }

    /// The long options `type` takes, as its help lists them.
    static func options(of type: ParsableCommand.Type) -> Set<String> {
        var found: Set<String> = ["--help"]
        let text = Array(type.helpMessage(columns: 10_000).utf8)
        var i = 0
        while i + 2 < text.count {
            guard text[i] == UInt8(ascii: "-"), text[i + 1] == UInt8(ascii: "-"), i == 0 || !isNameByte(text[i - 1]) else {
                i += 1
                continue
            }
            var j = i + 2
            while j < text.count, isNameByte(text[j]) { j += 1 }
            if j > i + 2 { found.insert(String(decoding: text[i..<j], as: UTF8.self)) }
            i = j
        }
        return found
    }

    private static func isNameByte(_ b: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || b == UInt8(ascii: "-")
    }

    /// The error line when `arguments` give their command a long option it does not take (before any `--`): the
    /// option, and the nearest one the command takes if one is near; nil otherwise.
    static func line(for arguments: [String]) -> String? {
        guard let (type, name, rest) = command(for: arguments) else { return nil }
        let known = options(of: type)
        for token in rest {
            if token == "--" { break }
            guard token.hasPrefix("--"), token.count > 2 else { continue }
            let option = String(token.split(separator: "=", maxSplits: 1)[0])
            guard !known.contains(option) else { continue }
            let near = known.map { ($0, CommandSuggestion.distance(option, $0)) }.filter { $0.1 <= 2 }.min { $0.1 < $1.1 }
            return "unknown option '\(CommandSuggestion.shown(option))' for '\(name)'\(near.map { "; did you mean '\($0.0)'?" } ?? "") (see 'keyvault help \(name)')"
        }
        return nil
    }
}
