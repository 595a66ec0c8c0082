// PostgreSQL's libpq, loaded only when a vault lives in a database (`postgresql://...#NAME`): other commands do not
// map it, nor the libraries it needs.
#ifndef CKEYVAULT_LIBPQ_LOADER_H
#define CKEYVAULT_LIBPQ_LOADER_H
#include <stddef.h>
#include <postgresql/libpq-fe.h>  // CLibpq: Debian libpq-dev

/// Loads libpq (libpq.so.5) and every function keyvault calls, once per process. Returns 1 when they are there;
/// otherwise 0, with why (dlerror's text, or the function that is missing) in `error`, NUL-terminated.
int kv_pq_load(char *error, size_t count);

// libpq's functions of the same name without the prefix; call only after kv_pq_load returned 1.
PGconn *kv_PQconnectdb(const char *conninfo);
ConnStatusType kv_PQstatus(const PGconn *conn);
char *kv_PQerrorMessage(const PGconn *conn);
void kv_PQfinish(PGconn *conn);
PGresult *kv_PQexecParams(PGconn *conn, const char *command, int nParams, const Oid *paramTypes,
                          const char *const *paramValues, const int *paramLengths, const int *paramFormats,
                          int resultFormat);
ExecStatusType kv_PQresultStatus(const PGresult *res);
char *kv_PQresultErrorField(const PGresult *res, int fieldcode);
char *kv_PQresultErrorMessage(const PGresult *res);
int kv_PQntuples(const PGresult *res);
int kv_PQnfields(const PGresult *res);
char *kv_PQgetvalue(const PGresult *res, int tup_num, int field_num);
int kv_PQgetlength(const PGresult *res, int tup_num, int field_num);
int kv_PQgetisnull(const PGresult *res, int tup_num, int field_num);
void kv_PQclear(PGresult *res);
int kv_PQserverVersion(const PGconn *conn);
#endif
