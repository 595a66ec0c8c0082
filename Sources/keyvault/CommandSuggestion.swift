// A mistyped command name (`keyvault restor …`), named as such: ArgumentParser reports the first option it does not
// know instead ("Unknown option '--role'"), which sends the operator looking at the wrong word.
import ArgumentParser

enum CommandSuggestion {
    /// The command names `keyvault` knows, and `help`.
    static var known: [String] { KeyVaultCommand.configuration.subcommands.compactMap { $0.configuration.commandName } + ["help"] }

    /// The error line for `arguments` (without the program name) when their first word is no command: the word, and
    /// the command it is closest to if one is near; nil when the first word is a command or an option.
    static func line(for arguments: [String]) -> String? {
        guard let word = arguments.first, !word.hasPrefix("-"), !known.contains(word) else { return nil }
        let near = known.map { ($0, distance(word.lowercased(), $0)) }.filter { $0.1 <= 2 }.min { $0.1 < $1.1 }
        return "unknown command '\(shown(word))'\(near.map { "; did you mean '\($0.0)'?" } ?? "") (see 'keyvault help')"
    }

    /// A typed word as an error line shows it: printable ASCII (anything else as `?`), at most 64 characters. It is
    /// whatever was typed, perhaps a secret pasted into the wrong place.
    static func shown(_ word: String) -> String {
        String(String.UnicodeScalarView(word.unicodeScalars.prefix(64).map { (0x20..<0x7F).contains($0.value) ? $0 : "?" }))
    }

    /// Levenshtein distance: single-character insertions, deletions and substitutions.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        guard !a.isEmpty else { return b.count }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                let next = min(row[j] + 1, row[j - 1] + 1, previous + cost)
                previous = row[j]
                row[j] = next
            }
        }
        return row[b.count]
    }
}
