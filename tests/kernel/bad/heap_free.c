// expect: HeapAllocationError line 9
#include <stdlib.h>

#pragma nsc_tune domain(x, -1, 1)

void kernel(float x, float *out)
{
    *out = x * 2.0f;
    free(out);
}
