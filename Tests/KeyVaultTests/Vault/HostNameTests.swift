// Host-name validation and the short-name/FQDN/NetBIOS-name matching rule, at the library level.
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
        #expect(problem(name253 + ".") == nil)  // the trailing dot does not count
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
        #expect(y.matches(x) == matches)  // symmetric
    }

    /// NetBIOS forms (issue 11 item 8): a 15-character single label is how Windows cuts a longer computer name.
    static let netBIOSPairs: [(String, String, Bool)] = [
        ("AVERYVERYVERYLO", "averyveryverylongname", true),
        ("AVERYVERYVERYLO", "averyveryverylongname.corp.example", true),
        ("averyveryverylo", "AVERYVERYVERYLONGNAME.CORP.EXAMPLE.", true),  // case and a trailing dot, as ever
        ("ABCDEFGHIJKLMNO", "abcdefghijklmnop", true),  // a 16-character label: the shortest cut
        ("AVERYVERYVERYLO", "averyveryverylo-ngname", true),  // '-' is a DNS character like any other
        ("AVERYVERYVERYLO", "averyveryverylo.corp.example", true),  // the first rule, unchanged
        ("AVERYVERYVERYLO", "averyveryverylo", true),
        // A 15-character first label with a domain is a DNS name, not a NetBIOS form.
        ("averyveryverylo.corp.example", "averyveryverylongname", false),
        ("averyveryverylo.corp.example", "averyveryverylongname.corp.example", false),
        ("averyveryverylo.corp.example", "averyveryverylongname.other.example", false),
        // Shorter than 15 is a whole name, never a cut one.
        ("SM01", "sm01x", false),
        ("SM01", "sm01x.corp.example", false),
        ("AVERYVERYVERYL", "averyveryverylongname", false),
        // Longer names that differ after character 15 are different computers.
        ("averyveryverylongname", "averyveryverylongnamf", false),
        ("averyveryverylongname", "averyveryverylongnam", false),
        ("averyveryverylongname.corp.example", "averyveryverylongnamf", false),
        ("averyveryverylon", "averyveryverylongname", false),  // 16 characters is not a NetBIOS form
        // Two 15-character labels are compared whole.
        ("AVERYVERYVERYLX", "averyveryverylo", false),
        ("AVERYVERYVERYLX", "averyveryverylo.corp.example", false),
        // The cut applies to the first label only, and a NetBIOS form cannot carry characters a DNS label cannot.
        ("AVERYVERYVERYLX", "averyveryverylongname", false),
        ("AVERYVERYVERYLO", "x.averyveryverylongname", false),
        ("AVERYVERYVERYLO", "averyveryverylxngname", false),
        ("AVERY_ERYVERYLO", "avery-eryverylongname", false),
    ]

    @Test(arguments: netBIOSPairs)
    func netBIOSNameMatchesItsLongerName(a: String, b: String, matches: Bool) throws {
        let x = try HostName(a), y = try HostName(b)
        #expect(x.matches(y) == matches, "\(a) ~ \(b)")
        #expect(y.matches(x) == matches, "\(b) ~ \(a)")  // both directions: recorded long or recorded cut
    }

    /// The rule as docs/FORMAT.md words it, on lowercased labels: an independent statement to test both paths against.
    static func ruleAsWritten(_ a: HostName, _ b: HostName) -> Bool {
        let x = a.value.lowercased().split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let y = b.value.lowercased().split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if x[0] == y[0] && (x.count == 1 || y.count == 1 || x == y) { return true }
        func cut(_ short: [String], of long: [String]) -> Bool {
            short.count == 1 && short[0].count == 15 && long[0].count > 15 && long[0].hasPrefix(short[0])
        }
        return cut(x, of: y) || cut(y, of: x)
    }

    static var allPairs: [(String, String)] {
        let old = [
            ("SM01", "sm01"), ("SM01", "SM01.corp.example"), ("sm01.corp.example.", "SM01.CORP.EXAMPLE"),
            ("dw01.contoso.com", "dw01.other.example"), ("dw01.contoso.com", "dw01.contoso.com.au"),
            ("SM01", "SM02"), ("SM01", "SM011"), ("sm01.a.corp", "sm01.b.corp"), ("WIN_SM!01", "win_sm!01"),
        ]
        let pairs = old + netBIOSPairs.map { ($0.0, $0.1) }
        return pairs + pairs.map { ($0.1, $0.0) }  // both orders
    }

    @Test func stringAndBytePathsAgree() throws {
        for (a, b) in HostNameTests.allPairs {
            let x = try HostName(a), y = try HostName(b)
            let expected = HostNameTests.ruleAsWritten(x, y)
            #expect(x.matches(y) == expected, "String path: \(a) ~ \(b)")
            #expect(HostName.matches(Array(x.value.utf8), Array(y.value.utf8)) == expected, "bytes: \(a) ~ \(b)")
            // As a vault's index scan calls it: a stored name is a slice of a larger buffer, not starting at 0.
            let stored = Array("\u{2}\(x.value)\u{3}".utf8)
            let scanned = stored.withUnsafeBufferPointer { buffer in
                HostName.matches(UnsafeBufferPointer(rebasing: buffer[1..<(stored.count - 1)]), Array(y.value.utf8))
            }
            #expect(scanned == expected, "index scan: \(a) ~ \(b)")
        }
    }

    /// The DNS-name rule written plainly, label by label: at most 253 bytes without a trailing dot, labels of 1-63
    /// bytes of A-Z, a-z, 0-9 and '-', none starting or ending with '-'.
    static func plainDNSNameByLabels(_ name: [UInt8]) -> Bool {
        let body = name.last == 0x2E ? Array(name.dropLast()) : name
        guard (1...253).contains(body.count) else { return false }
        return body.split(separator: 0x2E, omittingEmptySubsequences: false).allSatisfy { label in
            (1...63).contains(label.count) && label.first != 0x2D && label.last != 0x2D
                && label.allSatisfy { (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) || $0 == 0x2D }
        }
    }

    /// The one-pass check an open makes of every stored name, and the check of names given as text, agree with the
    /// rule written plainly, for names built from the bytes the rule turns on (letters, digits, '-', '.', '_') at
    /// every length near the limits of a label and a name.
    @Test func theStoredNameCheckAgreesWithTheRule() {
        var rng = SplitMix64(state: 0x646e_7331)
        let alphabet = Array("aZ09-._".utf8)
        var accepted = 0
        for round in 0..<20_000 {
            let count = round % 5 == 0 ? 60 + Int(rng.next() % 200) : 1 + Int(rng.next() % 20)
            var name = (0..<count).map { _ in alphabet[Int(rng.next() % (round % 3 == 0 ? 3 : UInt64(alphabet.count)))] }
            // Long runs without a dot to reach the 63-byte label limit; some ending in a dot.
            if round % 7 == 0 { name = [UInt8](repeating: 0x61, count: 60 + Int(rng.next() % 8)) + name.prefix(2) }
            let expected = Self.plainDNSNameByLabels(name)
            #expect(HostName.isPlainDNSName(name[...]) == expected, "\(String(decoding: name, as: UTF8.self))")
            #expect(HostName.isPlainDNSName(String(decoding: name, as: UTF8.self)) == expected)
            if name.last != 0x2E {
                let stored = name.withUnsafeBufferPointer { HostName.isPlainDNSName($0.baseAddress!, count: $0.count) }
                #expect(stored == expected, "stored: \(String(decoding: name, as: UTF8.self))")
            }
            if expected { accepted += 1 }
        }
        #expect(accepted > 2_000, "not vacuous: \(accepted) names accepted")
        #expect(!HostName.isPlainDNSName("") && !HostName.isPlainDNSName(".") && HostName.isPlainDNSName("a."))
    }

    @Test func matchingNamesShareAMatchGroup() throws {
        for (a, b) in HostNameTests.allPairs {
            let x = try HostName(a), y = try HostName(b)
            if x.matches(y) { #expect(x.matchGroup == y.matchGroup, "\(a) ~ \(b)") }
        }
    }
}
