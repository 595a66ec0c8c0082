// Arguments that are not UTF-8: Swift reads them with each bad byte replaced by U+FFFD, so `--out "$(printf 'o\377')"`
// would write a file of another name than the one given, and `--key` read another. Such a line is refused instead.

enum ArgumentEncoding {
    /// The error line when an argument of this process is not valid UTF-8, naming it with its bytes shown; nil
    /// otherwise.
    static func line() -> String? {
        for index in 1..<Int(CommandLine.argc) {
            guard let argument = CommandLine.unsafeArgv[index] else { continue }
            if String(validatingCString: argument) != nil { continue }
            return "argument \(index) is not valid UTF-8 (\(shown(argument))): keyvault reads file names and other arguments as UTF-8 "
                + "and would use another name than the one given; rename the file, or give it through a link with a UTF-8 name"
        }
        return nil
    }

    /// The argument's bytes with each one outside printable ASCII shown as `\xNN`.
    static func shown(_ argument: UnsafePointer<CChar>) -> String {
        var out = ""
        var p = argument
        while p.pointee != 0 {
            let byte = UInt8(bitPattern: p.pointee)
            if byte >= 0x20 && byte < 0x7F {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = String(byte, radix: 16)
                out += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            }
            p += 1
        }
        return out
    }
}
