/* nsc_tune stand-in for <float.h> (IEEE 754 binary32/binary64). */
#ifndef NSC_FLOAT_H
#define NSC_FLOAT_H
#define FLT_MAX 3.40282346638528859812e+38F
#define FLT_MIN 1.17549435082228750797e-38F
#define FLT_EPSILON 1.1920928955078125e-07F
#define FLT_MANT_DIG 24
#define FLT_DIG 6
#define DBL_MAX 1.79769313486231570815e+308
#define DBL_MIN 2.22507385850720138309e-308
#define DBL_EPSILON 2.22044604925031308085e-16
#define DBL_MANT_DIG 53
#define DBL_DIG 15
#define FLT_RADIX 2
#define FLT_MAX_EXP 128
#define FLT_MIN_EXP (-125)
#define DBL_MAX_EXP 1024
#define DBL_MIN_EXP (-1021)
/* long double is taken as binary64 (as on ARM and MSVC): the frontend has no wider type, and
 * libraries that pick code by its format (musl's libm.h) then pick their double code. */
#define LDBL_MANT_DIG DBL_MANT_DIG
#define LDBL_MAX_EXP DBL_MAX_EXP
#define LDBL_MIN_EXP DBL_MIN_EXP
#define LDBL_DIG DBL_DIG
#define LDBL_MAX DBL_MAX
#define LDBL_MIN DBL_MIN
#define LDBL_EPSILON DBL_EPSILON
#endif
