// OpenSSL 3 libcrypto, imported into Swift through one header, with the macros Swift cannot import as functions.
#ifndef KEYVAULT_COPENSSL_SHIM_H
#define KEYVAULT_COPENSSL_SHIM_H
#include "renames.h"
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/core_names.h>

static inline void kv_openssl_free(void *p) { OPENSSL_free(p); }
static inline const EVP_MD *kv_sha256(void) { return EVP_sha256(); }
static inline unsigned long kv_xn_flag_rfc2253(void) { return XN_FLAG_RFC2253; }
static inline int kv_rsa_oaep_padding(void) { return RSA_PKCS1_OAEP_PADDING; }
static inline int kv_rsa_pss_padding(void) { return RSA_PKCS1_PSS_PADDING; }
static inline int kv_rsa_pss_saltlen_digest(void) { return RSA_PSS_SALTLEN_DIGEST; }
static inline int kv_pkey_rsa(void) { return EVP_PKEY_RSA; }
static inline int kv_pkey_rsa_pss(void) { return EVP_PKEY_RSA_PSS; }
static inline int kv_pkey_ec(void) { return EVP_PKEY_EC; }
static inline int kv_pkey_ed25519(void) { return EVP_PKEY_ED25519; }
static inline int kv_pkey_ed448(void) { return EVP_PKEY_ED448; }
static inline int kv_pkey_dsa(void) { return EVP_PKEY_DSA; }
static inline int kv_pkey_x25519(void) { return EVP_PKEY_X25519; }

/// PEM password callback that hands OpenSSL the NUL-terminated password in `u` (guarded memory owned by Swift).
static inline int kv_pem_password_cb(char *buf, int size, int rwflag, void *u) {
    (void)rwflag;
    if (u == NULL) return -1;
    const char *pw = (const char *)u;
    int n = 0;
    while (pw[n] != 0 && n < size) { buf[n] = pw[n]; n++; }
    // Longer than OpenSSL's room: refused rather than cut short (a cut password would be another password).
    if (pw[n] != 0) return -1;
    return n;
}
static inline EVP_PKEY *kv_read_private_key(BIO *bio, void *password) {
    return PEM_read_bio_PrivateKey(bio, NULL, kv_pem_password_cb, password);
}
static inline BIO *kv_bio_from_memory(const void *buf, int len) { return BIO_new_mem_buf(buf, len); }
/// OAEP (SHA-256, MGF1-SHA-256, no label) unpadding of a raw RSA block of `count` bytes (the modulus size), for a token
/// that decrypts raw RSA but whose own OAEP knows only SHA-1. Returns the message length, or -1.
static inline int kv_rsa_oaep_sha256_unpad(unsigned char *to, int room, const unsigned char *block, int count) {
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
    return RSA_padding_check_PKCS1_OAEP_mgf1(to, room, block, count, count, NULL, 0, EVP_sha256(), EVP_sha256());
#pragma clang diagnostic pop
}

/// An RSA key's modulus, big-endian, into `out` (room `room`); returns its length, or -1.
static inline int kv_rsa_modulus(const EVP_PKEY *key, unsigned char *out, int room) {
    BIGNUM *n = NULL;
    if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) != 1) return -1;
    int count = BN_num_bytes(n);
    int result = count <= room ? BN_bn2bin(n, out) : -1;
    BN_free(n);
    return result;
}

/// An ECDSA signature `r ‖ s` (each `half` bytes) as DER, into a buffer OpenSSL allocates (`*out`, free with
/// kv_openssl_free); returns its length, or -1.
static inline int kv_ecdsa_raw_to_der(const unsigned char *raw, int half, unsigned char **out) {
    ECDSA_SIG *sig = ECDSA_SIG_new();
    if (sig == NULL) return -1;
    BIGNUM *r = BN_bin2bn(raw, half, NULL), *s = BN_bin2bn(raw + half, half, NULL);
    if (r == NULL || s == NULL || ECDSA_SIG_set0(sig, r, s) != 1) {
        BN_free(r); BN_free(s); ECDSA_SIG_free(sig);
        return -1;
    }
    *out = NULL;
    int count = i2d_ECDSA_SIG(sig, out);
    ECDSA_SIG_free(sig);
    return count;
}
#endif
