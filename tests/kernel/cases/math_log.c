/* math.h logarithms, powers and roots, double and float forms; log1p on tiny inputs,
   cbrt of negative numbers. */
#include <math.h>

#pragma nsc_tune domain(x, 0.001, 1000)
#pragma nsc_tune domain(z, -0.00001, 0.00001)
#pragma nsc_tune domain(w, -100, 100)

void kernel(double x, double z, float w, double d[9], float f[9])
{
    d[0] = log(x);
    d[1] = log2(x);
    d[2] = log10(x);
    d[3] = log1p(z);
    d[4] = pow(x, w * 0.03);
    d[5] = sqrt(x);
    d[6] = cbrt(w);
    d[7] = hypot(x, w);
    d[8] = pow(w, 3.0);
    float xf = (float)x;
    f[0] = logf(xf);
    f[1] = log2f(xf);
    f[2] = log10f(xf);
    f[3] = log1pf((float)z);
    f[4] = powf(xf, w * 0.03f);
    f[5] = sqrtf(xf);
    f[6] = cbrtf(w);
    f[7] = hypotf(xf, w);
    f[8] = powf(w, 2.0f);
}
