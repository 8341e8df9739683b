#ifndef CMALLOC_SHIM_H
#define CMALLOC_SHIM_H
// glibc's <malloc.h> (mallopt), which the Glibc module does not include.
#include <malloc.h>
#endif
