/* math.h trigonometric functions, double and float forms. */
#include <math.h>

#pragma nsc_tune domain(x, -10, 10)
#pragma nsc_tune domain(y, -1, 1)
#pragma nsc_tune domain(xf, -10, 10)
#pragma nsc_tune domain(yf, -1, 1)

void kernel(double x, double y, float xf, float yf, double d[8], float f[8])
{
    d[0] = sin(x);
    d[1] = cos(x);
    d[2] = tan(x);
    d[3] = asin(y);
    d[4] = acos(y);
    d[5] = atan(x);
    d[6] = atan2(y, x);
    d[7] = sin(xf) + cos(yf);
    f[0] = sinf(xf);
    f[1] = cosf(xf);
    f[2] = tanf(xf);
    f[3] = asinf(yf);
    f[4] = acosf(yf);
    f[5] = atanf(xf);
    f[6] = atan2f(yf, xf);
    f[7] = sin(xf);
}
