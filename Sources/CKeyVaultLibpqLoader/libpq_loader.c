// PostgreSQL's libpq, loaded with dlopen when keyvault first opens a vault in a database.
//
// Each kv_NAME calls libpq's NAME through a pointer that kv_pq_load() fills in, so that the executable does not need
// libpq.so.5 (nor libssl, GSSAPI and LDAP, which it pulls in) to start: a file vault's commands never map it. The
// prototypes are checked against libpq-fe.h's own.
#include "CKeyVaultLibpqLoader.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/// Every libpq function keyvault calls: return type, name, parameters, arguments.
#define KV_PQ_FUNCTIONS(KV_FUNCTION, KV_VOID) \
    KV_FUNCTION(PGconn *, PQconnectdb, (const char *conninfo), (conninfo)) \
    KV_FUNCTION(ConnStatusType, PQstatus, (const PGconn *conn), (conn)) \
    KV_FUNCTION(char *, PQerrorMessage, (const PGconn *conn), (conn)) \
    KV_VOID(PQfinish, (PGconn *conn), (conn)) \
    KV_FUNCTION(PGresult *, PQexecParams, (PGconn *conn, const char *command, int nParams, const Oid *paramTypes, const char *const *paramValues, const int *paramLengths, const int *paramFormats, int resultFormat), (conn, command, nParams, paramTypes, paramValues, paramLengths, paramFormats, resultFormat)) \
    KV_FUNCTION(ExecStatusType, PQresultStatus, (const PGresult *res), (res)) \
    KV_FUNCTION(char *, PQresultErrorField, (const PGresult *res, int fieldcode), (res, fieldcode)) \
    KV_FUNCTION(char *, PQresultErrorMessage, (const PGresult *res), (res)) \
    KV_FUNCTION(int, PQntuples, (const PGresult *res), (res)) \
    KV_FUNCTION(int, PQnfields, (const PGresult *res), (res)) \
    KV_FUNCTION(char *, PQgetvalue, (const PGresult *res, int tup_num, int field_num), (res, tup_num, field_num)) \
    KV_FUNCTION(int, PQgetlength, (const PGresult *res, int tup_num, int field_num), (res, tup_num, field_num)) \
    KV_FUNCTION(int, PQgetisnull, (const PGresult *res, int tup_num, int field_num), (res, tup_num, field_num)) \
    KV_VOID(PQclear, (PGresult *res), (res)) \
    KV_FUNCTION(int, PQserverVersion, (const PGconn *conn), (conn))

#define KV_POINTER(ret, name, params, args) static ret(*kv_p_##name) params;
#define KV_VOID_POINTER(name, params, args) static void(*kv_p_##name) params;
KV_PQ_FUNCTIONS(KV_POINTER, KV_VOID_POINTER)

static pthread_once_t kv_once = PTHREAD_ONCE_INIT;
static int kv_loaded = 0;
static char kv_error[512];

static void kv_load(void) {
    void *library = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *why = dlerror();
        snprintf(kv_error, sizeof kv_error, "%s", why ? why : "dlopen failed");
        return;
    }
#define KV_RESOLVE(ret, name, params, args) \
    if ((*(void **)&kv_p_##name = dlsym(library, #name)) == NULL) { \
        snprintf(kv_error, sizeof kv_error, "libpq.so.5 has no function %s", #name); \
        return; \
    }
#define KV_VOID_RESOLVE(name, params, args) KV_RESOLVE(void, name, params, args)
    KV_PQ_FUNCTIONS(KV_RESOLVE, KV_VOID_RESOLVE)
    __atomic_store_n(&kv_loaded, 1, __ATOMIC_RELEASE);
}

int kv_pq_load(char *error, size_t count) {
    pthread_once(&kv_once, kv_load);
    if (__atomic_load_n(&kv_loaded, __ATOMIC_ACQUIRE)) return 1;
    if (count > 0) snprintf(error, count, "%s", kv_error);
    return 0;
}

/// A libpq function was reached before kv_pq_load succeeded: a bug in keyvault's Swift code, which loads it first.
static void kv_require(const char *name) {
    fprintf(stderr, "keyvault: error: internal: %s called before libpq was loaded\n", name);
    abort();
}

#define KV_DEFINE(ret, name, params, args)                                      \
    ret kv_##name params {                                                      \
        if (!__atomic_load_n(&kv_loaded, __ATOMIC_ACQUIRE)) kv_require(#name);   \
        return kv_p_##name args;                                                \
    }
#define KV_VOID_DEFINE(name, params, args)                                      \
    void kv_##name params {                                                     \
        if (!__atomic_load_n(&kv_loaded, __ATOMIC_ACQUIRE)) kv_require(#name);   \
        kv_p_##name args;                                                       \
    }
KV_PQ_FUNCTIONS(KV_DEFINE, KV_VOID_DEFINE)
