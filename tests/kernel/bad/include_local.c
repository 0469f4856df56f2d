// expect: IncludeNotSupportedError line 3
#include <math.h>
#include "mylib.h"

#pragma nsc_tune domain(x, -1, 1)

float kernel(float x)
{
    return sinf(x);
}
