// expect: IOCallError line 8
#include <stdio.h>

#pragma nsc_tune domain(x, -1, 1)

float kernel(float x)
{
    FILE *f = fopen("/tmp/nsc_tune_kernel_log.txt", "w");
    (void)f;
    return x;
}
