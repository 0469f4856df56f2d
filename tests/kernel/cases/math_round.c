/* fabs/floor/ceil/round/trunc/fmod/fmin/fmax/copysign (double and float) and abs.
   round() rounds halves away from zero; trunc/ceil of small negatives give -0.0;
   fmod takes the sign of the dividend. */
#include <math.h>

#pragma nsc_tune domain(x, -10, 10)
#pragma nsc_tune domain(n, -20, 20)

void kernel(double x, int n, double d[10], float f[10])
{
    float xf = (float)x;
    d[0] = fabs(x);
    d[1] = floor(x);
    d[2] = ceil(x);
    d[3] = round(n * 0.5);
    d[4] = trunc(x);
    d[5] = fmod(x, 2.5);
    d[6] = fmin(x, n * 0.5);
    d[7] = fmax(x, n * 0.5);
    d[8] = copysign(2.0, trunc(x * 0.1));
    d[9] = copysign(3.0, ceil(x * 0.1)) + round(x);
    f[0] = fabsf(xf);
    f[1] = floorf(xf);
    f[2] = ceilf(xf);
    f[3] = roundf(n * 0.5f);
    f[4] = truncf(xf);
    f[5] = fmodf(xf, -2.5f);
    f[6] = fminf(xf, n * 0.5f);
    f[7] = fmaxf(xf, n * 0.5f);
    f[8] = copysignf(2.0f, truncf(xf * 0.1f));
    f[9] = copysignf(1.5f, -xf) + roundf(xf);
}
