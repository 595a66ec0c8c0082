// A PKCS#11 module, loaded at run time (dlopen), reduced to the calls a certificate custodian on a token needs.
#include "CKeyVaultPKCS11.h"
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <p11-kit-1/p11-kit/pkcs11.h>

struct kv_p11_module {
    void *library;
    CK_FUNCTION_LIST *functions;
};

static __thread char load_error[512];

unsigned long kv_p11_load(const char *path, kv_p11_module **out) {
    *out = NULL;
    load_error[0] = 0;
    void *library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *why = dlerror();
        strncpy(load_error, why ? why : "unknown error", sizeof load_error - 1);
        load_error[sizeof load_error - 1] = 0;
        return KV_P11_NOT_LOADED;
    }
    CK_C_GetFunctionList get = (CK_C_GetFunctionList)dlsym(library, "C_GetFunctionList");
    CK_FUNCTION_LIST *functions = NULL;
    if (get == NULL || get(&functions) != CKR_OK || functions == NULL) {
        dlclose(library);
        return KV_P11_NO_FUNCTIONS;
    }
    CK_C_INITIALIZE_ARGS args;
    memset(&args, 0, sizeof args);
    args.flags = CKF_OS_LOCKING_OK;
    CK_RV rv = functions->C_Initialize(&args);
    if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
        dlclose(library);
        return rv;
    }
    kv_p11_module *module = calloc(1, sizeof *module);
    if (module == NULL) {
        functions->C_Finalize(NULL);
        dlclose(library);
        return CKR_HOST_MEMORY;
    }
    module->library = library;
    module->functions = functions;
    *out = module;
    return CKR_OK;
}

void kv_p11_load_error(char *buffer, size_t count) {
    if (count == 0) return;
    strncpy(buffer, load_error, count - 1);
    buffer[count - 1] = 0;
}

void kv_p11_unload(kv_p11_module *module) {
    if (module == NULL) return;
    module->functions->C_Finalize(NULL);
    dlclose(module->library);
    free(module);
}

unsigned long kv_p11_slots(kv_p11_module *module, unsigned long *slots, unsigned long max, unsigned long *count) {
    CK_ULONG n = 0;
    CK_RV rv = module->functions->C_GetSlotList(CK_TRUE, NULL, &n);
    if (rv != CKR_OK) return rv;
    CK_SLOT_ID *list = calloc(n ? n : 1, sizeof *list);
    if (list == NULL) return CKR_HOST_MEMORY;
    rv = module->functions->C_GetSlotList(CK_TRUE, list, &n);
    if (rv == CKR_OK) {
        for (CK_ULONG i = 0; i < n && i < max; i++) slots[i] = list[i];
        *count = n;
    }
    free(list);
    return rv;
}

unsigned long kv_p11_token(kv_p11_module *module, unsigned long slot, char label[32], char manufacturer[32], char model[16],
                           char serial[16], unsigned long *flags) {
    CK_TOKEN_INFO info;
    CK_RV rv = module->functions->C_GetTokenInfo(slot, &info);
    if (rv != CKR_OK) return rv;
    memcpy(label, info.label, 32);
    memcpy(manufacturer, info.manufacturerID, 32);
    memcpy(model, info.model, 16);
    memcpy(serial, info.serialNumber, 16);
    *flags = info.flags;
    return CKR_OK;
}

unsigned long kv_p11_open_session(kv_p11_module *module, unsigned long slot, unsigned long *session) {
    CK_SESSION_HANDLE handle = 0;
    CK_RV rv = module->functions->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &handle);
    *session = handle;
    return rv;
}

void kv_p11_close_session(kv_p11_module *module, unsigned long session) { module->functions->C_CloseSession(session); }

int kv_p11_logged_in(kv_p11_module *module, unsigned long session) {
    CK_SESSION_INFO info;
    if (module->functions->C_GetSessionInfo(session, &info) != CKR_OK) return -1;
    return info.state == CKS_RO_USER_FUNCTIONS || info.state == CKS_RW_USER_FUNCTIONS;
}

unsigned long kv_p11_login(kv_p11_module *module, unsigned long session, const uint8_t *pin, size_t pin_count) {
    return module->functions->C_Login(session, CKU_USER, (CK_UTF8CHAR *)pin, pin_count);
}

unsigned long kv_p11_find(kv_p11_module *module, unsigned long session, unsigned long object_class, const char *label,
                          const uint8_t *id, size_t id_count, unsigned long *handles, unsigned long max,
                          unsigned long *count) {
    CK_OBJECT_CLASS cls = object_class;
    CK_ATTRIBUTE template[3];
    CK_ULONG n = 0;
    template[n].type = CKA_CLASS; template[n].pValue = &cls; template[n].ulValueLen = sizeof cls; n++;
    if (label != NULL) {
        template[n].type = CKA_LABEL; template[n].pValue = (void *)label; template[n].ulValueLen = strlen(label); n++;
    }
    if (id_count > 0) {
        template[n].type = CKA_ID; template[n].pValue = (void *)id; template[n].ulValueLen = id_count; n++;
    }
    CK_RV rv = module->functions->C_FindObjectsInit(session, template, n);
    if (rv != CKR_OK) return rv;
    *count = 0;
    for (;;) {
        CK_OBJECT_HANDLE found[16];
        CK_ULONG got = 0;
        rv = module->functions->C_FindObjects(session, found, 16, &got);
        if (rv != CKR_OK || got == 0) break;
        if (got > 16) got = 16;  // a module that reports more than it was given room for
        if (*count > 4096) break;
        for (CK_ULONG i = 0; i < got; i++) {
            if (*count < max) handles[*count] = found[i];
            (*count)++;
        }
    }
    CK_RV final = module->functions->C_FindObjectsFinal(session);
    return rv != CKR_OK ? rv : final;
}

unsigned long kv_p11_attribute(kv_p11_module *module, unsigned long session, unsigned long object, unsigned long type,
                               uint8_t *value, unsigned long *count) {
    CK_ULONG capacity = value ? *count : 0;
    CK_ATTRIBUTE attribute = { type, value, capacity };
    CK_RV rv = module->functions->C_GetAttributeValue(session, object, &attribute, 1);
    *count = attribute.ulValueLen;
    if (rv == CKR_OK && attribute.ulValueLen == (CK_ULONG)-1) return CKR_ATTRIBUTE_TYPE_INVALID;
    if (rv == CKR_OK && value && attribute.ulValueLen > capacity) { *count = 0; return KV_P11_RESULT_TOO_LONG; }
    return rv;
}

static unsigned long decrypt(kv_p11_module *module, unsigned long session, unsigned long key, CK_MECHANISM *mechanism,
                             const uint8_t *input, size_t input_count, uint8_t *output, unsigned long *output_count) {
    CK_RV rv = module->functions->C_DecryptInit(session, mechanism, key);
    if (rv != CKR_OK) return rv;
    CK_ULONG capacity = *output_count, n = capacity;
    rv = module->functions->C_Decrypt(session, (CK_BYTE *)input, input_count, output, &n);
    if (rv == CKR_OK && n > capacity) { *output_count = 0; return KV_P11_RESULT_TOO_LONG; }
    *output_count = n;
    return rv;
}

unsigned long kv_p11_decrypt_oaep_sha256(kv_p11_module *module, unsigned long session, unsigned long key,
                                         const uint8_t *input, size_t input_count, uint8_t *output,
                                         unsigned long *output_count) {
    CK_RSA_PKCS_OAEP_PARAMS params = { CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, NULL, 0 };
    CK_MECHANISM mechanism = { CKM_RSA_PKCS_OAEP, &params, sizeof params };
    return decrypt(module, session, key, &mechanism, input, input_count, output, output_count);
}

unsigned long kv_p11_decrypt_raw_rsa(kv_p11_module *module, unsigned long session, unsigned long key,
                                     const uint8_t *input, size_t input_count, uint8_t *output,
                                     unsigned long *output_count) {
    CK_MECHANISM mechanism = { CKM_RSA_X_509, NULL, 0 };
    return decrypt(module, session, key, &mechanism, input, input_count, output, output_count);
}

unsigned long kv_p11_ecdh(kv_p11_module *module, unsigned long session, unsigned long key, const uint8_t *point,
                          size_t point_count, int wrap_point, uint8_t *secret, unsigned long *secret_count) {
    uint8_t wrapped[2 + 255];
    const uint8_t *public_data = point;
    size_t public_count = point_count;
    if (wrap_point) {
        if (point_count > 127) return CKR_ARGUMENTS_BAD;
        wrapped[0] = 0x04;  // DER OCTET STRING
        wrapped[1] = (uint8_t)point_count;
        memcpy(wrapped + 2, point, point_count);
        public_data = wrapped;
        public_count = point_count + 2;
    }
    CK_ECDH1_DERIVE_PARAMS params = { CKD_NULL, 0, NULL, public_count, (CK_BYTE *)public_data };
    CK_MECHANISM mechanism = { CKM_ECDH1_DERIVE, &params, sizeof params };
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE type = CKK_GENERIC_SECRET;
    CK_BBOOL no = CK_FALSE, yes = CK_TRUE;
    CK_ATTRIBUTE template[] = {
        { CKA_CLASS, &cls, sizeof cls },         { CKA_KEY_TYPE, &type, sizeof type },
        { CKA_TOKEN, &no, sizeof no },           { CKA_SENSITIVE, &no, sizeof no },
        { CKA_EXTRACTABLE, &yes, sizeof yes },
    };
    CK_OBJECT_HANDLE derived = 0;
    CK_RV rv = module->functions->C_DeriveKey(session, &mechanism, key, template, sizeof template / sizeof template[0],
                                              &derived);
    if (rv != CKR_OK) return rv;
    CK_ULONG capacity = *secret_count;
    CK_ATTRIBUTE value = { CKA_VALUE, secret, capacity };
    rv = module->functions->C_GetAttributeValue(session, derived, &value, 1);
    *secret_count = value.ulValueLen;
    module->functions->C_DestroyObject(session, derived);
    if (rv == CKR_OK && value.ulValueLen > capacity) { *secret_count = 0; return KV_P11_RESULT_TOO_LONG; }
    return rv;
}

unsigned long kv_p11_sign_digest(kv_p11_module *module, unsigned long session, unsigned long key, int rsa,
                                 const uint8_t *digest, size_t digest_count, uint8_t *signature,
                                 unsigned long *signature_count) {
    CK_RSA_PKCS_PSS_PARAMS pss = { CKM_SHA256, CKG_MGF1_SHA256, 32 };
    CK_MECHANISM mechanism = rsa ? (CK_MECHANISM){ CKM_RSA_PKCS_PSS, &pss, sizeof pss } : (CK_MECHANISM){ CKM_ECDSA, NULL, 0 };
    CK_RV rv = module->functions->C_SignInit(session, &mechanism, key);
    if (rv != CKR_OK) return rv;
    CK_ULONG capacity = *signature_count, n = capacity;
    rv = module->functions->C_Sign(session, (CK_BYTE *)digest, digest_count, signature, &n);
    if (rv == CKR_OK && n > capacity) { *signature_count = 0; return KV_P11_RESULT_TOO_LONG; }
    *signature_count = n;
    return rv;
}
