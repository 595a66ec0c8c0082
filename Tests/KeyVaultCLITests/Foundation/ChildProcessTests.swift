// How the test harness runs a child (Support/CLI.swift, Support/ChildOutput.swift): with no signal blocked, as from a
// shell; and with deadlines: a command that never ends, or whose output pipes a process it left behind still holds,
// fails its test naming who holds them; it does not hang the test run.
import Foundation
import Testing

struct ChildProcessTests {
    /// A child that exits leaving a background process with its standard output: the read gives up a second after
    /// the exit and names that process.
    @Test func pipesHeldAfterTheExitAreNamed() throws {
        let started = Date()
        do {
            let r = try CLI.execute(["/bin/sh", "-c", "exec sleep 30 & exit 0"], deadlines: ChildDeadlines(run: 20, afterExit: 1))
            Issue.record("read to the end although a sleep held the pipes: \(r)")
        } catch let error as ChildOverstayed {
            #expect(error.description.hasPrefix("/bin/sh -c exec sleep 30 & exit 0 exited, but its standard output stayed open 1 s later: held by "), "\(error)")
            #expect(error.description.contains(" (sleep 30)") && !error.holders.isEmpty, "\(error)")
            for pid in error.holders { kill(pid, SIGKILL) }
        }
        #expect(Date().timeIntervalSince(started) < 10)
    }

    /// A child that never ends is killed at the run's deadline, with what it started (which holds its pipes).
    @Test func aRunThatNeverEndsIsKilledAtItsDeadline() throws {
        let started = Date()
        do {
            let r = try CLI.execute(["/usr/bin/setsid", "-w", "/bin/sh", "-c", "sleep 31.4159; echo done"], deadlines: ChildDeadlines(run: 1, afterExit: 5))
            Issue.record("a run of 31 s was not stopped: \(r)")
        } catch let error as ChildOverstayed {
            #expect(error.description.hasPrefix("/usr/bin/setsid -w /bin/sh -c sleep 31.4159; echo done did not finish in 1 s; killed, with what held its pipes: "), "\(error)")
        }
        #expect(Date().timeIntervalSince(started) < 10)
        // Nothing of it is left.
        let left = try CLI.execute(["/usr/bin/pgrep", "-f", "-x", "sleep 31.4159"])
        #expect(left.status == 1, "\(left)")
    }

    /// An ordinary run reads everything both pipes gave, more than a pipe holds, in whatever order it came.
    @Test func bothPipesAreReadToTheEnd() throws {
        let r = try CLI.execute(["/bin/sh", "-c", "head -c 300000 /dev/zero | tr '\\0' a; head -c 200000 /dev/zero | tr '\\0' b >&2; exit 3"])
        #expect(r.status == 3 && r.stdout == String(repeating: "a", count: 300_000) && r.stderr == String(repeating: "b", count: 200_000))
    }

    /// A child starts with no signal blocked (the test's own thread blocks most of them): a SIGTERM sent to a keyvault
    /// under test, or to a server a test started, is delivered.
    @Test func aChildStartsWithNoSignalBlocked() throws {
        let r = try CLI.execute(["/bin/grep", "^SigBlk:", "/proc/self/status"])
        #expect(r.status == 0 && r.stdout == "SigBlk:\t0000000000000000\n", "\(r)")
    }
}
