/* nsc_tune stand-in for <inttypes.h>. */
#include <stdint.h>
