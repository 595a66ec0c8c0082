// OpenSSL's libcrypto, loaded with dlopen when keyvault first needs it.
//
// keyvault calls each libcrypto function NAME as kv_ossl_NAME (COpenSSL's renames.h). This file defines kv_ossl_NAME
// as a small function that calls libcrypto's NAME through a pointer, filled in by kv_openssl_load(), so the executable
// does not need libcrypto.so.3 to start: the dynamic loader no longer maps it and resolves its 4,000 symbol relocations
// (it is linked with BIND_NOW) for commands that never use a certificate. A function keyvault starts to use must be
// added to renames.h and to KV_OPENSSL_FUNCTIONS: otherwise it is not renamed, and the link fails with an undefined
// reference (no libcrypto is linked).
#define _GNU_SOURCE  // dlvsym
#include "CKeyVaultOpenSSLLoader.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
// OpenSSL's headers as keyvault's Swift code sees them: each function declared under its kv_ossl_ name (renames.h), so
// the compiler checks every definition below against OpenSSL's own prototype.
#include "../COpenSSL/shim.h"

#pragma clang diagnostic ignored "-Wdeprecated-declarations"

/// Every libcrypto function keyvault calls: return type, name, parameters, arguments.
#define KV_OPENSSL_FUNCTIONS(KV_FUNCTION, KV_VOID) \
    KV_FUNCTION(int, ASN1_TIME_to_tm, (const ASN1_TIME *s, struct tm *tm), (s, tm)) \
    KV_FUNCTION(int, BIO_free, (BIO *a), (a)) \
    KV_FUNCTION(BIO *, BIO_new, (const BIO_METHOD *type), (type)) \
    KV_FUNCTION(BIO *, BIO_new_mem_buf, (const void *buf, int len), (buf, len)) \
    KV_FUNCTION(int, BIO_read, (BIO *b, void *data, int dlen), (b, data, dlen)) \
    KV_FUNCTION(const BIO_METHOD *, BIO_s_mem, (void), ()) \
    KV_FUNCTION(BIGNUM *, BN_bin2bn, (const unsigned char *s, int len, BIGNUM *ret), (s, len, ret)) \
    KV_FUNCTION(int, BN_bn2bin, (const BIGNUM *a, unsigned char *to), (a, to)) \
    KV_VOID(BN_free, (BIGNUM *a), (a)) \
    KV_FUNCTION(int, BN_num_bits, (const BIGNUM *a), (a)) \
    KV_VOID(CRYPTO_free, (void *ptr, const char *file, int line), (ptr, file, line)) \
    KV_FUNCTION(int, CRYPTO_secure_malloc_init, (size_t sz, size_t minsize), (sz, minsize)) \
    KV_FUNCTION(size_t, CRYPTO_secure_used, (void), ()) \
    KV_VOID(ECDSA_SIG_free, (ECDSA_SIG *sig), (sig)) \
    KV_FUNCTION(ECDSA_SIG *, ECDSA_SIG_new, (void), ()) \
    KV_FUNCTION(int, ECDSA_SIG_set0, (ECDSA_SIG *sig, BIGNUM *r, BIGNUM *s), (sig, r, s)) \
    KV_VOID(ERR_clear_error, (void), ()) \
    KV_VOID(ERR_error_string_n, (unsigned long e, char *buf, size_t len), (e, buf, len)) \
    KV_FUNCTION(unsigned long, ERR_get_error, (void), ()) \
    KV_FUNCTION(int, EVP_Digest, (const void *data, size_t count, unsigned char *md, unsigned int *size, const EVP_MD *type, ENGINE *impl), (data, count, md, size, type, impl)) \
    KV_FUNCTION(int, EVP_DigestSign, (EVP_MD_CTX *ctx, unsigned char *sigret, size_t *siglen, const unsigned char *tbs, size_t tbslen), (ctx, sigret, siglen, tbs, tbslen)) \
    KV_FUNCTION(int, EVP_DigestSignInit, (EVP_MD_CTX *ctx, EVP_PKEY_CTX **pctx, const EVP_MD *type, ENGINE *e, EVP_PKEY *pkey), (ctx, pctx, type, e, pkey)) \
    KV_FUNCTION(int, EVP_DigestVerify, (EVP_MD_CTX *ctx, const unsigned char *sigret, size_t siglen, const unsigned char *tbs, size_t tbslen), (ctx, sigret, siglen, tbs, tbslen)) \
    KV_FUNCTION(int, EVP_DigestVerifyInit, (EVP_MD_CTX *ctx, EVP_PKEY_CTX **pctx, const EVP_MD *type, ENGINE *e, EVP_PKEY *pkey), (ctx, pctx, type, e, pkey)) \
    KV_VOID(EVP_MD_CTX_free, (EVP_MD_CTX *ctx), (ctx)) \
    KV_FUNCTION(EVP_MD_CTX *, EVP_MD_CTX_new, (void), ()) \
    KV_VOID(EVP_PKEY_CTX_free, (EVP_PKEY_CTX *ctx), (ctx)) \
    KV_FUNCTION(EVP_PKEY_CTX *, EVP_PKEY_CTX_new, (EVP_PKEY *pkey, ENGINE *e), (pkey, e)) \
    KV_FUNCTION(int, EVP_PKEY_CTX_set_rsa_mgf1_md, (EVP_PKEY_CTX *ctx, const EVP_MD *md), (ctx, md)) \
    KV_FUNCTION(int, EVP_PKEY_CTX_set_rsa_oaep_md, (EVP_PKEY_CTX *ctx, const EVP_MD *md), (ctx, md)) \
    KV_FUNCTION(int, EVP_PKEY_CTX_set_rsa_padding, (EVP_PKEY_CTX *ctx, int pad_mode), (ctx, pad_mode)) \
    KV_FUNCTION(int, EVP_PKEY_CTX_set_rsa_pss_saltlen, (EVP_PKEY_CTX *ctx, int saltlen), (ctx, saltlen)) \
    KV_FUNCTION(int, EVP_PKEY_copy_parameters, (EVP_PKEY *to, const EVP_PKEY *from), (to, from)) \
    KV_FUNCTION(int, EVP_PKEY_decrypt, (EVP_PKEY_CTX *ctx, unsigned char *out, size_t *outlen, const unsigned char *in, size_t inlen), (ctx, out, outlen, in, inlen)) \
    KV_FUNCTION(int, EVP_PKEY_decrypt_init, (EVP_PKEY_CTX *ctx), (ctx)) \
    KV_FUNCTION(int, EVP_PKEY_derive, (EVP_PKEY_CTX *ctx, unsigned char *key, size_t *keylen), (ctx, key, keylen)) \
    KV_FUNCTION(int, EVP_PKEY_derive_init, (EVP_PKEY_CTX *ctx), (ctx)) \
    KV_FUNCTION(int, EVP_PKEY_derive_set_peer, (EVP_PKEY_CTX *ctx, EVP_PKEY *peer), (ctx, peer)) \
    KV_FUNCTION(int, EVP_PKEY_encrypt, (EVP_PKEY_CTX *ctx, unsigned char *out, size_t *outlen, const unsigned char *in, size_t inlen), (ctx, out, outlen, in, inlen)) \
    KV_FUNCTION(int, EVP_PKEY_encrypt_init, (EVP_PKEY_CTX *ctx), (ctx)) \
    KV_FUNCTION(int, EVP_PKEY_eq, (const EVP_PKEY *a, const EVP_PKEY *b), (a, b)) \
    KV_VOID(EVP_PKEY_free, (EVP_PKEY *pkey), (pkey)) \
    KV_FUNCTION(size_t, EVP_PKEY_get1_encoded_public_key, (EVP_PKEY *pkey, unsigned char **ppub), (pkey, ppub)) \
    KV_FUNCTION(int, EVP_PKEY_get_base_id, (const EVP_PKEY *pkey), (pkey)) \
    KV_FUNCTION(int, EVP_PKEY_get_bits, (const EVP_PKEY *pkey), (pkey)) \
    KV_FUNCTION(int, EVP_PKEY_get_bn_param, (const EVP_PKEY *pkey, const char *key_name, BIGNUM **bn), (pkey, key_name, bn)) \
    KV_FUNCTION(int, EVP_PKEY_get_group_name, (const EVP_PKEY *pkey, char *name, size_t name_sz, size_t *gname_len), (pkey, name, name_sz, gname_len)) \
    KV_FUNCTION(int, EVP_PKEY_keygen, (EVP_PKEY_CTX *ctx, EVP_PKEY **ppkey), (ctx, ppkey)) \
    KV_FUNCTION(int, EVP_PKEY_keygen_init, (EVP_PKEY_CTX *ctx), (ctx)) \
    KV_FUNCTION(EVP_PKEY *, EVP_PKEY_new, (void), ()) \
    KV_FUNCTION(int, EVP_PKEY_set1_encoded_public_key, (EVP_PKEY *pkey, const unsigned char *pub, size_t publen), (pkey, pub, publen)) \
    KV_FUNCTION(const EVP_MD *, EVP_sha256, (void), ()) \
    KV_FUNCTION(const char *, OBJ_nid2sn, (int n), (n)) \
    KV_FUNCTION(EVP_PKEY *, PEM_read_bio_PrivateKey, (BIO *out, EVP_PKEY **x, pem_password_cb *cb, void *u), (out, x, cb, u)) \
    KV_FUNCTION(X509 *, PEM_read_bio_X509, (BIO *out, X509 **x, pem_password_cb *cb, void *u), (out, x, cb, u)) \
    KV_FUNCTION(int, RSA_padding_check_PKCS1_OAEP_mgf1, (unsigned char *to, int tlen, const unsigned char *from, int flen, int num, const unsigned char *param, int plen, const EVP_MD *md, const EVP_MD *mgf1md), (to, tlen, from, flen, num, param, plen, md, mgf1md)) \
    KV_FUNCTION(int, X509_NAME_print_ex, (BIO *out, const X509_NAME *nm, int indent, unsigned long flags), (out, nm, indent, flags)) \
    KV_FUNCTION(int, X509_cmp_current_time, (const ASN1_TIME *s), (s)) \
    KV_FUNCTION(int, X509_digest, (const X509 *data, const EVP_MD *type, unsigned char *md, unsigned int *len), (data, type, md, len)) \
    KV_VOID(X509_free, (X509 *a), (a)) \
    KV_FUNCTION(const ASN1_TIME *, X509_get0_notAfter, (const X509 *x), (x)) \
    KV_FUNCTION(EVP_PKEY *, X509_get_pubkey, (X509 *x), (x)) \
    KV_FUNCTION(X509_NAME *, X509_get_subject_name, (const X509 *a), (a)) \
    KV_FUNCTION(X509 *, d2i_X509, (X509 **a, const unsigned char **in, long len), (a, in, len)) \
    KV_FUNCTION(int, i2d_ECDSA_SIG, (const ECDSA_SIG *a, unsigned char **out), (a, out)) \
    KV_FUNCTION(int, i2d_X509, (const X509 *a, unsigned char **out), (a, out))

#define KV_POINTER(ret, name, params, args) static ret(*kv_p_##name) params;
#define KV_VOID_POINTER(name, params, args) static void(*kv_p_##name) params;
KV_OPENSSL_FUNCTIONS(KV_POINTER, KV_VOID_POINTER)

static pthread_once_t kv_once = PTHREAD_ONCE_INIT;
static int kv_loaded = 0;
static char kv_error[512];

/// Points `*slot` at libcrypto's `name` (the version OpenSSL 3 introduced it under); false, with kv_error set, when it
/// has none.
static int kv_resolve(void *library, void **slot, const char *name) {
    *slot = dlvsym(library, name, "OPENSSL_3.0.0");
    if (*slot != NULL) return 1;
    snprintf(kv_error, sizeof kv_error, "libcrypto.so.3 has no function %s (keyvault needs OpenSSL 3)", name);
    return 0;
}

static void kv_load(void) {
    void *library = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *why = dlerror();
        snprintf(kv_error, sizeof kv_error, "%s", why ? why : "dlopen failed");
        return;
    }
    // `#name` and `kv_p_##name` take NAME as written; passed on to another macro it would expand to kv_ossl_NAME.
#define KV_RESOLVE(ret, name, params, args) \
    if (!kv_resolve(library, (void **)&kv_p_##name, #name)) return;
#define KV_VOID_RESOLVE(name, params, args) \
    if (!kv_resolve(library, (void **)&kv_p_##name, #name)) return;
    KV_OPENSSL_FUNCTIONS(KV_RESOLVE, KV_VOID_RESOLVE)
    __atomic_store_n(&kv_loaded, 1, __ATOMIC_RELEASE);
}

int kv_openssl_load(char *error, size_t count) {
    pthread_once(&kv_once, kv_load);
    if (__atomic_load_n(&kv_loaded, __ATOMIC_ACQUIRE)) return 1;
    if (count > 0) snprintf(error, count, "%s", kv_error);
    return 0;
}

int kv_openssl_is_loaded(void) { return __atomic_load_n(&kv_loaded, __ATOMIC_ACQUIRE); }

/// A libcrypto function was reached on a path that did not load it first (keyvault's Swift code calls
/// OpenSSL.requireLoaded() before the first one): load it now, or stop with the reason.
static void kv_require(const char *name) {
    char why[512];
    if (kv_openssl_load(why, sizeof why)) return;
    fprintf(stderr, "keyvault: error: %s needs OpenSSL 3 (libcrypto.so.3), which could not be loaded: %s\n", name, why);
    abort();
}

// kv_ossl_NAME, for each NAME (renames.h turns `name` into it). Hidden: nothing outside the executable sees them.
#define KV_DEFINE(ret, name, params, args)                                      \
    __attribute__((visibility("hidden"))) ret name params {                     \
        if (!__atomic_load_n(&kv_loaded, __ATOMIC_ACQUIRE)) kv_require(#name);   \
        return kv_p_##name args;                                                \
    }
#define KV_VOID_DEFINE(name, params, args)                                      \
    __attribute__((visibility("hidden"))) void name params {                    \
        if (!__atomic_load_n(&kv_loaded, __ATOMIC_ACQUIRE)) kv_require(#name);   \
        kv_p_##name args;                                                       \
    }
KV_OPENSSL_FUNCTIONS(KV_DEFINE, KV_VOID_DEFINE)
