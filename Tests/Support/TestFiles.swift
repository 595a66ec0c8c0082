import Foundation

/// Shared by both test targets (the KeyVaultTestSupport target). Reads whole files for tests with `read(2)`, not Foundation: this toolchain's `Data(contentsOf:)` and
/// `String(contentsOfFile:)` leak a 4 KiB buffer on every empty file, which fails the AddressSanitizer step.
public enum TestFiles {
    public struct ReadError: Error, CustomStringConvertible {
        public let path: String
        public let code: Int32
        public var description: String { "cannot read \(path): \(String(cString: strerror(code)))" }
    }

    /// The bytes of the file at `path`.
    public static func bytes(_ path: String) throws -> [UInt8] { try prefix(of: path, count: .max) }

    /// The first `count` bytes of the file at `path` (fewer if it ends first): reads no further, so it serves for
    /// /dev/urandom too.
    public static func prefix(of path: String, count: Int) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ReadError(path: path, code: errno) }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while result.count < count {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, min($0.count, count - result.count)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ReadError(path: path, code: errno)
            }
            if n == 0 { break }
            result.append(contentsOf: chunk[0..<n])
        }
        return result
    }

    /// The file at `path` as UTF-8 text (invalid sequences repaired).
    public static func text(_ path: String) throws -> String {
        String(decoding: try bytes(path), as: UTF8.self)
    }

    /// The repository's top folder (this file is Tests/Support/TestFiles.swift).
    public static let repositoryRoot: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    /// Every `.swift` file under `folder`, sorted.
    public static func swiftFiles(under folder: String) throws -> [String] {
        guard let names = FileManager.default.subpaths(atPath: folder) else { throw ReadError(path: folder, code: ENOENT) }
        return names.filter { $0.hasSuffix(".swift") }.sorted().map { folder + "/" + $0 }
    }
}
