// Writing a restored key (or its escrowed export password) to a file: mode 0600, atomically, never over an existing
// file unless asked.

extension RestoredKey {
    /// Writes the key to `path` with mode 0600, atomically (temp file, fsync, rename, fsync of the folder).
    ///
    /// - Parameters:
    ///   - path: the output file.
    ///   - replacing: whether an existing file may be replaced.
    /// - Throws: ``KeyVaultError/Code-swift.struct/fileConflict`` when `path` exists and `replacing` is false (nothing
    ///   is written), or its folder does not exist; ``KeyVaultError/Code-swift.struct/io`` when writing fails.
    public func write(toPath path: String, replacing: Bool) throws {
        try key.writeSecretFile(toPath: path, replacing: replacing)
    }
}

extension SecretBytes {
    /// Writes these bytes to `path` with mode 0600, atomically; an existing file is replaced only when `replacing`.
    ///
    /// - Parameters:
    ///   - path: the output file.
    ///   - replacing: whether an existing file may be replaced.
    /// - Throws: as ``RestoredKey/write(toPath:replacing:)``.
    public func writeSecretFile(toPath path: String, replacing: Bool) throws {
        try Vault.checkCanCreate(path, what: "output file", hint: "pass --force to replace it", replacing: replacing)
        let out = try AtomicFile(finalPath: path)
        try withUnsafeBytes { try out.write($0) }
        do { try out.commit(replacing: replacing) } catch let error as KeyVaultError where error.code == .fileConflict {
            throw KeyVaultError(.fileConflict, "output file \(path) already exists; pass --force to replace it")
        }
    }
}
