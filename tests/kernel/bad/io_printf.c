// expect: IOCallError line 9
#include <stdio.h>

#pragma nsc_tune domain(x, -1, 1)

float kernel(float x)
{
    float y = x * x;
    printf("%f\n", y);
    return y;
}
