#ifndef CLIBXML2_SHIM_H
#define CLIBXML2_SHIM_H
#include <libxml/xmlversion.h>
/* Debian builds libxml2 with ICU, so encoding.h includes ICU's headers, which clash with the
   toolchain's own copy of ICU in the same Swift module. Only the layout of
   xmlCharEncodingHandler depends on it, and we never touch that struct, only pointers to it. */
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/tree.h>
#endif
