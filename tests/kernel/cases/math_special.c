/* erf / erfc in double and float forms. */
#include <math.h>

#pragma nsc_tune domain(x, -3, 8)
#pragma nsc_tune domain(xf, -3, 8)

void kernel(double x, float xf, double d[3], float f[3])
{
    d[0] = erf(x);
    d[1] = erfc(x);
    d[2] = erf(x * 0.1) / (x * 0.1 + 20.0);
    f[0] = erff(xf);
    f[1] = erfcf(xf);
    f[2] = erfcf(xf * 0.5f) * 2.0f;
}
