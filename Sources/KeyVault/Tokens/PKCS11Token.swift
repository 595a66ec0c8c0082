// One logged-in session on a PKCS#11 token, holding the private key a certificate custodian unlocks with.
internal import CKeyVaultPKCS11

/// A session on a token, opened through a module loaded for it; every call is serialised (a PKCS#11 session is used
/// by one thread at a time). The module is finalised and unloaded when the last reference goes.
final class PKCS11Token: @unchecked Sendable {
    /// Modules loaded in this process, by path, kept until it exits: a module is initialised once per process, and
    /// finalising it for one identity would end the sessions of another on the same module (two keys of a threshold
    /// on one token, say).
    private static let modules = Locked<[String: OpaquePointer]>([:])

    private let module: OpaquePointer
    private let session: UInt
    private let lock = Locked(())
    /// The token's label, for messages.
    let label: String

    private init(module: OpaquePointer, session: UInt, label: String) {
        self.module = module
        self.session = session
        self.label = label
    }

    deinit { kv_p11_close_session(module, session) }

    /// A token's description, as its slot reports it.
    struct Description {
        let slot: UInt
        let label: String
        let manufacturer: String
        let model: String
        let serial: String
        let flags: UInt

        var loginRequired: Bool { flags & 0x4 != 0 }  // CKF_LOGIN_REQUIRED
        var pinLocked: Bool { flags & 0x40000 != 0 }  // CKF_USER_PIN_LOCKED
        var pinFinalTry: Bool { flags & 0x20000 != 0 }  // CKF_USER_PIN_FINAL_TRY
        var initialized: Bool { flags & 0x400 != 0 }  // CKF_TOKEN_INITIALIZED
        var pinPad: Bool { flags & 0x100 != 0 }  // CKF_PROTECTED_AUTHENTICATION_PATH
        /// The label as messages show it (a token's text comes from the device: no control characters).
        var shownLabel: String { label.printable }

        func matches(_ uri: PKCS11URI) -> Bool {
            (uri.token.map { $0 == label } ?? true) && (uri.manufacturer.map { $0 == manufacturer } ?? true)
                && (uri.model.map { $0 == model } ?? true) && (uri.serial.map { $0 == serial } ?? true)
                && (uri.slotID.map { $0 == slot } ?? true)
        }
    }

    /// Loads `modulePath`, finds the one token `uri` names, opens a session and, when the token needs it, logs in with
    /// the PIN `pin` returns (asked once: a token counts wrong PINs, so keyvault never tries one twice).
    static func open(_ uri: PKCS11URI, modulePath: String, pin: (PINRequest) throws -> SecretBytes) throws -> PKCS11Token {
        let module = try loadModule(modulePath)
        // A slot with a blank token (SoftHSM2 always offers one) holds no key.
        let tokens = try describeTokens(module).filter(\.initialized)
        let matching = tokens.filter { $0.matches(uri) }
        guard let token = matching.first else {
            let present = tokens.isEmpty ? "no token is present" : "present: " + NameList(tokens.map { "'\($0.shownLabel)'" }).description
            throw KeyVaultError.invalidArgument("no token matches \(Self.tokenPart(uri)) in \(modulePath) (\(present)); is the token inserted?")
        }
        guard matching.count == 1 else {
            throw KeyVaultError.invalidArgument(
                "\(matching.count) tokens match \(Self.tokenPart(uri)) in \(modulePath); add serial= to the URI to name one")
        }
        var session: UInt = 0
        let opened = kv_p11_open_session(module, token.slot, &session)
        guard opened == 0 else { throw PKCS11Failure(opened).error("cannot open a session on token '\(token.shownLabel)'") }
        let result = PKCS11Token(module: module, session: session, label: token.shownLabel)
        // Another identity on this token may have logged in already (login is per token and process): no second PIN.
        if token.loginRequired && kv_p11_logged_in(module, session) != 1 {
            let name = token.shownLabel
            guard !token.pinLocked else {
                throw KeyVaultError(.unlockFailed, "the user PIN of token '\(name)' is locked; its security officer must unlock it")
            }
            let login: UInt
            if token.pinPad {
                // A reader with its own PIN pad: the PIN is typed there, never through keyvault.
                login = kv_p11_login(module, session, nil, 0)
            } else {
                let note = token.pinFinalTry ? " (final try before the token locks)" : ""
                let secret = try pin(PINRequest(prompt: "PIN for token '\(name)'\(note): ", tokenLabel: name, isFinalTry: token.pinFinalTry))
                login = secret.withUnsafeBytes { raw in
                    kv_p11_login(module, session, raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count)
                }
            }
            switch login {
            case 0, 0x100: break  // CKR_OK, CKR_USER_ALREADY_LOGGED_IN
            case 0xA0, 0xA1, 0xA2:  // CKR_PIN_INCORRECT, CKR_PIN_INVALID, CKR_PIN_LEN_RANGE
                throw KeyVaultError(.unlockFailed, "token '\(name)' refused the PIN; it was tried once")
            case 0xA3:  // CKR_PIN_EXPIRED
                throw KeyVaultError(.unlockFailed, "the user PIN of token '\(name)' has expired; change it with the token's tools first")
            case 0xA4:  // CKR_PIN_LOCKED
                throw KeyVaultError(.unlockFailed, "the user PIN of token '\(name)' is locked; its security officer must unlock it")
            default:
                throw PKCS11Failure(login).error("login to token '\(name)' failed")
            }
        }
        return result
    }

    /// The module at `path`, loaded and initialised once per process.
    private static func loadModule(_ path: String) throws -> OpaquePointer {
        // Keyed by the file it resolves to: two spellings of one path are one module, initialised once.
        let key = Syscalls.resolvedPath(path) ?? path
        return try modules.withLock { loaded in
            if let module = loaded[key] { return module }
            var pointer: OpaquePointer?
            let rv = kv_p11_load(path, &pointer)
            guard rv == 0, let module = pointer else {
                if rv == KV_P11_NOT_LOADED {
                    var buffer = [CChar](repeating: 0, count: 512)
                    kv_p11_load_error(&buffer, buffer.count)
                    let why = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                    // dlerror names the file again, so it is longer than `printable` keeps; only control characters go.
                    let shown = String(why.unicodeScalars.prefix(400).filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init))
                    throw KeyVaultError.invalidArgument("cannot load the PKCS#11 module \(path): \(shown)")
                }
                if rv == KV_P11_NO_FUNCTIONS {
                    throw KeyVaultError.invalidArgument("\(path) is not a PKCS#11 module (it has no working C_GetFunctionList)")
                }
                throw PKCS11Failure(rv).error("the PKCS#11 module \(path) failed to start (C_Initialize)")
            }
            loaded[key] = module
            return module
        }
    }

    private static func tokenPart(_ uri: PKCS11URI) -> String {
        let named = [
            uri.token.map { "token=\($0)" }, uri.serial.map { "serial=\($0)" }, uri.manufacturer.map { "manufacturer=\($0)" },
            uri.model.map { "model=\($0)" }, uri.slotID.map { "slot-id=\($0)" },
        ].compactMap { $0 }
        return named.isEmpty ? "the URI (it names no token, so any)" : named.joined(separator: ";").printable
    }

    private static func describeTokens(_ module: OpaquePointer) throws -> [Description] {
        var slots = [UInt](repeating: 0, count: 64)
        var count: UInt = 0
        let rv = kv_p11_slots(module, &slots, UInt(slots.count), &count)
        guard rv == 0 else { throw PKCS11Failure(rv).error("cannot list the module's tokens (C_GetSlotList)") }
        return try slots.prefix(Int(min(count, 64))).map { slot in
            var label = [CChar](repeating: 0, count: 32), manufacturer = [CChar](repeating: 0, count: 32)
            var model = [CChar](repeating: 0, count: 16), serial = [CChar](repeating: 0, count: 16)
            var flags: UInt = 0
            let rv = kv_p11_token(module, slot, &label, &manufacturer, &model, &serial, &flags)
            guard rv == 0 else { throw PKCS11Failure(rv).error("cannot read the token in slot \(slot) (C_GetTokenInfo)") }
            return Description(
                slot: slot, label: padded(label), manufacturer: padded(manufacturer), model: padded(model),
                serial: padded(serial), flags: flags)
        }
    }

    /// A blank-padded PKCS#11 text field, without its padding.
    private static func padded(_ field: [CChar]) -> String {
        var text = String(decoding: field.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        while text.last == " " || text.last == "\0" { text.removeLast() }
        return text
    }

    // MARK: Objects

    /// Handles of the objects of `objectClass` (CKO_*) with `label` and/or `id`.
    func find(_ objectClass: UInt, label: String?, id: [UInt8]?) throws -> [UInt] {
        try lock.withLock { _ in
            var handles = [UInt](repeating: 0, count: 16)
            var count: UInt = 0
            let idBytes = id ?? []
            let rv = idBytes.withUnsafeBufferPointer { idPointer in
                kv_p11_find(module, session, objectClass, label, idPointer.baseAddress, idBytes.count, &handles, 16, &count)
            }
            guard rv == 0 else { throw PKCS11Failure(rv).error("cannot search token '\(self.label)' (C_FindObjects)") }
            return Array(handles.prefix(Int(min(count, 16))))
        }
    }

    /// An attribute's value (non-secret attributes only: a label, an id, a modulus, a point, a certificate).
    func attribute(_ object: UInt, _ type: UInt) throws -> [UInt8]? {
        try lock.withLock { _ in
            var count: UInt = 0
            var rv = kv_p11_attribute(module, session, object, type, nil, &count)
            if rv == 0x12 || rv == 0x11 { return nil }  // CKR_ATTRIBUTE_TYPE_INVALID, CKR_ATTRIBUTE_SENSITIVE
            guard rv == 0 else { throw PKCS11Failure(rv).error("cannot read a key attribute on token '\(label)'") }
            guard count > 0, count < 1 << 20 else { return count == 0 ? [] : nil }
            var value = [UInt8](repeating: 0, count: Int(count))
            rv = kv_p11_attribute(module, session, object, type, &value, &count)
            guard rv == 0 else { throw PKCS11Failure(rv).error("cannot read a key attribute on token '\(label)'") }
            return Array(value.prefix(Int(count)))
        }
    }

    // MARK: Private-key operations (the key never leaves the token)

    /// RSA-OAEP-SHA-256 decryption of `ciphertext` with `key`; nil when the token says it does not decrypt (another
    /// key, or damage). Tokens whose OAEP knows only SHA-1 (SoftHSM2 2.6) decrypt raw RSA on the token instead, and
    /// OpenSSL removes the OAEP-SHA-256 padding here.
    func rsaOAEPDecrypt(_ ciphertext: [UInt8], key: UInt, modulusCount: Int) throws -> SecretBytes? {
        try lock.withLock { _ in
            let out = try SecretBytes(zeroedCount: max(modulusCount, ciphertext.count, 1))
            var count = UInt(out.count)
            var rv = out.withUnsafeMutableBytes { o in
                kv_p11_decrypt_oaep_sha256(
                    module, session, key, ciphertext, ciphertext.count, o.baseAddress!.assumingMemoryBound(to: UInt8.self), &count)
            }
            if rv == 0 { return try out.prefix(Int(count)) }
            guard Self.isUnsupportedMechanism(rv) else { return try decryptFailure(rv) }
            count = UInt(out.count)
            rv = out.withUnsafeMutableBytes { o in
                kv_p11_decrypt_raw_rsa(module, session, key, ciphertext, ciphertext.count, o.baseAddress!.assumingMemoryBound(to: UInt8.self), &count)
            }
            guard rv == 0 else { return try decryptFailure(rv) }
            guard Int(count) <= modulusCount else { return nil }
            // Some modules drop the block's leading zero bytes: put it back at the modulus's length.
            let block = try SecretBytes(zeroedCount: modulusCount)
            block.withUnsafeMutableBytes { b in
                out.withUnsafeBytes { o in
                    UnsafeMutableRawBufferPointer(rebasing: b[(modulusCount - Int(count))...]).copyMemory(from: UnsafeRawBufferPointer(rebasing: o[..<Int(count)]))
                }
            }
            return try OpenSSL.removeOAEPSHA256Padding(block)
        }
    }

    /// ECDH on the token between `key` and the uncompressed `point`: the shared x-coordinate; nil when the token
    /// refuses the point.
    func ecdh(key: UInt, point: [UInt8]) throws -> SecretBytes? {
        try lock.withLock { _ in
            let out = try SecretBytes(zeroedCount: 66)
            for wrapped: Int32 in [0, 1] {
                var count = UInt(out.count)
                let rv = out.withUnsafeMutableBytes { o in
                    kv_p11_ecdh(module, session, key, point, point.count, wrapped, o.baseAddress!.assumingMemoryBound(to: UInt8.self), &count)
                }
                if rv == 0 { return try out.prefix(Int(count)) }
                // Some tokens want the peer's point as a DER OCTET STRING: try that once.
                guard wrapped == 0, rv == 0x7 || rv == 0x71 else {  // CKR_ARGUMENTS_BAD, CKR_MECHANISM_PARAM_INVALID
                    if rv == 0x68 {  // CKR_KEY_FUNCTION_NOT_PERMITTED
                        throw KeyVaultError(.token, "token '\(label)' does not let this key derive (ECDH); the key needs CKA_DERIVE set")
                    }
                    return try decryptFailure(rv)
                }
            }
            return nil
        }
    }

    /// A signature of the SHA-256 `digest` by `key`: RSA-PSS (SHA-256, MGF1-SHA-256, 32-byte salt) or ECDSA (r ‖ s).
    func sign(digest: [UInt8], key: UInt, rsa: Bool) throws -> [UInt8] {
        try lock.withLock { _ in
            var out = [UInt8](repeating: 0, count: 1024)
            var count = UInt(out.count)
            let rv = kv_p11_sign_digest(module, session, key, rsa ? 1 : 0, digest, digest.count, &out, &count)
            guard rv == 0 else { throw PKCS11Failure(rv).error("token '\(label)' could not sign with its key") }
            return Array(out.prefix(Int(count)))
        }
    }

    private static func isUnsupportedMechanism(_ rv: UInt) -> Bool {
        rv == 0x70 || rv == 0x71 || rv == 0x7 || rv == 0x68  // MECHANISM_INVALID, MECHANISM_PARAM_INVALID, ARGUMENTS_BAD, KEY_FUNCTION_NOT_PERMITTED
    }

    /// A decryption the token refused: nil for "not this key or damaged data"; an error for anything about the token.
    private func decryptFailure(_ rv: UInt) throws -> SecretBytes? {
        switch rv {
        // What depends on the data (and a module's generic failures, which some report for bad padding) is one outcome:
        // this key does not open this slot. No padding oracle.
        case 0x40, 0x41, 0x7, 0x71, 0x20, 0x21, 0x5, 0x6: return nil  // ENCRYPTED_DATA_*, ARGUMENTS_BAD, MECHANISM_PARAM_INVALID, DATA_*, GENERAL_ERROR, FUNCTION_FAILED
        case 0x101: throw KeyVaultError(.unlockFailed, "token '\(label)' needs a login first (CKR_USER_NOT_LOGGED_IN)")
        default: throw PKCS11Failure(rv).error("token '\(label)' failed to use its key")
        }
    }
}

/// What a token asks of the person: its PIN, with what to say when asking.
public struct PINRequest: Sendable {
    /// The prompt, naming the token (`PIN for token 'recovery': `).
    public let prompt: String
    /// The token's label.
    public let tokenLabel: String
    /// The token says one more wrong PIN locks it: a front end should not spend that try from a file.
    public let isFinalTry: Bool
}

/// A CK_RV other than CKR_OK, named.
struct PKCS11Failure {
    let rv: UInt
    init(_ rv: UInt) { self.rv = rv }

    var name: String {
        let names: [UInt: String] = [
            0x1: "CKR_CANCEL", 0x2: "CKR_HOST_MEMORY", 0x3: "CKR_SLOT_ID_INVALID", 0x5: "CKR_GENERAL_ERROR",
            0x6: "CKR_FUNCTION_FAILED", 0x7: "CKR_ARGUMENTS_BAD", 0x30: "CKR_DEVICE_ERROR", 0x31: "CKR_DEVICE_MEMORY",
            0x32: "CKR_DEVICE_REMOVED", 0x54: "CKR_FUNCTION_NOT_SUPPORTED", 0x60: "CKR_KEY_HANDLE_INVALID",
            0x68: "CKR_KEY_FUNCTION_NOT_PERMITTED", 0x70: "CKR_MECHANISM_INVALID", 0x71: "CKR_MECHANISM_PARAM_INVALID",
            0xA0: "CKR_PIN_INCORRECT", 0xA4: "CKR_PIN_LOCKED", 0xB3: "CKR_SESSION_HANDLE_INVALID",
            0xE0: "CKR_TOKEN_NOT_PRESENT", 0xE1: "CKR_TOKEN_NOT_RECOGNIZED", 0x101: "CKR_USER_NOT_LOGGED_IN",
            0x190: "CKR_CRYPTOKI_NOT_INITIALIZED",
            UInt(KV_P11_RESULT_TOO_LONG): "the module reported a result longer than the room it was given (a faulty module; nothing of it was used)",
        ]
        return names[rv] ?? "CK_RV 0x\(String(rv, radix: 16))"
    }

    func error(_ what: String) -> KeyVaultError {
        KeyVaultError(.token, "\(what): \(name)")
    }
}
