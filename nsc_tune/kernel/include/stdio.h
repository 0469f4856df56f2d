/* nsc_tune stand-in for <stdio.h>: kernels must not do I/O; calls are rejected with IOCallError
   naming the line. FILE is declared so that a function using it parses and is rejected for
   its I/O, not for an unknown type name. */
#ifndef NSC_STDIO_H
#define NSC_STDIO_H
typedef struct __nsc_FILE FILE;
extern FILE *stdin, *stdout, *stderr;
#define EOF (-1)
#endif
