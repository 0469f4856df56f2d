/* NaN and infinity results: log/sqrt/asin/pow outside their domain, float overflow to inf,
   1/-0.0 == -inf, log(-0.0) == -inf, fmin/fmax ignore NaN, comparisons with NaN are false except !=. */
#include <math.h>

#pragma nsc_tune domain(x, -1.5, 3)
#pragma nsc_tune domain(y, -10, 100)

void kernel(double x, float y, double d[8], float f[5], int *cmp)
{
    double s = sqrt(x);
    d[0] = log(x);
    d[1] = s;
    d[2] = fmin(s, 1.0);
    d[3] = fmax(log(x), -0.5);
    d[4] = 1.0 / trunc(x);
    d[5] = pow(x, 0.5);
    d[6] = asin(x);
    d[7] = acos(x) + atan2(0.0 * x, -1.0);
    f[0] = expf(y);
    f[1] = y * 1e37f;
    f[2] = 1.0f / (0.0f * y);
    f[3] = fminf(sqrtf((float)x), 0.25f);
    f[4] = fmaxf(logf(y), 1.0f);
    *cmp = (s > 0.5) + 2 * (s != s) + 4 * (s <= 0.5) + 8 * (s == s) + 16 * (logf(0.0f * y) < -1e30f);
}
