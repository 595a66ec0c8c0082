// A PKCS#11 module, loaded at run time (dlopen), reduced to the calls a certificate custodian on a token needs.
// Every function returns the module's CK_RV (0 is CKR_OK); KV_P11_NOT_LOADED and KV_P11_NO_FUNCTIONS are ours.
#ifndef CKEYVAULT_PKCS11_H
#define CKEYVAULT_PKCS11_H
#include <stddef.h>
#include <stdint.h>

/// A loaded, initialised module.
typedef struct kv_p11_module kv_p11_module;

/// The module file could not be loaded (dlopen); kv_p11_load_error() says why.
#define KV_P11_NOT_LOADED 0xFFFF0001UL
/// The file loaded but has no C_GetFunctionList, or it failed: not a PKCS#11 module.
#define KV_P11_NO_FUNCTIONS 0xFFFF0002UL
/// The module reported a result longer than the buffer it was given (a faulty or hostile module): nothing of it is used.
#define KV_P11_RESULT_TOO_LONG 0xFFFF0003UL

/// Loads the module at `path` and calls C_Initialize (OS locking). On success `*out` is set.
unsigned long kv_p11_load(const char *path, kv_p11_module **out);
/// dlerror()'s text after a KV_P11_NOT_LOADED, copied into `buffer` (NUL-terminated).
void kv_p11_load_error(char *buffer, size_t count);
/// C_Finalize, then unloads the module.
void kv_p11_unload(kv_p11_module *module);

/// The slots that hold a token: up to `max` written to `slots`, the number present in `*count`.
unsigned long kv_p11_slots(kv_p11_module *module, unsigned long *slots, unsigned long max, unsigned long *count);

/// The token in `slot`: label (32), manufacturer (32), model (16) and serial (16), blank-padded as PKCS#11 has them,
/// and its flags (CKF_LOGIN_REQUIRED, CKF_USER_PIN_COUNT_LOW, CKF_USER_PIN_FINAL_TRY, CKF_USER_PIN_LOCKED, ...).
unsigned long kv_p11_token(kv_p11_module *module, unsigned long slot, char label[32], char manufacturer[32], char model[16],
                           char serial[16], unsigned long *flags);

/// Opens a read-only session on `slot`.
unsigned long kv_p11_open_session(kv_p11_module *module, unsigned long slot, unsigned long *session);
/// Closes `session`.
void kv_p11_close_session(kv_p11_module *module, unsigned long session);
/// Whether the user is logged in on the token of `session` (another session of this process may have logged in:
/// PKCS#11 login is per token and application). Returns 1, 0, or -1 when the state cannot be read.
int kv_p11_logged_in(kv_p11_module *module, unsigned long session);
/// C_Login as the user, once (never retried here: a token counts wrong PINs).
unsigned long kv_p11_login(kv_p11_module *module, unsigned long session, const uint8_t *pin, size_t pin_count);

/// Objects of class `object_class` (CKO_*) whose label is `label` (when not NULL) and id is `id` (when `id_count` > 0):
/// up to `max` handles written, the number found in `*count`.
unsigned long kv_p11_find(kv_p11_module *module, unsigned long session, unsigned long object_class, const char *label,
                          const uint8_t *id, size_t id_count, unsigned long *handles, unsigned long max,
                          unsigned long *count);

/// One attribute of `object`: with `value` NULL, its length in `*count`; otherwise its value (`*count` in: room, out:
/// length).
unsigned long kv_p11_attribute(kv_p11_module *module, unsigned long session, unsigned long object, unsigned long type,
                               uint8_t *value, unsigned long *count);

/// RSA-OAEP decryption on the token with SHA-256 and MGF1-SHA-256, no label.
unsigned long kv_p11_decrypt_oaep_sha256(kv_p11_module *module, unsigned long session, unsigned long key,
                                         const uint8_t *input, size_t input_count, uint8_t *output,
                                         unsigned long *output_count);
/// Raw RSA (CKM_RSA_X_509) on the token: the padded block, for tokens whose OAEP knows only SHA-1.
unsigned long kv_p11_decrypt_raw_rsa(kv_p11_module *module, unsigned long session, unsigned long key,
                                     const uint8_t *input, size_t input_count, uint8_t *output,
                                     unsigned long *output_count);
/// ECDH (CKM_ECDH1_DERIVE, no KDF) with the peer's uncompressed `point`, DER-wrapped when `wrap_point`: the shared
/// secret (the x-coordinate) read from a temporary session object, which is destroyed before return.
unsigned long kv_p11_ecdh(kv_p11_module *module, unsigned long session, unsigned long key, const uint8_t *point,
                          size_t point_count, int wrap_point, uint8_t *secret, unsigned long *secret_count);
/// Signs a SHA-256 `digest` on the token: RSA-PSS (SHA-256, MGF1-SHA-256, 32-byte salt) when `rsa`, else ECDSA
/// (r ‖ s).
unsigned long kv_p11_sign_digest(kv_p11_module *module, unsigned long session, unsigned long key, int rsa,
                                 const uint8_t *digest, size_t digest_count, uint8_t *signature,
                                 unsigned long *signature_count);

#endif
