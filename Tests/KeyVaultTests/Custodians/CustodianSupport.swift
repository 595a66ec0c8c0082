// Helpers for custodian tests: temp folders, and certificates and keys made by the real openssl command line.
import Foundation
import KeyVaultTestSupport
@testable import KeyVault

enum CustodianSupport {
    static func temporaryDirectory() throws -> String {
        try TestFolders.make("kv-custodians")
    }

    /// Runs openssl with `arguments` in `directory`; throws with its output on failure.
    @discardableResult
    static func openssl(_ arguments: [String], in directory: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CustodianTestError(message: "openssl \(arguments.joined(separator: " ")): \(output)") }
        return output
    }

    /// A self-signed certificate and its unencrypted private key: `NAME.pem`, `NAME.key`.
    static func certificate(_ name: String, key: [String], in directory: String, days: Int = 30) throws -> (cert: String, key: String) {
        try openssl(
            ["req", "-x509", "-newkey"] + key + [
                "-nodes", "-keyout", "\(name).key", "-out", "\(name).pem",
                "-days", "\(days)", "-subj", "/CN=\(name)",
            ], in: directory)
        return ("\(directory)/\(name).pem", "\(directory)/\(name).key")
    }

    static func write(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    static func secret(_ text: String) throws -> SecretBytes { try SecretBytes(copying: Array(text.utf8)) }

    static func noPassword(_ prompt: String) throws -> SecretBytes { throw CustodianTestError(message: "asked for a password: \(prompt)") }
}

struct CustodianTestError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
