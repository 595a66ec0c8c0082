// OpenSSL's libcrypto, loaded only when it is needed (a certificate or token custodian): keyvault's other commands do
// not pay for loading and relocating it (about 0.8 ms per process; docs/BENCHMARKS.md).
#ifndef CKEYVAULT_OPENSSL_LOADER_H
#define CKEYVAULT_OPENSSL_LOADER_H
#include <stddef.h>

/// Loads libcrypto (OpenSSL 3) and every function keyvault calls, once per process. Returns 1 when they are there;
/// otherwise 0, with why (dlerror's text, or the function that is missing) in `error`, NUL-terminated.
int kv_openssl_load(char *error, size_t count);

/// Whether libcrypto has been loaded in this process (for tests).
int kv_openssl_is_loaded(void);
#endif
