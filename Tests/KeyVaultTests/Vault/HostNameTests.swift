// Host-name validation and the short-name/FQDN matching rule, at the library level.
import Testing
@testable import KeyVault

struct HostNameTests {
    func problem(_ text: String) -> String? {
        do { _ = try HostName(text); return nil } catch let error as KeyVaultError {
            #expect(error.code == .invalidArgument)
            return error.message
        } catch { return "\(error)" }
    }

    @Test(arguments: [
        ("", "invalid host name '': it is empty"),
        (".", "invalid host name '.': it is only a dot"),
        ("a b", "invalid host name 'a b': it contains a space (at position 2)"),
        ("a\u{7}b", "invalid host name 'a\\u{7}b': it contains a control character (at position 2)"),
        ("sm01/x", "invalid host name 'sm01/x': the character '/' (at position 5) is not allowed in a computer name"),
        ("sm01|x", "invalid host name 'sm01|x': the character '|' (at position 5) is not allowed in a computer name"),
        ("\"sm01\"", "invalid host name '\"sm01\"': the character '\"' (at position 1) is not allowed in a computer name"),
        ("sm01?", "invalid host name 'sm01?': the character '?' (at position 5) is not allowed in a computer name"),
        ("<sm01>", "invalid host name '<sm01>': the character '<' (at position 1) is not allowed in a computer name"),
        ("ΣM01", "invalid host name '\\u{3a3}M01': it contains a non-ASCII character (at byte 1); computer names are ASCII"),
        ("-sm01", "invalid host name '-sm01': the label '-sm01' starts with '-'"),
        ("sm01-", "invalid host name 'sm01-': the label 'sm01-' ends with '-'"),
        ("sm01.corp-.example", "invalid host name 'sm01.corp-.example': the label 'corp-' ends with '-'"),
        (".sm01", "invalid host name '.sm01': it has an empty label (two dots in a row, or a leading dot)"),
        ("sm01..corp", "invalid host name 'sm01..corp': it has an empty label (two dots in a row, or a leading dot)"),
        ("sm01.corp.example..", "invalid host name 'sm01.corp.example..': it has an empty label (two dots in a row, or a leading dot)"),
        ("sm_01.corp", "invalid host name 'sm_01.corp': the character '_' is not allowed in a DNS name (use A-Z, a-z, 0-9 and '-')"),
        ("sixteen_chars_xx", "invalid host name 'sixteen_chars_xx': the character '_' is allowed only in a NetBIOS name of at most 15 characters"),
    ])
    func refusedNamesSayWhatIsWrong(text: String, message: String) {
        #expect(problem(text) == message)
    }

    @Test func lengthLimits() {
        let label63 = String(repeating: "a", count: 63)
        #expect(problem(label63) == nil)
        #expect(problem(label63 + "a")?.hasSuffix("is 64 characters long; the limit is 63") == true)
        let name253 = [label63, label63, label63, String(repeating: "b", count: 61)].joined(separator: ".")
        #expect(name253.utf8.count == 253)
        #expect(problem(name253) == nil)
        #expect(problem(name253 + ".") == nil)   // the trailing dot does not count
        #expect(problem(name253 + "b")?.hasSuffix("it is 254 characters long; the limit is 253") == true)
    }

    @Test(arguments: ["SM01", "sm-01", "SM01.corp.example", "sm01.corp.example.", "WIN_SM!01", "x", "123", "a-b.c-d.e"])
    func acceptedNames(text: String) throws {
        let name = try HostName(text)
        #expect(!name.value.hasSuffix("."))
    }

    @Test(arguments: [
        ("SM01", "sm01", true), ("SM01", "SM01.corp.example", true), ("sm01.corp.example", "SM01", true),
        ("sm01.corp.example.", "SM01.CORP.EXAMPLE", true), ("SM01.corp.example", "sm01.corp.example.", true),
        ("dw01.contoso.com", "dw01.other.example", false), ("dw01.contoso.com", "dw01.contoso.com.au", false),
        ("SM01", "SM02", false), ("SM01", "SM011", false), ("sm01.corp", "sm02.corp", false),
        ("sm01.a.corp", "sm01.b.corp", false),
    ])
    func matchingRule(a: String, b: String, matches: Bool) throws {
        let x = try HostName(a), y = try HostName(b)
        #expect(x.matches(y) == matches)
        #expect(y.matches(x) == matches)   // symmetric
    }
}
