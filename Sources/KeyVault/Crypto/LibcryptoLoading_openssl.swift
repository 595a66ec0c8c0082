// OpenSSL's libcrypto, loaded on first use (CKeyVaultOpenSSLLoader): only certificate and token custodians need it,
// so every other command starts without mapping and relocating it.
internal import CKeyVaultOpenSSLLoader

extension OpenSSL {
    /// Why libcrypto could not be loaded, or nil once it is; tried once per process, on first use.
    private static let loadFailure: String? = {
        var buffer = [CChar](repeating: 0, count: 512)
        guard kv_openssl_load(&buffer, buffer.count) == 0 else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()

    /// Loads libcrypto when it is not loaded yet. Every way into OpenSSL that does not start from an OpenSSL object
    /// (a certificate's or a private key's bytes, a token's raw RSA block) calls this first.
    ///
    /// - Throws: ``KeyVaultError/Code-swift.struct/crypto`` saying what could not be loaded.
    static func requireLoaded() throws {
        if let why = loadFailure {
            throw KeyVaultError(
                .crypto, "certificate and token custodians need OpenSSL 3's libcrypto.so.3 (Debian package libssl3), which could not be loaded: \(why)")
        }
    }

    /// Whether libcrypto has been loaded in this process.
    static var isLoaded: Bool { kv_openssl_is_loaded() == 1 }
}
