// libsodium, imported into Swift through one header.
#include <sodium.h>
