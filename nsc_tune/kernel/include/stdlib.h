/* nsc_tune stand-in for <stdlib.h>: abs/labs are known to the translator; allocation and I/O
   functions are rejected with a typed error. */
#ifndef NSC_STDLIB_H
#define NSC_STDLIB_H
#ifndef NSC_SIZE_T
#define NSC_SIZE_T
typedef unsigned long size_t;
#endif
#endif
