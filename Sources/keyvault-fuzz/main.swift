// libFuzzer target over the parser and the open path: parse any bytes as a vault, unlock it with a fixed X25519
// identity (the public test identity of Fixtures/custodians/alice.id) and verify every entry, as `keyvault verify`
// does; and read it for salvage too, as `restore --salvage` does. Any crash, hang or sanitizer report is a finding. Build and run: scripts/fuzz.sh.
import Foundation
import KeyVault

/// The scratch file each input is written to, and the identity, made once per process.
nonisolated(unsafe) private var state: (path: String, identity: CustodianIdentity)? = nil

private func setUp() -> (path: String, identity: CustodianIdentity) {
    if let state { return state }
    // Every commit's check on the other thread, as a 13 MiB commit's is: the order of errors and the confirmation
    // before anything is used are fuzzed too.
    CheckDeferral.minimumCount = 64
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("keyvault-fuzz-\(getpid())").path
    try! FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let identityPath = folder + "/alice.id"
    try! "KVAULT-SECRET-KEY-1Q5Z9ZA8PXFZMYEQSZEMQD3K9FJS7RJ2HQV6DS5GW8YD8VUFWHC5SCKAY0A\n".write(toFile: identityPath, atomically: false, encoding: .utf8)
    let identity = try! CustodianIdentity.load(fromFile: identityPath) { _ in fatalError("the fuzz identity has no password") }
    state = (folder + "/input.kv", identity)
    return state!
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let (path, identity) = setUp()
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes: data, count: size))
    // The salvage read (`restore --salvage`), past whatever damage it can pass over: it never authenticates, and
    // every entry it finds is opened (verify) at the place it located.
    if let salvaged = try? Vault.openForSalvage(atPath: path), salvaged.damage != nil,
        let unlocked = try? salvaged.vault.unlock(with: Credentials(identities: [identity]))
    {
        if unlocked.isAuthentic { fatalError("a vault read past damage for salvage authenticates") }
        _ = unlocked.verify()
    }
    guard let vault = try? Vault.open(atPath: path, allowingDamage: true) else { return 0 }
    _ = vault.entries.map(\.displayName)
    _ = vault.custodians
    guard let unlocked = try? vault.unlock(with: Credentials(identities: [identity])) else { return 0 }
    let report = unlocked.verify()
    // Two views of the same file must agree: a vault whose every entry verifies also authenticates as a whole.
    if report.isIntact && (try? unlocked.requireAuthentic()) == nil {
        fatalError("verify reported an intact vault that does not authenticate")
    }
    return 0
}
