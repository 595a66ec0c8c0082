// `keyvault custodian check` through the binary: a lone custodian of a threshold vault checks in, the next drill
// takes the check-in into the vault, and a drill fails on a custodian whose last check-in is too old (made under
// faketime, a real clock offset for the process).
import Foundation
import Testing
#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

struct CheckInCLITests {
    struct Vault {
        let ws: Workspace
        let recipients: [String]
        /// The state folder of the administrator who made the vault (its pin).
        var admin: [String: String] { ["XDG_STATE_HOME": ws.file("admin-state")] }
        /// Custodian `name`'s own machine: another state folder.
        func custodian(_ name: String) -> [String: String] { ["XDG_STATE_HOME": ws.file("\(name)-state")] }
        var path: String { ws.file("v.kv") }
        func identity(_ name: String) -> [String] { ["--identity", ws.file("\(name).id")] }
    }

    func thresholdVault() throws -> Vault {
        let ws = try Workspace()
        let recipients = try ["a", "b", "c"].map { name in
            try CLI.run(["keygen", "--out", ws.file("\(name).id")]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let v = Vault(ws: ws, recipients: recipients)
        let r = try CLI.run(["init", v.path, "--threshold", "2"] + recipients.flatMap { ["--recipient", $0] }, environment: v.admin)
        guard r.status == 0 else { throw WorkspaceError(message: "init: \(r)") }
        return v
    }

    /// What init and a command given no identity say of a 2-of-3 vault can be done as said: two identities, each its
    /// own --identity (KEYVAULT_IDENTITY_FILE names one file, not enough here).
    @Test func theAdviceForAThresholdVaultAsksForEnoughIdentities() throws {
        let ws = try Workspace(); defer { ws.cleanUp() }
        let recipients = try ["a", "b", "c"].map { name in
            try CLI.run(["keygen", "--out", ws.file("\(name).id")]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let made = try CLI.run(["init", ws.file("v.kv"), "--threshold", "2"] + recipients.flatMap { ["--recipient", $0] })
        #expect(made.status == 0 && made.stdout.contains("--identity FILE --endorse', among the 2 credentials that unlock it)"), "\(made)")
        let none = try CLI.run(["log", ws.file("v.kv")])
        #expect(none.status == 2 && none.error == "this vault is unlocked by custodian identities: give --identity FILE (2 of them, each with its own --identity)", "\(none)")
        // info says it too, without any secret.
        #expect(try CLI.run(["info", ws.file("v.kv")]).stdout.contains("\nunlock:    any 2 of the 3 slots' custodians together\n"))
        let json = try JSONSerialization.jsonObject(with: Data(try CLI.run(["info", ws.file("v.kv"), "--json"]).stdout.utf8)) as? [String: Any]
        #expect(json?["threshold"] as? Int == 2, "\(String(describing: json))")
    }

    func listJSON(_ v: Vault) throws -> [[String: Any]] {
        let r = try CLI.run(["custodian", "list", v.path, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        return object?["custodians"] as? [[String: Any]] ?? []
    }

    @Test func aLoneCustodianChecksInAndTheNextDrillTakesItIn() throws {
        let v = try thresholdVault(); defer { v.ws.cleanUp() }
        let before = try v.ws.read("v.kv")
        // On the custodian's own machine nothing ties the vault's key to what it saw: it checks the fingerprint, then vouches once.
        let unvouched = try CLI.run(["custodian", "check", v.path] + v.identity("a"), environment: v.custodian("a"))
        #expect(unvouched.status == 3, "\(unvouched)")
        #expect(unvouched.stderr.contains("refused: nothing ties the key that committed to custodian"), "\(unvouched)")
        #expect(!v.ws.exists("v.kv.checkins"))
        let first = try CLI.run(["custodian", "check", v.path, "--endorse"] + v.identity("a"), environment: v.custodian("a"))
        #expect(first.status == 0, "\(first)")
        #expect(first.stdout.hasPrefix("ok: custodian ") && first.stdout.contains("(slot 1, x25519) opens its own slot, and its share is the one the vault key committed to"))
        #expect(first.stdout.contains("check-in recorded in \(v.path).checkins at "))
        let again = try CLI.run(["custodian", "check", v.path] + v.identity("a"), environment: v.custodian("a"))
        #expect(again.status == 0 && again.stdout.contains("the key this user saw before"), "\(again)")
        #expect(try v.ws.read("v.kv") == before, "a lone custodian never writes the vault")
        #expect(try v.ws.mode("v.kv.checkins") == 0o600)

        var listed = try listJSON(v)
        #expect(listed.count == 3)
        #expect(listed[0]["lastCheckInPending"] as? Bool == true && listed[0]["lastCheckIn"] is String)
        #expect(listed[1]["lastCheckIn"] is NSNull && listed[1]["committedAt"] is String)
        #expect(listed[1]["checkInBaseline"] as? String == listed[1]["committedAt"] as? String)
        // The table says what a drill counts from for a custodian that never checked in: its slot's making.
        let table = try CLI.run(["custodian", "list", v.path])
        let made = String((listed[1]["committedAt"] as? String ?? "").prefix(10))
        #expect(table.stdout.contains("pending)") && table.stdout.contains("none on this slot; counts from \(made) (today)"), "\(table)")

        // The drill is a write by enough custodians: it takes the pending check-in in, and its own custodians check in.
        let drill = try CLI.run(["drill", v.path] + v.identity("b") + v.identity("c"), environment: v.admin)
        #expect(drill.status == 0, "\(drill)")
        #expect(!v.ws.exists("v.kv.checkins"))
        listed = try listJSON(v)
        #expect(listed.allSatisfy { $0["lastCheckIn"] is String && $0["lastCheckInPending"] as? Bool == false }, "\(listed)")
        let log = try CLI.run(["log", v.path] + v.identity("b") + v.identity("c"), environment: v.admin)
        #expect(log.stdout.contains("check-in") && log.stdout.contains("the custodian of slot 1 checked in alone"), "\(log)")
    }

    /// A vault shared by a group: the file of check-ins the first custodian makes has the vault's permission bits and
    /// group, so another custodian of the group reads it and checks in too. It was made 0600: the second custodian
    /// could not check in, and did not see the first one's check-in.
    @Test(.enabled(if: CLI.isRoot || CLI.inCI, "a second custodian in the vault's group needs a second user; CI runs as root"))
    func theCustodiansOfAGroupsVaultShareItsCheckIns() throws {
        let v = try thresholdVault(); defer { v.ws.cleanUp() }
        try #require(chmod(v.ws.path, 0o1777) == 0 && chown(v.path, 0, 65534) == 0 && chmod(v.path, 0o660) == 0)
        try #require(chmod(v.ws.file("b.id"), 0o644) == 0)
        let a = try CLI.run(["custodian", "check", v.path, "--endorse"] + v.identity("a"), environment: v.custodian("a"))
        try #require(a.status == 0, "\(a)")
        var st = stat()
        #expect(stat(v.ws.file("v.kv.checkins"), &st) == 0 && st.st_mode & 0o7777 == 0o660 && st.st_gid == 65534, "\(String(st.st_mode, radix: 8)) \(st.st_gid)")
        let asB = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", CLI.binary]
        let b = try CLI.execute(asB + ["custodian", "check", v.path, "--endorse"] + v.identity("b"), environment: v.custodian("b"))
        #expect(b.status == 0 && b.stdout.contains("check-in recorded in \(v.path).checkins at "), "\(b)")
        let listed = try CLI.execute(asB + ["custodian", "list", v.path, "--json"], environment: v.custodian("b"))
        let object = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any]
        let custodians = object?["custodians"] as? [[String: Any]] ?? []
        #expect(custodians.count == 3 && custodians.prefix(2).allSatisfy { $0["lastCheckInPending"] as? Bool == true }, "\(listed)")
    }

    /// A lone custodian's check-in made just after a rewrite (here an upgrade) renamed its new file into place, and
    /// before it removed the check-ins it took in, waits for that writer: it is appended after the removal and kept.
    /// Before, the new file was not locked, the check-in was told it was recorded, and the writer then removed it.
    /// strace holds the removal for two seconds, as a slow disk could.
    @Test(.tool("/usr/bin/strace")) func aCheckInDuringARewriteIsNotRemovedWithTheOnesItTookIn() throws {
        let v = try thresholdVault(); defer { v.ws.cleanUp() }
        try #require(try CLI.run(["custodian", "check", v.path, "--endorse"] + v.identity("b"), environment: v.custodian("b")).status == 0)
        try #require(try CLI.run(["custodian", "check", v.path, "--endorse"] + v.identity("a"), environment: v.custodian("a")).status == 0)
        let before = try #require(FileManager.default.attributesOfItem(atPath: v.path)[.systemFileNumber] as? UInt64)
        let upgrade = Process()
        upgrade.executableURL = URL(fileURLWithPath: "/usr/bin/strace")
        upgrade.arguments =
            [
                "-f", "-o", "/dev/null", "-P", v.path + ".checkins", "-e", "trace=unlink", "-e", "inject=unlink:delay_enter=2000000",
                CLI.binary, "compact", v.path, "--endorse",
            ] + v.identity("b") + v.identity("c")
        upgrade.environment = ProcessInfo.processInfo.environment.merging(v.admin) { $1 }
        upgrade.standardOutput = FileHandle.nullDevice
        upgrade.standardError = FileHandle.nullDevice
        try upgrade.run()
        // Once the new file has its name (the removal is then held for two seconds), custodian a checks in again.
        let deadline = Date().addingTimeInterval(60)
        while (try? FileManager.default.attributesOfItem(atPath: v.path)[.systemFileNumber] as? UInt64) == before && Date() < deadline {
            usleep(10_000)
        }
        let check = try CLI.run(["custodian", "check", v.path] + v.identity("a"), environment: v.custodian("a"))
        upgrade.waitUntilExit()
        #expect(upgrade.terminationStatus == 0 && check.status == 0 && check.stdout.contains("check-in recorded in \(v.path).checkins at "), "\(check)")
        let pending = try String(contentsOfFile: v.path + ".checkins", encoding: .utf8)
        #expect(pending.split(separator: "\n").count == 1, "the check-in made during the rewrite is kept: \(pending)")
        #expect(try listJSON(v).first?["lastCheckInPending"] as? Bool == true)
    }

    /// Check-ins waiting beside a vault are not part of it: `copy` says so when there are some (it dropped them
    /// without a word, and a database copy has no file beside it to hold them).
    @Test func aCopySaysItLeavesTheWaitingCheckInsBehind() throws {
        let v = try thresholdVault(); defer { v.ws.cleanUp() }
        try #require(try CLI.run(["custodian", "check", v.path, "--endorse"] + v.identity("a"), environment: v.custodian("a")).status == 0)
        let r = try CLI.run(["copy", v.path, v.ws.file("copy.kv")])
        #expect(r.status == 0, "\(r)")
        #expect(
            r.stderr.contains(
                "note: the custodians' check-ins waiting in \(v.path).checkins are not part of the vault and were not copied; a write to \(v.path) by enough custodians (a drill) takes them in, after which a copy carries them"
            ), "\(r)")
        let quiet = try CLI.run(["copy", v.ws.file("copy.kv"), v.ws.file("copy2.kv")])
        #expect(quiet.status == 0 && quiet.stderr.isEmpty, "no check-ins wait beside the copy: \(quiet)")
    }

    @Test(.tool("/usr/bin/faketime")) func aDrillFailsOnACustodianWhoLastCheckedInTooLongAgo() throws {
        let v = try thresholdVault(); defer { v.ws.cleanUp() }
        // Custodian a checks in with its clock 200 days back: a real offset of the process's clock (libfaketime).
        let old = try CLI.execute(
            ["/usr/bin/setsid", "-w", "/usr/bin/faketime", "-f", "-200d", CLI.binary, "custodian", "check", v.path] + v.identity("a"),
            environment: v.admin.merging(["ASAN_OPTIONS": "verify_asan_link_order=0:detect_leaks=0"]) { $1 })
        #expect(old.status == 0, "\(old)")
        let id = try #require(try listJSON(v).first?["id"] as? String)
        let stale = try CLI.run(["drill", v.path] + v.identity("b") + v.identity("c"), environment: v.admin)
        #expect(stale.status == 5, "\(stale)")
        #expect(stale.stdout.contains("FAILED   custodian \(id) (slot 1) last checked in 200 days ago"), "\(stale)")
        #expect(stale.stderr.contains("drill found 1 custodian check-in problem (older than 180 days): custodian \(id) (slot 1) last checked in 200 days ago"), "\(stale)")
        // A shorter age accepts it; a check now clears it.
        #expect(try CLI.run(["drill", v.path, "--check-in-max-age-days", "365"] + v.identity("b") + v.identity("c"), environment: v.admin).status == 0)
        #expect(try CLI.run(["custodian", "check", v.path] + v.identity("a"), environment: v.admin).status == 0)
        let fresh = try CLI.run(["drill", v.path] + v.identity("b") + v.identity("c"), environment: v.admin)
        #expect(fresh.status == 0, "\(fresh)")
    }

    @Test func aCheckRefusesTwoSecretsAndAStrangerWithoutWriting() throws {
        let v = try thresholdVault(); defer { v.ws.cleanUp() }
        let before = try v.ws.read("v.kv")
        let two = try CLI.run(["custodian", "check", v.path] + v.identity("a") + v.identity("b"), environment: v.admin)
        #expect(two.status == 2 && two.stderr == "keyvault: error: a check proves one custodian: give one --identity, or the passphrase, not 2 secrets\n", "\(two)")
        _ = try CLI.run(["keygen", "--out", v.ws.file("d.id")])
        let stranger = try CLI.run(["custodian", "check", v.path] + v.identity("d"), environment: v.admin)
        #expect(stranger.status == 4, "\(stranger)")
        #expect(stranger.stderr.contains("the secret given opens none of this vault's slots"), "\(stranger)")
        let bad = try CLI.run(["drill", v.path, "--check-in-max-age-days", "0"] + v.identity("a") + v.identity("b"), environment: v.admin)
        #expect(bad.status == 2 && bad.stderr.contains("--check-in-max-age-days must be from 1 to 3650, not 0"), "\(bad)")
        #expect(try v.ws.read("v.kv") == before && !v.ws.exists("v.kv.checkins"))
        // An environment default does not count as a second secret when an option names one.
        let env = v.admin.merging(["KEYVAULT_PASSPHRASE_FILE": v.ws.file("pass")]) { $1 }
        let withDefault = try CLI.run(["custodian", "check", v.path] + v.identity("a"), environment: env)
        #expect(withDefault.status == 0, "\(withDefault)")
    }
}
