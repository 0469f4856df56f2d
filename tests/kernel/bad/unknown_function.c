// expect: UnknownFunctionError line 8
#include <math.h>

#pragma nsc_tune domain(x, -1, 1)

float kernel(float x)
{
    float y = sinf(x) + foo(x);
    return y;
}
