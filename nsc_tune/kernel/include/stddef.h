/* nsc_tune stand-in for <stddef.h>. */
#ifndef NSC_STDDEF_H
#define NSC_STDDEF_H
#ifndef NSC_SIZE_T
#define NSC_SIZE_T
typedef unsigned long size_t;
#endif
typedef long ptrdiff_t;
#endif
