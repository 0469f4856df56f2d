// expect: HeapAllocationError line 8
#include <stdlib.h>

#pragma nsc_tune domain(x, -1, 1)

float kernel(float x)
{
    float *buf = (float *)malloc(16);
    buf[0] = x;
    return buf[0];
}
