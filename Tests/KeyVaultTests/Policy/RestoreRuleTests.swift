// RestoreRule: which entry a restore may decrypt on which computer, and why not.
import Foundation
import Testing
@testable import KeyVault
import KeyVaultTestSupport

struct RestoreRuleTests {
    func entry(_ index: Int, _ role: Role, _ host: String, _ version: UInt32) throws -> Entry {
        Entry(
            role: role, host: try HostName(host), version: version, createdAt: Timestamp(secondsSinceEpoch: 1_700_000_000),
            size: 10, fingerprint: Fingerprint([UInt8](repeating: UInt8(truncatingIfNeeded: index), count: 32)[...])!, label: "", originalFileName: "", index: index)
    }

    func on(_ name: String) throws -> HostIdentity { HostIdentity(testingName: try HostName(name)) }

    func code(_ body: () throws -> Entry) -> KeyVaultError.Code? {
        do { _ = try body(); return nil } catch let e as KeyVaultError { return e.code } catch { return nil }
    }

    @Test func newestVersionForThisHostAndRole() throws {
        let entries = [try entry(0, .sm, "SM01", 1), try entry(1, .dw, "DW01", 1), try entry(2, .sm, "SM01", 2), try entry(3, .sm, "SM02", 7)]
        #expect(try RestoreRule.select(from: entries, role: .sm, version: nil, host: on("sm01.corp.example")).index == 2)
        #expect(try RestoreRule.select(from: entries, role: .sm, version: 1, host: on("SM01")).index == 0)
        #expect(try RestoreRule.select(from: entries, role: .sm, version: nil, host: on("SM02")).index == 3)
        #expect(try RestoreRule.select(from: entries, role: .dw, version: nil, host: on("dw01")).index == 1)
    }

    /// With the vault's inventory, the public rule tells two computers of one short name apart by the FQDN the
    /// inventory records, as a restore of the vault does: without it, `sm01.other.example` may take SM01's version by
    /// number.
    @Test func theInventoryTellsComputersOfOneShortNameApart() throws {
        let entries = [try entry(0, .sm, "SM01", 1), try entry(1, .sm, "sm01.other.example", 2)]
        let inventory = Inventory(
            managementGroup: nil, hosts: [InventoryHost(name: try HostName("SM01"), fqdn: try HostName("sm01.corp.example"), roles: [.sm], smPosition: .primary)],
            databases: [])
        #expect(try RestoreRule.select(from: entries, role: .sm, version: 1, host: on("sm01.other.example")).index == 0)
        #expect(code { try RestoreRule.select(from: entries, role: .sm, version: 1, host: on("sm01.other.example"), inventory: inventory) } == .noSuchEntry)
        #expect(try RestoreRule.select(from: entries, role: .sm, version: nil, host: on("sm01.other.example"), inventory: inventory).index == 1)
        #expect(try RestoreRule.select(from: entries, role: .sm, version: nil, host: on("sm01.corp.example"), inventory: inventory).index == 0)
        #expect(code { try RestoreRule.select(from: entries, role: .sm, version: nil, host: on("SM01"), inventory: inventory) } == .hostMismatch)
    }

    /// Without an inventory record for a short name, a key named SM01 may be either domain's SM01 once the vault
    /// holds keys of two (a seal records the short name Windows reports): a fully qualified computer is not given it
    /// while another domain's SM01 has keys of the role; its own fully qualified keys, and keys nothing contests, it is.
    @Test func aShortNameNothingPlacesIsNotGivenAcrossDomains() throws {
        var entries = [try entry(0, .sm, "SM01", 1), try entry(1, .sm, "sm01.corp.example", 2), try entry(2, .dw, "DW01", 1)]
        let contested =
            "refused: the sm key of SM01 (version 1) may be another computer's: the vault also holds sm keys of sm01.corp.example, another computer of the short name SM01, and nothing says which computer SM01 is; if it is sm01.other.example, record that (keyvault inventory host VAULT --name SM01 --fqdn sm01.other.example), or retire the keys that are not this computer's"
        #expect(outcome { try RestoreRule.select(from: entries, role: .sm, version: nil, host: on("sm01.other.example")) } == "hostMismatch: \(contested)")
        #expect(try RestoreRule.select(from: entries, role: .sm, version: nil, host: on("sm01.corp.example")).index == 1)
        #expect(try RestoreRule.select(from: entries, role: .sm, version: 1, host: on("SM01.Corp.Example")).index == 0)
        #expect(try RestoreRule.select(from: entries, role: .sm, version: nil, host: on("SM01")).index == 1)
        // DW01 has no fully qualified sibling: nothing contests it.
        #expect(try RestoreRule.select(from: entries, role: .dw, version: nil, host: on("dw01.other.example")).index == 2)
        // With keys of its own, sm01.other.example gets its newest; SM01's version 1 stays contested, by number too.
        entries.append(try entry(3, .sm, "sm01.other.example", 3))
        #expect(try RestoreRule.select(from: entries, role: .sm, version: nil, host: on("sm01.other.example")).index == 3)
        #expect(outcome { try RestoreRule.select(from: entries, role: .sm, version: 1, host: on("sm01.other.example")) } == "hostMismatch: \(contested)")
        // And corp's SM01, now that the other domain has keys, is not given the short-named version 1 either.
        let corpAsksForVersion1 = outcome { try RestoreRule.select(from: entries, role: .sm, version: 1, host: on("sm01.corp.example")) }
        #expect(corpAsksForVersion1.hasPrefix("hostMismatch: refused: the sm key of SM01 (version 1) may be another computer's: the vault also holds sm keys of sm01.other.example"))
        #expect(try RestoreRule.select(from: entries, role: .sm, version: nil, host: on("sm01.corp.example")).index == 1)
    }

    @Test func otherHostsAndRolesAreRefused() throws {
        let entries = [try entry(0, .sm, "SM01", 1), try entry(1, .dw, "DW01", 1)]
        #expect(code { try RestoreRule.select(from: entries, role: .dw, version: nil, host: on("SM01")) } == .hostMismatch)
        #expect(code { try RestoreRule.select(from: entries, role: .sm, version: nil, host: on("DW01")) } == .hostMismatch)
        #expect(code { try RestoreRule.select(from: entries, role: .sm, version: nil, host: on("SM01.other.example")) } == nil)
        #expect(code { try RestoreRule.select(from: entries, role: .sm, version: 2, host: on("SM01")) } == .noSuchEntry)
        #expect(code { try RestoreRule.select(from: [entries[0]], role: .dw, version: nil, host: on("DW01")) } == .noSuchEntry)
        #expect(code { try RestoreRule.select(from: [], role: .sm, version: nil, host: on("SM01")) } == .noSuchEntry)
        do {
            _ = try RestoreRule.select(from: entries, role: .dw, version: nil, host: on("SM01"))
        } catch let e as KeyVaultError {
            #expect(e.message == "refused: the dw key in this vault belongs to DW01, but this computer is SM01; a key restores only onto a computer with the name it was exported from")
        }
    }

    @Test func aShortNameMatchingTwoDomainsIsAmbiguous() throws {
        let entries = [try entry(0, .sm, "sm01.a.example", 1), try entry(1, .sm, "sm01.b.example", 1)]
        #expect(code { try RestoreRule.select(from: entries, role: .sm, version: nil, host: on("SM01")) } == .hostMismatch)
        #expect(try RestoreRule.select(from: entries, role: .sm, version: nil, host: on("sm01.b.example")).index == 1)
    }

    func message(_ body: () throws -> Entry) -> String? {
        do { _ = try body(); return nil } catch let e as KeyVaultError { return e.message } catch { return nil }
    }

    @Test func refusalsNameAtMostThreeComputersAndCountTheRest() throws {
        // Ten computers (SM01 twice, in two spellings, counts once), restored on an eleventh.
        let sm = try (1...10).map { try entry($0 - 1, .sm, String(format: "SM%02d", $0), 1) } + [try entry(10, .sm, "sm01", 2)]
        #expect(
            message { try RestoreRule.select(from: sm, role: .sm, version: nil, host: on("WEB01")) }
                == "refused: the sm key in this vault belongs to SM01, SM02, SM03 and 7 more, but this computer is WEB01; a key restores only onto a computer with the name it was exported from")
        // What the vault holds: distinct role and host as spelled, sorted.
        let dw = try ["DW05", "DW01", "dw01", "DW03", "DW02", "DW01"].enumerated().map { try entry($0, .dw, $1, UInt32($0 + 1)) }
        #expect(
            message { try RestoreRule.select(from: dw, role: .ssp, version: nil, host: on("DW01")) }
                == "no ssp key in this vault (it holds: dw key of DW01, dw key of DW02, dw key of DW03 and 2 more)")
        #expect(
            message { try RestoreRule.select(from: Array(dw.prefix(3)), role: .ssp, version: nil, host: on("DW01")) }
                == "no ssp key in this vault (it holds: dw key of DW01, dw key of DW05, dw key of dw01)")
        // A short name matching five domains.
        let domains = try ["a", "b", "c", "d", "e"].enumerated().map { try entry($0, .sm, "sm01.\($1).example", 1) }
        #expect(
            message { try RestoreRule.select(from: domains, role: .sm, version: nil, host: on("SM01")) }
                == "refused: sm keys for sm01.a.example, sm01.b.example, sm01.c.example and 2 more all match this computer's name SM01; set this computer's host name to its fully qualified name so exactly one matches"
        )
        #expect(
            message { try RestoreRule.select(from: Array(domains.prefix(2)), role: .sm, version: nil, host: on("SM01")) }
                == "refused: sm keys for sm01.a.example and sm01.b.example all match this computer's name SM01; set this computer's host name to its fully qualified name so exactly one matches")
        // Five versions, a sixth asked for.
        let versions = try (1...5).map { try entry($0 - 1, .sm, "SM01", UInt32($0)) }
        #expect(
            message { try RestoreRule.select(from: versions, role: .sm, version: 9, host: on("SM01")) }
                == "no version 9 of the sm key of SM01 (versions: 1, 2, 3 and 2 more)")
    }

    @Test func aRefusalAmongManyDistinctComputersIsOneShortLine() throws {
        let count = 20_000
        let entries = try (0..<count).map { try entry($0, $0 % 2 == 0 ? .sm : .dw, "h\($0).example.com", 1) }
        let refused = try #require(message { try RestoreRule.select(from: entries, role: .sm, version: nil, host: on("WEB01")) })
        #expect(
            refused
                == "refused: the sm key in this vault belongs to h0.example.com, h2.example.com, h4.example.com and 9,997 more, but this computer is WEB01; a key restores only onto a computer with the name it was exported from"
        )
        let none = try #require(message { try RestoreRule.select(from: entries, role: .ssp, version: nil, host: on("WEB01")) })
        // The first three in the order the unbounded message listed everything: distinct strings, sorted.
        let first = Set(entries.map { "\($0.role) key of \($0.host)" }).sorted().prefix(3).joined(separator: ", ")
        #expect(first == "dw key of h1.example.com, dw key of h10001.example.com, dw key of h10003.example.com")
        #expect(none == "no ssp key in this vault (it holds: \(first) and 19,997 more)")
    }

    @Test func countsHaveThousandsSeparators() {
        #expect(
            [0, 7, 999, 1_000, 74_997, 699_998, 1_048_576].map(NameList.grouped)
                == ["0", "7", "999", "1,000", "74,997", "699,998", "1,048,576"])
        #expect("\(NameList(["a", "b"], separator: " and "))" == "a and b")
        #expect("\(NameList(["a", "b", "c", "d"], separator: "; "))" == "a; b; c and 1 more")
        #expect(NameList([String]()).isEmpty)
    }

    @Test func distinctCountIsExactWhenHashesMeet() {
        // Every name given the same hash: only the records' own comparison tells them apart.
        let names = ["a", "b", "a", "c", "b", "A"]
        var distinct = DistinctCount()
        let new = names.indices.map { i in distinct.insert(7, at: i) { names[$0] == names[i] } }
        #expect(new == [true, true, false, true, false, true])
        #expect(distinct.count == 4)
        // And many names, some repeated, with real hashes.
        var many = DistinctCount()
        let words = (0..<50_000).map { Array("host\($0 % 30_000)".utf8) }
        for (i, w) in words.enumerated() {
            let hash = w.withUnsafeBufferPointer { DistinctCount.hash(UnsafeBufferPointer(start: nil, count: 0), $0, foldingCase: true) }
            _ = many.insert(hash, at: i) { words[$0] == w }
        }
        #expect(many.count == 30_000)
    }

    /// The rule as it was before messages were bounded (every name listed), for lists short enough to list whole.
    func unboundedSelect(from entries: [Entry], role: Role, version: UInt32?, host: HostIdentity) throws -> Entry {
        func uniqueHosts(_ entries: [Entry]) -> [String] {
            var seen = Set<String>(), out: [String] = []
            for e in entries where seen.insert(e.host.value.lowercased()).inserted { out.append(e.host.value) }
            return out
        }
        let ofRole = entries.filter { $0.role == role }
        guard !ofRole.isEmpty else {
            let others = Set(entries.map { "\($0.role) key of \($0.host)" }).sorted()
            let holds = others.isEmpty ? "it holds no keys" : "it holds: \(others.joined(separator: ", "))"
            throw KeyVaultError(.noSuchEntry, "no \(role) key in this vault (\(holds))")
        }
        let mine = ofRole.filter { $0.host.matches(host.name) }
        guard !mine.isEmpty else {
            throw KeyVaultError(
                .hostMismatch,
                "refused: the \(role) key in this vault belongs to \(uniqueHosts(ofRole).joined(separator: ", ")), but this computer is \(host.name); a key restores only onto a computer with the name it was exported from"
            )
        }
        let names = uniqueHosts(mine)
        if names.count > 1, !mine.allSatisfy({ a in mine.allSatisfy { a.host.matches($0.host) } }) {
            throw KeyVaultError(
                .hostMismatch,
                "refused: \(role) keys for \(names.joined(separator: " and ")) all match this computer's name \(host.name); set this computer's host name to its fully qualified name so exactly one matches"
            )
        }
        let chosen: Entry
        if let version {
            guard let entry = mine.first(where: { $0.version == version }) else {
                throw KeyVaultError(.noSuchEntry, "no version \(version) of the \(role) key of \(names[0]) (versions: \(mine.map { String($0.version) }.joined(separator: ", ")))")
            }
            chosen = entry
        } else {
            chosen = mine.max { ($0.version, $0.index) < ($1.version, $1.index) }!
        }
        // One computer, one series: two entries of the chosen version for this computer leave nothing to choose by.
        if let other = mine.first(where: { $0.index != chosen.index && $0.version == chosen.version }) {
            throw KeyVaultError(
                .hostMismatch,
                "refused: version \(chosen.version) of the \(role) key exists both for \(other.host) and for \(chosen.host), which both name this computer \(host.name); the vault cannot tell which one is this computer's key: check with 'keyvault list' and restore a version only one of them has (--version)"
            )
        }
        // A short name nothing places, given to a fully qualified computer while another domain's computer of that
        // short name has keys of the role: contested.
        let short = try HostName(host.name.shortName)
        if host.name.isFullyQualified, !chosen.host.isFullyQualified,
            let other = ofRole.first(where: { $0.host.isFullyQualified && $0.host.matches(short) && !$0.host.matches(host.name) })
        {
            throw KeyVaultError(
                .hostMismatch,
                "refused: the \(role) key of \(chosen.host) (version \(chosen.version)) may be another computer's: the vault also holds \(role) keys of \(other.host), another computer of the short name \(chosen.host), and nothing says which computer \(chosen.host) is; if it is \(host.name), record that (keyvault inventory host VAULT --name \(chosen.host) --fqdn \(host.name)), or retire the keys that are not this computer's"
            )
        }
        return chosen
    }

    static let hostPool = [
        "SM01", "sm01", "SM01.corp.example", "sm01.other.example", "SM02", "DW01", "AVERYVERYVERYLO",
        "averyveryverylongname", "averyveryverylongnamf", "averyveryverylongname.corp.example",
    ]

    func outcome(_ body: () throws -> Entry) -> String {
        do { return "entry \(try body().index)" } catch let e as KeyVaultError { return "\(e.code): \(e.message)" } catch { return "\(error)" }
    }

    /// The rule as first written (every entry built, every host listed), plus the one-series refusal: the bounded
    /// rule must give the same entry or the same message whenever the lists are short.
    @Test func shortListsGiveTheSameEntriesAndMessagesAsBefore() throws {
        // Every list of up to three entries (so every message lists them all) drawn from a pool with short names,
        // FQDNs, case variants and NetBIOS forms, asked for by every role, version and host of the pool.
        var seed: UInt64 = 0x5EED
        func next(_ n: Int) -> Int { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return Int(seed >> 33) % n }
        for _ in 0..<TestScale.rounds(400) {
            let entries = try (0..<next(4)).map { i in
                try entry(i, [Role.sm, .dw][next(2)], Self.hostPool[next(Self.hostPool.count)], UInt32(1 + next(3)))
            }
            for role in [Role.sm, .dw, .ssp] {
                for version in [nil, 1, 2, 4] as [UInt32?] {
                    for name in Self.hostPool + ["WEB01"] {
                        let host = try on(name)
                        #expect(
                            outcome { try RestoreRule.select(from: entries, role: role, version: version, host: host) }
                                == outcome { try unboundedSelect(from: entries, role: role, version: version, host: host) },
                            "\(entries.map(\.displayName)) \(role) \(String(describing: version)) on \(name)")
                    }
                }
            }
        }
    }

    @Test func aVaultsIndexReadInPlaceGivesWhatItsBuiltEntriesGive() throws {
        let dir = NSTemporaryDirectory() + "kv-rule-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let identity = try CustodianIdentity.generate()
        try Vault.create(atPath: "\(dir)/v.kv", custodians: [.recipient(identity.recipient!)])
        let sealed = [
            ("sm", "SM01"), ("sm", "sm01.corp.example"), ("dw", "DW01"), ("sm", "SM01"), ("sm", "SM02.other.example"),
            ("ssp", "averyveryverylongname"), ("ssp", "averyveryverylongnamf"), ("dw", "dw01"),
        ]
        let items = try sealed.map { role, host in
            SealItem(key: try SecretBytes.random(count: 40), request: SealRequest(role: try Role(parsing: role), host: try HostName(host)))
        }
        _ = try Vault.seal(items, atPath: "\(dir)/v.kv", credentials: Credentials(identities: [identity]))
        let vault = try Vault.open(atPath: "\(dir)/v.kv")
        let entries = vault.entries
        for role in [Role.sm, .dw, .ssp] {
            for version in [nil, 1, 2, 3] as [UInt32?] {
                for name in Self.hostPool + ["WEB01", "sm02", "SM02.corp.example"] {
                    let host = try on(name)
                    #expect(
                        outcome { try vault.entry(for: role, version: version, on: host) }
                            == outcome { try RestoreRule.select(from: entries, role: role, version: version, host: host) },
                        "\(role) \(String(describing: version)) on \(name)")
                }
            }
        }
        #expect(outcome { try vault.entry(for: .sm, on: try on("SM01")) } == "entry 3")
        #expect(
            outcome { try vault.entry(for: .ssp, on: try on("AVERYVERYVERYLO")) }
                == "hostMismatch: refused: ssp keys for averyveryverylongname and averyveryverylongnamf all match this computer's name AVERYVERYVERYLO; set this computer's host name to its fully qualified name so exactly one matches"
        )
    }

    @Test func nextVersionCountsPerHostAndRole() throws {
        let entries = [try entry(0, .sm, "SM01", 1), try entry(1, .sm, "sm01.corp", 2), try entry(2, .dw, "SM01", 5)]
        #expect(RestoreRule.nextVersion(in: entries, role: .sm, host: try HostName("SM01")) == 3)
        #expect(RestoreRule.nextVersion(in: entries, role: .dw, host: try HostName("SM01")) == 6)
        #expect(RestoreRule.nextVersion(in: entries, role: .dw, host: try HostName("DW01")) == 1)
        // A file made to hold the largest version leaves no next one (one more overflowed: a trap).
        #expect(RestoreRule.nextVersion(in: [try entry(0, .sm, "SM01", .max)], role: .sm, host: try HostName("SM01")) == nil)
    }

    @Test func theOperatingSystemsNameIsWhatHostIdentityReads() throws {
        let identity = try HostIdentity()
        var buffer = [CChar](repeating: 0, count: 256)
        #expect(gethostname(&buffer, 255) == 0)
        let system = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        #expect(identity.name.value == system)
    }
}

@Suite struct BoundedSummaryTests {
    @Test func aDrillWithManyProblemsSummarisesThemInOneShortLine() {
        let problems = (1...700_000).map { "dw key of host\($0) (version 1): vault damaged or tampered with" }
        let report = DrillReport(time: .now(), entries: [], problems: problems, recordError: nil, custodianCheckIns: [])
        #expect(
            report.summary
                == "700,000 problems: dw key of host1 (version 1): vault damaged or tampered with; dw key of host2 (version 1): vault damaged or tampered with; dw key of host3 (version 1): vault damaged or tampered with and 699,997 more"
        )
        let one = DrillReport(time: .now(), entries: [], problems: ["the audit log is broken"], recordError: nil, custodianCheckIns: [])
        #expect(one.summary == "1 problem: the audit log is broken")
    }
}
