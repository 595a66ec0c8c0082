// PostgreSQL's client library, libpq (Debian libpq-dev), as keyvault's Swift code sees it: its types and constants.
#ifndef KEYVAULT_CLIBPQ_SHIM_H
#define KEYVAULT_CLIBPQ_SHIM_H
#include <postgresql/libpq-fe.h>
#endif
