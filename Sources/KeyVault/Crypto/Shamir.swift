// Shamir's secret sharing over GF(2^8), in constant time (no secret-dependent branches or table lookups).

/// Splits a secret into shares, any `threshold` of which recover it. Arithmetic is in GF(2^8) with the AES
/// polynomial x^8 + x^4 + x^3 + x + 1; each secret byte gets its own random polynomial of degree threshold - 1.
/// A share is `x ‖ y[secret.count]` with x in 1...255.
enum Shamir {
    /// Multiplication in GF(2^8), constant time.
    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        var a = a, b = b, product: UInt8 = 0
        for _ in 0..<8 {
            product ^= a & (0 &- (b & 1))
            let carry = 0 &- (a >> 7)
            a = (a << 1) ^ (0x1B & carry)
            b >>= 1
        }
        return product
    }

    /// Multiplicative inverse (a^254), constant time; the inverse of 0 is 0.
    static func inverse(_ a: UInt8) -> UInt8 {
        var result: UInt8 = 1, base = a
        for bit in 0..<8 {  // 254 = 0b11111110
            if bit > 0 { result = multiply(result, base) }
            base = multiply(base, base)
        }
        return result
    }

    /// Splits `secret` into `count` shares with x = 1...count.
    static func split(_ secret: SecretBytes, threshold: Int, count: Int) throws -> [SecretBytes] {
        precondition(threshold >= 2 && threshold <= count && count <= 255)
        let n = secret.count
        let coefficients = try SecretBytes.random(count: n * (threshold - 1))
        var shares: [SecretBytes] = []
        for x in 1...count {
            let share = try SecretBytes(zeroedCount: n + 1)
            share.withUnsafeMutableBytes { out in
                secret.withUnsafeBytes { s in
                    coefficients.withUnsafeBytes { c in
                        out[0] = UInt8(x)
                        for i in 0..<n {
                            // Horner: ((c_{k-1} x + c_{k-2}) x + … + c_1) x + s_i
                            var y: UInt8 = 0
                            for k in stride(from: threshold - 2, through: 0, by: -1) {
                                y = multiply(y, UInt8(x)) ^ c[k * n + i]
                            }
                            out[1 + i] = multiply(y, UInt8(x)) ^ s[i]
                        }
                    }
                }
            }
            shares.append(share)
        }
        return shares
    }

    /// Recovers the secret from shares with distinct nonzero x (exactly the threshold's worth).
    static func combine(_ shares: [SecretBytes]) throws -> SecretBytes {
        precondition(!shares.isEmpty)
        let n = shares[0].count - 1
        let xs = shares.map { share in share.withUnsafeBytes { $0[0] } }
        precondition(Set(xs).count == xs.count && !xs.contains(0) && shares.allSatisfy { $0.count == n + 1 })
        // Lagrange basis at 0: l_j = prod_{m != j} x_m / (x_m - x_j); subtraction is xor.
        let basis: [UInt8] = xs.indices.map { j in
            var numerator: UInt8 = 1, denominator: UInt8 = 1
            for m in xs.indices where m != j {
                numerator = multiply(numerator, xs[m])
                denominator = multiply(denominator, xs[m] ^ xs[j])
            }
            return multiply(numerator, inverse(denominator))
        }
        let secret = try SecretBytes(zeroedCount: n)
        secret.withUnsafeMutableBytes { out in
            for (j, share) in shares.enumerated() {
                share.withUnsafeBytes { y in
                    for i in 0..<n { out[i] ^= multiply(y[1 + i], basis[j]) }
                }
            }
        }
        return secret
    }
}
