/* nsc_tune stand-in for <stdbool.h>. */
#ifndef NSC_STDBOOL_H
#define NSC_STDBOOL_H
#define bool _Bool
#define true 1
#define false 0
#endif
