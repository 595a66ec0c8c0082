// libsodium on its own, called directly: the floor under every keyvault figure.
import CSodium

/// Per-operation costs of the primitives keyvault is built from, on this machine.
struct Floor {
    /// XChaCha20-Poly1305-IETF, seconds per operation, by message size.
    var aeadSeal: [Int: Samples] = [:]
    var aeadOpen: [Int: Samples] = [:]
    /// BLAKE2b-256 keyed, by message size.
    var blake2b: [Int: Samples] = [:]
    /// One X25519 scalar multiplication.
    var x25519 = Samples()

    /// Seconds per call of `body`, measured over batches of `batch` calls; `reps` batches.
    static func perOperation(batch: Int, reps: Int, _ body: () -> Void) -> Samples {
        var samples = Samples()
        for _ in 0..<batch { body() }
        for _ in 0..<reps {
            let start = now()
            for _ in 0..<batch { body() }
            samples.seconds.append((now() - start) / Double(batch))
        }
        return samples
    }

    static func measure(sizes: [Int], reps: Int) -> Floor {
        precondition(sodium_init() >= 0)
        var floor = Floor()
        var key = [UInt8](repeating: 7, count: 32), nonce = [UInt8](repeating: 9, count: 24)
        randombytes_buf(&key, 32)
        randombytes_buf(&nonce, 24)
        let ad = [UInt8](repeating: 1, count: 120)
        for size in sizes {
            var message = [UInt8](repeating: 0, count: size)
            randombytes_buf(&message, size)
            var sealed = [UInt8](repeating: 0, count: size + 16)
            var opened = [UInt8](repeating: 0, count: size)
            var count: UInt64 = 0
            let batch = max(200, 2_000_000 / max(size, 1))
            floor.aeadSeal[size] = perOperation(batch: batch, reps: reps) {
                _ = crypto_aead_xchacha20poly1305_ietf_encrypt(&sealed, &count, message, UInt64(size), ad, UInt64(ad.count), nil, nonce, key)
            }
            floor.aeadOpen[size] = perOperation(batch: batch, reps: reps) {
                let rc = crypto_aead_xchacha20poly1305_ietf_decrypt(&opened, &count, nil, sealed, UInt64(size + 16), ad, UInt64(ad.count), nonce, key)
                precondition(rc == 0)
            }
            var digest = [UInt8](repeating: 0, count: 32)
            floor.blake2b[size] = perOperation(batch: batch, reps: reps) {
                _ = crypto_generichash(&digest, 32, message, UInt64(size), key, 32)
            }
        }
        var secret = [UInt8](repeating: 0, count: 32), peer = [UInt8](repeating: 0, count: 32), shared = [UInt8](repeating: 0, count: 32)
        randombytes_buf(&secret, 32)
        randombytes_buf(&peer, 32)
        _ = crypto_scalarmult_base(&peer, secret)
        floor.x25519 = perOperation(batch: 200, reps: reps) { _ = crypto_scalarmult(&shared, secret, peer) }
        return floor
    }

    /// BLAKE2b of `count` bytes, from the nearest measured size's throughput.
    func blake2bSeconds(_ count: Int) -> Double {
        let (size, s) = blake2b.max { $0.key < $1.key }!
        return s.median / Double(size) * Double(count)
    }
}

/// The password hashes, each run in a child process of its own so that its time and peak memory are its alone.
enum PasswordHashChild {
    /// Runs one hash; the bench re-executes itself with `child-kdf NAME`.
    static func run(_ name: String) -> Int32 {
        precondition(sodium_init() >= 0)
        var out = [UInt8](repeating: 0, count: 32)
        let password = Array("correct horse battery staple".utf8)
        let salt = [UInt8](repeating: 3, count: 32)
        let rc: Int32
        switch name {
        case "argon2id-moderate":
            rc = crypto_pwhash(&out, 32, password.map { CChar(bitPattern: $0) }, UInt64(password.count), salt, 3, 256 << 20, crypto_pwhash_alg_argon2id13())
        case "argon2id-interactive":
            rc = crypto_pwhash(&out, 32, password.map { CChar(bitPattern: $0) }, UInt64(password.count), salt, 2, 64 << 20, crypto_pwhash_alg_argon2id13())
        case "scrypt-age":  // age's passphrase default: scrypt with N = 2^18, r = 8, p = 1
            rc = crypto_pwhash_scryptsalsa208sha256_ll(password, password.count, salt, 16, 1 << 18, 8, 1, &out, 32)
        case "none":
            rc = 0
        default:
            return 2
        }
        return rc == 0 ? 0 : 1
    }
}
