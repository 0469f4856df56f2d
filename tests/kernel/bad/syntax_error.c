// expect: CSyntaxError line 13
#include <math.h>

#define SCALE 2.0f

/* A multi-line comment, so that the reported line must survive
   comment stripping and macro expansion. */
#pragma nsc_tune domain(x, -1, 1)

float kernel(float x)
{
    float y = SCALE * x;
    y = (y + sinf(x);
    return y;
}
