// Writing a restored key (or its escrowed export password) to a file: mode 0600, atomically, nameless until complete,
// never over an existing file unless asked.

extension RestoredKey {
    /// Writes the key to `path` with mode 0600, atomically (temp file, fsync, rename, fsync of the folder).
    ///
    /// - Parameters:
    ///   - path: the output file.
    ///   - replacing: whether an existing file may be replaced.
    /// - Throws: ``KeyVaultError/Code-swift.struct/fileConflict`` when `path` exists and `replacing` is false (nothing
    ///   is written), or its folder does not exist; ``KeyVaultError/Code-swift.struct/io`` when writing fails.
    public func write(toPath path: String, replacing: Bool) throws {
        try about(path: path) {
            try key.writeSecretFile(toPath: path, replacing: replacing)

        }
    }
}

extension SecretBytes {
    /// Writes these bytes to `path` with mode 0600, atomically; an existing file is replaced only when `replacing`.
    ///
    /// The file has no name until it is complete and synced (`O_TMPFILE`, then `linkat`), so a writer killed midway
    /// leaves nothing; where the file system has no unnamed files, a named temp file is used and a later write to the
    /// same path removes what a killed writer left.
    ///
    /// - Parameters:
    ///   - path: the output file.
    ///   - replacing: whether an existing file may be replaced.
    /// - Throws: as ``RestoredKey/write(toPath:replacing:)``.
    public func writeSecretFile(toPath path: String, replacing: Bool) throws {
        try about(path: path) {
            try Vault.checkCanCreate(path, what: "output file", remedy: .replaceExisting, replacing: replacing)
            // A writer killed on a file system without unnamed files left a named temp file holding a secret: remove it.
            AtomicFile.removeLeftovers(for: path)
            let out = try AtomicFile(finalPath: path, unnamed: true)
            try withUnsafeBytes { try out.write($0) }
            do { try out.commit(replacing: replacing) } catch let error as KeyVaultError where error.code == .fileConflict {
                throw KeyVaultError(.fileConflict, "output file \(path) already exists", remedy: .replaceExisting)
            }

        }
    }
}
