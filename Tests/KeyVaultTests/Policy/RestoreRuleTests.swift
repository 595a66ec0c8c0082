// RestoreRule: which entry a restore may decrypt on which computer, and why not.
import Foundation
import Testing
@testable import KeyVault

struct RestoreRuleTests {
    func entry(_ index: Int, _ role: Role, _ host: String, _ version: UInt32) throws -> Entry {
        Entry(role: role, host: try HostName(host), version: version, createdAt: Timestamp(secondsSinceEpoch: 1_700_000_000),
              size: 10, fingerprint: Fingerprint([UInt8](repeating: UInt8(index), count: 32)[...])!, label: "", originalFileName: "", index: index)
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

    @Test func nextVersionCountsPerHostAndRole() throws {
        let entries = [try entry(0, .sm, "SM01", 1), try entry(1, .sm, "sm01.corp", 2), try entry(2, .dw, "SM01", 5)]
        #expect(RestoreRule.nextVersion(in: entries, role: .sm, host: try HostName("SM01")) == 3)
        #expect(RestoreRule.nextVersion(in: entries, role: .dw, host: try HostName("SM01")) == 6)
        #expect(RestoreRule.nextVersion(in: entries, role: .dw, host: try HostName("DW01")) == 1)
    }

    @Test func theOperatingSystemsNameIsWhatHostIdentityReads() throws {
        let identity = try HostIdentity()
        var buffer = [CChar](repeating: 0, count: 256)
        #expect(gethostname(&buffer, 255) == 0)
        let system = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        #expect(identity.name.value == system)
    }
}
