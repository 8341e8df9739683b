#ifndef CCRYPT_SHIM_H
#define CCRYPT_SHIM_H
// libxcrypt (Debian's libcrypt1, headers in libcrypt-dev): crypt_rn verifies bcrypt hashes.
#include <crypt.h>
#endif
